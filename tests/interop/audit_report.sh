#!/bin/sh
# audit_report.sh - signed audit reports and finding evidence, checked with
# tools nobody here wrote: the stock minisign(1) verifies `muster audit
# report` (CSV and PDF) against `muster audit pubkey` and rejects one
# changed byte of the report or of the trusted comment; poppler renders the
# PDF (pdftoppm) and its text (pdftotext) holds the totals; Go's
# golang.org/x/mod/sumdb/note and sumdb/tlog (tests/interop/tlogcheck.go)
# check the inclusion proofs and signed checkpoint of `muster audit
# evidence` without the store.  Bad input writes nothing.
. "$top_srcdir/tests/lib.sh"

MS=$(command -v minisign 2>/dev/null) || skip_all "minisign is not installed (Debian: minisign)"
command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 ||
	skip_all "pdftotext and pdftoppm are not installed (Debian: poppler-utils)"
tc=$T/tlogcheck
go_build "$tc" "$top_srcdir/tests/interop/tlogcheck.go"

S=$T/store
export MUSTER_PASSPHRASE=report-test
run gen --scale team --seed 7 --store "$S" --kdf min
is "$rc" 0 "a generated team's year of spending"
q --json audit summary --by year >"$T/out"
year=$(py 'max(g["key"] for g in d["groups"] if g["count"])')
total=$(py '[g for g in d["groups"] if g["key"] == "'"$year"'"][0]["total"]')
yuan=$(py '"{:,}.{:02d}".format('"$total"' // 100, '"$total"' % 100)')

# ---- the report key ---------------------------------------------------------------------
q audit pubkey >"$T/report.pub"
is "$(sed -n 1p "$T/report.pub" | cut -c1-38)" "untrusted comment: minisign public key" "pubkey prints a minisign public key file"
q --json audit pubkey >"$T/out"
pk=$(py 'd["public_key"]')
kid=$(py 'd["key_id"]')
is "$(sed -n 2p "$T/report.pub")" "$pk" "--json public_key is the file's key line"
is "$(sed -n 1p "$T/report.pub" | awk '{print $NF}')" "$kid" "and key_id its key id"
q audit pubkey >"$T/again.pub"
cmp -s "$T/report.pub" "$T/again.pub"
ok $? "the report key is the same every time (derived from the site log key)"
q log vkey >"$T/vkey"
like "$(cat "$T/vkey")" "+" "the log's own verifier key"
[ "$(sed -n 2p "$T/report.pub")" != "$(cut -d+ -f3 "$T/vkey")" ]
ok $? "the report key is not the checkpoint key"

# ---- CSV report ------------------------------------------------------------------------
cd "$T" || exit 1
run --store "$S" --json audit report --year "$year" --out "$T/年度报告.csv"
is "$rc" 0 "audit report --out FILE.csv exits 0 (findings or not)"
size=$(py 'd["size"]')
root=$(py 'd["root"]')
is "$(py 'd["total"]')" "$total" "the report's total is the summary's"
"$M" --store "$S" log checkpoint --size "$size" >"$T/ckpt"
is "$(sed -n 3p "$T/ckpt")" "$root" "the root it names is the signed checkpoint's at that size"
"$MS" -Vm "$T/年度报告.csv" -p "$T/report.pub" >"$T/mout" 2>&1
is "$?" 0 "stock minisign verifies the CSV with the pubkey file"
like "$(cat "$T/mout")" "origin:muster.gen/team-7 year:$year size:$size root:$root file:年度报告.csv" \
	"its trusted comment carries origin, year, tree size, root hash and file name"
"$MS" -Vm "$T/年度报告.csv" -P "$pk" >/dev/null 2>&1
ok $? "and with -P and the bare key"
like "$(head -c 3 "$T/年度报告.csv" | od -An -tx1)" "ef bb bf" "the CSV starts with a UTF-8 BOM"
grep -q "$total" "$T/年度报告.csv"
ok $? "the CSV holds the year's total in fen ($total)"

cp "$T/年度报告.csv" "$T/changed.csv"
cp "$T/年度报告.csv.minisig" "$T/changed.csv.minisig"
printf 'X' | dd of="$T/changed.csv" bs=1 seek=200 conv=notrunc 2>/dev/null
"$MS" -Vm "$T/changed.csv" -p "$T/report.pub" >/dev/null 2>&1
is "$?" 1 "one changed byte of the report: minisign refuses it"
cp "$T/年度报告.csv.minisig" "$T/comment.csv.minisig"
cp "$T/年度报告.csv" "$T/comment.csv"
sed -i "3s/size:$size/size:$((size + 1))/" "$T/comment.csv.minisig"
"$MS" -Vm "$T/comment.csv" -p "$T/report.pub" >/dev/null 2>&1
is "$?" 1 "a changed tree size in the trusted comment: minisign refuses it"
"$MS" -G -W -p "$T/other.pub" -s "$T/other.key" >/dev/null 2>&1
"$MS" -Vm "$T/年度报告.csv" -p "$T/other.pub" >/dev/null 2>&1
is "$?" 1 "another key: minisign refuses it"

# ---- PDF report ------------------------------------------------------------------------
run --store "$S" audit report --year "$year" --out "$T/report.pdf"
is "$rc" 0 "audit report --out FILE.pdf exits 0"
like "$(cat "$T/out")" "report.pdf.minisig" "it names the signature file"
"$MS" -Vm "$T/report.pdf" -P "$pk" >/dev/null 2>&1
ok $? "stock minisign verifies the PDF"
pdftoppm -r 40 -png -f 1 -l 1 "$T/report.pdf" "$T/page" 2>"$T/err"
ok $? "pdftoppm renders the first page"
[ -s "$T/page-1.png" ] || [ -s "$T/page-01.png" ] || [ -s "$T/page-001.png" ]
ok $? "to a non-empty image"
pdftotext -layout "$T/report.pdf" "$T/report.txt" 2>"$T/err"
ok $? "pdftotext reads it"
like "$(cat "$T/report.txt")" "审计报告" "the text is Chinese (审计报告)"
like "$(cat "$T/report.txt")" "$yuan" "and holds the year's total in yuan ($yuan)"
like "$(cat "$T/report.txt")" "$root" "and the checkpoint root it was computed at"

# ---- bad input: one line, nothing written -------------------------------------------------
mkdir "$T/empty"
fails 2 "no --year" --store "$S" audit report --out "$T/empty/r.csv"
fails 2 "no --out" --store "$S" audit report --year "$year"
fails 2 "--out with neither .csv nor .pdf" --store "$S" audit report --year "$year" --out "$T/empty/r.txt"
fails 2 "--year 1999" --store "$S" audit report --year 1999 --out "$T/empty/r.csv"
fails 3 "an unknown team" --store "$S" audit report --year "$year" --team NOPE --out "$T/empty/r.csv"
fails 5 "a directory that does not exist" --store "$S" audit report --year "$year" --out "$T/empty/no/r.pdf"
fails 2 "an unknown option" --store "$S" audit report --year "$year" --out "$T/empty/r.csv" --colour red
is "$(ls -A "$T/empty")" "" "none of them left a file behind"
fails 3 "evidence for a finding that does not exist" --store "$S" audit evidence nope:1
fails 2 "evidence without a finding" --store "$S" audit evidence
fails 2 "pubkey with an operand" --store "$S" audit pubkey extra

# ---- evidence, checked by Go's sumdb code ----------------------------------------------
# A duplicate invoice: its evidence is two spend.record entries.
q --json spend list >"$T/out"
"$PY" -c 'import json,sys
s = [s for s in json.load(sys.stdin) if s.get("invoice")][0]
print("\t".join([s["date"], s["team"], s["fund"], s["vendor"], s["vendor_code"], s["invoice"], s.get("article", "-")]))' \
	<"$T/out" >"$T/dup"
IFS='	' read -r d_date d_team d_fund d_vendor d_code d_inv d_art <"$T/dup"
set -- --article "$d_art"
[ "$d_art" = - ] && set --
"$M" --store "$S" --key "$S/gen/finance.key" --json spend record --date "$d_date" --team "$d_team" --fund "$d_fund" \
	--spend-type consumables --vendor "$d_vendor" --vendor-code "$d_code" --invoice "$d_inv" --amount 123.45 "$@" \
	>"$T/out" 2>"$T/err"
ok $? "a second record of invoice $d_inv"
planted=$(py 'd["index"]')
q --json audit --late-days 400 >"$T/out"
fid=$(py '[f["id"] for f in d["findings"] if f["check"] == "duplicate_invoice"][0]')
like "$fid" "duplicate_invoice:$d_code/$d_inv" "audit finds it: $fid"

run --store "$S" audit evidence "$fid" --late-days 400 --out "$T/evidence.json"
is "$rc" 0 "audit evidence --out writes the bundle"
("$PY" - "$T/evidence.json" "$T" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
t = sys.argv[2]
open(t + "/ev.vkey", "w").write(d["vkey"] + "\n")
open(t + "/ev.ckpt", "w").write(d["checkpoint"])
with open(t + "/ev.incl", "w") as f:
    for e in d["entries"]:
        f.write(json.dumps({"index": e["index"], "size": e["size"], "leaf": e["leaf"], "proof": e["proof"]}) + "\n")
with open(t + "/ev.bad", "w") as f:
    for e in d["entries"]:
        leaf = bytearray(__import__("base64").b64decode(e["leaf"]))
        leaf[-1] ^= 1
        f.write(json.dumps({"index": e["index"], "size": e["size"],
                            "leaf": __import__("base64").b64encode(bytes(leaf)).decode(), "proof": e["proof"]}) + "\n")
print(len(d["entries"]), " ".join(str(e["index"]) for e in d["entries"]),
      all(e["signature_ok"] for e in d["entries"]), d["finding"]["id"])
PYEOF
) >"$T/evsum" 2>&1
read -r nent idx <"$T/evsum"
is "$nent" 2 "the bundle holds both entries"
like "$(cat "$T/evsum")" "$planted" "one of them the planted record $planted"
like "$(cat "$T/evsum")" "True $fid" "each with a good signature, under the finding it proves"

"$tc" -vkey "$T/ev.vkey" -inclusion "$T/ev.incl" "$T/ev.ckpt" >"$T/tout" 2>&1
is "$?" 0 "Go's sumdb/note and sumdb/tlog verify the bundle's checkpoint and proofs without the store"
"$tc" -vkey "$T/ev.vkey" -inclusion "$T/ev.bad" "$T/ev.ckpt" >"$T/tout" 2>&1
is "$?" 1 "one changed bit of an entry: tlogcheck refuses it"

done_testing
