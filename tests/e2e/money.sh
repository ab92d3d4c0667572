#!/bin/sh
# money.sh - funds, budgets and spending through the real binary: a fund
# of each kind, a budget, spending below the approval threshold that counts
# at once and spending above it that waits for a second person (四眼原则):
# not the recorder, not a keeper.  Bad input (negative, non-integer and
# three-decimal amounts, an unknown fund, an unknown asset, a missing
# article for the enterprise safety cost) is refused with one line, the
# right exit code and nothing written.
. "$top_srcdir/tests/lib.sh"

S=$T/store

new_store "$S" muster.test/money
for k in finance approver keeper finapp; do new_key $k; done
as admin key enrol "$T/finance.key.pub" --role finance --holder '财务 王敏' >/dev/null &&
	as admin key enrol "$T/approver.key.pub" --role approver --holder '审批 赵刚' >/dev/null &&
	as admin key enrol "$T/keeper.key.pub" --role keeper --holder '库管 李娜' >/dev/null &&
	as admin key enrol "$T/finapp.key.pub" --role finance --role approver --holder 身兼两职 >/dev/null
ok $? "finance, approver, keeper, and one key with both finance and approver"
as admin team add KS-SX-01 --name 国家矿山应急救援太原队 --specialty mine --province 140000 \
	--host 山西焦煤集团有限责任公司 --host-code 91110000600037341L >/dev/null &&
	as keeper depot add TY-D1 --team KS-SX-01 --name 一号库 >/dev/null &&
	as keeper asset add BA-01 --category 2030101 --type 正压氧气呼吸器 --model HYZ4 --funding host --depot TY-D1 >/dev/null
ok $? "a team, a depot, an asset"

as finance fund add GT-2026 --name 国家安全生产应急能力建设专项资金 --fund-source national_capacity --owner 应急管理部 >/dev/null
ok $? "a national capacity fund"
refuses 2 "enterprise safety cost without the industry" "industry" as finance fund add AQ-2026 --name 安全费 \
	--fund-source 企业安全生产费用 --owner 山西焦煤
as finance fund add AQ-2026 --name 企业安全生产费用 --fund-source 企业安全生产费用 --owner 山西焦煤 --industry 煤炭 >/dev/null
ok $? "an enterprise safety cost fund, its source typed in Chinese"
refuses 2 "an unknown source" "national_capacity" as finance fund add X-1 --name x --fund-source 小金库 --owner y
q --json fund list >"$T/out"
is "$(py '[(f["fund"], f["fund_source"]) for f in d]')" "[('AQ-2026', 'enterprise_safety'), ('GT-2026', 'national_capacity')]" \
	"sources are kept by their codes"
as finance budget set --fund GT-2026 --team KS-SX-01 --year 2026 --amount 500000.00 >/dev/null
ok $? "a budget of 500,000 yuan"
q --json budget list >"$T/out"
is "$(py '[(b["fund"], b["team"], b["year"], b["amount"]) for b in d]')" "[('GT-2026', 'KS-SX-01', 2026, 50000000)]" \
	"kept in fen"

spend() { # spend WHO AMOUNT INVOICE [more options]
	who=$1 amount=$2 invoice=$3
	shift 3
	as "$who" --json spend record --date 2026-11-20 --team KS-SX-01 --spend-type consumables --vendor 太原安全装备维修有限公司 \
		--vendor-code 91110108551385082Q --invoice "$invoice" --amount "$amount" --fund GT-2026 "$@"
}
spend finance 8000.00 FP-0001 --id BA-01 >"$T/out"
is "$(py 'd["spend_state"], d["amount"]')" "('counted', 800000)" "8,000 yuan counts at once (under the 10,000 yuan threshold)"
spend finance 12000.00 FP-0002 --id BA-01 >"$T/out"
is "$(py 'd["spend_state"]')" "pending" "12,000 yuan waits for approval"
big=$(py 'd["index"]')
refuses 4 "the recorder approving" "approver" as finance spend approve "$big"
refuses 4 "a keeper approving" "approver" as keeper spend approve "$big"
spend finapp 15000.00 FP-0003 >"$T/out"
self=$(py 'd["index"]')
refuses 4 "a key with both roles approving its own record" "second person" as finapp spend approve "$self"
as approver spend approve "$big" >/dev/null
ok $? "a second person approves"
q --json spend list >"$T/out"
is "$(py '[(s["ref"], s["spend_state"]) for s in d]')" "[($((big - 1)), 'counted'), ($big, 'counted'), ($self, 'pending')]" \
	"the approved spending counts; the self-approved one still waits"
refuses 2 "approving twice" "already" as approver spend approve "$big"
refuses 2 "approving what needs no approval" "below" as approver spend approve "$((big - 1))"
as approver spend reject "$self" --reason 同一人录入并审批 >/dev/null
ok $? "a rejection with its reason"
q --json spend list >"$T/out"
is "$(py '[s["spend_state"] for s in d if s["ref"] == '"$self"'][0]')" "rejected" "rejected spending never counts"
as admin site policy --threshold 5000.00 >/dev/null
spend finance 6000.00 FP-0004 >"$T/out"
is "$(py 'd["spend_state"]')" "pending" "the threshold is site policy: at 5,000 yuan, 6,000 waits"

# ---- bad input -------------------------------------------------------------------------------
refuses 2 "a negative amount" "not an amount" spend finance -5.00 FP-0009
refuses 2 "a non-integer amount in fen" "not an amount" spend finance 12.5.0 FP-0009
refuses 2 "three decimals" "not an amount" spend finance 100.005 FP-0009
refuses 2 "a zero amount" "more than 0" spend finance 0 FP-0009
refuses 3 "an unknown fund" "fund add" as finance spend record --date 2026-11-20 --team KS-SX-01 --spend-type other \
	--vendor v --vendor-code 91110108551385082Q --invoice FP-0009 --amount 100.00 --fund NOPE
refuses 3 "spending on an unknown asset" "asset list" spend finance 100.00 FP-0009 --id NOPE
refuses 2 "a vendor credit code that fails GB 32100" "GB 32100" as finance spend record --date 2026-11-20 --team KS-SX-01 \
	--spend-type other --vendor v --vendor-code 91110108551385082X --invoice FP-0009 --amount 100.00 --fund GT-2026
refuses 2 "the enterprise safety cost without its article" "article" as finance spend record --date 2026-11-20 \
	--team KS-SX-01 --spend-type other --vendor v --vendor-code 91110108551385082Q --invoice FP-0009 --amount 100.00 --fund AQ-2026
refuses 2 "an attachment that is not a SHA-256" "SHA-256" spend finance 100.00 FP-0009 --attachments abc
refuses 2 "a repair with no asset" "--id ASSET" as finance spend record --date 2026-11-20 --team KS-SX-01 \
	--spend-type repair --vendor v --vendor-code 91110108551385082Q --invoice FP-0009 --amount 100.00 --fund GT-2026
refuses 4 "a keeper recording spending" "finance" as keeper spend record --date 2026-11-20 --team KS-SX-01 \
	--spend-type other --vendor v --vendor-code 91110108551385082Q --invoice FP-0009 --amount 100.00 --fund GT-2026
as finance spend record --date 2026-11-20 --team KS-SX-01 --spend-type other --vendor v --vendor-code 91110108551385082Q \
	--invoice FP-0010 --amount 100.00 --fund AQ-2026 --article '第十二条(二)' \
	--attachments "$(printf x | sha256sum | cut -d' ' -f1)" >/dev/null
ok $? "enterprise safety cost citing its article, with an attachment's SHA-256"

# ---- attached files: kept beside the store under their SHA-256, which is signed ----------------
printf '增值税专用发票 FP-0011 扫描件\n' >"$T/发票.txt"
head -c 300000 /dev/urandom >"$T/contract.pdf"
h1=$(sha256sum "$T/发票.txt" | cut -c1-64)
h2=$(sha256sum "$T/contract.pdf" | cut -c1-64)
spend finance 200.00 FP-0011 --attach "$T/发票.txt" --attach "$T/contract.pdf" >"$T/out"
is "$(py 'd["attachments"]')" "['$h1', '$h2']" "--attach signs each file's SHA-256 into the record"
[ -f "$S/attachments/$h1" ] && [ -f "$S/attachments/$h2" ]
ok $? "and keeps the files in the store's attachments directory"
q spend attachment "$h1" >"$T/got"
cmp -s "$T/got" "$T/发票.txt"
ok $? "spend attachment SHA256 gives the file back"
run --store "$S" spend attachment "$h2" --out "$T/got.pdf"
cmp -s "$T/got.pdf" "$T/contract.pdf"
ok $? "--out writes it to a file"
spend finance 210.00 FP-0012 --attach "$T/contract.pdf" >"$T/out"
is "$(ls "$S/attachments" | wc -l | tr -d ' ')" 2 "the same file attached twice is kept once"
before_files=$(ls "$S/attachments" | wc -l | tr -d ' ')
printf 'another scan' >"$T/scan2.txt"
refuses 2 "--attach of a file that does not exist" "no-such-file" spend finance 220.00 FP-0013 \
	--attach "$T/scan2.txt" --attach "$T/no-such-file"
refuses 4 "a keeper with an attachment" "finance" as keeper spend record --date 2026-11-20 --team KS-SX-01 \
	--spend-type other --vendor v --vendor-code 91110108551385082Q --invoice FP-0013 --amount 100.00 --fund GT-2026 \
	--attach "$T/scan2.txt"
is "$(ls "$S/attachments" | wc -l | tr -d ' ')" "$before_files" "a refused record leaves no file behind"
refuses 2 "--attach on a command that has none" "attach" as keeper asset update BA-01 --attach "$T/scan2.txt"
run --store "$S" --json log verify
is "$rc $(py 'd["ok"], d["attachments"]')" "0 (True, 2)" "log verify re-hashes the attached files: both match"
printf 'x' >>"$S/attachments/$h1"
fails 1 "an attachment changed on disk" --store "$S" spend attachment "$h1"
like "$(cat "$T/err")" "altered" "it says the file was altered"
fails 1 "log verify with an attachment changed on disk" --store "$S" log verify
like "$(cat "$T/err")" "$h1" "and names the file"
cp "$T/发票.txt" "$S/attachments/$h1"
fails 3 "an attachment that was never stored" --store "$S" spend attachment "$(printf y | sha256sum | cut -c1-64)"
fails 2 "not a SHA-256" --store "$S" spend attachment abc

# ---- fund sources are data -----------------------------------------------------------------
q --json fund sources >"$T/out"
is "$(py '[s["fund_source"] for s in d]')" "['national_capacity', 'enterprise_safety', 'host_special', 'other']" \
	"fund sources: the four built-in ones"
as finance fund source SJ-PROV --name 山西省应急救援队伍建设补助资金 >/dev/null
ok $? "finance registers a provincial grant as a source"
as finance fund source AQ-GROUP --name 集团安全生产费用 --rules enterprise_safety >/dev/null
ok $? "and a group's own safety cost, under the enterprise safety cost's rules"
q --json fund sources >"$T/out"
is "$(py '[(s["fund_source"], s["rules"], "ref" in s) for s in d][4:]')" \
	"[('AQ-GROUP', 'enterprise_safety', True), ('SJ-PROV', 'general', True)]" "listed after the built-in ones, with their entries"
refuses 2 "a source registered twice" "never redefined" as finance fund source SJ-PROV --name 另一个
refuses 2 "a built-in source registered again" "built in" as finance fund source host_special --name x
refuses 2 "a source named like a built-in one" "built in" as finance fund source ZX2 --name 依托单位专项资金
refuses 4 "a keeper registering a source" "finance" as keeper fund source K1 --name x
refuses 2 "a bad rules value" "rules" as finance fund source R1 --name x --rules lenient
as finance fund add SJ-2026 --name 省级补助 --fund-source SJ-PROV --owner 山西省应急管理厅 >/dev/null
ok $? "a fund from the registered source"
refuses 2 "a fund from an unregistered source" "fund sources" as finance fund add X-2 --name x --fund-source 小金库 --owner y
refuses 2 "a fund under safety-cost rules without the industry" "industry" as finance fund add AQG-2026 --name 集团安全费 \
	--fund-source AQ-GROUP --owner 集团
as finance fund add AQG-2026 --name 集团安全费 --fund-source AQ-GROUP --owner 集团 --industry 煤炭 >/dev/null
ok $? "with it"
refuses 2 "its spending without an article" "article" as finance spend record --date 2026-11-20 --team KS-SX-01 \
	--spend-type other --vendor v --vendor-code 91110108551385082Q --invoice FP-0031 --amount 100.00 --fund AQG-2026
as finance --json spend record --date 2026-11-20 --team KS-SX-01 --spend-type other --vendor v \
	--vendor-code 91110108551385082Q --invoice FP-0032 --amount 100.00 --fund AQG-2026 --article '第十五条(初始建设)' >"$T/out"
aqg=$(py 'd["index"]')
run --store "$S" --json audit --fund AQG-2026
is "$(py '[f["id"] for f in d["findings"] if f["check"] != "budget_overrun"]')" "['safety_cost_rule:$aqg']" \
	"the audit holds it to the safety cost's rules: initial construction is a finding"

# A store made before the fund_source database existed (format 1) opens, and gains it empty.
"$M" --store "$T/old" init --origin muster.test/old --admin-key "$T/old-admin.key" --holder 张伟 --kdf min >/dev/null
"$PY" -c 'import lmdb,sys
env = lmdb.open(sys.argv[1], max_dbs=32, subdir=True)
with env.begin(write=True) as t:
    for name in (b"fund_source", b"spend_date"): t.drop(env.open_db(name, txn=t), delete=True)
    t.put(b"format", b"\x01", db=env.open_db(b"meta", txn=t))' "$T/old" >/dev/null
run --store "$T/old" --json fund sources
is "$rc $(py 'len(d)')" "0 4" "a store without the fund_source database opens and lists the built-in sources"
succeeds "and verifies" --store "$T/old" log verify

# format1 DIR: a copy of the store as format 1 left it: no spend_date, format 1.
format1() {
	cp -R "$S" "$1"
	"$PY" -c 'import lmdb,sys
env = lmdb.open(sys.argv[1], max_dbs=32, subdir=True)
with env.begin(write=True) as t:
    t.drop(env.open_db(b"spend_date", txn=t, dupsort=True, dupfixed=True), delete=True)
    t.put(b"format", b"\x01", db=env.open_db(b"meta", txn=t))' "$1"
}

# A format 1 store with spending: opened, it is indexed by date (spend_date)
# as a rebuild indexes it, and its format is 2.
format1 "$T/old2"
q --json spend list >"$T/spend-before"
run --store "$T/old2" --json spend list
cmp -s "$T/spend-before" "$T/out"
ok $? "a format 1 store with spending opens, and lists the same spending"
"$PY" -c 'import lmdb,sys
env = lmdb.open(sys.argv[1], max_dbs=32, subdir=True, readonly=True, lock=False)
with env.begin() as t:
    idx = [(k, v) for k, v in t.cursor(db=env.open_db(b"spend_date", txn=t, create=False)).iternext(keys=True, values=True)]
    print(t.get(b"format", db=env.open_db(b"meta", txn=t, create=False)).hex(), len(idx),
          len(list(t.cursor(db=env.open_db(b"spend", txn=t, create=False)).iternext())),
          all(len(k) == 4 and len(v) == 8 for k, v in idx), idx == sorted(idx))' "$T/old2" >"$T/out"
set -- $(cat "$T/out")
is "$1 $4 $5" "02 True True" "its format is 2, and its spending indexed by be32(date) -> be64(index), in order"
is "$2" "$3" "one index per spending record ($3)"
succeeds "and reindex --check finds the index as a rebuild makes it" --store "$T/old2" reindex --check

# Two processes open the same format 1 store at once: one upgrades it, the other finds it upgraded.
format1 "$T/old3"
"$M" --store "$T/old3" --json spend list >"$T/par1" 2>&1 &
p1=$!
"$M" --store "$T/old3" --json spend list >"$T/par2" 2>&1
r2=$?
wait $p1
r1=$?
cmp -s "$T/par1" "$T/spend-before" && cmp -s "$T/par2" "$T/spend-before"
is "$r1 $r2 $?" "0 0 0" "two processes opening a format 1 store at once both list the same spending"
succeeds "and it verifies, its projections as a rebuild makes them" --store "$T/old3" reindex --check

succeeds "log verify" --store "$S" log verify
q --json fund sources >"$T/src-before"
q --json spend list >"$T/before"
succeeds "reindex" --store "$S" reindex
q --json spend list >"$T/after"
cmp -s "$T/before" "$T/after"
ok $? "reindex rebuilds the same spending, states included"
q --json fund sources >"$T/src-after"
cmp -s "$T/src-before" "$T/src-after"
ok $? "and the same fund sources"

done_testing
