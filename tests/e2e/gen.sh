#!/bin/sh
# gen.sh - 'muster gen' end to end: a team-scale dataset made twice from
# the same seed gives the same projections byte for byte; it verifies,
# reindexes to the same rows, holds a valid team, a realistic mix of
# states, readiness and inspections due; its keeper key signs new events;
# and bad input is refused with exit 2, one "muster: " line and no store.
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
run gen --scale team --seed 7 --store "$B" --kdf min
is "$rc" 0 "gen with the same seed into a second store exits 0"
like "$(cat "$T/out")" "600" "the human summary counts the assets"

for k in admin keeper keeper2; do
	[ -f "$A/gen/$k.key" ] && [ -f "$A/gen/$k.key.pub" ] && [ -n "$(find "$A/gen/$k.key" -perm 0600)" ]
	ok $? "gen/$k.key (0600) and gen/$k.key.pub are written"
done
cmp -s "$A/gen/keeper.key.pub" "$B/gen/keeper.key.pub"
ok $? "keys derive from the seed: the keeper public keys of both stores are equal"

"$M" --store "$A" log verify >"$T/out" 2>"$T/err"
ok $? "log verify passes on the generated store"

for what in "asset list" "team list" "depot list" "inspect rules" "asset ready" "inspect due"; do
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

# ---- another seed ---------------------------------------------------------------------
run gen --scale team --seed 8 --store "$T/d" --kdf min
"$M" --store "$T/d" asset list --json >"$T/out" 2>&1
if cmp -s "$T/out" "$T/assets.json"; then ok 1 "another seed gives another dataset"; else ok 0 "another seed gives another dataset"; fi

done_testing
