#!/bin/sh
# audit_gen.sh - `muster audit` over a generated province (seed 1: six
# teams, thousands of clean spending records) with planted problems of
# every check mixed in, each planted through the real CLI with the gen
# keys and two finance keys enrolled here: spending on a scrapped asset, on
# an asset another team holds and on one before it was acquired,
# maintenance naming no entry and a repair naming another asset's
# inspection, an invoice entered twice, three payments split under the
# threshold, unapproved spending, a budget overrun, the enterprise safety
# cost on initial construction (in the notes and in the article), a record
# made long after its date, and records by a key since revoked and by one
# that lost the finance role.  Subjects are picked from the generated data,
# not hard-coded.  `muster audit --json` must find exactly those, each with
# its evidence, and the filters must narrow to the right ones.  Bad input
# on this store is refused with nothing written.
. "$top_srcdir/tests/lib.sh"

S=$T/store
LATE=400 # gen signs a year of history on one day (GEN.md)

# ---- the clean dataset ------------------------------------------------------------------
run gen --scale province --seed 1 --store "$S" --kdf min --json
is "rc=$rc err=$(wc -c <"$T/err" | tr -d ' ')" "rc=0 err=0" "gen --scale province --seed 1"
[ "$rc" = 0 ] || { sed 's/^/#   stderr: /' "$T/err"; done_testing; exit 1; }
nspend=$(py 'd["spending"]')
is "$(py 'd["spending"] >= 2000')" "True" "thousands of spending records ($nspend)"
for k in admin finance approver keeper; do cp "$S/gen/$k.key" "$S/gen/$k.key.pub" "$T/"; done

run --store "$S" --json audit --late-days $LATE
is "$rc $(py 'd["count"]')" "0 0" "the generated store audits clean (--late-days $LATE)"

q --json spend list >"$T/spend.json" && q --json budget list >"$T/budget.json" && q --json asset list >"$T/asset.json" &&
	q --json team list >"$T/team.json" && q --json fund list >"$T/fund.json" &&
	q --json log show --count 10000000 >"$T/log.json"
ok $? "read spending, budgets, assets, teams, funds and the log"

# ---- pick the subjects ------------------------------------------------------------------
# The planner prints shell assignments; every amount is in fen.
"$PY" - "$T" "$LATE" >"$T/plan.sh" 2>"$T/plan.err" <<'EOF'
import datetime as D, json, shlex, sys
T, late = sys.argv[1], int(sys.argv[2])
ld = lambda n: json.load(open(f"{T}/{n}.json"))
spend, budgets, assets, teams, funds, log = ld("spend"), ld("budget"), ld("asset"), ld("team"), ld("fund"), ld("log")
today = D.datetime.now(D.timezone(D.timedelta(hours=8))).date()
cy = today.year
out = {}
def put(k, v): out[k] = v
day = lambda n: (today + D.timedelta(days=n)).isoformat()
thr = [e["fields"]["threshold"] for e in log if e["type"] == "site.policy" and "threshold" in e.get("fields", {})][-1]
put("TODAY", today.isoformat()); put("THR", thr)

# headroom of every (fund, team, year) budget; planted spending is booked against it
room = {(b["fund"], b["team"], b["year"]): b["amount"] for b in budgets}
bref = {(b["fund"], b["team"], b["year"]): b["ref"] for b in budgets}
for s in spend:
    if s["spend_state"] == "counted":
        room[(s["fund"], s["team"], int(s["date"][:4]))] -= s["amount"]
src = {f["fund"]: f["fund_source"] for f in funds}
T6 = sorted(t["team"] for t in teams)
def host(team, year=cy):
    g = [k for k in room if k[1] == team and k[2] == year and src[k[0]] != "enterprise_safety"]
    return max(g, key=lambda k: room[k]) if g else None
used = set()
def book(g, amount):
    used.add(g)
    room[g] -= amount
    assert room[g] >= 0, f"no room in {g} for {amount}"

# assets that never changed teams, in their depot
moved = {e["fields"]["id"] for e in log if e["type"] in ("custody.handover", "custody.accept", "custody.requisition")}
home = [a for a in assets if a["state"] == "in_depot" and a["id"] not in moved and not a.get("external")]
small = 50000  # 500 yuan: every planted record but the duplicate, the split, the unapproved and the overrun is smaller

# scrapped_asset: spending by the team that held it, after the scrap
scrap = {e["fields"]["id"]: e["index"] for e in log if e["type"] == "asset.scrap"}
a = [a for a in assets if a["state"] == "scrapped" and a["id"] not in moved][0]
g = host(a["team"]); book(g, small)
put("SCRAP_ASSET", a["id"]); put("SCRAP_TEAM", a["team"]); put("SCRAP_FUND", g[0]); put("SCRAP_ENTRY", scrap[a["id"]])
# not_in_custody: another team's asset
t_own, t_other = T6[1], T6[2]
a = [a for a in home if a["team"] == t_own][0]
g = host(t_other); book(g, small)
put("CUST_ASSET", a["id"]); put("CUST_TEAM", t_other); put("CUST_FUND", g[0]); put("CUST_GIVER", a["registered"])
# not_in_custody, the other way: the owner's team pays before the asset was acquired
c = sorted((a for a in home if a.get("acquired") and day(-330) <= a["acquired"] <= day(-5)), key=lambda a: a["id"])
if c:
    a = c[0]; d = D.date.fromisoformat(a["acquired"]) - D.timedelta(days=3); g = host(a["team"], d.year); book(g, small)
    put("EARLY_ASSET", a["id"]); put("EARLY_TEAM", a["team"]); put("EARLY_FUND", g[0]); put("EARLY_GIVER", a["registered"])
    put("EARLY_DATE", d.isoformat())
else:
    put("EARLY_ASSET", "")
# missing_link: maintenance without a link; a repair linking another asset's inspection
t = T6[3]
a1, a2 = [a for a in home if a["team"] == t][:2]
wrong = [e["index"] for e in log if e["type"] == "inspect.record" and e["fields"]["id"] != a2["id"]][-1]
g = host(t); book(g, 2 * small)
put("LINK_TEAM", t); put("LINK_FUND", g[0]); put("LINK_ASSET1", a1["id"]); put("LINK_ASSET2", a2["id"]); put("LINK_WRONG", wrong)
# duplicate_invoice: a generated team-level invoice entered a second time
c = [s for s in spend if s["spend_state"] == "counted" and "id" not in s and s["spend_type"] in ("consumables", "training", "drill")
     and s["amount"] <= 200000 and room[(s["fund"], s["team"], int(s["date"][:4]))] > s["amount"] + 5 * small]
s = sorted(c, key=lambda s: (s["date"], s["ref"]))[-1]
g = (s["fund"], s["team"], int(s["date"][:4])); book(g, s["amount"])
for k in ("team", "fund", "date", "spend_type", "vendor", "vendor_code", "invoice", "amount", "ref"):
    put("DUP_" + k.upper(), s[k])
put("DUP_ARTICLE", s.get("article", ""))
# split_invoice: three payments to one vendor within 14 days, each 80-100% of the threshold
t = T6[4]; g = host(t); amts = [thr * 90 // 100, thr * 95 // 100, thr * 85 // 100]; book(g, sum(amts) + small)
put("SPLIT_TEAM", t); put("SPLIT_FUND", g[0]); put("SPLIT_AMOUNTS", " ".join(map(str, amts)))
# unapproved: at or above the threshold, never approved (counts for nothing)
t = T6[5]; g = host(t); book(g, small)
put("PEND_TEAM", t); put("PEND_FUND", g[0]); put("PEND_AMOUNT", thr * 3 // 2)
# enterprise safety cost on initial construction: the biggest room among the AQ funds
g = max((k for k in room if k[2] == cy and src[k[0]] == "enterprise_safety"), key=lambda k: room[k]); book(g, 3 * small)
put("AQ_TEAM", g[1]); put("AQ_FUND", g[0])
# late_record: a team-level record dated more than --late-days before today
ldate = today - D.timedelta(days=late + 10)
t = T6[0]; g = host(t, ldate.year)
put("LATE_DATE", ldate.isoformat()); put("LATE_TEAM", t)
if g:
    book(g, small); put("LATE_FUND", g[0]); put("LATE_BUDGET", "")
else:  # no budget that year (the run is early in January): give it one first
    put("LATE_FUND", host(t)[0]); put("LATE_BUDGET", "100000.00")
# signer: recorded by a key revoked since, and by a key that lost the finance role
for n, t in (("SIG1", T6[4]), ("SIG2", T6[5])):
    g = host(t); book(g, small); put(n + "_TEAM", t); put(n + "_FUND", g[0])
# budget_overrun: the current-year group with the least room left, none of the above
g = min((k for k in room if k[2] == cy and k not in used), key=lambda k: room[k])
put("OVER_TEAM", g[1]); put("OVER_FUND", g[0]); put("OVER_AMOUNT", room[g] + 10000); put("OVER_BUDGET", bref[g])

# vendors of our own, with valid GB 32100 codes
A = "0123456789ABCDEFGHJKLMNPQRTUWXY"
def code(body):
    return body + A[(31 - sum(A.index(body[i]) * pow(3, i, 31) for i in range(17)) % 31) % 31]
for n, b in (("V_MISC", "91130100MA0PLNT01"), ("V_SPLIT", "91130100MA0PLNT02"), ("V_PEND", "91130100MA0PLNT03"), ("V_OVER", "91130100MA0PLNT04")):
    put(n, code(b))
for k, v in out.items():
    print(f"{k}={shlex.quote(str(v))}")
EOF
rc=$?
sed 's/^/#   /' "$T/plan.err"
[ "$rc" = 0 ] || { echo "Bail out! the planner failed"; exit 1; }
ok 0 "pick the subjects from the generated data"
# shellcheck source=/dev/null # written by the planner above
. "$T/plan.sh"
year=$(echo "$TODAY" | cut -c1-4)
day() { "$PY" -c 'import datetime as D,sys; print((D.date.fromisoformat(sys.argv[1]) + D.timedelta(days=int(sys.argv[2]))).isoformat())' "$TODAY" "$1"; }

# ---- plant ----------------------------------------------------------------------------
# expect ID EVIDENCE PLANTED RECORDS: a finding the audit must report, with its evidence (the
# log indexes the docs name), the planted entries among them, and the (team fund date) of its
# records, by which the filters pick it.
: >"$T/expect"
expect() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$T/expect"; }
inv=0
spend() { # spend WHO TEAM FUND DATE TYPE AMOUNT VENDOR-CODE [more]: a new invoice; sets p to the entry index
	who=$1 team=$2 fund=$3 date=$4 type=$5 amount=$6 vc=$7
	shift 7
	inv=$((inv + 1))
	p=
	if as "$who" --json spend record --date "$date" --team "$team" --spend-type "$type" --vendor "测试供应商$vc" \
		--vendor-code "$vc" --invoice "$(printf '2613%016d' $inv)" --amount "$amount" --fund "$fund" "$@" >"$T/out" 2>"$T/err"; then
		p=$(py 'd["index"]')
	else
		sed 's/^/#   stderr: /' "$T/err"
	fi
}

spend finance "$SCRAP_TEAM" "$SCRAP_FUND" "$TODAY" consumables 320.00 "$V_MISC" --id "$SCRAP_ASSET"
expect "scrapped_asset:$p" "$p $SCRAP_ENTRY" "$p" "$SCRAP_TEAM $SCRAP_FUND $TODAY"
spend finance "$CUST_TEAM" "$CUST_FUND" "$TODAY" consumables 410.00 "$V_MISC" --id "$CUST_ASSET"
expect "not_in_custody:$p" "$p $CUST_GIVER" "$p" "$CUST_TEAM $CUST_FUND $TODAY"
if [ -n "$EARLY_ASSET" ]; then
	spend finance "$EARLY_TEAM" "$EARLY_FUND" "$EARLY_DATE" consumables 150.00 "$V_MISC" --id "$EARLY_ASSET"
	expect "not_in_custody:$p" "$p $EARLY_GIVER" "$p" "$EARLY_TEAM $EARLY_FUND $EARLY_DATE"
fi
spend finance "$LINK_TEAM" "$LINK_FUND" "$(day -1)" maintenance 260.00 "$V_MISC" --id "$LINK_ASSET1"
expect "missing_link:$p" "$p" "$p" "$LINK_TEAM $LINK_FUND $(day -1)"
spend finance "$LINK_TEAM" "$LINK_FUND" "$(day -1)" repair 480.00 "$V_MISC" --id "$LINK_ASSET2" --link "$LINK_WRONG"
expect "missing_link:$p" "$p $LINK_WRONG" "$p" "$LINK_TEAM $LINK_FUND $(day -1)"

set --
[ -z "$DUP_ARTICLE" ] || set -- --article "$DUP_ARTICLE"
as finance --json spend record --date "$DUP_DATE" --team "$DUP_TEAM" --spend-type "$DUP_SPEND_TYPE" --vendor "$DUP_VENDOR" \
	--vendor-code "$DUP_VENDOR_CODE" --invoice "$DUP_INVOICE" --amount "$DUP_AMOUNT" --fund "$DUP_FUND" "$@" >"$T/out"
p=$(py 'd["index"]')
expect "duplicate_invoice:$DUP_VENDOR_CODE/$DUP_INVOICE" "$DUP_REF $p" "$p" "$DUP_TEAM $DUP_FUND $DUP_DATE;$DUP_TEAM $DUP_FUND $DUP_DATE"

# shellcheck disable=SC2086 # three amounts
set -- $SPLIT_AMOUNTS
spend finance "$SPLIT_TEAM" "$SPLIT_FUND" "$(day -12)" training "$1" "$V_SPLIT"
s1=$p
spend finance "$SPLIT_TEAM" "$SPLIT_FUND" "$(day -7)" training "$2" "$V_SPLIT"
s2=$p
spend finance "$SPLIT_TEAM" "$SPLIT_FUND" "$(day -1)" training "$3" "$V_SPLIT"
s3=$p
r="$SPLIT_TEAM $SPLIT_FUND $(day -12);$SPLIT_TEAM $SPLIT_FUND $(day -7);$SPLIT_TEAM $SPLIT_FUND $(day -1)"
expect "split_invoice:$V_SPLIT/$s1" "$s1 $s2 $s3" "$s1 $s2 $s3" "$r"

spend finance "$PEND_TEAM" "$PEND_FUND" "$(day -2)" insurance "$PEND_AMOUNT" "$V_PEND"
expect "unapproved:$p" "$p" "$p" "$PEND_TEAM $PEND_FUND $(day -2)"
p_pend=$p

spend finance "$OVER_TEAM" "$OVER_FUND" "$TODAY" other "$OVER_AMOUNT" "$V_OVER"
[ "$OVER_AMOUNT" -lt "$THR" ] || as approver spend approve "$p" >/dev/null
ok $? "the overrunning spending ($OVER_AMOUNT fen) counts"
expect "budget_overrun:$OVER_FUND/$OVER_TEAM/$year" "$p $OVER_BUDGET" "$p" "$OVER_TEAM $OVER_FUND $TODAY"

spend finance "$AQ_TEAM" "$AQ_FUND" "$(day -3)" other 450.00 "$V_MISC" --article '第七条(一)' --notes '新建矿井初始建设阶段的安全设施'
expect "safety_cost_rule:$p" "$p" "$p" "$AQ_TEAM $AQ_FUND $(day -3)"
spend finance "$AQ_TEAM" "$AQ_FUND" "$(day -3)" other 430.00 "$V_MISC" --article '三同时 第十五条'
expect "safety_cost_rule:$p" "$p" "$p" "$AQ_TEAM $AQ_FUND $(day -3)"
spend finance "$AQ_TEAM" "$AQ_FUND" "$(day -3)" other 420.00 "$V_MISC" --article '第十五条(新建项目安全设施)'
expect "safety_cost_rule:$p" "$p" "$p" "$AQ_TEAM $AQ_FUND $(day -3)"

if [ -n "$LATE_BUDGET" ]; then
	as finance budget set --fund "$LATE_FUND" --team "$LATE_TEAM" --year "$(echo "$LATE_DATE" | cut -c1-4)" --amount "$LATE_BUDGET" >/dev/null
fi
spend finance "$LATE_TEAM" "$LATE_FUND" "$LATE_DATE" consumables 380.00 "$V_MISC"
expect "late_record:$p" "$p" "$p" "$LATE_TEAM $LATE_FUND $LATE_DATE"

new_key fin2 && new_key fin3 &&
	as admin key enrol "$T/fin2.key.pub" --role finance --holder '临时会计 钱多' >/dev/null &&
	as admin key enrol "$T/fin3.key.pub" --role finance --holder '转岗会计 孙立' >/dev/null
ok $? "two more finance keys enrolled"
spend fin2 "$SIG1_TEAM" "$SIG1_FUND" "$(day -1)" consumables 290.00 "$V_MISC"
kid=$(q --json key list | "$PY" -c 'import json,sys; print([k["key_id"] for k in json.load(sys.stdin) if k["holder"] == "临时会计 钱多"][0])')
as admin --json key revoke "$kid" --reason 离职 >"$T/out"
rv=$(py 'd["index"]')
expect "signer:$p" "$p $rv" "$p" "$SIG1_TEAM $SIG1_FUND $(day -1)"
spend fin3 "$SIG2_TEAM" "$SIG2_FUND" "$(day -1)" consumables 310.00 "$V_MISC"
kid=$(q --json key list | "$PY" -c 'import json,sys; print([k["key_id"] for k in json.load(sys.stdin) if k["holder"] == "转岗会计 孙立"][0])')
as admin --json key roles "$kid" --role keeper >"$T/out"
rl=$(py 'd["index"]')
expect "signer:$p" "$p $rl" "$p" "$SIG2_TEAM $SIG2_FUND $(day -1)"

nprob=$(wc -l <"$T/expect" | tr -d ' ')
is "$(grep -cEv '^[a-z_]+:[^	]*[0-9A-Z]	[0-9]+( [0-9]+)*	[0-9]+( [0-9]+)*	' "$T/expect")" "0" \
	"every planted record was written ($nprob problems in $(cut -f3 "$T/expect" | wc -w | tr -d ' ') records)"
sed 's/^/#   expect: /' "$T/expect"

# ---- the audit --------------------------------------------------------------------------
# want [--team T] [--fund F] [--year Y]: the expected finding ids for those filters, sorted.
want() {
	"$PY" - "$T/expect" "$@" <<'EOF'
import sys
a = sys.argv[2:]
f = {a[i]: a[i + 1] for i in range(0, len(a), 2)}
def match(r):
    team, fund, date = r.split()
    return f.get("--team", team) == team and f.get("--fund", fund) == fund and f.get("--year", date[:4]) == date[:4]
ids = [l.split("\t")[0] for l in open(sys.argv[1]) if any(match(r) for r in l.rstrip("\n").split("\t")[3].split(";"))]
print(sorted(ids))
EOF
}
got() { py 'sorted(f["id"] for f in d["findings"])'; }

run --store "$S" --json audit --late-days $LATE
cp "$T/out" "$T/audit.json"
is "$rc" "1" "muster audit exits 1"
is "$(got)" "$(want)" "every planted problem is found, and nothing else"
"$PY" -c 'import ast,sys; g, w = (set(ast.literal_eval(x)) for x in sys.argv[1:]); [print("#   missed:", i) for i in sorted(w - g)]; [print("#   unexpected:", i) for i in sorted(g - w)]' "$(got)" "$(want)"
# evidence: the planted entries are cited, and exactly the entries the docs name
check_evidence() { # check_evidence all|planted
	"$PY" - "$T/expect" "$T/audit.json" "$1" <<'EOF'
import json, sys
F = {f["id"]: f for f in json.load(open(sys.argv[2]))["findings"]}
bad = []
for l in open(sys.argv[1]):
    id, ev, planted, _ = l.rstrip("\n").split("\t")
    if id not in F:
        continue
    got = F[id]["evidence"]
    if sys.argv[3] == "planted" and not set(map(int, planted.split())) <= set(got):
        bad.append(f"{id}: {got} lacks {planted}")
    if sys.argv[3] == "all" and sorted(map(int, ev.split())) != got:
        bad.append(f"{id}: {got}, want {sorted(map(int, ev.split()))}")
print(bad)
EOF
}
is "$(check_evidence planted)" "[]" "each finding's evidence cites its planted entries"
is "$(check_evidence all)" "[]" "each finding's evidence is exactly what MONEY.md names (the spending, the scrap, the custody, the link, every record, the budget, the revocation or role change)"
is "$(py '(d["count"], d["open"], d["serious"] == sum(f["severity"] == "serious" for f in d["findings"]))')" \
	"($nprob, $nprob, True)" "count, open and serious add up"
is "$(py '[f["id"] for f in d["findings"] if f["spend"] not in f["evidence"]]')" "[]" "each finding's spend is among its evidence"
order='["scrapped_asset", "not_in_custody", "missing_link", "duplicate_invoice", "split_invoice", "unapproved", "budget_overrun", "safety_cost_rule", "late_record", "signer"]'
is "$(py "(lambda o: [f['check'] for f in d['findings']] == sorted((f['check'] for f in d['findings']), key=o.index))($order)")" "True" \
	"findings come check by check in the order of MONEY.md's table"
[ "$(py "[f['check'] for f in d['findings']]")" = "$(py "sorted((f['check'] for f in d['findings']), key=$order.index)")" ] ||
	echo "#   order: $(py "[f['check'] for f in d['findings']]")"

# Filters narrow to the findings with a record of that team, fund or year.
for filt in "--team $LINK_TEAM" "--team $SPLIT_TEAM" "--fund $SPLIT_FUND" "--fund $AQ_FUND" "--year $(echo "$LATE_DATE" | cut -c1-4)" "--year $year"; do
	# shellcheck disable=SC2086 # $filt is two words
	run --store "$S" --json audit --late-days $LATE $filt
	# shellcheck disable=SC2086
	w=$(want $filt)
	is "$(got)" "$w" "audit $filt"
done
run --store "$S" --json audit --late-days $LATE --team "$CUST_TEAM" --fund "$CUST_FUND"
is "$(got)" "$(want --team "$CUST_TEAM" --fund "$CUST_FUND")" "audit --team and --fund together"
run --store "$S" --json audit --late-days $LATE --year 2010
is "$rc $(py 'd["count"]')" "0 0" "a year with no spending: no findings, exit 0"
# Without --late-days, every generated record older than 30 days is late, and nothing else changes.
run --store "$S" --json audit
is "$(py 'sorted(f["id"] for f in d["findings"] if f["check"] != "late_record")')" \
	"$("$PY" -c 'import ast,sys; print(sorted(i for i in ast.literal_eval(sys.argv[1]) if not i.startswith("late_record:")))' "$(want)")" \
	"the default --late-days 30 adds late records only"

# ---- bad input: refused, nothing written ------------------------------------------------
rec() { # rec AMOUNT FUND [more]: a team-level record of the split team
	amount=$1 fund=$2
	shift 2
	as finance spend record --date "$TODAY" --team "$SPLIT_TEAM" --spend-type consumables --vendor 测试供应商 \
		--vendor-code "$V_MISC" --invoice 2613BAD --amount "$amount" --fund "$fund" "$@"
}
refuses 2 "a negative amount" "not an amount" rec -100.00 "$SPLIT_FUND"
refuses 2 "an amount that is not a number" "not an amount" rec 1e4 "$SPLIT_FUND"
refuses 2 "an amount with three decimals" "not an amount" rec 12.345 "$SPLIT_FUND"
refuses 3 "an unknown fund" "NOPE-FUND" rec 100.00 NOPE-FUND
refuses 3 "an unknown asset" "NOPE-ASSET" rec 100.00 "$SPLIT_FUND" --id NOPE-ASSET
# The CLI refuses it, so the audit's no-article variant cannot be planted; the construction variants are above.
refuses 2 "the enterprise safety cost without its article" "article" rec 100.00 "$AQ_FUND"
refuses 4 "a keeper approving spending" "approver" as keeper spend approve "$p_pend"
run --store "$S" --json audit --late-days $LATE
is "$(got)" "$(want)" "after the refusals the findings are the same (the unapproved record is still unapproved)"

done_testing
