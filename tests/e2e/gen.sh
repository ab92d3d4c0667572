#!/bin/sh
# gen.sh - 'muster gen' end to end: a team-scale dataset made twice from
# the same seed gives the same projections (and event bodies) byte for
# byte; it verifies, reindexes to the same rows, holds a valid team, a
# realistic mix of states, readiness and inspections due, people with
# certificates and occupational health exams signed by the hr key, and
# deployments in order (opened before their checkouts, returned after
# them, then emergency exams and post-use inspections), funds of each
# source with budgets that cover their spending, a year of spending signed
# by the finance key (linked to the repairs and inspections it pays for,
# by the team holding the asset, unique invoices from vendors with valid
# credit codes) and approved or rejected by another key; its keeper key
# signs new events; --years 2 makes a longer history that verifies and
# audits clean; and bad input is refused with exit 2, one "muster: "
# line and no store.
. "$top_srcdir/tests/lib.sh"

PY=${PYTHON3_SYSTEM:-/usr/bin/python3}
export MUSTER_STORE="$T/no-default-store" # never fall back to ./muster-data
A=$T/a
B=$T/b

# ---- the same seed twice ---------------------------------------------------------------
run gen --scale team --seed 7 --store "$A" --kdf min --json
is "rc=$rc err=$(wc -c <"$T/err" | tr -d ' ')" "rc=0 err=0" "gen --scale team --seed 7 exits 0, nothing on stderr"
[ "$rc" = 0 ] || sed 's/^/#   stderr: /' "$T/err"
is "$(py '(d["scale"], d["seed"], d["teams"], d["assets"])')" "('team', 7, 1, 600)" "--json summary: scale, seed, 1 team, 600 assets"
is "$(py '2 <= d["depots"] <= 3 and d["entries"] > 3000 and d["seconds"] >= 0')" "True" \
	"--json summary: 2-3 depots, thousands of entries, seconds"
is "$(py '20 <= d["people"] <= 40 and d["certs"] >= 5 * d["people"] and d["exams"] >= 3 * d["people"] and d["deployments"] >= 1')" \
	"True" "--json summary: 20-40 people, their certificates and exams, deployments"
is "$(py '4 <= d["funds"] <= 6 and d["budgets"] >= d["funds"] and 200 <= d["spending"] <= 500 and d["approved"] >= 1 and d["rejected"] >= 1')" \
	"True" "--json summary: funds, budgets, about 300 spending records, some approved, some rejected"
run gen --scale team --seed 7 --store "$B" --kdf min
is "$rc" 0 "gen with the same seed into a second store exits 0"
like "$(cat "$T/out")" "600" "the human summary counts the assets"

for k in admin keeper keeper2 hr finance approver; do
	[ -f "$A/gen/$k.key" ] && [ -f "$A/gen/$k.key.pub" ] && [ -n "$(find "$A/gen/$k.key" -perm 0600)" ]
	ok $? "gen/$k.key (0600) and gen/$k.key.pub are written"
done
cmp -s "$A/gen/keeper.key.pub" "$B/gen/keeper.key.pub"
ok $? "keys derive from the seed: the keeper public keys of both stores are equal"

"$M" --store "$A" log verify >"$T/out" 2>"$T/err"
ok $? "log verify passes on the generated store"

for what in "asset list" "team list" "depot list" "inspect rules" "asset ready" "inspect due" "fund list" "budget list" "spend list"; do
	# shellcheck disable=SC2086 # $what is two words
	"$M" --store "$A" $what --json >"$T/a.json" 2>&1
	# shellcheck disable=SC2086
	"$M" --store "$B" $what --json >"$T/b.json" 2>&1
	cmp -s "$T/a.json" "$T/b.json"
	ok $? "same seed, same '$what --json', byte for byte"
done

# ---- what was generated ------------------------------------------------------------------
run --store "$A" team list --json
is "$(py 'len(d)')" 1 "team list holds one team"
# GB 32100: weights 3^i mod 31, check = (31 - sum mod 31) mod 31, alphabet without I O S V Z
gb32100='(lambda c, A="0123456789ABCDEFGHJKLMNPQRTUWXY": len(c) == 18 and c[:2] == "91" and all(x in A for x in c) and A[(31 - sum(A.index(c[i]) * pow(3, i, 31) for i in range(17)) % 31) % 31] == c[17])'
is "$(py "$gb32100"'(d[0]["host_code"])')" "True" "the host enterprise credit code passes GB 32100"
is "$(py '__import__("re").fullmatch(r"(KS|WH|SD|YQ|ZB)-[A-Z]{2}-\d\d", d[0]["team"]) is not None and d[0]["name"].startswith("国家")')" \
	"True" "team code like KS-SX-01, Chinese team name"

run --store "$A" asset list --json
cp "$T/out" "$T/assets.json"
is "$(py 'len(d)')" 600 "600 assets"
is "$(py 'sorted(s for s in {"checked_out", "in_repair", "released", "scrapped"} if s not in {a["state"] for a in d})')" "[]" \
	"some assets are checked out, in repair, scrapped, and outside equipment back with its owner"
is "$(py 'sum(a["state"] == "in_depot" for a in d) > 400')" "True" "most assets are in their depot"
is "$(py 'all(a.get("team") and a.get("agreement") and a.get("custody_from") for a in d if a["funding"] == "national") and any(a["funding"] == "national" for a in d)')" \
	"True" "national-investment assets carry a team, an agreement and a custody period"
is "$(py 'len({(a["model"], a["serial"]) for a in d if "serial" in a}) == sum("serial" in a for a in d)')" "True" \
	"serials are unique per model"
is "$(py 'all(len(a["category"]) == 7 and a["category"][0] in "123" for a in d) and any(a.get("attr") for a in d)')" "True" \
	"7-digit category codes; some assets carry attributes"
idle=$(py '([a["id"] for a in d if a["state"] == "in_depot" and a["type"] == "正压氧气呼吸器"] + [a["id"] for a in d if a["state"] == "in_depot"])[0]')

run --store "$A" asset ready --json
is "$(py '[0.5 <= g["rate"] <= 1 for g in d["groups"] if "team" in g]')" "[True]" "readiness of the team is between 50% and 100%"
run --store "$A" inspect due --json
is "$(py 'len(d) > 0 and any(x["status"] == "overdue" for x in d)')" "True" "inspections are due, some overdue"
run --store "$A" log show --json --count 100000
is "$(py 'sorted({e["type"] for e in d} & {"custody.handover", "custody.requisition", "custody.release", "custody.return", "custody.repair_back", "asset.scrap", "inspect.record"})')" \
	"['asset.scrap', 'custody.release', 'custody.repair_back', 'custody.requisition', 'custody.return', 'inspect.record']" \
	"the history holds returns, repairs, requisitions and releases, scrapping and inspections"
is "$(py 'all(__import__("re").fullmatch(r"CD-\d{4}-\d{4}", e["fields"]["deployment"]) for e in d if e.get("fields", {}).get("purpose") == "mission") and any(e.get("fields", {}).get("purpose") == "mission" for e in d)')" \
	"True" "mission checkouts carry deployment ids like CD-2026-0137"

# ---- people ---------------------------------------------------------------------------
# (still the log of $A in $T/out)
# GB 11643: weights 2^(17-i) mod 11, check character "10X98765432"[sum mod 11]
gb11643='(lambda s: len(s) == 18 and s[:17].isdigit() and "10X98765432"[sum(int(s[i]) * pow(2, 17 - i, 11) for i in range(17)) % 11] == s[17])'
is "$(py '(lambda p: 20 <= len(p) <= 40 and len(set(p)) == len(p))([e["fields"]["person"] for e in d if e["type"] == "person.add"])')" \
	"True" "20 to 40 people, each enrolled once"
is "$(py "all($gb11643(e['fields']['person']) and '19680101' <= e['fields']['person'][6:14] <= '20041231' for e in d if e['type'] == 'person.add')")" \
	"True" "resident IDs pass GB 11643, born 1968-2004"
is "$(py '[e["fields"]["position"] for e in d if e["type"] == "person.add"].count("brigade_commander")')" 1 \
	"one brigade commander"
is "$(py '(lambda hr: len(hr) == 1 and {e["signer"] for e in d if e["type"].split(".")[0] in ("person", "cert", "exam", "health")} == hr)({e["key"] for e in d if e["type"] == "key.enrol" and e["roles"] == "hr"})')" \
	"True" "one key enrolled with role hr signs every person, certificate, exam and health rule"
is "$(py 'sorted({e["fields"]["kind"] for e in d if e["type"] == "cert.add"} & {"special_op", "skill", "first_aid", "driving"})')" \
	"['driving', 'first_aid', 'skill', 'special_op']" "certificates of several kinds"
is "$(py 'all(e["fields"]["number"] == "T" + e["fields"]["person"] and 1 <= e["fields"]["op_category"] <= 11 and bool(e["fields"].get("item")) for e in d if e["type"] == "cert.add" and e["fields"]["kind"] == "special_op")')" \
	"True" "special operation certificates: number T + ID, a category 1-11 and an item"
is "$(py '(lambda h: all(any(x["type"] == "exam.record" and x["fields"]["person"] == p and x["fields"]["exam"] == "pre_placement" and x["fields"]["date"] <= h[p] for x in d) for p in h))({e["fields"]["person"]: e["fields"]["hired"] for e in d if e["type"] == "person.add"})')" \
	"True" "everyone has a pre-placement exam on or before their post start"
is "$(py 'sorted({e["fields"]["exam"] for e in d if e["type"] == "exam.record"} & {"periodic", "emergency"}) + sorted({e["type"] for e in d} & {"health.rule", "cert.renew", "cert.review"})')" \
	"['emergency', 'periodic', 'cert.renew', 'cert.review', 'health.rule']" "periodic and emergency exams, health rules, renewals and reviews"

# ---- deployments --------------------------------------------------------------------------
opened='{e["fields"]["deployment"]: e["index"] for e in d if e["type"] == "deploy.open"}'
returned='{e["fields"]["deployment"]: e["index"] for e in d if e["type"] == "deploy.return"}'
is "$(py "len($returned) >= 1 and set($returned) <= set($opened)")" "True" "at least one deployment returned (归建)"
is "$(py "(lambda o, r: all(o.get(e['fields']['deployment'], 1e18) < e['index'] < r.get(e['fields']['deployment'], 1e18) for e in d if e['type'] in ('custody.checkout', 'custody.requisition', 'deploy.person', 'deploy.time') and 'deployment' in e['fields']))($opened, $returned)")" \
	"True" "every mission checkout, requisition, crew member and time falls between the deployment's open and return"
is "$(py '(lambda t: all([v for v in (t[x].get(k) for k in ("ordered", "departed", "arrived", "ended", "returned")) if v] == sorted(v for v in (t[x].get(k) for k in ("ordered", "departed", "arrived", "ended", "returned")) if v) for x in t))(__import__("functools").reduce(lambda a, e: (a.setdefault(e["fields"]["deployment"], {}).update(e["fields"]), a)[1], [e for e in d if e["type"].startswith("deploy.")], {}))')" \
	"True" "deployment times run ordered <= departed <= arrived <= ended <= returned"
is "$(py "(lambda r: all(r.get(e['fields']['deployment'], 1e18) < e['index'] for e in d if e['type'] == 'exam.record' and e['fields']['exam'] == 'emergency'))($returned)")" \
	"True" "emergency exams follow the return of their deployment"
is "$(py "(lambda r: any(e['fields']['kind'] == '使用后检查' for e in d if e['type'] == 'inspect.record') and all(any(x in e['fields']['notes'] and r[x] < e['index'] for x in r) for e in d if e['type'] == 'inspect.record' and e['fields']['kind'] == '使用后检查'))($returned)")" \
	"True" "post-use inspections follow the return of their deployment"
is "$(py 'all(e["fields"].get("source") in ("ministry", "province", "enterprise", "self") and e["fields"]["incident"] and e["fields"]["location"] for e in d if e["type"] == "deploy.open")')" \
	"True" "deployments carry who ordered them, the incident and the place"

# ---- money ------------------------------------------------------------------------------
# (still the log of $A in $T/out)
cp "$T/out" "$T/log.json"
run --store "$A" team list --json
specialty=$(py 'd[0]["specialty"]')
run --store "$A" fund list --json
cp "$T/out" "$T/funds.json"
if [ "$specialty" = support ]; then want="['host_special', 'national_capacity']"; else want="['enterprise_safety', 'host_special', 'national_capacity']"; fi
is "$(py 'sorted({f["fund_source"] for f in d} - {"other"})')" "$want" \
	"funds of each source: national capacity, host special, and the host's enterprise safety cost (not for a support team)"
is "$(py 'all(f.get("industry") for f in d if f["fund_source"] == "enterprise_safety") and len({f["fund"] for f in d}) == len(d) and all(__import__("re").fullmatch(r"GT-.*-20\d\d", f["fund"]) for f in d if f["fund_source"] == "national_capacity")')" \
	"True" "enterprise safety cost names the industry; fund codes are unique; national capacity funds are per year (GT-…-2026)"
run --store "$A" budget list --json
cp "$T/out" "$T/budgets.json"
is "$(py '(lambda f: all(any(b["fund"] == c for b in d) for c in f) and all(b["amount"] > 0 for b in d))([x["fund"] for x in __import__("json").load(open("'"$T"'/funds.json"))])')" \
	"True" "every fund has a budget"
run --store "$A" spend list --json
cp "$T/out" "$T/spend.json"
is "$(py '(lambda b: all(sum(s["amount"] for s in d if s["spend_state"] == "counted" and (s["fund"], s["team"], int(s["date"][:4])) == k) <= v for k, v in b.items()) and all((s["fund"], s["team"], int(s["date"][:4])) in b for s in d))({(x["fund"], x["team"], x["year"]): x["amount"] for x in __import__("json").load(open("'"$T"'/budgets.json"))})')" \
	"True" "every fund, team and year has a budget that covers its counted spending"
is "$(py 'sorted({s["spend_type"] for s in d})')" "['calibration', 'consumables', 'drill', 'insurance', 'maintenance', 'repair', 'training']" \
	"spending of every kind: maintenance, repair, calibration, consumables, training, drills, insurance"
is "$(py "all($gb32100(s['vendor_code']) for s in d) and len({(s['vendor_code'], s['invoice']) for s in d}) == len(d)")" \
	"True" "vendor credit codes pass GB 32100; invoice numbers are unique per vendor"
is "$(py 'all(s.get("article") for s in d if s["fund"].startswith("AQ-")) and all(len(a) == 64 for s in d for a in s.get("attachments", []))')" \
	"True" "enterprise safety cost spending cites its article; attachments are SHA-256 in hex"
is "$(py 'sum(s["amount"] < 1000000 for s in d) >= 0.8 * len(d) and all(10000 <= s["amount"] <= 50000000 for s in d) and not any(800000 <= s["amount"] < 1000000 for s in d)')" \
	"True" "amounts from 100 to 500,000 yuan, most under the 10,000 yuan threshold, none just under it"
links='(lambda L: [(s, L[s["link"]]) for s in d if "link" in s])({e["index"]: e for e in __import__("json").load(open("'"$T"'/log.json"))})'
is "$(py "(lambda p: len(p) >= 100 and all(s['link'] < s['ref'] and l['type'] in ('inspect.record', 'custody.repair_back') and l['fields']['id'] == s['id'] and l['fields']['date'] <= s['date'] for s, l in p))($links)")" \
	"True" "spending on repairs and inspections links the earlier entry of the same asset, dated on or before it"
is "$(py "(lambda p: all((__import__('datetime').date.fromisoformat(s['date']) - __import__('datetime').date.fromisoformat(l['fields']['date'])).days <= 30 for s, l in p))($links)")" \
	"True" "and is dated within 30 days of the work"
is "$(py 'all("link" in s for s in d if "id" in s and s["spend_type"] in ("maintenance", "repair", "calibration"))')" \
	"True" "every maintenance, repair and calibration of an asset names the entry it pays for"
is "$(py '(lambda sc: not any(s.get("id") in sc and sc[s["id"]] <= s["date"] for s in d))({e["fields"]["id"]: e["fields"]["date"] for e in __import__("json").load(open("'"$T"'/log.json")) if e["type"] == "asset.scrap"})')" \
	"True" "no spending on an asset on or after the day it was scrapped"
is "$(py 'all(s["spend_state"] in ("counted", "rejected") for s in d) and any(s["spend_state"] == "rejected" for s in d)')" \
	"True" "nothing is left pending; a few were rejected"
cp "$T/log.json" "$T/out"
roles='{e["key"]: e["roles"] for e in d if e["type"] == "key.enrol"}'
is "$(py "(lambda R, rec: len(rec) > 0 and {R.get(k) for k in rec.values()} == {'finance'})($roles, {e['index']: e['signer'] for e in d if e['type'] == 'spend.record'})")" \
	"True" "one key with role finance records every spending"
is "$(py "(lambda R, rec: all(e['signer'] != rec[e['fields']['ref']] and R.get(e['signer']) == 'approver' for e in d if e['type'] in ('spend.approve', 'spend.reject')))($roles, {e['index']: e['signer'] for e in d if e['type'] == 'spend.record'})")" \
	"True" "approvals and rejections are signed by an approver key, never the recording key"
is "$(py "(lambda dec: all(e['index'] in dec for e in d if e['type'] == 'spend.record' and e['fields']['amount'] >= 1000000) and all(dec[x] > x for x in dec))({e['fields']['ref']: e['index'] for e in d if e['type'] in ('spend.approve', 'spend.reject')})")" \
	"True" "every spending at or above the threshold is decided, after it was recorded"

# Every event body, not only the projections above, is the same from the same seed.
"$M" --store "$B" log show --json --count 100000 >"$T/b.json" 2>&1
py '[(e["type"], e.get("fields")) for e in d]' >"$T/a.bodies"
cp "$T/out" "$T/a.json"
cp "$T/b.json" "$T/out"
py '[(e["type"], e.get("fields")) for e in d]' >"$T/b.bodies"
cmp -s "$T/a.bodies" "$T/b.bodies"
ok $? "same seed, same event bodies in the same order"

run --store "$A" reindex
is "$rc" 0 "reindex exits 0"
"$M" --store "$A" asset list --json >"$T/out" 2>&1
cmp -s "$T/out" "$T/assets.json"
ok $? "reindex rebuilds the same asset list"

run --store "$A" --key "$A/gen/keeper.key" asset checkout "$idle" --holder 张三 --purpose drill --json
is "$rc" 0 "the gen keeper key signs a new checkout of $idle"
is "$(py 'd["asset"]["state"]')" "checked_out" "the asset is now checked out"
"$M" --store "$A" log verify >/dev/null 2>&1
ok $? "log verify still passes"

# ---- bad input -------------------------------------------------------------------------
fails 2 "--scale galaxy" gen --scale galaxy --seed 1 --store "$T/c" --kdf min
like "$(cat "$T/err")" "galaxy" "the refusal names the scale given"
[ ! -e "$T/c" ]
ok $? "no store is created for an unknown scale"
fails 2 "no --seed" gen --scale team --store "$T/c" --kdf min
like "$(cat "$T/err")" "--seed" "the refusal asks for --seed"
[ ! -e "$T/c" ]
ok $? "no store is created without a seed"
fails 2 "a seed that is not a number" gen --scale team --seed seven --store "$T/c" --kdf min
[ ! -e "$T/c" ]
ok $? "no store is created for a non-numeric seed"
size_before=$("$M" --store "$A" log verify 2>&1)
fails 2 "gen into an existing store" gen --scale team --seed 7 --store "$A" --kdf min
like "$(cat "$T/err")" "already exists" "the refusal says a store exists"
is "$("$M" --store "$A" log verify 2>&1)" "$size_before" "the existing store is untouched"
fails 2 "an unknown option" gen --scale team --seed 1 --store "$T/c" --colour red
[ ! -e "$T/c" ]
ok $? "no store is created for an unknown option"

# ---- a longer history (--years) ----------------------------------------------------------
one=$("$M" --store "$B" log verify 2>&1 | sed -n 's/^ok: \([0-9]*\) entries.*/\1/p')
run gen --scale team --seed 7 --years 2 --store "$T/y2" --kdf min --json
is "$rc $(py 'd["years"]')" "0 2" "gen --years 2 exits 0 and says so"
two=$(py 'd["entries"]')
is "$([ "${two:-0}" -gt "$((${one:-0} * 3 / 2))" ] && echo more)" "more" \
	"two years of history hold more entries than one ($two against $one)"
"$M" --store "$T/y2" log verify >/dev/null 2>&1
ok $? "log verify passes on the two-year store"
run --store "$T/y2" --json audit --late-days 800
is "$rc $(py 'd["count"]')" "0 0" "the two years audit clean (late records aside)"
fails 2 "--years 0" gen --scale team --seed 1 --years 0 --store "$T/c" --kdf min
[ ! -e "$T/c" ]
ok $? "no store is created for --years 0"

# ---- another seed ---------------------------------------------------------------------
run gen --scale team --seed 8 --store "$T/d" --kdf min
"$M" --store "$T/d" asset list --json >"$T/out" 2>&1
if cmp -s "$T/out" "$T/assets.json"; then ok 1 "another seed gives another dataset"; else ok 0 "another seed gives another dataset"; fi

# The generated year audits clean, but for its records all signed on one day.
run --store "$A" --json audit --late-days 400
is "$rc $(py 'd["count"]')" "0 0" "muster audit finds nothing in a generated store (late records aside)"
run --store "$A" --json audit
is "$(py 'sorted({f["check"] for f in d["findings"]})')" "['late_record']" "without --late-days, only late records: gen signs a year on one day"

done_testing
