#!/bin/sh
# summary.sh - `muster audit summary` through the real binary, over a small
# dataset built by hand: two teams, three funds (one the enterprise safety
# cost, whose spending cites its article), budgets for two years, and 30
# spending records over 2025 and 2026 - on breathing apparatus (category
# 2030101) and a drilling rig (3010101) and at team level - of which one
# above the threshold was approved, one stays pending and one was rejected.
# Every total below was worked out by hand from the table; the summary must
# match it exactly for every --by, with filters, budgets, variance and rate,
# in fen, yuan and 万元, as text, JSON and CSV; pending and rejected
# spending are reported and never counted.
. "$top_srcdir/tests/lib.sh"

S=$T/store
as() { # as WHO ARGS...
	who=$1
	shift
	"$M" --store "$S" --key "$T/$who.key" "$@"
}
summ() { run --store "$S" audit summary "$@"; }
pyc() { # pyc EXPR: a python expression over the CSV in $T/out (rows: the parsed records, raw: the bytes)
	"$PY" -c 'import csv,io,sys; from decimal import Decimal; raw=open(sys.argv[2],"rb").read(); rows=list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))); print(eval(sys.argv[1]))' "$1" "$T/out" 2>&1
}

# ---- the dataset -------------------------------------------------------------------------------
new_store "$S" muster.test/summary
for k in finance approver; do new_key $k; done
as admin key enrol "$T/finance.key.pub" --role finance --holder '财务 王敏' >/dev/null &&
	as admin key enrol "$T/approver.key.pub" --role approver --holder '审批 赵刚' >/dev/null
ok $? "a finance key and an approver key"
as admin team add KS-SX-01 --name 国家矿山应急救援太原队 --specialty mine --province 140000 \
	--host 山西焦煤集团有限责任公司 --host-code 91110000600037341L >/dev/null &&
	as admin team add KS-SX-02 --name 国家矿山应急救援大同队 --specialty mine --province 140000 \
		--host 晋能控股集团有限公司 --host-code 91110000600037341L >/dev/null &&
	as admin depot add TY-D1 --team KS-SX-01 --name 太原一号库 >/dev/null &&
	as admin depot add DT-D1 --team KS-SX-02 --name 大同一号库 >/dev/null &&
	as admin asset add BA-01 --category 2030101 --type 正压氧气呼吸器 --model HYZ4 --funding host --depot TY-D1 >/dev/null &&
	as admin asset add RIG-01 --category 3010101 --type 定向钻机 --model ZDY6000 --funding host --depot TY-D1 >/dev/null &&
	as admin asset add BA-02 --category 2030101 --type 正压氧气呼吸器 --model HYZ4 --funding host --depot DT-D1 >/dev/null
ok $? "two teams, a depot each, two breathing apparatus and a drilling rig"
as finance fund add GT-2026 --name 国家安全生产应急能力建设专项资金 --fund-source national_capacity --owner 应急管理部 >/dev/null &&
	as finance fund add AQ-2026 --name 企业安全生产费用 --fund-source enterprise_safety --owner 山西焦煤 --industry 煤炭 >/dev/null &&
	as finance fund add ZX-2026 --name 依托单位专项资金 --fund-source host_special --owner 晋能控股 >/dev/null
ok $? "three funds, one of them the enterprise safety cost"
as finance budget set --fund GT-2026 --team KS-SX-01 --year 2026 --amount 200000.00 >/dev/null &&
	as finance budget set --fund GT-2026 --team KS-SX-02 --year 2026 --amount 150000.00 >/dev/null &&
	as finance budget set --fund AQ-2026 --team KS-SX-01 --year 2026 --amount 50000.00 >/dev/null &&
	as finance budget set --fund ZX-2026 --team KS-SX-02 --year 2026 --amount 30000.00 >/dev/null &&
	as finance budget set --fund ZX-2026 --team KS-SX-01 --year 2026 --amount 10000.00 >/dev/null &&
	as finance budget set --fund GT-2026 --team KS-SX-01 --year 2025 --amount 80000.00 >/dev/null &&
	as finance budget set --fund GT-2026 --team KS-SX-01 --year 2025 --amount 100000.00 >/dev/null
ok $? "six budgets (the 2025 one set, then revised)"

# date team fund type vendor asset amount.  Vendors: V1, V2 (V2b: the same code, renamed), V3 (a comma and quotes in its name).
spends() {
	cat <<'EOF'
2025-03-10 KS-SX-01 GT-2026 maintenance V1 BA-01 1200.00
2025-06-15 KS-SX-01 GT-2026 repair V1 RIG-01 8500.00
2025-09-20 KS-SX-01 GT-2026 calibration V3 BA-01 650.00
2025-12-05 KS-SX-01 GT-2026 training V2 - 3000.00
2026-01-12 KS-SX-01 GT-2026 maintenance V1 BA-01 1500.00
2026-01-25 KS-SX-01 GT-2026 consumables V2 - 480.50
2026-02-18 KS-SX-01 GT-2026 repair V1 RIG-01 9800.00
2026-03-03 KS-SX-01 GT-2026 calibration V3 BA-01 720.00
2026-03-28 KS-SX-01 AQ-2026 drill V2 - 6000.00
2026-04-09 KS-SX-01 AQ-2026 maintenance V1 RIG-01 2345.67
2026-05-16 KS-SX-01 GT-2026 insurance V2 - 9999.99
2026-06-21 KS-SX-01 GT-2026 maintenance V1 BA-01 1500.00
2026-07-07 KS-SX-01 AQ-2026 training V2 - 5500.00
2026-08-30 KS-SX-01 GT-2026 repair V1 RIG-01 12000.00
2026-09-14 KS-SX-01 GT-2026 other V3 - 300.00
2026-10-02 KS-SX-01 GT-2026 maintenance V1 BA-01 1500.00
2026-11-11 KS-SX-01 GT-2026 consumables V2 - 299.99
2025-04-22 KS-SX-02 GT-2026 maintenance V1 BA-02 1100.00
2025-11-30 KS-SX-02 GT-2026 repair V1 BA-02 2750.00
2026-01-08 KS-SX-02 GT-2026 maintenance V1 BA-02 1100.00
2026-02-14 KS-SX-02 ZX-2026 drill V2 - 7777.77
2026-03-19 KS-SX-02 GT-2026 calibration V3 BA-02 880.00
2026-04-25 KS-SX-02 ZX-2026 training V2 - 3333.33
2026-05-30 KS-SX-02 GT-2026 consumables V2 - 2345.68
2026-06-06 KS-SX-02 GT-2026 repair V1 BA-02 4600.00
2026-07-19 KS-SX-02 ZX-2026 insurance V2b - 9000.00
2026-08-08 KS-SX-02 GT-2026 maintenance V1 BA-02 1100.00
2026-09-27 KS-SX-02 GT-2026 repair V1 BA-02 15000.00
2026-10-15 KS-SX-02 ZX-2026 other V3 - 11000.00
2026-11-20 KS-SX-02 GT-2026 maintenance V1 BA-02 1100.00
EOF
}
V3NAME='大同计量检定校准中心, "北区"'
n=0 bad=0
spends >"$T/spends"
while read -r date team fund type v asset amount; do
	n=$((n + 1))
	case $v in
	V1) vname=太原安全装备维修有限公司 vcode=91110108551385082Q ;;
	V2) vname=山西焦煤装备服务公司 vcode=91110000600037341L ;;
	V2b) vname=山西焦煤装备服务有限公司 vcode=91110000600037341L ;;
	V3) vname=$V3NAME vcode=91140200MA0HXXJ20E ;;
	esac
	set -- --date "$date" --team "$team" --fund "$fund" --spend-type "$type" --vendor "$vname" --vendor-code "$vcode" \
		--invoice "FP-$n" --amount "$amount"
	[ "$asset" = - ] || set -- "$@" --id "$asset"
	[ "$fund" != AQ-2026 ] || set -- "$@" --article '第十二条(二)'
	as finance --json spend record "$@" >"$T/rec" 2>"$T/err" || { bad=$((bad + 1)); sed 's/^/#   /' "$T/err"; }
	case $amount in
	12000.00) approve=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["index"])' <"$T/rec") ;;
	11000.00) reject=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["index"])' <"$T/rec") ;;
	esac
done <"$T/spends"
is "$n $bad" "30 0" "30 spending records"
as approver spend approve "$approve" >/dev/null && as approver spend reject "$reject" --reason 发票与合同不符 >/dev/null
ok $? "12,000 yuan approved by a second person, 11,000 rejected; 15,000 stays pending"

# An independent reckoning from 'spend list': what counts, what waits, what was turned down.
run --store "$S" --json spend list
is "$(py 'sum(s["amount"] for s in d if s["spend_state"] == "counted"), [(s["spend_state"], s["amount"]) for s in d if s["spend_state"] != "counted"]')" \
	"(10038293, [('pending', 1500000), ('rejected', 1100000)])" "spend list: 28 counted records, 100,382.93 yuan; one pending, one rejected"

# ---- every --by, exact --------------------------------------------------------------------------
# JSON: (key, count, total) per group; budgets, variance and rate where there are.
groups='[(g["key"], g["count"], g["total"]) for g in d["groups"]]'
budgets='[(g["key"], g["budget"], g["variance"], g["rate_bp"]) for g in d["groups"]]'
totals='(d["total"]["count"], d["total"]["total"], d["pending"]["count"], d["pending"]["total"], d["rejected"]["count"], d["rejected"]["total"])'
all_totals="(28, 10038293, 1, 1500000, 1, 1100000)"

succeeds "by fund" --store "$S" --json audit summary --by fund
is "$(py "$groups")" "[('AQ-2026', 3, 1384567), ('GT-2026', 22, 6642616), ('ZX-2026', 3, 2011110)]" "by fund: counts and totals"
is "$(py "$budgets")" "[('AQ-2026', 5000000, -3615433, 2769), ('GT-2026', 45000000, -38357384, 1476), ('ZX-2026', 4000000, -1988890, 5028)]" \
	"by fund: budgets of both years and teams (the revision replaces), variance, rate half up"
is "$(py "$totals")" "$all_totals" "by fund: grand total; pending and rejected beside it"
is "$(py '(d["total"]["budget"], d["total"]["variance"], d["total"]["rate_bp"], d["total"]["rate_text"])')" \
	"(54000000, -43961707, 1859, '18.59%')" "by fund: total budget 540,000.00 yuan, 18.59% spent"
is "$(py '[g["name"] for g in d["groups"]]')" "['企业安全生产费用', '国家安全生产应急能力建设专项资金', '依托单位专项资金']" "by fund: the funds' names"
is "$(py 'sum(g["total"] for g in d["groups"]) == d["total"]["total"] and all(type(g[k]) is int for g in d["groups"] for k in ("count", "total", "budget", "variance"))')" \
	"True" "JSON: integer fen, and the groups sum to the grand total"

succeeds "by team" --store "$S" --json audit summary --by team
is "$(py "$groups")" "[('KS-SX-01', 17, 6529615), ('KS-SX-02', 11, 3508678)]" "by team"
is "$(py "$budgets")" "[('KS-SX-01', 36000000, -29470385, 1814), ('KS-SX-02', 18000000, -14491322, 1949)]" "by team: budgets"
is "$(py '[g["name"] for g in d["groups"]]')" "['国家矿山应急救援太原队', '国家矿山应急救援大同队']" "by team: the teams' names"
is "$(py "$totals")" "$all_totals" "by team: totals"

succeeds "by year" --store "$S" --json audit summary --by year
is "$(py "$groups")" "[('2025', 6, 1720000), ('2026', 22, 8318293)]" "by year"
is "$(py "$budgets")" "[('2025', 10000000, -8280000, 1720), ('2026', 44000000, -35681707, 1891)]" "by year: budgets"

succeeds "by month" --store "$S" --json audit summary --by month
is "$(py "$groups")" "[('2025-03', 1, 120000), ('2025-04', 1, 110000), ('2025-06', 1, 850000), ('2025-09', 1, 65000), \
('2025-11', 1, 275000), ('2025-12', 1, 300000), ('2026-01', 3, 308050), ('2026-02', 2, 1757777), ('2026-03', 3, 760000), \
('2026-04', 2, 567900), ('2026-05', 2, 1234567), ('2026-06', 2, 610000), ('2026-07', 2, 1450000), ('2026-08', 2, 1310000), \
('2026-09', 1, 30000), ('2026-10', 1, 150000), ('2026-11', 2, 139999)]" "by month: 17 months, in order"
is "$(py '"budget" in d["total"] or any("budget" in g for g in d["groups"])')" "False" "by month: no budget columns"
is "$(py "$totals")" "$all_totals" "by month: totals"

succeeds "by category" --store "$S" --json audit summary --by category
is "$(py "$groups")" "[('-', 11, 4803726), ('2030101', 13, 1970000), ('3010101', 4, 3264567)]" \
	"by category: breathing apparatus, the rig, and team-level spending under '-'"

succeeds "by vendor" --store "$S" --json audit summary --by vendor
is "$(py "$groups")" "[('91110000600037341L', 10, 4773726), ('91110108551385082Q', 14, 5009567), ('91140200MA0HXXJ20E', 4, 255000)]" \
	"by vendor: by credit code"
is "$(py '[g["name"] for g in d["groups"]]')" "['山西焦煤装备服务有限公司', '太原安全装备维修有限公司', '大同计量检定校准中心, \"北区\"']" \
	"by vendor: the name on the latest record of each code"

succeeds "by type" --store "$S" --json audit summary --by type
is "$(py "$groups")" "[('calibration', 3, 225000), ('consumables', 3, 312617), ('drill', 2, 1377777), ('insurance', 2, 1899999), \
('maintenance', 9, 1244567), ('other', 1, 30000), ('repair', 5, 3765000), ('training', 3, 1183333)]" "by type"
is "$(py '[g["name"] for g in d["groups"]][:2]')" "['检定校准', '耗材']" "by type: the Chinese names"
is "$(py "$totals")" "$all_totals" "by type: totals"

# ---- filters --------------------------------------------------------------------------------------
succeeds "--year 2026" --store "$S" --json audit summary --by fund --year 2026
is "$(py "$groups")" "[('AQ-2026', 3, 1384567), ('GT-2026', 16, 4922616), ('ZX-2026', 3, 2011110)]" "--year 2026: 2025 spending left out"
is "$(py "$budgets")" "[('AQ-2026', 5000000, -3615433, 2769), ('GT-2026', 35000000, -30077384, 1406), ('ZX-2026', 4000000, -1988890, 5028)]" \
	"--year 2026: and 2025 budgets"
is "$(py '(d["year"], d["pending"]["count"], d["rejected"]["count"])')" "(2026, 1, 1)" "--year 2026: the filter echoed; pending and rejected are 2026's"

succeeds "--team" --store "$S" --json audit summary --by team --team KS-SX-02
is "$(py "$groups") $(py "$budgets")" "[('KS-SX-02', 11, 3508678)] [('KS-SX-02', 18000000, -14491322, 1949)]" "--team KS-SX-02"
is "$(py "$totals")" "(11, 3508678, 1, 1500000, 1, 1100000)" "--team KS-SX-02: its pending and rejected spending"

succeeds "--fund" --store "$S" --json audit summary --by month --fund GT-2026
is "$(py 'len(d["groups"]), d["groups"][7], d["total"]["total"]')" "(15, {'key': '2026-02', 'count': 1, 'total': 980000, 'total_text': '9,800.00'}, 6642616)" \
	"--fund GT-2026 by month"
is "$(py '(d["pending"]["count"], d["rejected"]["count"])')" "(1, 0)" "--fund GT-2026: the rejected spending was from another fund"

succeeds "--year --team by fund" --store "$S" --json audit summary --by fund --year 2026 --team KS-SX-01
is "$(py "$groups")" "[('AQ-2026', 3, 1384567), ('GT-2026', 10, 3810048), ('ZX-2026', 0, 0)]" \
	"--year 2026 --team KS-SX-01: a fund with a budget and no spending is listed"
is "$(py "$budgets")" "[('AQ-2026', 5000000, -3615433, 2769), ('GT-2026', 20000000, -16189952, 1905), ('ZX-2026', 1000000, -1000000, 0)]" \
	"--year 2026 --team KS-SX-01: budgets"
is "$(py "$totals")" "(13, 5194615, 0, 0, 0, 0)" "--year 2026 --team KS-SX-01: totals"

succeeds "all three filters by category" --store "$S" --json audit summary --by category --year 2026 --team KS-SX-01 --fund GT-2026
is "$(py "$groups")" "[('-', 4, 1108048), ('2030101', 4, 522000), ('3010101', 2, 2180000)]" "--year --team --fund by category"

# ---- units ----------------------------------------------------------------------------------------
summ --by month --unit yuan
like "$(grep '^2026-05 ' "$T/out")" " 12,345.67" "yuan: 1,234,567 fen is 12,345.67 with thousands separators"
summ --by month --unit wan
like "$(grep '^2026-05 ' "$T/out")" " 1.2346" "万元: 1,234,567 fen is 1.2346 (four decimals, half up)"
like "$(grep '^2026-02 ' "$T/out")" " 1.7578" "万元: 1,757,777 fen is 1.7578"
like "$(grep '^2026-11 ' "$T/out")" " 0.1400" "万元: 139,999 fen is 0.1400"
like "$(grep '^2026-09 ' "$T/out")" " 0.0300" "万元: 30,000 fen is 0.0300"
summ --by month --unit fen
like "$(grep '^2026-05 ' "$T/out")" " 1234567" "fen: an integer"
summ --by month
like "$(grep '^2026-05 ' "$T/out")" " 12,345.67" "yuan is the default"
run --store "$S" --json audit summary --by month --unit wan
is "$(py '[(g["total"], g["total_text"]) for g in d["groups"] if g["key"] == "2026-05"][0], d["unit"]')" "((1234567, '1.2346'), 'wan')" \
	"JSON: fen integers always, the unit's string beside them"

# ---- the text table -------------------------------------------------------------------------------
succeeds "text by fund" --store "$S" audit summary --by fund
is "$(head -n 2 "$T/out" | tail -n 1 | tr -s ' ')" "fund name records amount budget variance of budget" "text: English headers under C.UTF-8"
like "$(grep '^GT-2026 ' "$T/out")" "66,426.16  450,000.00  -383,573.84     14.76%" "text: GT-2026 amount, budget, variance, rate"
like "$(grep '^total ' "$T/out")" "28  100,382.93  540,000.00  -439,617.07     18.59%" "text: the grand total row"
like "$(tail -n 1 "$T/out")" "not counted: 1 pending approval, 15,000.00 yuan; 1 rejected, 11,000.00 yuan" "text: pending and rejected reported, not counted"
LC_ALL=zh_CN.UTF-8 "$M" --store "$S" audit summary --by fund --unit wan >"$T/out" 2>"$T/err"
is "$(sed -n 2p "$T/out" | tr -s ' ')" "资金 名称 笔数 金额 预算 差额 执行率" "text: Chinese headers under a zh locale"
like "$(head -n 1 "$T/out")" "金额单位：万元" "text: the unit named in Chinese"
like "$(grep '^合计 ' "$T/out")" "28  10.0383  54.0000  -43.9617  18.59%" "text: 合计 in 万元"
like "$(tail -n 1 "$T/out")" "未计入：待审批 1 笔，1.5000 万元；已驳回 1 笔，1.1000 万元" "text: 未计入 in Chinese"
succeeds "text by vendor" --store "$S" audit summary --by vendor --year 2025
like "$(cat "$T/out")" "$V3NAME" "text: vendor names as recorded"

# ---- CSV ------------------------------------------------------------------------------------------
succeeds "--csv" --store "$S" audit summary --by fund --csv
is "$(pyc 'raw[:3] == b"\xef\xbb\xbf" and raw.count(b"\r\n") == 4 and raw.endswith(b"\r\n")')" "True" "CSV: UTF-8 BOM, CRLF line ends"
is "$(pyc 'rows[0]')" "['fund', 'name', 'count', 'amount_yuan', 'budget_yuan', 'variance_yuan', 'rate_percent']" "CSV: header row"
is "$(pyc 'rows[2]')" "['GT-2026', '国家安全生产应急能力建设专项资金', '22', '66426.16', '450000.00', '-383573.84', '14.76']" \
	"CSV: a row, amounts in yuan without separators"
is "$(pyc '"%s %s" % (sum(Decimal(r[3]) for r in rows[1:]), sum(int(r[2]) for r in rows[1:]))')" "100382.93 28" "CSV: the rows sum to the grand total"
succeeds "--csv by vendor in fen" --store "$S" audit summary --by vendor --csv --unit fen
is "$(pyc 'rows[0][3], [r[1] for r in rows][3], sum(int(r[3]) for r in rows[1:])')" "('amount_fen', '大同计量检定校准中心, \"北区\"', 10038293)" \
	"CSV in fen: a name with a comma and quotes survives RFC 4180 quoting; the sum is exact"
is "$(pyc 'raw.decode("utf-8-sig").split("\r\n")[3].split(",")[1:3]')" "['\"大同计量检定校准中心', ' \"\"北区\"\"\"']" "CSV: that field is quoted and its quotes doubled"
succeeds "--csv by month in wan" --store "$S" audit summary --by month --csv --unit wan
is "$(pyc '[r for r in rows if r[0] == "2026-05"][0], rows[0]')" "(['2026-05', '2', '1.2346'], ['month', 'count', 'amount_wan'])" "CSV in 万元"
LC_ALL=zh_CN.UTF-8 "$M" --store "$S" audit summary --by team --csv >"$T/out" 2>"$T/err"
is "$(pyc 'rows[0]')" "['队伍', '名称', '笔数', '金额(元)', '预算(元)', '差额(元)', '执行率(%)']" "CSV: Chinese header row under a zh locale"

# ---- refusals -------------------------------------------------------------------------------------
fails 2 "an unknown --by" --store "$S" audit summary --by province
like "$(cat "$T/err")" "fund team year month category vendor type" "an unknown --by: the message lists the choices"
fails 2 "an unknown --unit" --store "$S" audit summary --by fund --unit jiao
like "$(cat "$T/err")" "fen yuan wan" "an unknown --unit: the message lists the choices"
fails 2 "no --by" --store "$S" audit summary
fails 2 "--json and --csv together" --store "$S" --json audit summary --by fund --csv
fails 2 "a year that is not a number" --store "$S" audit summary --by fund --year 二〇二六
fails 2 "an option that does not apply" --store "$S" audit summary --by fund --depot TY-D1
fails 3 "an unknown team" --store "$S" audit summary --by fund --team KS-XX-99
like "$(cat "$T/err")" "KS-XX-99" "an unknown team: named"
fails 3 "an unknown fund" --store "$S" audit summary --by team --fund NOPE
like "$(cat "$T/err")" "NOPE" "an unknown fund: named"

# ---- a store with no spending ---------------------------------------------------------------------
"$M" --store "$T/empty" init --origin muster.test/empty --admin-key "$T/admin2.key" --holder 张伟 --kdf min >/dev/null
succeeds "an empty store" --store "$T/empty" --json audit summary --by fund
is "$(py '(d["groups"], d["total"]["total"], d["total"]["rate_bp"], d["pending"]["count"])')" "([], 0, None, 0)" \
	"an empty store: no groups, zero totals, no rate"

done_testing
