#!/bin/sh
# reports.sh - the three province report plugins, read back with tools
# nobody here wrote: python3-jsonschema validates the national JSON against
# docs/report-national.schema.json, iconv decodes the Shanxi GB18030 CSV,
# python3-openpyxl opens the Sichuan XLSX, and the stock minisign verifies
# every report's signature.  Every figure is checked against totals the
# test computes itself from other commands' JSON (ready, asset ready,
# deploy list, spend list, budget list) over generated Shanxi and Sichuan
# stores.
. "$top_srcdir/tests/lib.sh"

MS=$(command -v minisign 2>/dev/null) || skip_all "minisign is not installed (Debian: minisign)"
command -v iconv >/dev/null 2>&1 || skip_all "iconv is not installed (Debian: libc-bin)"
"$PY" -c 'import openpyxl' 2>/dev/null || skip_all "python3-openpyxl is not installed (Debian: python3-openpyxl)"
"$PY" -c 'import jsonschema' 2>/dev/null || skip_all "python3-jsonschema is not installed (Debian: python3-jsonschema)"

export MUSTER_PLUGIN_DIR=$top_builddir/plugins/.libs
SX=$T/sx
SC=$T/sc
run gen --scale province --province 140000 --seed 5 --store "$SX" --kdf min
is "$rc" 0 "a generated Shanxi province"
run gen --scale province --province 510000 --seed 5 --store "$SC" --kdf min
is "$rc" 0 "a generated Sichuan province"
month=$("$PY" -c 'import datetime; d=datetime.date.today().replace(day=1)-datetime.timedelta(days=1); print(d.strftime("%Y-%m"))')
last=$("$PY" -c 'import datetime; d=datetime.date.today().replace(day=1)-datetime.timedelta(days=1); print(d.isoformat())')
label=$("$PY" -c 'import sys; y,m=sys.argv[1].split("-"); print("%d年%d月" % (int(y), int(m)))' "$month")

# expect STORE: the figures per team, computed here from other commands' JSON, as JSON in $T/expect-STORE.json
expect() {
	st=$1
	"$M" --store "$st" --json team list >"$T/teams.json"
	"$M" --store "$st" --json asset ready --date "$last" >"$T/assets.json"
	"$M" --store "$st" --json deploy list >"$T/deploys.json"
	"$M" --store "$st" --json spend list >"$T/spends.json"
	"$M" --store "$st" --json budget list >"$T/budgets.json"
	for t in $("$PY" -c 'import json,sys; print(" ".join(t["team"] for t in json.load(open(sys.argv[1]))))' "$T/teams.json"); do
		"$M" --store "$st" --json ready --date "$last" --team "$t" >"$T/ready-$t.json"
	done
	"$PY" - "$T" "$month" >"$T/expect-$(basename "$st").json" <<'EOF'
import json, sys, datetime
T, month = sys.argv[1], sys.argv[2]
year = int(month[:4])
teams = json.load(open(T + "/teams.json"))
assets = {g["team"]: g for g in json.load(open(T + "/assets.json"))["groups"] if "team" in g}
deploys = json.load(open(T + "/deploys.json"))
spends = json.load(open(T + "/spends.json"))
budgets = json.load(open(T + "/budgets.json"))
out = {}
for t in teams:
    c = t["team"]
    r = json.load(open(T + "/ready-" + c + ".json"))
    left = sum(1 for p in r["not_deployable"] if p["status"] == "left")
    e = {"people": r["people"] - left, "deployable": r["deployable_count"],
         "assets": assets.get(c, {}).get("total", 0), "ready": assets.get(c, {}).get("ready", 0)}
    ds = [d for d in deploys if d["team"] == c and d["ordered"][:7] == month]
    e["deployments"] = len(ds)
    def minutes(d):
        o = datetime.datetime.fromisoformat(d["ordered"]); a = datetime.datetime.fromisoformat(d["arrived"])
        return -(-int((a - o).total_seconds()) // 60)
    e["on_target"] = sum(1 for d in ds if d.get("arrived") and minutes(d) <= 300)
    counted = [s for s in spends if s["team"] == c and s["spend_state"] == "counted"]
    e["spent_month"] = sum(s["amount"] for s in counted if s["date"][:7] == month)
    e["spent_year"] = sum(s["amount"] for s in counted if s["date"][:4] == month[:4] and s["date"][:7] <= month)
    e["budget"] = sum(b["amount"] for b in budgets if b["team"] == c and b["year"] == year)
    e["name"], e["specialty"] = t["name"], t["specialty"]
    out[c] = e
json.dump(out, sys.stdout, ensure_ascii=False)
EOF
}
expect "$SX"
expect "$SC"
is "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/expect-sx.json")" 6 "six teams to expect"

"$M" --store "$SX" audit pubkey >"$T/sx.pub"
"$M" --store "$SC" audit pubkey >"$T/sc.pub"

# signed FILE PUB STORE NAME: minisign verifies FILE, and its trusted comment names the store's root at its size
signed() {
	"$MS" -Vm "$1" -p "$2" >"$T/mout" 2>&1
	is "$?" 0 "$4: stock minisign verifies the signature"
	size=$(sed -n 's/.* size:\([0-9]*\) .*/\1/p' "$T/mout")
	root=$(sed -n 's/.* root:\([^ ]*\) .*/\1/p' "$T/mout")
	"$M" --store "$3" log checkpoint --size "$size" >"$T/ckpt"
	is "$(sed -n 3p "$T/ckpt")" "$root" "$4: the trusted comment's root is the signed checkpoint's at its tree size"
	like "$(cat "$T/mout")" "origin:$(sed -n 1p "$T/ckpt") report:$4 version:1.0.0 month:$month" "$4: and names origin, plugin and month"
	cp "$1" "$T/tampered"
	printf ' ' >>"$T/tampered"
	cp "$1.minisig" "$T/tampered.minisig"
	"$MS" -Vm "$T/tampered" -p "$2" >/dev/null 2>&1
	ok $((! $?)) "$4: one byte more and minisign refuses it"
}

# ---- national: JSON against the schema in docs/ -----------------------------------------
run --store "$SX" --json report run national --month "$month" --out "$T/national.json"
is "$rc" 0 "report run national"
is "$(py 'd["media_type"]')" "application/json" "its --json names the media type"
"$PY" - "$top_srcdir/docs/report-national.schema.json" "$T/national.json" >"$T/vout" 2>&1 <<'EOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.validators.validator_for(schema).check_schema(schema)
jsonschema.validate(json.load(open(sys.argv[2])), schema)
EOF
is "$?" 0 "python3-jsonschema: the report validates against docs/report-national.schema.json"
[ -s "$T/vout" ] && sed 's/^/#   /' "$T/vout"
"$PY" - "$T/national.json" "$T/expect-sx.json" "$month" >"$T/cmp" 2>&1 <<'EOF'
import json, sys
r, e, month = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
bad = []
if r["report"]["month"] != month: bad.append("month")
teams = {t["code"]: t for t in r["teams"]}
if sorted(teams) != sorted(e): bad.append("teams %s" % sorted(teams))
tot = {"people": 0, "deployable": 0, "assets": 0, "assets_ready": 0, "deployments": 0, "spent_month_fen": 0}
for c, x in e.items():
    t = teams.get(c)
    if not t: continue
    got = (t["personnel"]["total"], t["personnel"]["deployable"], t["equipment"]["assets"], t["equipment"]["ready"],
           len(t["deployments"]), sum(1 for d in t["deployments"] if d["on_target"] is True),
           sum(s["spent_month_fen"] for s in t["spending"]), sum(s["spent_year_fen"] for s in t["spending"]),
           sum(s["budget_fen"] for s in t["spending"]))
    want = (x["people"], x["deployable"], x["assets"], x["ready"], x["deployments"], x["on_target"],
            x["spent_month"], x["spent_year"], x["budget"])
    if got != want: bad.append("%s got %s want %s" % (c, got, want))
    rate = (10000 * x["ready"] + x["assets"] // 2) // x["assets"] if x["assets"] else 0
    if t["equipment"]["readiness_bp"] != rate: bad.append("%s readiness_bp %s want %s" % (c, t["equipment"]["readiness_bp"], rate))
    for k, v in (("people", x["people"]), ("deployable", x["deployable"]), ("assets", x["assets"]),
                 ("assets_ready", x["ready"]), ("deployments", x["deployments"]), ("spent_month_fen", x["spent_month"])):
        tot[k] += v
for k, v in tot.items():
    if r["totals"][k] != v: bad.append("totals %s got %s want %s" % (k, r["totals"][k], v))
print("\n".join(bad) if bad else "same")
EOF
is "$(cat "$T/cmp")" "same" "national: people, readiness, deployments, spending and budgets per team and in total match the independent figures"
signed "$T/national.json" "$T/sx.pub" "$SX" national

# ---- Shanxi: GB18030 CSV ---------------------------------------------------------------------
run --store "$SX" report run shanxi --month "$month" --out "$T/shanxi.csv"
is "$rc" 0 "report run shanxi"
iconv -f GB18030 -t UTF-8 "$T/shanxi.csv" >"$T/shanxi.utf8.csv" 2>"$T/ierr"
is "$?" 0 "iconv decodes the CSV as GB18030"
"$PY" -c 'import sys; sys.exit(0 if open(sys.argv[1], "rb").read()[:3] != b"\xef\xbb\xbf" else 1)' "$T/shanxi.csv"
ok $? "no UTF-8 byte order mark (Chinese Excel reads CSV as GBK)"
"$PY" - "$T/shanxi.utf8.csv" "$T/expect-sx.json" "$label" >"$T/cmp" 2>&1 <<'EOF'
import csv, json, sys
raw = open(sys.argv[1], encoding="utf-8", newline="").read()
e, label = json.load(open(sys.argv[2])), sys.argv[3]
bad = []
if "\r\n" not in raw or raw.replace("\r\n", "").count("\n"): bad.append("line ends are not CRLF")
rows = list(csv.reader(raw.splitlines()))
head = ["序号", "队伍编码", "队伍名称", "专业", "依托单位", "统计期间", "在册人数", "可出动人数", "不可出动人数", "体检逾期人数",
        "装备数量", "完好装备数量", "装备完好率(%)", "检验逾期装备数", "本月出动次数", "按时到达次数", "本月经费支出(万元)",
        "年度预算(万元)", "年度累计支出(万元)", "预算执行率(%)"]
if rows[0] != head: bad.append("header %s" % rows[0])
body, total = rows[1:-1], rows[-1]
if len(body) != len(e): bad.append("%d team rows" % len(body))
wan = lambda f: "%d.%02d" % divmod((f + 5000) // 10000, 100)
pct = lambda a, b: "%d.%02d" % divmod((20000 * a // b + 1) // 2, 100) if b else "0.00"
sums = [0] * 6
for i, row in enumerate(body, 1):
    c = row[1]; x = e.get(c)
    if not x: bad.append("unknown team %s" % c); continue
    want = [str(i), c, x["name"], row[3], row[4], label, str(x["people"]), str(x["deployable"]),
            str(x["people"] - x["deployable"]), row[9], str(x["assets"]), str(x["ready"]), pct(x["ready"], x["assets"]),
            row[13], str(x["deployments"]), str(x["on_target"]), wan(x["spent_month"]), wan(x["budget"]),
            wan(x["spent_year"]), pct(x["spent_year"], x["budget"])]
    if row != want: bad.append("row %s\n got  %s\n want %s" % (c, row, want))
    for k, v in enumerate((x["people"], x["deployable"], x["assets"], x["ready"], x["spent_month"], x["spent_year"])):
        sums[k] += v
if total[0] != "合计" or total[5] != label: bad.append("total row %s" % total[:6])
if total[6] != str(sums[0]) or total[7] != str(sums[1]) or total[10] != str(sums[2]) or total[11] != str(sums[3]):
    bad.append("total counts %s" % total)
if total[12] != pct(sums[3], sums[2]) or total[16] != wan(sums[4]) or total[18] != wan(sums[5]):
    bad.append("total amounts %s" % total)
print("\n".join(bad) if bad else "same")
EOF
is "$(cat "$T/cmp")" "same" "Shanxi: the Chinese header, one row per team, 万元 with two decimals, \"$label\", and a 合计 row that match the independent figures"
signed "$T/shanxi.csv" "$T/sx.pub" "$SX" shanxi
run --store "$SC" report run shanxi --month "$month" --out "$T/shanxi-sc.csv"
is "$rc" 0 "shanxi over a store with no Shanxi teams still makes a report"
is "$(iconv -f GB18030 -t UTF-8 "$T/shanxi-sc.csv" | wc -l | tr -d ' ')" 2 "with its header and total row only"
like "$(cat "$T/err")" "warning" "and warns that no team of the province is in the store"

# ---- Sichuan: XLSX ---------------------------------------------------------------------------
run --store "$SC" report run sichuan --month "$month" --out "$T/sichuan.xlsx" --param unit=四川省应急管理厅 \
	--param preparer=张三 --param phone=028-12345678
is "$rc" 0 "report run sichuan"
"$PY" - "$T/sichuan.xlsx" "$T/expect-sc.json" "$label" "$last" >"$T/cmp" 2>&1 <<'EOF'
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
e, label, last = json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
bad = []
zh = {"mine": "矿山", "hazchem": "危险化学品", "tunnel": "隧道", "oil_gas": "油气", "support": "支撑保障"}
order = ["mine", "hazchem", "tunnel", "oil_gas", "support"]
want_sheets = [zh[s] for s in order if any(x["specialty"] == s for x in e.values())]
if wb.sheetnames != want_sheets: bad.append("sheets %s want %s" % (wb.sheetnames, want_sheets))
for sp in order:
    if zh[sp] not in wb.sheetnames: continue
    ws = wb[zh[sp]]
    title = ws["A1"].value or ""
    if not any(str(m).startswith("A1:") for m in ws.merged_cells.ranges): bad.append("%s: A1 not merged" % sp)
    if "四川省" not in title or label not in title: bad.append("%s: title %r" % (sp, title))
    if ws["A2"].value != "序号" or ws["C2"].value != "队伍名称": bad.append("%s: header %r" % (sp, [c.value for c in ws[2]]))
    teams = sorted(c for c, x in e.items() if x["specialty"] == sp)
    r = 3
    for c in teams:
        x = e[c]
        got = [ws.cell(r, k).value for k in (2, 5, 6, 8, 9, 12, 13)]
        want = [c, x["people"], x["deployable"], x["assets"], x["ready"], x["deployments"], x["on_target"]]
        if got != want: bad.append("%s row %d got %s want %s" % (sp, r, got, want))
        money = [round(ws.cell(r, k).value * 100) for k in (14, 15, 16)]
        if money != [x["spent_month"], x["budget"], x["spent_year"]]: bad.append("%s money %s" % (c, money))
        rate = ws.cell(r, 10).value
        if x["assets"] and abs(rate - x["ready"] / x["assets"]) > 1e-9: bad.append("%s rate %s" % (c, rate))
        if ws.cell(r, 10).number_format != "0.00%": bad.append("%s rate format %s" % (c, ws.cell(r, 10).number_format))
        r += 1
    if ws.cell(r, 1).value != "合计": bad.append("%s: no 合计 row at %d" % (sp, r))
    if ws.cell(r, 5).value != sum(e[c]["people"] for c in teams): bad.append("%s: 合计 people" % sp)
    footer = " ".join(str(c.value) for row in ws.iter_rows(min_row=r + 1) for c in row if c.value is not None)
    for w in ("填报单位：四川省应急管理厅", "填报人：张三", "联系电话：028-12345678", last):
        if w not in footer: bad.append("%s: footer lacks %s (%s)" % (sp, w, footer))
print("\n".join(bad) if bad else "same")
EOF
is "$(cat "$T/cmp")" "same" "Sichuan (openpyxl): a sheet per specialty, merged title, teams that match the independent figures, 合计 and the 填报单位/填报人/联系电话 footer"
signed "$T/sichuan.xlsx" "$T/sc.pub" "$SC" sichuan

# ---- one team ----------------------------------------------------------------------------------
t1=$("$PY" -c 'import json,sys; print(sorted(json.load(open(sys.argv[1])))[0])' "$T/expect-sx.json")
run --store "$SX" --json report run national --month "$month" --team "$t1" --out "$T/one.json"
is "$rc" 0 "--team makes a report of one team"
is "$("$PY" -c 'import json,sys; print([t["code"] for t in json.load(open(sys.argv[1]))["teams"]])' "$T/one.json")" "['$t1']" \
	"holding only that team"
"$MS" -Vm "$T/one.json" -p "$T/sx.pub" >"$T/mout" 2>&1
like "$(cat "$T/mout")" "month:$month team:$t1 size:" "its signed comment names the team"

done_testing
