#!/bin/sh
# central.sh - central views (`--mirrors`): a central store with three
# mirrored teams answers ready, due, audit, audit summary and the national
# report over all of them at once, each row with its site's origin and
# exactly the rows the mirror gives alone; one national report covers the
# three teams; without --mirrors nothing changes; a broken mirror is named
# in one line and the command ends non-zero (reads still show the others, a
# report is not made).
. "$top_srcdir/tests/lib.sh"

export MUSTER_PLUGIN_DIR=$top_builddir/plugins/.libs
C=$T/central

# central_setup: the central store $C and three mirrors of generated team
# stores (seeds 4, 5, 6: three teams of three provinces), each made the
# way a centre makes them: `mirror add`, then `mirror import` of the
# site's `log bundle --since 0`.  Sets SITES (the source stores) and, per
# seed N, O_N (origin) and MD_N (the mirror's directory).
central_setup() {
	new_store "$C" centre.example/shanxi || return 1
	SITES=
	for n in 4 5 6; do
		"$M" gen --scale team --seed $n --store "$T/s$n" --kdf min >/dev/null || return 1
		vkey=$("$M" --store "$T/s$n" log vkey) || return 1
		origin=${vkey%%+*}
		md=$C/mirrors/$(printf '%s' "$origin" | sed 's|/|%2F|g')
		"$M" --store "$C" mirror add "$origin" --vkey "$vkey" >/dev/null || return 1
		"$M" --store "$T/s$n" log bundle --since 0 --out "$T/s$n.tar" >/dev/null || return 1
		"$M" --store "$C" mirror import "$T/s$n.tar" >/dev/null || return 1
		eval "O_$n=\$origin MD_$n=\$md"
		SITES="$SITES $T/s$n"
	done
}
central_setup
ok $? "a central store with three mirrors"
# A directory under mirrors/ without the file "mirror" is not a mirror: skipped.
mkdir -p "$C/mirrors/notes" && echo hello >"$C/mirrors/notes/README"
team_of() { "$M" --store "$1" --json team list | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["team"])'; }
T4=$(team_of "$MD_4") T5=$(team_of "$MD_5") T6=$(team_of "$MD_6")
is "$(printf '%s\n' "$T4" "$T5" "$T6" | sort -u | wc -l | tr -d ' ')" 3 "three different teams ($T4, $T5, $T6)"
"$M" --store "$MD_4" --json ready >"$T/m4" && "$M" --store "$T/s4" --json ready >"$T/s4r"
cmp -s "$T/m4" "$T/s4r"
ok $? "a mirror reads as its site: ready --json the same bytes"

# Save the single-store outputs of every command, to check later that --mirrors changed none of them.
single() {
	for st in "$C" "$MD_4"; do
		for cmd in "ready" "due" "audit" "audit summary --by team" "--json ready" "--json due" "--json audit"; do
			"$M" --store "$st" $cmd 2>&1
			echo "rc=$?"
		done
	done
}
single >"$T/single-before"

# ---- ready ------------------------------------------------------------------------------------
succeeds "ready --mirrors --json" --store "$C" --mirrors --json ready
cp "$T/out" "$T/ready.json"
for n in 4 5 6; do "$M" --store "$(eval echo "\$MD_$n")" --json ready >"$T/ready-$n.json"; done
# same ROWS-KEY: the rows of the --mirrors JSON in $T/out, by origin, against each mirror's own $T/WHAT-N.json
same() {
	"$PY" - "$T" "$1" "$2" "$O_4" "$O_5" "$O_6" <<'EOF'
import json, sys
t, what, key, origins = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
d = json.load(open(t + "/out"))
bad = []
for n, o in zip((4, 5, 6), origins):
    alone = json.load(open("%s/%s-%d.json" % (t, what, n)))
    for k in key.split(","):
        mine = [dict((a, b) for a, b in r.items() if a != "origin") for r in d[k] if r["origin"] == o]
        if mine != alone[k]:
            bad.append("%s %s: %d rows against %d" % (o, k, len(mine), len(alone[k])))
        if not alone[k]:
            bad.append("%s %s: no rows to compare" % (o, k))
print("; ".join(bad) or "same")
EOF
}
cp "$T/ready.json" "$T/out"
is "$(same ready deployable,not_deployable)" "same" "ready --mirrors: each site's people exactly as the mirror gives them, with its origin"
is "$(py '(d["people"], d["deployable_count"], sorted(set(p["team"] for p in d["deployable"] + d["not_deployable"])))')" \
	"$("$PY" -c 'import json,sys; ds=[json.load(open(f)) for f in sys.argv[1:4]]; print((sum(x["people"] for x in ds), sum(x["deployable_count"] for x in ds), sorted(sys.argv[4:])))' \
		"$T/ready-4.json" "$T/ready-5.json" "$T/ready-6.json" "$T4" "$T5" "$T6")" \
	"the counts are the sums over the three teams"
is "$(py '[(s["origin"], s["mirror"]) for s in d["sites"]]')" \
	"$("$PY" -c 'import sys; print([(o, o.replace("/", "%2F")) for o in sorted(sys.argv[1:])])' "$O_4" "$O_5" "$O_6")" \
	"sites: the three mirrors in directory order (the central store has no people: not a site)"
is "$(py '[r["origin"] for r in d["deployable"] if r["team"] == "'"$T5"'"][:1]')" "['$O_5']" \
	"a person of $T5 carries the origin of its site"
succeeds "ready --mirrors" --store "$C" --mirrors ready
is "$(grep -c '^== site ' "$T/out")" 3 "text: a heading per site"
"$M" --store "$MD_4" ready >"$T/ready-4.txt"
like "$(cat "$T/out")" "== site $O_4 ==
$(cat "$T/ready-4.txt")
" "each heading followed by the site's own table, as the mirror prints it"
like "$(tail -n 1 "$T/out")" "3 sites, " "and a total line"
LC_ALL=zh_CN.UTF-8 "$M" --store "$C" --mirrors ready >"$T/zh" 2>&1
like "$(grep '^== ' "$T/zh" | head -n 1)" "== 站点 " "in Chinese: 站点 headings"
like "$(tail -n 1 "$T/zh")" "3 个站点，" "and the total line"
succeeds "ready --mirrors --team $T6" --store "$C" --mirrors --json ready --team "$T6"
is "$(py 'sorted(set(r["origin"] for r in d["deployable"] + d["not_deployable"])), len(d["sites"])')" "(['$O_6'], 1)" \
	"--team: only the site that has the team"
fails 3 "ready --mirrors --team of no site" --store "$C" --mirrors ready --team NO-SUCH-TEAM
like "$(cat "$T/err")" "team 'NO-SUCH-TEAM' is not registered at any site read" "and says so"

# ---- due --------------------------------------------------------------------------------------
succeeds "due --mirrors --json --within 365" --store "$C" --mirrors --json due --within 365
for n in 4 5 6; do "$M" --store "$(eval echo "\$MD_$n")" --json due --within 365 >"$T/due-$n.json"; done
is "$(same due items)" "same" "due --mirrors: each site's items exactly as the mirror gives them, with its origin"
is "$(py 'len(d["items"]) == sum(s["items"] for s in d["sites"]) and len(d["sites"])')" 3 "the sites' counts add up"
items=$(py 'len(d["items"])')
succeeds "due --mirrors --ics" --store "$C" --mirrors due --within 365 --ics "$T/due.ics"
is "$(grep -c '^BEGIN:VEVENT' "$T/due.ics")" "$items" "one calendar with every site's items"
is "$(grep -c '^== site ' "$T/out")" 3 "text: a heading per site"
like "$(tail -n 2 "$T/out" | head -n 1)" "items due by" "and a total line before the calendar's"

# ---- audit ------------------------------------------------------------------------------------
run --store "$C" --mirrors --json audit
is "rc=$rc err=$(wc -c <"$T/err" | tr -d ' ')" "rc=1 err=0" "audit --mirrors --json: exit 1 (there are findings), nothing on stderr"
for n in 4 5 6; do "$M" --store "$(eval echo "\$MD_$n")" --json audit >"$T/audit-$n.json"; done
is "$(same audit findings)" "same" "audit --mirrors: each site's findings exactly as the mirror gives them, with its origin"
is "$(py 'd["count"] == len(d["findings"]) == sum(s["count"] for s in d["sites"]) and sorted(set(f["origin"] for f in d["findings"]))')" \
	"$("$PY" -c 'import sys; print(sorted(sys.argv[1:]))' "$O_4" "$O_5" "$O_6")" "findings of all three sites, counted"
run --store "$C" --mirrors audit
is "$rc $(grep -c '^== site ' "$T/out")" "1 3" "text: exit 1, a heading per site"
like "$(tail -n 1 "$T/out")" "without a disposition, at 3 sites" "and a total line"

# ---- audit summary ----------------------------------------------------------------------------
succeeds "audit summary --mirrors --by team --json" --store "$C" --mirrors --json audit summary --by team
for n in 4 5 6; do "$M" --store "$(eval echo "\$MD_$n")" --json audit summary --by team >"$T/sum-$n.json"; done
"$PY" - "$T" "$O_4" "$O_5" "$O_6" >"$T/sumcheck" <<'EOF'
import json, sys
t, origins = sys.argv[1], sys.argv[2:]
d = json.load(open(t + "/out"))
bad = []
want = {}
for n, o in zip((4, 5, 6), origins):
    s = json.load(open("%s/sum-%d.json" % (t, n)))
    for g in s["groups"]:
        want[g["key"]] = (g, o)
if sorted(want) != [g["key"] for g in d["groups"]]:
    bad.append("groups %s against %s" % ([g["key"] for g in d["groups"]], sorted(want)))
for g in d["groups"]:
    w, o = want.get(g["key"], (None, None))
    if w is None:
        continue
    if dict((k, v) for k, v in g.items() if k != "sites") != w:
        bad.append("group %s differs" % g["key"])
    if [s["origin"] for s in g["sites"]] != [o] or g["sites"][0]["total"] != w["total"]:
        bad.append("group %s: sites %s" % (g["key"], g["sites"]))
tot = sum(json.load(open("%s/sum-%d.json" % (t, n)))["total"]["total"] for n in (4, 5, 6))
if d["total"]["total"] != tot:
    bad.append("total %d against %d" % (d["total"]["total"], tot))
print("; ".join(bad) or "ok")
EOF
is "$(cat "$T/sumcheck")" "ok" "audit summary --mirrors: one summary, a group per team as its site has it, totals added"
succeeds "audit summary --mirrors --by month" --store "$C" --mirrors audit summary --by month
like "$(head -n 1 "$T/out")" "Counted spending by month, 3 sites" "text: one table over the three sites"
like "$(tail -n 1 "$T/out")" "sites read: $(printf '%s\n' "$O_4" "$O_5" "$O_6" | sort | paste -sd, - | sed 's/,/, /g')" "naming them"

# ---- the national report -----------------------------------------------------------------------
month=$("$PY" -c 'import datetime; d=datetime.date.today().replace(day=1)-datetime.timedelta(days=1); print(d.strftime("%Y-%m"))')
succeeds "report run national --mirrors" --store "$C" --mirrors --json report run national --month "$month" --out "$T/nat.json"
cp "$T/out" "$T/run.json"
for n in 4 5 6; do
	"$M" --store "$T/s$n" report run national --month "$month" --out "$T/nat-$n.json" >/dev/null
done
"$PY" - "$T" "$T4" "$T5" "$T6" >"$T/natcheck" <<'EOF'
import json, sys
t, teams = sys.argv[1], sys.argv[2:]
d = json.load(open(t + "/nat.json"))
bad = []
if sorted(x["code"] for x in d["teams"]) != sorted(teams):
    bad.append("teams %s" % [x["code"] for x in d["teams"]])
for n in (4, 5, 6):
    alone = json.load(open("%s/nat-%d.json" % (t, n)))
    for team in alone["teams"]:
        mine = [x for x in d["teams"] if x["code"] == team["code"]]
        if mine != [team]:
            bad.append("team %s differs from its site's own report" % team["code"])
for k in ("people", "deployable", "assets", "assets_ready", "deployments", "budget_fen", "spent_year_fen"):
    s = sum(json.load(open("%s/nat-%d.json" % (t, n)))["totals"][k] for n in (4, 5, 6))
    if d["totals"][k] != s:
        bad.append("totals.%s %d against %d" % (k, d["totals"][k], s))
if d["totals"]["teams"] != 3:
    bad.append("totals.teams %d" % d["totals"]["teams"])
print("; ".join(bad) or "ok")
EOF
is "$(cat "$T/natcheck")" "ok" "one national report covering the three teams, each as its own site reports it, totals over all"
cp "$T/run.json" "$T/out"
is "$(py '[s["origin"] for s in d["sites"]]')" "$("$PY" -c 'import sys; print(sorted(sys.argv[1:]))' "$O_4" "$O_5" "$O_6")" \
	"report run --json names the sites read"
for n in 4 5 6; do
	is "$(py '[(s["size"], s["root"]) for s in d["sites"] if s["origin"] == "'"$(eval echo "\$O_$n")"'"][0]')" \
		"$("$M" --store "$(eval echo "\$MD_$n")" log checkpoint | sed -n '2p;3p' | paste -sd' ' - | "$PY" -c 'import sys; a,b=sys.stdin.read().split(); print((int(a), b))')" \
		"site $n: the tree size and root read are the mirror's latest checkpoint"
done
sites_hex=$(py '"".join("%s %d %s\n" % (s["origin"], s["size"], s["root"]) for s in d["sites"])' | head -c -1 | sha256sum | cut -c1-64)
is "$(py 'd["sites_sha256"]')" "$sites_hex" "sites_sha256 is the SHA-256 of the lines 'ORIGIN SIZE ROOT'"
like "$(sed -n 3p "$T/nat.json.minisig")" "report:national version:1.0.0 month:$month sites:3 sites_sha256:$sites_hex size:" \
	"the signed comment binds the sites' trees"
if MS=$(command -v minisign 2>/dev/null); then
	"$M" --store "$C" audit pubkey >"$T/c.pub"
	"$MS" -Vm "$T/nat.json" -p "$T/c.pub" >/dev/null 2>&1
	ok $? "the stock minisign verifies it with the central store's report key"
fi

# ---- nothing changes without --mirrors -------------------------------------------------------------
single >"$T/single-after"
cmp -s "$T/single-before" "$T/single-after"
ok $? "without --mirrors every command gives what it gave before, on the central store and on a mirror"
run --store "$C" --json ready
is "$(py 'd["people"]')" 0 "ready without --mirrors reads the central store alone"
fails 2 "--mirrors where it does not apply" --store "$C" --mirrors team list
like "$(cat "$T/err")" "option '--mirrors' does not apply to 'muster team list'" "and says so"
fails 2 "--mirrors on audit dispose" --store "$C" --mirrors audit dispose x --disposition explained --notes n

# ---- the central store's own data -------------------------------------------------------------------
new_key hr
"$M" --store "$C" --key "$T/admin.key" key enrol "$T/hr.key.pub" --role hr --holder 人事 >/dev/null &&
	"$M" --store "$C" --key "$T/admin.key" team add KS-SX-09 --name 省级直属救援队 --specialty mine --province 140000 \
		--host 山西焦煤集团有限责任公司 --host-code 91110000600037341L >/dev/null &&
	"$M" --store "$C" --key "$T/hr.key" person add 140105199003050038 --name 王强 --team KS-SX-09 --position member \
		--hired 2021-03-01 >/dev/null
ok $? "the central store gets a team and a person of its own"
succeeds "ready --mirrors" --store "$C" --mirrors --json ready
is "$(py '[s["mirror"] for s in d["sites"]][:2], [r["origin"] for r in d["not_deployable"] + d["deployable"] if r["team"] == "KS-SX-09"]')" \
	"([None, '${O_4%%/*}%2F${O_4#*/}'], ['centre.example/shanxi'])" "now the central store is a site, first"
succeeds "report run national --mirrors" --store "$C" --mirrors report run national --month "$month" --out "$T/nat2.json"
is "$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["totals"]["teams"], "KS-SX-09" in [t["code"] for t in d["teams"]])' "$T/nat2.json")" \
	"4 True" "and its team is in the report"

# ---- a broken mirror ------------------------------------------------------------------------------------
B=$C/mirrors/zz-broken
mkdir -p "$B" && printf 'muster-mirror v1\nvkey %s\n' "$("$M" --store "$T/s4" log vkey)" >"$B/mirror" &&
	head -c 65536 /dev/urandom >"$B/data.mdb"
run --store "$C" --mirrors --json ready
is "rc=$rc err=$(wc -l <"$T/err" | tr -d ' ')" "rc=5 err=1" "ready --mirrors with a broken mirror: exit 5, one line"
like "$(cat "$T/err")" "muster: mirror $B cannot be read: " "the line names it"
is "$(py 'len([s for s in d["sites"] if "error" not in s]), [s["mirror"] for s in d["sites"] if "error" in s]')" \
	"(4, ['zz-broken'])" "the others are still read, and the JSON says which site was left out"
run --store "$C" --mirrors due
is "rc=$rc err=$(wc -l <"$T/err" | tr -d ' ') sites=$(grep -c '^== site ' "$T/out")" "rc=5 err=1 sites=4" "due: the same"
run --store "$C" --mirrors audit summary --by fund
is "rc=$rc err=$(wc -l <"$T/err" | tr -d ' ')" "rc=5 err=1" "audit summary: the same"
run --store "$C" --mirrors report run national --month "$month" --out "$T/nat3.json"
is "rc=$rc err=$(wc -l <"$T/err" | tr -d ' ')" "rc=5 err=1" "report run --mirrors with a broken mirror: exit 5, one line"
like "$(cat "$T/err")" "no report was made" "the line says no report was made"
[ ! -e "$T/nat3.json" ] && [ ! -e "$T/nat3.json.minisig" ]
ok $? "and nothing was written"

done_testing
