#!/bin/sh
# audit.sh - `muster audit` finds every planted problem and nothing else:
# clean spending (linked maintenance, an approved repair, a drill) beside
# spending on a scrapped asset, on an asset another team held, maintenance
# with no linked event, a duplicate invoice, an invoice split under the
# threshold, unapproved spending over it, a budget overrun, the enterprise
# safety cost on initial construction, a record made two months after the
# work and a record whose key was revoked since.  Each finding names its
# evidence; an auditor's disposition is signed and shown.
. "$top_srcdir/tests/lib.sh"

S=$T/store
now=$(date +%s)
day() { "$PY" -c 'import datetime,sys; t=datetime.datetime.utcfromtimestamp(int(sys.argv[2]))+datetime.timedelta(hours=8); print((t.date()+datetime.timedelta(days=int(sys.argv[1]))).isoformat())' "$1" "$now"; }
year=$(day 0 | cut -c1-4)
lastyear=$((year - 1))

new_store "$S" muster.test/audit
for k in finance fin2 approver keeper keeper2 auditor; do new_key $k; done
as admin key enrol "$T/finance.key.pub" --role finance --holder 王敏 >/dev/null &&
	as admin key enrol "$T/fin2.key.pub" --role finance --holder 临时会计 >/dev/null &&
	as admin key enrol "$T/approver.key.pub" --role approver --holder 赵刚 >/dev/null &&
	as admin key enrol "$T/keeper.key.pub" --role keeper --holder 李娜 >/dev/null &&
	as admin key enrol "$T/keeper2.key.pub" --role keeper --holder 孙磊 >/dev/null &&
	as admin key enrol "$T/auditor.key.pub" --role auditor --holder '审计 周洁' >/dev/null
ok $? "finance, a second finance key, approver, two keepers, an auditor"
for t in KS-SX-01 KS-SX-02; do
	as admin team add $t --name "队伍$t" --specialty mine --province 140000 --host 山西焦煤 --host-code 91110000600037341L >/dev/null || break
done &&
	as keeper depot add D1 --team KS-SX-01 --name 一号库 >/dev/null &&
	as keeper2 depot add D2 --team KS-SX-02 --name 二号库 >/dev/null
ok $? "two teams, a depot each"
for a in A1 A2 A3; do
	as keeper asset add $a --category 2030101 --type 正压氧气呼吸器 --model HYZ4 --funding host --depot D1 >/dev/null || break
done
ok $? "three assets of the first team"
as keeper --json inspect record A1 --kind 月检 --result pass --inspector 李娜 >"$T/out"
insp=$(py 'd["index"]')
as keeper asset scrap A2 --reason 气瓶到期 >/dev/null && as keeper asset handover A3 --to-team KS-SX-02 >/dev/null &&
	as keeper2 asset accept A3 --depot D2 >/dev/null
ok $? "A1 inspected (entry $insp), A2 scrapped, A3 handed over to the second team"

as finance fund add GT --name 国家专项 --fund-source national_capacity --owner 应急管理部 >/dev/null &&
	as finance fund add AQ --name 企业安全生产费用 --fund-source enterprise_safety --owner 山西焦煤 --industry 煤炭 >/dev/null &&
	as finance budget set --fund GT --team KS-SX-01 --year "$year" --amount 1000000.00 >/dev/null &&
	as finance budget set --fund GT --team KS-SX-01 --year "$lastyear" --amount 1000000.00 >/dev/null &&
	as finance budget set --fund AQ --team KS-SX-01 --year "$year" --amount 5000.00 >/dev/null
ok $? "two funds and their budgets (the safety cost's 5,000 yuan)"

V1=91110108551385082Q
V2=91110000600037341L
spend() { # spend WHO DATE TYPE AMOUNT VENDOR-CODE INVOICE [more]: prints the entry index
	who=$1 date=$2 type=$3 amount=$4 vc=$5 inv=$6
	shift 6
	as "$who" --json spend record --date "$date" --team KS-SX-01 --spend-type "$type" --vendor "供应商$vc" \
		--vendor-code "$vc" --invoice "$inv" --amount "$amount" --fund GT "$@" >"$T/out" &&
		py 'd["index"]'
}
# Clean.
c1=$(spend finance "$(day 0)" maintenance 3000.00 $V1 INV-001 --id A1 --link "$insp")
c2=$(spend finance "$(day -3)" drill 2000.00 $V1 INV-002)
c3=$(spend finance "$(day 0)" repair 12000.00 $V1 INV-003 --id A1 --link "$insp")
as approver spend approve "$c3" >/dev/null
ok $? "clean records: entries $c1 $c2 $c3 (the repair approved)"
# Planted.
p_scrap=$(spend finance "$(day 0)" consumables 500.00 $V1 INV-010 --id A2)
p_custody=$(spend finance "$(day 0)" consumables 600.00 $V1 INV-011 --id A3)
p_link=$(spend finance "$(day 0)" maintenance 700.00 $V1 INV-012 --id A1)
p_dup1=$(spend finance "$(day -2)" drill 1000.00 $V1 DUP-1)
p_dup2=$(spend finance "$(day -1)" drill 1000.00 $V1 DUP-1)
p_split1=$(spend finance "$(day -10)" training 9000.00 $V2 SP-1)
p_split2=$(spend finance "$(day -6)" training 9500.00 $V2 SP-2)
p_split3=$(spend finance "$(day -2)" training 8500.00 $V2 SP-3)
p_pending=$(spend finance "$(day -1)" insurance 15000.00 $V2 INS-1)
p_late=$(spend finance "$(day -60)" consumables 800.00 $V1 INV-013)
p_signer=$(spend fin2 "$(day -1)" consumables 900.00 $V1 INV-014)
as admin key revoke "$(q --json key list | "$PY" -c 'import json,sys; print([k["key_id"] for k in json.load(sys.stdin) if k["holder"]=="临时会计"][0])')" \
	--reason 离职 >/dev/null
as finance --json spend record --date "$(day -1)" --team KS-SX-01 --spend-type consumables --vendor 供应商 --vendor-code $V1 \
	--invoice AQ-1 --amount 3000.00 --fund AQ --article '第十二条(二)' >"$T/out" && p_aq1=$(py 'd["index"]')
as finance --json spend record --date "$(day -1)" --team KS-SX-01 --spend-type other --vendor 供应商 --vendor-code $V1 \
	--invoice AQ-2 --amount 3000.00 --fund AQ --article '第十二条(一)' --notes '新建项目三同时配套' >"$T/out" && p_aq2=$(py 'd["index"]')
ok $? "planted: $p_scrap $p_custody $p_link $p_dup1/$p_dup2 $p_split1-$p_split3 $p_pending $p_late $p_signer $p_aq1 $p_aq2"

run --store "$S" --json audit
is "$rc" "1" "muster audit exits 1 when it finds something"
got=$(py 'sorted((f["check"], f["spend"]) for f in d["findings"])')
want=$("$PY" -c 'import sys; a=sys.argv[1:]; print(sorted([("scrapped_asset", int(a[0])), ("not_in_custody", int(a[1])), ("missing_link", int(a[2])),
	("duplicate_invoice", int(a[3])), ("split_invoice", int(a[4])), ("unapproved", int(a[5])), ("late_record", int(a[6])),
	("signer", int(a[7])), ("budget_overrun", int(a[8])), ("safety_cost_rule", int(a[9]))]))' \
	"$p_scrap" "$p_custody" "$p_link" "$p_dup1" "$p_split1" "$p_pending" "$p_late" "$p_signer" "$p_aq2" "$p_aq2")
is "$got" "$want" "every planted problem is found, and nothing else"
is "$(py 'd["count"], d["serious"], d["open"]')" "(10, 7, 10)" "ten findings, seven serious, none disposed of"
ev() { py "[f['evidence'] for f in d['findings'] if f['check'] == '$1'][0]"; }
like "$(ev scrapped_asset)" "$p_scrap" "the scrapped-asset finding cites the spending"
is "$(py "len([f for f in d['findings'] if f['check'] == 'scrapped_asset'][0]['evidence'])")" "2" "and the scrap entry"
is "$(ev duplicate_invoice)" "[$p_dup1, $p_dup2]" "the duplicate cites both records"
is "$(ev split_invoice)" "[$p_split1, $p_split2, $p_split3]" "the split cites the three payments"
like "$(py "[f['message']['zh'] for f in d['findings'] if f['check'] == 'split_invoice'][0]")" "拆分" "messages in Chinese"
like "$(py "[f['message']['en'] for f in d['findings'] if f['check'] == 'budget_overrun'][0]")" "5000.00" "and English, with the budget"
dup=$(py "[f['id'] for f in d['findings'] if f['check'] == 'duplicate_invoice'][0]")
is "$dup" "duplicate_invoice:$V1/DUP-1" "finding ids are stable: check, vendor, invoice"

# Filters.
run --store "$S" --json audit --team KS-SX-02
is "$rc $(py 'd["count"]')" "0 0" "the second team spent nothing: no findings, exit 0"
run --store "$S" --json audit --fund AQ
is "$(py 'sorted(f["check"] for f in d["findings"])')" "['budget_overrun', 'safety_cost_rule']" "--fund AQ: the safety cost's findings"
fails 3 "--fund of no fund" --store "$S" audit --fund NOPE
fails 2 "--year not a year" --store "$S" audit --year 26

# Dispositions.
run --store "$S" --key "$T/auditor.key" audit dispose "$dup" --disposition explained --notes 供应商重开发票，已作废前一张
is "$rc" "0" "an auditor explains the duplicate"
run --store "$S" --key "$T/keeper.key" audit dispose "$dup" --disposition corrected --notes x
is "$rc" "4" "a keeper may not dispose of findings"
run --store "$S" --key "$T/auditor.key" audit dispose "no_such_check:1" --disposition referred --notes x
is "$rc" "2" "a finding id of no check is refused"
run --store "$S" --json audit
is "$(py "[f['disposition']['disposition'] for f in d['findings'] if f['id'] == '$dup'][0]"), $(py 'd["open"]')" "explained, 9" \
	"the disposition is shown; nine remain open"
LC_ALL=zh_CN.UTF-8 "$M" --store "$S" audit >"$T/zh" 2>&1
like "$(cat "$T/zh")" "严重" "the text report in Chinese"

# An asset that changed hands 70 times: custody is replayed from its whole history, not the last few changes.
as keeper asset add A4 --category 2030101 --type 正压氧气呼吸器 --model HYZ4 --funding host --depot D1 --acquired 2020-01-01 >/dev/null
for i in $(seq 35); do
	as keeper asset handover A4 --to-team KS-SX-02 >/dev/null && as keeper2 asset accept A4 --depot D2 >/dev/null &&
		as keeper2 asset handover A4 --to-team KS-SX-01 >/dev/null && as keeper asset accept A4 --depot D1 >/dev/null || break
done
ok $? "A4, acquired in 2020, handed to the second team and back 35 times today"
p_long=$(spend finance "$(day -1)" consumables 100.00 $V1 INV-020 --id A4)
run --store "$S" --json audit
is "$(py "[f['id'] for f in d['findings'] if f['spend'] == $p_long]")" "[]" \
	"spending on it yesterday, when the first team held it since 2020, is clean"

succeeds "log verify" --store "$S" log verify
q --json audit >"$T/before"
succeeds "reindex" --store "$S" reindex
q --json audit >"$T/after"
cmp -s "$T/before" "$T/after"
ok $? "reindex: the same findings"

done_testing
