#!/bin/sh
# sites.sh - three sites and a central office on loopback, each with its
# own store and its own musterd (issue 8): the sites work; two serve their
# logs (`musterd --serve-log`) and the centre pulls them, the third is
# offline and ships bundles by file; the centre verifies everything,
# cosigns, and the cosignatures flow back (`log witness` to the centre's
# `musterd --witness` for the online sites, `mirror import --reply` then
# `log cosigned` for the offline one); `mirror status` shows all three
# current; the national views cover the three teams; and Go's own
# golang.org/x/mod/sumdb/note opens every site's cosigned checkpoint with
# the site's key and the witness's (tests/interop/cosigcheck.go).
. "$top_srcdir/tests/lib.sh"

: "${MUSTERD:?MUSTERD must name the musterd binary (make check sets it)}"
cc=$T/cosigcheck
go_build "$cc" "$top_srcdir/tests/interop/cosigcheck.go"
export MUSTER_STORE="$T/no-default-store"
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

# start NAME ARGS...: start_named (tests/lib.sh), kept in $pids for the exit trap.
start() {
	start_named "$@"
	pids="$pids $dpid"
}
C=$T/centre
c() { "$M" --store "$C" "$@"; }
s() { n=$1; shift; "$M" --store "$T/site$n" "$@"; }
work() { s "$1" --key "$T/site$1/gen/keeper.key" journal add "$2" >/dev/null; }
size() { s "$1" log checkpoint | sed -n 2p; }

# ---- three sites, one centre ---------------------------------------------
for n in 1 2 3; do
	"$M" gen --scale team --seed $((n + 3)) --store "$T/site$n" --kdf min >/dev/null
done
origins=$(for n in 1 2 3; do s $n log checkpoint | head -n 1; done | sort -u | wc -l)
is "$origins" 3 "three sites with logs of their own"
"$M" --store "$C" init --origin centre.example/national --admin-key "$T/centre-admin.key" --holder 国家中心 --kdf min >/dev/null
ok $? "a central store"
start site1 --store "$T/site1" --serve-log
url1=$dbase
start site2 --store "$T/site2" --serve-log
url2=$dbase
c mirror add "$(s 1 log checkpoint | head -n 1)" --vkey "$(s 1 log vkey)" --url "$url1" >/dev/null &&
	c mirror add "$(s 2 log checkpoint | head -n 1)" --vkey "$(s 2 log vkey)" --url "$url2" >/dev/null &&
	c mirror add "$(s 3 log checkpoint | head -n 1)" --vkey "$(s 3 log vkey)" >/dev/null
ok $? "the centre mirrors site 1 and 2 by URL, site 3 (offline) by bundle"
W=$(c witness vkey)
start centre --store "$C" --witness
curl_c=$dbase

# ---- the sites work; the centre catches up ---------------------------------
for n in 1 2 3; do work $n "第一周巡检 $n"; done
run --store "$C" --json mirror pull
is "$rc $(py 'sorted((m["outcome"], m["size"]) for m in d["mirrors"])')" \
	"0 [('advanced', $(size 1)), ('advanced', $(size 2))]" "mirror pull: both online sites, every entry verified"
s 3 log bundle --since 0 --out "$T/site3-1.tar" >/dev/null
run --store "$C" --json mirror import "$T/site3-1.tar" --reply "$T/site3-1.reply"
is "$rc $(py 'd["outcome"], d["size"]')" "0 ('advanced', $(size 3))" "the offline site's bundle, carried by file, imported"

# ---- cosignatures flow back -------------------------------------------------
run --store "$T/site3" --json log cosigned "$T/site3-1.reply" --witness "$W"
is "$rc $(py 'd["size"]')" "0 $(size 3)" "site 3 keeps the centre's cosignature from the reply"
for n in 1 2; do
	run --store "$T/site$n" --json log witness --url "$curl_c" --witness "$W"
	is "$rc $(py 'd["size"]')" "0 $(size $n)" "site $n: log witness, cosigned by the centre's musterd"
done
for n in 1 2 3; do
	s $n log checkpoint >"$T/ck$n"
	"$cc" "$T/ck$n" "$(s $n log vkey)" "$W" >"$T/go$n" 2>&1
	is "$? $(cut -d' ' -f1-3 "$T/go$n")" "0 ok $(head -n 1 "$T/ck$n") $(size $n)" \
		"Go sumdb/note: site $n's stored checkpoint, signed by the site and cosigned by the centre"
done
run --store "$C" --json mirror status
is "$rc $(py 'sorted({m["state"] for m in d["mirrors"]}), sorted(m["size"] for m in d["mirrors"])')" \
	"0 (['current'], [$(for n in 1 2 3; do size $n; done | sort -n | paste -sd, | sed 's/,/, /g')])" \
	"mirror status: three current mirrors at the sites' sizes"

# ---- another week: online sites are pulled through the witness itself -------
old3=$(size 3)
for n in 1 2 3; do work $n "第二周巡检 $n"; work $n "第二周保养 $n"; done
for n in 1 2; do
	run --store "$T/site$n" --json log witness --url "$curl_c" --witness "$W"
	is "$rc $(py 'd["size"]')" "0 $(size $n)" "site $n: the witness fetched the new entries, verified and cosigned them"
done
s 3 log bundle --since "$old3" --out "$T/site3-2.tar" >/dev/null
c mirror import "$T/site3-2.tar" --reply "$T/site3-2.reply" >/dev/null &&
	s 3 log cosigned "$T/site3-2.reply" --witness "$W" >/dev/null
ok $? "site 3's next bundle, from the size the centre had, and its cosignature back"
for n in 1 2 3; do
	s $n log checkpoint >"$T/ck$n"
	"$cc" "$T/ck$n" "$(s $n log vkey)" "$W" >"$T/go$n" 2>&1
	is "$? $(cut -d' ' -f3 "$T/go$n")" "0 $(size $n)" "Go sumdb/note: site $n's new checkpoint is cosigned"
done
for n in 1 2 3; do
	mdir=$C/mirrors/$(s $n log checkpoint | head -n 1 | sed 's|/|%2F|g')
	"$M" --store "$mdir" log verify >/dev/null 2>&1
	ok $? "log verify on the centre's mirror of site $n"
done

# ---- national views -----------------------------------------------------------
run --store "$C" --json ready --mirrors
teams=$(py 'len({r["origin"] for r in d["deployable"] + d.get("not_deployable", [])})' 2>/dev/null)
is "$rc $teams" "0 3" "ready --mirrors: people of all three teams, each with its origin"
for n in 1 2 3; do
	s $n ready --json >"$T/r$n"
	want=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["deployable"]))' "$T/r$n")
	got=$(py "len([r for r in d['deployable'] if r['origin'] == '$(s $n log checkpoint | head -n 1)'])")
	is "$got" "$want" "ready --mirrors: site $n's deployable people, as its own store says"
done

month=$("$PY" -c 'import datetime; d=datetime.date.today().replace(day=1)-datetime.timedelta(days=1); print(d.strftime("%Y-%m"))')
MUSTER_PLUGIN_DIR=$top_builddir/plugins/.libs "$M" --store "$C" --mirrors report run national --month "$month" --out "$T/national.json" >/dev/null 2>"$T/err"
ok $? "report run national --mirrors: the national report over the three mirrors"
teams=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["totals"]["teams"], len(d["teams"]))' "$T/national.json")
is "$teams" "3 3" "it covers the three teams"
for n in 1 2 3; do
	MUSTER_PLUGIN_DIR=$top_builddir/plugins/.libs s $n report run national --month "$month" --out "$T/nat$n.json" >/dev/null
done
same=$("$PY" -c '
import json, sys
t = sys.argv[1]
d = {x["code"]: x for x in json.load(open(t + "/national.json"))["teams"]}
print(all(d.get(x["code"]) == x for n in (1, 2, 3) for x in json.load(open("%s/nat%d.json" % (t, n)))["teams"]))' "$T")
is "$same" "True" "each team's part is what its own site reports"

done_testing
