#!/bin/sh
# import.sh - moving in: a team's registers, written by tools nobody here
# wrote (python3-openpyxl for .xlsx, Python's csv module, iconv for the
# GB18030 CSV Chinese Excel saves), imported with 'muster import': merged
# title rows, footers, Chinese and English headings, dates and money in
# every form people type them; a sheet with three bad rows imports nothing
# and names exactly those three, --rejects writes exactly those three and
# imports the rest, importing again adds nothing, and export -> import ->
# export gives the same file.  Bad input (a truncated .xlsx, a zip bomb, a
# 100 MB line, binary garbage, an unclosed quote): one error line, nothing
# written.
. "$top_srcdir/tests/lib.sh"

"$PY" -c 'import openpyxl' 2>/dev/null || skip_all "$PY has no openpyxl module (Debian: python3-openpyxl)"
command -v iconv >/dev/null 2>&1 || skip_all "iconv is not installed"
S=$T/store
D=$T/sheets
mkdir -p "$D"
"$PY" "$top_srcdir/tests/e2e/import_sheets.py" "$D" || { echo "Bail out! the test sheets could not be written"; exit 1; }
iconv -f UTF-8 -t GB18030 "$D/people.csv" >"$D/people_gb.csv"

new_store "$S"
for who in keeper hr finance; do new_key $who; done
as admin key enrol "$T/keeper.key.pub" --role keeper --holder 李娜 >/dev/null
as admin key enrol "$T/hr.key.pub" --role hr --holder 王芳 >/dev/null
as admin key enrol "$T/finance.key.pub" --role finance --holder 王敏 >/dev/null

# ---- teams: a title merged over the columns, a blank line, a signature line under the table
run --store "$S" --key "$T/admin.key" --json import teams "$D/teams.xlsx"
is "$rc:$(py 'd["imported"], d["rows"], d["header_row"], d["encoding"]')" "0:(2, 2, 3, 'xlsx')" \
	"teams.xlsx: the header found under the title, two teams in, the footer left out"
q --json team list >"$T/out"
is "$(py '[(t["team"], t["province"], t["specialty"]) for t in d]')" \
	"[('KS-SX-07', '140000', 'mine'), ('WH-SX-02', '140000', 'hazchem')]" \
	"a province by name (山西省) and by number cell, a specialty in Chinese"

# ---- depots: UTF-8 with a BOM, a team given by its name, a quoted comma
run --store "$S" --key "$T/keeper.key" import depots "$D/depots.csv"
is "$rc" 0 "depots.csv imports"
q --json depot list >"$T/out"
is "$(py '[(x["depot"], x["team"], x.get("location")) for x in d]')" \
	"[('HG-D1', 'WH-SX-02', None), ('TY-D1', 'KS-SX-07', '太原市万柏林区'), ('TY-D2', 'KS-SX-07', '太原市,小店区')]" \
	"the team named 国家矿山应急救援太原队 is KS-SX-07; a quoted comma stays in its cell; a blank cell is no value"

# ---- assets: dates in eight forms, money in 万元 and 元, a footer with a formula
before=$(log_size)
run --store "$S" --key "$T/keeper.key" --json import assets "$D/assets.xlsx" --dry-run
is "$rc:$(py 'd["imported"], d["dry_run"], d["rejected"]'):$(log_size)" "0:(20, True, 0):$before" \
	"--dry-run checks every row and writes nothing"
run --store "$S" --key "$T/keeper.key" --json import assets "$D/assets.xlsx"
is "$rc:$(py 'd["imported"], d["unchanged"], d["last_index"] - d["first_index"] + 1')" "0:(20, 0, 20)" \
	"assets.xlsx: 20 assets in one signed batch"
acquired=$(for n in 001 002 003 004 005 006 007 008 009; do q --json asset show BA-$n | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["acquired"])'; done | sort -u)
is "$acquired" "2025-03-01" "a date cell, 2025/3/1, 2025年3月1日, a serial, full-width digits, 2025.3.1 and 20250301 are one day"
values=$(for n in 001 002 003 004 005 006; do q --json asset show BA-$n | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["value"])'; done | sort -u)
is "$values" "1850000" "1.85 (万元 column, a number), 1.85万元, 18500元, 18,500.00元 and full-width １．８５ are 18,500.00 yuan"
q --json asset show RIG-01 >"$T/out"
is "$(py 'd["value"], d["funding"], d["custody_from"], d["attr"], d["serial"]')" \
	"(358000000, 'national', '2024-01-01', {'功率': '90kW', '最大钻深': '1200m'}, '0007')" \
	"the national rig: 358 万元, 国投, its custody, two attributes, a serial with its leading zeros"

size=$(log_size)
run --store "$S" --key "$T/keeper.key" import assets "$D/assets.xlsx"
is "$rc:$(log_size)" "0:$size" "importing the same sheet again adds nothing"
like "$(cat "$T/out")" "20" "and says the 20 rows are registered already"
run --store "$S" --key "$T/keeper.key" import assets "$D/assets_changed.xlsx"
is "$rc:$(log_size)" "2:$size" "a registered asset with another model: exit 2, nothing written"
like "$(head -n 1 "$T/err")" "assets_changed.xlsx:7: already registered" "the changed row (sheet row 7) is named"
like "$(head -n 1 "$T/err")" "(model)" "with the column that differs"

# ---- three bad rows: nothing written, exactly those three listed
size=$(log_size)
run --store "$S" --key "$T/keeper.key" --json import assets "$D/assets_bad.xlsx"
is "$rc:$(log_size)" "2:$size" "a sheet with three bad rows: exit 2 and nothing written"
is "$(py 'sorted(set(e["row"] for e in d["errors"]))')" "[5, 8, 11]" "exactly rows 5, 8 and 11 are listed"
is "$(py '[(e["row"], e["field"]) for e in d["errors"]]')" "[(5, 'acquired'), (8, 'value'), (11, None)]" \
	"each with its column: the impossible date, the amount in words, the unknown depot"
like "$(py 'd["errors"][2]["reason"]')" "NOPE" "the store's own rule names the depot"
run --store "$S" --key "$T/keeper.key" import assets "$D/assets_bad.xlsx"
is "$(grep -c 'assets_bad.xlsx:' "$T/err")" 3 "without --json: one line per bad row on stderr"
like "$(tail -n 1 "$T/err")" "--rejects" "and a last line saying how to import the good rows"

run --store "$S" --key "$T/keeper.key" --json import assets "$D/assets_bad.xlsx" --rejects "$T/rejects.csv"
is "$rc:$(py 'd["imported"], d["rejected"]')" "1:(7, 3)" "--rejects: the seven good rows go in (exit 1: rows were rejected)"
is "$(log_size)" "$((size + 7))" "as one batch of seven entries"
"$PY" - "$T/rejects.csv" >"$T/rej" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
print(len(rows) - 1, [r[1] for r in rows[1:]], rows[0][-1], all(r[-1] for r in rows[1:]))
EOF
is "$(cat "$T/rej")" "3 ['C-003', 'C-006', 'C-009'] 错误 error True" "the rejects file holds exactly those three, each with its reason"
# The rows fixed in the rejects file itself, which imports as it is.
"$PY" - "$T/rejects.csv" "$T/fixed.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
fix = {"C-003": (7, "2024-02-28"), "C-006": (8, "0.12"), "C-009": (11, "TY-D1")}
for r in rows[1:]:
    col, val = fix[r[1]]
    r[col] = val
csv.writer(open(sys.argv[2], "w", encoding="utf-8-sig", newline="")).writerows(rows)
EOF
run --store "$S" --key "$T/keeper.key" --json import assets "$T/fixed.csv"
is "$rc:$(py 'd["imported"], d["rejected"]')" "0:(3, 0)" "the fixed rejects file imports; its reason column is ignored"
q --json asset list >"$T/out"
is "$(py 'len(d)')" 30 "30 assets now"

# ---- people: a GB18030 CSV as Chinese Excel saves it, a lower-case x, full-width digits
run --store "$S" --key "$T/hr.key" --json import people "$D/people_gb.csv"
is "$rc:$(py 'd["imported"], d["encoding"]')" "0:(4, 'GB18030')" "people_gb.csv: read as GB18030, four people in"
q --json person list >"$T/out"
is "$(py 'sorted(p["name"] for p in d)')" "['张伟', '李娜', '王强', '赵敏']" "their names come through"
is "$(py 'sorted(p["person"][-1] for p in d if p["name"] == "王强")')" "['X']" "a trailing x is upper-cased"
is "$(py '[(p.get("special", False), p.get("hazards")) for p in d if p["name"] in ("张伟", "李娜")]')" \
	"[(False, ['煤尘', '噪声']), (True, ['煤尘'])]" "是/否 and a list split at 、"

# ---- certificates by kind name, with the holder's name checked; exams from UTF-16 text
run --store "$S" --key "$T/hr.key" --json import certs "$D/certs.xlsx"
is "$rc:$(py 'd["imported"]')" "0:2" "certs.xlsx: kinds by their Chinese names"
lina=$(q --json person list | "$PY" -c 'import json,sys; print([p["person"] for p in json.load(sys.stdin) if p["name"] == "李娜"][0])')
q --json cert list >"$T/out"
is "$(py 'sorted((c["kind"], c["number"], c.get("op_category")) for c in d)')" \
	"[('mine_rescue', 'KJ-2024-001', None), ('special_op', 'T$lina', 5)]" \
	"the special-operation number defaults to T + ID; 煤矿安全 is category 5"
run --store "$S" --key "$T/hr.key" --json import exams "$D/exams.txt"
is "$rc:$(py 'd["imported"], d["encoding"]')" "0:(2, 'UTF-16LE (BOM)')" "exams.txt: Excel's Unicode Text (UTF-16, tabs)"
run --store "$S" --key "$T/hr.key" import exams "$D/exams.txt"
is "$rc:$(cat "$T/out" | grep -c 2)" "0:1" "exams have no key: an identical row again is still recognised"

# ---- spending: English headings, ¥ and thousands separators
as finance fund add ZX-07 --name 依托单位应急救援专项资金 --fund-source host_special --owner 山西焦煤集团有限责任公司 >/dev/null
run --store "$S" --key "$T/finance.key" --json import spending "$D/spending.csv"
is "$rc:$(py 'd["imported"]')" "0:2" "spending.csv imports"
q --json spend list >"$T/out"
is "$(py 'sorted((s["amount"], s["spend_type"]) for s in d)')" "[(86000, 'calibration'), (123450, 'repair')]" \
	"¥1,234.50 and 860元 in fen"

# ---- roles are the CLI's: a keeper cannot import people
printf '姓名,身份证号,队伍编号,岗位,上岗日期\n周杰,%s,KS-SX-07,队员,2021-04-01\n' "$("$PY" -c 'b="14010519960606007"; w=[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]; print(b + "10X98765432"[sum(int(c)*k for c,k in zip(b,w)) % 11])')" >"$T/one.csv"
fails 4 "a keeper importing people" --store "$S" --key "$T/keeper.key" import people "$T/one.csv"

# ---- progress for a caller, as musterd reads it
run --store "$S" --key "$T/keeper.key" import assets "$D/assets.xlsx"
MUSTER_PROGRESS_FD=3 "$M" --store "$S" --key "$T/keeper.key" import assets "$T/fixed.csv" 3>"$T/progress" >/dev/null 2>&1
like "$(cat "$T/progress")" "progress 3 3 import" "progress lines on MUSTER_PROGRESS_FD: rows done of rows"

# ---- export -> import -> export is the same file
for k in teams depots assets people certs exams spending; do
	run --store "$S" export $k --out "$T/$k.csv"
	is "$rc" 0 "export $k to CSV"
	run --store "$S" export $k --out "$T/$k.xlsx"
	is "$rc" 0 "export $k to .xlsx"
done
S2=$T/store2
"$M" --store "$S2" init --origin muster.test/copy --admin-key "$T/admin2.key" --holder 张伟 --kdf min >/dev/null
"$M" --store "$S2" --key "$T/admin2.key" fund add ZX-07 --name 依托单位应急救援专项资金 --fund-source host_special \
	--owner 山西焦煤集团有限责任公司 >/dev/null
"$M" --store "$S2" --key "$T/admin2.key" key enrol "$T/finance.key.pub" --role finance --holder 王敏 >/dev/null
for k in teams depots assets people certs exams spending; do
	key=$T/admin2.key
	[ $k = spending ] && key=$T/finance.key
	run --store "$S2" --key "$key" import $k "$T/$k.xlsx"
	is "$rc" 0 "the exported $k.xlsx imports into a new store"
	run --store "$S2" export $k --out "$T/$k-2.csv"
	cmp -s "$T/$k.csv" "$T/$k-2.csv"
	ok $? "and exports to the same $k.csv, byte for byte"
done
"$PY" - "$T/assets.xlsx" "$S2" <<'EOF' >"$T/rt"
import openpyxl, sys
ws = openpyxl.load_workbook(sys.argv[1]).active
rows = list(ws.values)
print(len(rows) - 1, rows[0][:3], type(rows[1][6]).__name__)
EOF
is "$(cat "$T/rt")" "30 ('资产编号', '分类代码', '装备名称') datetime" "openpyxl reads the export: 30 rows, dates as dates"

# ---- long files: rows are made on a thread while the ones before are signed
awk 'BEGIN { print "资产编号,装备名称,分类代码,规格型号,资金来源,存放库房,购置日期";
	for (i = 1; i <= 300; i++) printf "L-%03d,救生绳,2030301,JS-50,依托单位,TY-D1,%s\n", i, i == 250 ? "2024-13-01" : "2024-01-01" }' >"$T/long.csv"
size=$(log_size)
run --store "$S" --key "$T/keeper.key" --json import assets "$T/long.csv"
is "$rc:$(py '[e["row"] for e in d["errors"]]'):$(log_size)" "2:[251]:$size" "300 rows, one bad far down (line 251): named, nothing written"
run --store "$S" --key "$T/keeper.key" --json import assets "$T/long.csv" --rejects "$T/long-rejects.csv"
is "$rc:$(py 'd["imported"], d["rejected"]'):$(log_size)" "1:(299, 1):$((size + 299))" "with --rejects: 299 in, one out"
if command -v script >/dev/null 2>&1; then
	awk 'BEGIN { print "资产编号,装备名称,分类代码,规格型号,资金来源,存放库房";
		for (i = 1; i <= 3000; i++) printf "N-%04d,救生绳,2030301,JS-50,依托单位,TY-D1\n", i }' >"$T/tty.csv"
	timeout 60 script -qec "$M --store $S --key $T/keeper.key import assets $T/tty.csv --dry-run" /dev/null >"$T/tty" 2>&1
	like "$(cat "$T/tty")" "importing [##########" "on a terminal, a progress bar (3,000 rows: redrawn as they go)"
fi
awk 'BEGIN { print "资产编号,装备名称,分类代码,规格型号,资金来源,存放库房";
	for (i = 1; i <= 300; i++) printf "M-%03d,%s救生绳,2030301,JS-50,依托单位,TY-D1\n", i, i == 200 ? "\"" : "" }' >"$T/long-quote.csv"
size=$(log_size)
fails 2 "an unclosed quote on line 201 of 301" --store "$S" --key "$T/keeper.key" import assets "$T/long-quote.csv"
like "$(cat "$T/err")" "line 201" "the reader's error names the line"
is "$(log_size)" "$size" "and the rows before it, already signed in the open write, are not kept"

# ---- bad input: one line, nothing written
size=$(log_size)
for f in truncated.xlsx bomb.xlsx longline.csv garbage.csv quotes.csv; do
	fails 2 "$f" --store "$S" --key "$T/keeper.key" import assets "$D/$f"
	echo "# $(cat "$T/err")"
done
like "$(cat "$T/err")" "line 2" "the unclosed quote is placed on its line"
is "$(log_size)" "$size" "and nothing was written"
fails 3 "a profile that does not exist" --store "$S" --key "$T/keeper.key" import assets "$D/assets.xlsx" --map nope
fails 2 "an unknown kind" --store "$S" --key "$T/keeper.key" import spaceships "$D/assets.xlsx"
fails 2 "rejects over the input" --store "$S" --key "$T/keeper.key" import assets "$D/assets.xlsx" --rejects "$D/assets.xlsx"
fails 2 "a sheet without the columns" --store "$S" --key "$T/keeper.key" import people "$D/assets.xlsx"

# ---- a profile for a sheet whose headings muster does not know
cat >"$T/prov.map" <<'EOF'
# 某省装备台账
kind assets
column 设备代号 = id
column 品名 = type
column 国标分类 = category
column 型号 = model
column 价值(万元) = value 万元
default funding host
default depot TY-D1
EOF
printf '设备代号,品名,国标分类,型号,价值(万元)\nP-001,救生绳,2030301,JS-50,0.05\n' >"$T/prov.csv"
run --store "$S" --key "$T/keeper.key" --json import assets "$T/prov.csv" --map "$T/prov.map"
is "$rc:$(py 'd["imported"]')" "0:1" "--map: headings and defaults from a profile"
q --json asset show P-001 >"$T/out"
is "$(py 'd["value"], d["depot"], d["funding"]')" "(50000, 'TY-D1', 'host')" "the profile's unit and defaults apply"

run --store "$S" log verify
is "$rc" 0 "the log verifies after all the imports"
done_testing
