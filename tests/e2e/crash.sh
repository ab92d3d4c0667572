#!/bin/sh
# crash.sh - writers killed with SIGKILL at random moments, and the store
# after each kill: every acknowledged event is in the log exactly once,
# nothing unacknowledged is half there (an entry is in the log with its
# Merkle hashes and checkpoint, or absent; an import all its rows or none),
# 'muster log verify' passes, every projection equals what 'muster
# reindex' rebuilds (dumped before and after, compared byte for byte), and
# attachments/ holds exactly the files the spending records sign.
#
# The writers: (a) a loop of CLI appends (journal add, asset add, spend
# record --attach), acknowledged by exit 0; (b) a scan session, each line
# it answers "ok" acknowledged; (c) an import of a CSV, with and without
# --rejects over an old rejects file, acknowledged by its exit and output;
# (d) musterd under four concurrent curl clients, a write acknowledged by a
# 200 with the entry's index, killed alone or with the commands it runs,
# and started again on the same store.  First, MUSTER_FAULT (core/store.c)
# kills writers exactly before and after their commit (muster init too),
# and two writers of one attachment meet.  A scan session stays open on the
# store throughout, as a keeper's would (like musterd, it keeps LMDB's lock
# file alive), and must still work at the end.  crash_check.py checks.
#
# Kill moments come from awk's srand, seeded from the seed printed first;
# CRASH_SEED replays a run.  CRASH_TRIALS (default 40) is the number of
# random kills, CRASH_ROWS (default 400) the rows of each import; past
# CRASH_ROUND (default 120) kills, the rest go to fresh stores, so that a
# long run ('make crash') does not spend its time verifying one huge log.
# The last lines are the summary,
#   crash: T kill trials, A acknowledged events, L lost, H half-written, D duplicated
. "$top_srcdir/tests/lib.sh"

"$PY" -c 'import lmdb' 2>/dev/null || skip_all "$PY has no lmdb module (Debian: python3-lmdb)"
: "${MUSTERD:?MUSTERD must name the musterd binary (make check sets it)}"
command -v curl >/dev/null 2>&1 || skip_all "curl not found (Debian: curl)"
command -v setsid >/dev/null 2>&1 || skip_all "setsid not found (Debian: util-linux)"
command -v ps >/dev/null 2>&1 || skip_all "ps not found (Debian: procps)"

SEED=${CRASH_SEED:-$(date +%s)}
TRIALS=${CRASH_TRIALS:-40}
ROWS=${CRASH_ROWS:-400}
ROUND=${CRASH_ROUND:-120}
echo "# seed $SEED, $TRIALS random kills, imports of $ROWS rows (replay: CRASH_SEED=$SEED CRASH_TRIALS=$TRIALS CRASH_ROWS=$ROWS CRASH_ROUND=$ROUND)"
export MUSTER_STORE="$T/no-default-store"
unset MUSTER_FAULT
CHK=$top_srcdir/tests/e2e/crash_check.py
header='资产编号,分类代码,装备名称,规格型号,资金来源,装备库编号'
mkdir "$T/att" "$T/keys" "$T/tmp" # tmp: musterd's work directories, which a SIGKILL leaves behind
new_key keeper
new_key finance
cp "$T/keeper.key" "$T/keeper.key.pub" "$T/keys/"

# Everything this test kills runs in a process group of its own (setsid),
# so that a kill takes a writer and the command it is running at once.
groups_alive=
bypid=
cleanup() {
	for g in $groups_alive; do kill -KILL "-$g" 2>/dev/null; done
	[ -n "$bypid" ] && kill -KILL "$bypid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# pick MAX [MIN]: sets d to a delay in [MIN, MAX) seconds (MIN 0), the next from the seeded generator.
draw=0
pick() {
	draw=$((draw + 1))
	d=$(awk -v s=$((SEED * 7919 + draw)) -v m="$1" -v l="${2:-0}" 'BEGIN { srand(s); printf "%.3f", l + rand() * (m - l) }')
}
# gone PGID: waits until no live process is left in the group (orphans of a killed musterd finish first).
gone() {
	i=0
	while ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { n++ } END { exit n == 0 }'; do
		i=$((i + 1))
		[ $i -gt 1500 ] && { echo "# process group $1 did not end"; return 1; }
		sleep 0.02
	done
	groups_alive=$(echo "$groups_alive" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}
# killed PGID: SIGKILL to the group, then waits until it is gone.
killed() {
	kill -KILL "-$1" 2>/dev/null
	wait "$1" 2>/dev/null
	gone "$1"
}
# complete FILE: its lines that end in a newline (a line cut by the kill is no answer).
complete() { head -n "$(wc -l <"$1")" "$1"; }
# check WHAT [nokill]: everything crash_check.py checks, after a kill (counted in $kills) unless
# nokill; problems are printed and counted in $bad.
kills=0
check() {
	[ "${2:-}" = nokill ] || kills=$((kills + 1))
	"$PY" "$CHK" check "$M" "$S" "$ST" >"$T/check.out" 2>&1
	if [ $? -ne 0 ]; then
		bad=$((bad + 1))
		echo "# $1 (round $R, after kill $kills, seed $SEED):"
		head -n 20 "$T/check.out" | sed 's/^\([^#]\)/# \1/'
	fi
}
has() { # has MARKER: how many times the log holds it, as of the last check
	"$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["seen"].get(sys.argv[2], [])))' "$ST/state.json" "$1"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
waitfor() { i=0; while [ ! -e "$1" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done; }

# The writers, as scripts, so that setsid can give each a process group.
cat >"$T/cli.sh" <<'EOF'
# cli.sh TRIAL: CLI appends until killed, each acknowledged one's marker to $ACKS.
i=0
while :; do
	i=$((i + 1))
	case $((i % 3)) in
	1) "$M" --store "$S" --key "$T/keeper.key" journal add "crash-c-$1-$i" >/dev/null 2>&1 &&
		echo "j:crash-c-$1-$i" >>"$ACKS" ;;
	2) "$M" --store "$S" --key "$T/keeper.key" asset add "C-$1-$i" --category 2030101 --type 四合一气体检测仪 \
		--model MX4 --funding host --depot D1 >/dev/null 2>&1 && echo "a:C-$1-$i" >>"$ACKS" ;;
	0) printf 'invoice %s %s-%s\n' "$S" "$1" "$i" >"$T/att/F-$1-$i"
		"$M" --store "$S" --key "$T/finance.key" spend record --date 2026-11-20 --team KS-1 --spend-type consumables \
			--vendor 太原安全装备维修有限公司 --vendor-code 91110108551385082Q --invoice "F-$1-$i" --amount 12.50 \
			--fund GT-1 --attach "$T/att/F-$1-$i" >/dev/null 2>&1 && echo "s:F-$1-$i" >>"$ACKS" ;;
	esac
done
EOF
cat >"$T/client.sh" <<'EOF'
# client.sh TRIAL N BASE: writes through musterd until a request fails, each acknowledged one's marker to $ACKS.
j=0
csrf=$(cat "$T/jar.csrf")
while :; do
	j=$((j + 1))
	if [ $((j % 2)) = 1 ]; then
		what=journal/add body='{"args":["crash-d-'"$1-$2-$j"'"]}' mark="j:crash-d-$1-$2-$j"
	else
		what=asset/add mark="a:D-$1-$2-$j"
		body='{"args":["D-'"$1-$2-$j"'"],"category":"2030101","type":"救生索","model":"L50","funding":"host","depot":"D1"}'
	fi
	st=$(curl -sS --max-time 30 -b "$T/jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
		-o "$T/c.$2" -w '%{http_code}' --data-binary "$body" "$3/api/v1/cmd/$what" 2>/dev/null)
	[ "$st" = 200 ] && grep -q '"index":' "$T/c.$2" || exit 0
	echo "$mark" >>"$ACKS"
done
EOF
# imp TRIAL BAD: writes $T/imp.csv, ROWS assets I-TRIAL-nnnnn; BAD of them (from the second) have a bad funding.
imp() {
	awk -v h="$header" -v t="$1" -v n="$ROWS" -v bad="$2" 'BEGIN {
		print h
		for (i = 1; i <= n; i++)
			printf "I-%s-%05d,3010101,定向钻机,ZDY6000LD,%s,D1\n", t, i, (i > 1 && i <= 1 + bad ? "bogus" : "host")
	}' >"$T/imp.csv"
}
# spend INVOICE FILE [ENV...]: a spending record with FILE attached, as $spender (default finance)
spend() {
	inv=$1 file=$2
	shift 2
	env "$@" "$M" --store "$S" --key "$T/${spender:-finance}.key" spend record --date 2026-11-20 --team KS-1 \
		--spend-type consumables --vendor 太原安全装备维修有限公司 --vendor-code 91110108551385082Q --invoice "$inv" \
		--amount 12.50 --fund GT-1 --attach "$file" >/dev/null 2>&1
}

# ---- a round: a fresh site, a keeper, finance, a team, a depot, a fund, 200 assets to scan ----------
# start_round: the store of round $R at $S, its state at $ST, and the scan session that stays open.
start_round() {
	S=$T/r$R/store
	ST=$T/r$R/state # crash_check.py's state, and what was acknowledged
	ACKS=$ST/acks
	IMPORTS=$ST/groups # not GROUPS: bash ignores assignments to it
	mkdir -p "$ST"
	: >"$ACKS"
	: >"$IMPORTS"
	export M S T ACKS
	"$M" --store "$S" init --origin "muster.test/crash-$R" --admin-key "$T/admin$R.key" --holder 张伟 --kdf min >/dev/null &&
		as "admin$R" key enrol "$T/keeper.key.pub" --role keeper --holder 李娜 >/dev/null &&
		as "admin$R" key enrol "$T/finance.key.pub" --role finance --holder 王敏 >/dev/null &&
		as "admin$R" team add KS-1 --name 国家矿山应急救援太原队 --specialty mine --province 140000 --host 山西焦煤 \
			--host-code 91110000600037341L >/dev/null &&
		as keeper depot add D1 --team KS-1 --name 太原一号装备库 >/dev/null &&
		as finance fund add GT-1 --name 专项资金 --fund-source national_capacity --owner 应急管理部 >/dev/null &&
		awk -v h="$header" 'BEGIN { print h; for (i = 1; i <= 200; i++) printf "P-%03d,2030101,正压氧气呼吸器,HY4,host,D1\n", i }' \
			>"$T/pool.csv" &&
		as keeper import assets "$T/pool.csv" >/dev/null
	ok $? "round $R: a site with a keeper, finance, a team, a depot, a fund and 200 assets to scan"
	seq -f 'P-%03g' 1 200 >"$T/pool"
	rm -f "$T/by"
	mkfifo "$T/by"
	"$M" --store "$S" --key "$T/keeper.key" scan --action inspect --kind routine --result pass --inspector 王 \
		--notes bystander <"$T/by" >"$T/by.out" 2>&1 &
	bypid=$!
	exec 9>"$T/by"
	bad=0
	check "the store as set up" nokill
}

# end_round: the scan session that stayed open, and the whole log read again.
end_round() {
	echo P-200 >&9
	exec 9>&-
	wait "$bypid"
	is "$?:$(grep -c '^ok  P-200 ' "$T/by.out")" "0:1" "round $R: the scan session open through every kill still commits and exits 0"
	bypid=
	echo i:bystander/P-200 >>"$ACKS"
	rm -f "$ST/state.json" # count the whole log from entry 0 again, not incrementally
	bad=0
	check "the whole log at the end of round $R" nokill
	is "$bad" 0 "round $R: the whole log, read again from entry 0, holds every acknowledged event once"
	"$M" --store "$S" --json log verify >"$T/out"
	like "$(cat "$T/out")" '"ok":true' "round $R: log verify at the end"
}

# ---- MUSTER_FAULT: killed just before and just after the commit ---------------------------------
faults() {
	bad=0
	MUSTER_FAULT=after-commit:1 as keeper journal add crash-f-after >/dev/null 2>&1
	is "$?" 137 "after-commit:1: journal add dies of SIGKILL"
	check "after-commit:1 journal add"
	is "$(has j:crash-f-after)" 1 "...and its entry is in the log, verified, once"
	MUSTER_FAULT=before-commit:1 as keeper journal add crash-f-before >/dev/null 2>&1
	is "$?" 137 "before-commit:1: journal add dies of SIGKILL holding the write lock"
	check "before-commit:1 journal add"
	is "$(has j:crash-f-before)" 0 "...and its entry is not in the log"
	as keeper journal add crash-f-next >/dev/null && echo j:crash-f-next >>"$ACKS"
	ok $? "the next writer gets the lock (LMDB's robust mutex) and appends"
	MUSTER_FAULT=before-commit:2 as keeper journal add crash-f-once >/dev/null 2>&1
	is "$?" 0 "before-commit:2 never fires in a command that commits once"
	echo j:crash-f-once >>"$ACKS"

	echo 'invoice after' >"$T/att/fa"
	spend F-after "$T/att/fa" MUSTER_FAULT=after-commit:1
	is "$?" 137 "after-commit:1: spend record --attach dies"
	check "after-commit:1 spend record --attach"
	is "$(has s:F-after):$(test -f "$S/attachments/$(sha "$T/att/fa")" && echo kept)" "1:kept" \
		"...its record is in the log and its attachment is kept"
	echo 'invoice before' >"$T/att/fb"
	spend F-before "$T/att/fb" MUSTER_FAULT=before-commit:1
	is "$?" 137 "before-commit:1: spend record --attach dies with its file stored"
	check "before-commit:1 spend record --attach"
	is "$(has s:F-before)" 0 "...its record is not in the log (the file waits, named in attachments/.pending)"
	echo 'invoice next' >"$T/att/fn"
	spend F-next "$T/att/fn" && echo s:F-next >>"$ACKS"
	ok $? "the next spend record --attach is written"
	is "$(test -f "$S/attachments/$(sha "$T/att/fb")" && echo kept || echo gone):$(ls -A "$S/attachments" | grep -c '^\.[pt]')" \
		"gone:0" "...and the killed one's file is gone, with no temporary or intent file left"
	check "after the next spend record --attach" nokill

	# A refused writer takes back the files it stored, but never one that another writer's record signs.
	# Python holds LMDB's write lock so that both stop between storing the file and appending: the
	# keeper (not finance) stores it first, then finance finds it there; the keeper is refused.
	echo 'invoice race' >"$T/att/fr"
	"$PY" -c 'import lmdb, os, sys, time
env = lmdb.open(sys.argv[1], max_dbs=64, map_size=1 << 30)
with env.begin(write=True):
    open(sys.argv[2], "w").close()
    while not os.path.exists(sys.argv[3]):
        time.sleep(0.01)' "$S" "$T/held" "$T/release" &
	holder=$!
	waitfor "$T/held"
	spender=keeper spend F-race-keeper "$T/att/fr" &
	wa=$!
	waitfor "$S/attachments/$(sha "$T/att/fr")"
	spend F-race "$T/att/fr" &
	wb=$!
	sleep 0.5
	touch "$T/release"
	wait $holder
	wait $wa
	ra=$?
	wait $wb
	rb=$?
	[ $rb = 0 ] && echo s:F-race >>"$ACKS"
	check "two writers of one attachment, one refused" nokill
	is "$ra:$rb:$(has s:F-race):$(test -f "$S/attachments/$(sha "$T/att/fr")" && echo kept)" "4:0:1:kept" \
		"one attachment, two writers: the refused keeper's undo leaves the file finance's record signs"

	printf 'P-001\nP-002\nP-003\n' >"$T/three"
	MUSTER_FAULT=after-commit:2 as keeper scan --action inspect --kind routine --result pass --inspector 王 \
		--notes crash-f-scan <"$T/three" >"$T/scan.out" 2>/dev/null
	is "$?" 137 "after-commit:2: a scan session dies after its second commit"
	check "after-commit:2 scan"
	is "$(grep -c '^ok  ' "$T/scan.out"):$(has i:crash-f-scan/P-001):$(has i:crash-f-scan/P-002):$(has i:crash-f-scan/P-003)" \
		"1:1:1:0" "...one line answered, two inspections in the log, the third not"
	echo i:crash-f-scan/P-001 >>"$ACKS"

	imp f1 1
	echo stale >"$T/rejects.f1.csv"
	MUSTER_FAULT=after-commit:1 as keeper import assets "$T/imp.csv" --rejects "$T/rejects.f1.csv" >/dev/null 2>&1
	is "$?" 137 "after-commit:1: import --rejects dies after its commit, before writing the rejects file"
	echo "I-f1 $((ROWS - 1)) 0 $T/rejects.f1.csv 1" >>"$IMPORTS"
	check "after-commit:1 import --rejects"
	is "$(has a:I-f1-00001):$(test -e "$T/rejects.f1.csv" && head -c 5 "$T/rejects.f1.csv")" "1:" \
		"...its rows are in, and the old rejects file is gone rather than saying rows now in are bad"
	imp f2 0
	MUSTER_FAULT=before-commit:1 as keeper import assets "$T/imp.csv" >/dev/null 2>&1
	is "$?" 137 "before-commit:1: import dies before its commit"
	echo "I-f2 $ROWS 0" >>"$IMPORTS"
	check "before-commit:1 import"
	is "$(has a:I-f2-00001)" 0 "...and none of its rows is in"
	is "$bad" 0 "every store after a MUSTER_FAULT kill passes every check"

	# A store's creation killed before its genesis commit leaves an empty log and site keys that
	# signed nothing: init makes the store again.  Killed after it, the store is whole.
	MUSTER_FAULT=before-commit:1 "$M" --store "$T/init" init --origin muster.test/init --admin-key "$T/init1.key" \
		--holder 张伟 --kdf min >/dev/null 2>&1
	is "$?" 137 "before-commit:1: muster init dies before its genesis commit"
	"$M" --store "$T/init" init --origin muster.test/init --admin-key "$T/init2.key" --holder 张伟 --kdf min >/dev/null &&
		"$M" --store "$T/init" log verify >/dev/null
	ok $? "...and init again makes the store, which verifies"
	MUSTER_FAULT=after-commit:1 "$M" --store "$T/init3" init --origin muster.test/init --admin-key "$T/init3.key" \
		--holder 张伟 --kdf min >/dev/null 2>&1
	is "$?" 137 "after-commit:1: muster init dies after its genesis commit"
	"$M" --store "$T/init3" log verify >/dev/null
	ok $? "...and the store verifies"
	"$M" --store "$T/init3" init --origin muster.test/init --admin-key "$T/init4.key" --holder 张伟 --kdf min >/dev/null 2>&1
	is "$?" 2 "...and init refuses to make it again"
	kills=$((kills + 2))
}

# ---- (a) CLI appends ------------------------------------------------------------------------
cli_trials() {
	bad=0
	before=$(wc -l <"$ACKS")
	k=0
	while [ $k -lt "$1" ]; do
		k=$((k + 1))
		pick 0.6
		setsid sh "$T/cli.sh" "$k" >/dev/null 2>&1 &
		g=$!
		groups_alive="$groups_alive $g"
		sleep "$d"
		killed "$g"
		check "CLI appends, trial $k, killed at ${d}s"
	done
	ok "$bad" "round $R: (a) CLI appends killed $1 times: $(($(wc -l <"$ACKS") - before)) acknowledged, every check passed after each kill"
}

# ---- (b) a scan session ---------------------------------------------------------------------------
scan_trials() {
	bad=0
	before=$(wc -l <"$ACKS")
	k=0
	while [ $k -lt "$1" ]; do
		k=$((k + 1))
		pick 0.8
		setsid "$M" --store "$S" --key "$T/keeper.key" scan --action inspect --kind routine --result pass --inspector 王 \
			--notes "crash-s-$k" <"$T/pool" >"$T/scan.out" 2>/dev/null &
		g=$!
		groups_alive="$groups_alive $g"
		sleep "$d"
		killed "$g"
		complete "$T/scan.out" | sed -n "s/^ok  \([^ ]*\)  .*, entry [0-9]*\$/i:crash-s-$k\/\1/p" >>"$ACKS"
		check "scan session, trial $k, killed at ${d}s"
	done
	ok "$bad" "round $R: (b) a scan session killed $1 times: $(($(wc -l <"$ACKS") - before)) answered lines, every check passed after each kill"
}

# ---- (c) an import ----------------------------------------------------------------------------------
import_trials() {
	count=$1
	# The first one runs to its end, to time the others' kills.
	bad=0
	imp c0 0
	t0=$(date +%s%N)
	as keeper import assets "$T/imp.csv" >/dev/null
	ok $? "round $R: an import of $ROWS rows"
	t1=$(date +%s%N)
	echo "I-c0 $ROWS 1" >>"$IMPORTS"
	span=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	k=0
	finished=0
	while [ $k -lt "$count" ]; do
		k=$((k + 1))
		pick "$span"
		if [ $((k % 2)) = 0 ]; then # with --rejects, over an old rejects file
			imp "c$k" 2
			echo stale >"$T/rejects.$R.$k.csv"
			set -- --rejects "$T/rejects.$R.$k.csv"
			good=$((ROWS - 2))
		else
			imp "c$k" 0
			set --
			good=$ROWS
		fi
		rm -f "$T/imp.rc"
		setsid sh -c '"$0" "$@" >"$T/imp.out" 2>/dev/null; echo $? >"$T/imp.rc"' "$M" --store "$S" \
			--key "$T/keeper.key" --json import assets "$T/imp.csv" "$@" &
		g=$!
		groups_alive="$groups_alive $g"
		sleep "$d"
		killed "$g"
		acked=0
		if [ -s "$T/imp.rc" ] && grep -q "\"imported\":$good," "$T/imp.out"; then
			acked=1
			finished=$((finished + 1))
		fi
		echo "I-c$k $good $acked${2:+ $2 2}" >>"$IMPORTS"
		check "import, trial $k, killed at ${d}s of ${span}s"
	done
	set --
	ok "$bad" "round $R: (c) an import of $ROWS rows killed $count times ($finished finished first): all rows or none, every check passed after each kill"
}

# ---- (d) musterd under four writing clients ----------------------------------------------------------
musterd_trials() {
	bad=0
	before=$(wc -l <"$ACKS")
	k=0
	printf '{"name":"李娜","passphrase":"%s"}' "$MUSTER_PASSPHRASE" >"$T/signin.json"
	while [ $k -lt "$1" ]; do
		k=$((k + 1))
		rm -f "$T/port"
		TMPDIR=$T/tmp setsid "$MUSTERD" --store "$S" --keys "$T/keys" --muster "$M" --www "$top_srcdir/www" \
			--listen 127.0.0.1:0 --port-file "$T/port" 2>>"$T/d.err" &
		g=$!
		groups_alive="$groups_alive $g"
		i=0
		while [ ! -s "$T/port" ] && [ $i -lt 400 ] && kill -0 "$g" 2>/dev/null; do
			sleep 0.02
			i=$((i + 1))
		done
		[ -s "$T/port" ] || { echo "Bail out! musterd did not start on the killed store: $(tail -n 3 "$T/d.err")"; exit 1; }
		B=http://127.0.0.1:$(cat "$T/port")
		st=$(curl -sS --max-time 30 -c "$T/jar" -o "$T/signin.out" -w '%{http_code}' -H 'Content-Type: application/json' \
			--data-binary @"$T/signin.json" "$B/api/v1/session")
		[ "$st" = 200 ] || { echo "Bail out! signing in to the restarted musterd: $st $(cat "$T/signin.out")"; exit 1; }
		"$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$T/signin.out" >"$T/jar.csrf"
		pick 1.4 0.2
		clients=
		for c in 1 2 3 4; do
			sh "$T/client.sh" "$k" "$c" "$B" &
			clients="$clients $!"
		done
		sleep "$d"
		pick 2
		if [ "${d%%.*}" = 0 ]; then
			how=alone # the commands it started finish on their own
			kill -KILL "$g"
			wait "$g" 2>/dev/null
			gone "$g"
		else
			how="with its commands"
			killed "$g"
		fi
		wait $clients # each stops at its first failed request
		check "musterd, trial $k, killed $how"
	done
	ok "$bad" "round $R: (d) musterd killed $1 times under four writing clients and started again: $(($(wc -l <"$ACKS") - before)) acknowledged writes, every check passed after each kill"
}

# ---- the rounds ---------------------------------------------------------------------------------------------
R=0
left=$TRIALS
states=
while [ "$R" = 0 ] || [ "$left" -gt 0 ]; do
	R=$((R + 1))
	n=$left
	[ "$n" -gt "$ROUND" ] && n=$ROUND
	left=$((left - n))
	start_round
	states="$states $ST"
	[ "$R" = 1 ] && faults
	n_cli=$((n * 2 / 5))
	n_scan=$((n / 5))
	n_imp=$((n / 6))
	cli_trials "$n_cli"
	scan_trials "$n_scan"
	import_trials "$n_imp"
	musterd_trials $((n - n_cli - n_scan - n_imp))
	end_round
done

"$PY" "$CHK" summary "$kills" $states >"$T/summary"
ok $? "no acknowledged event lost, none half-written, none duplicated"
sed 's/^/# /' "$T/summary"
[ -z "${CRASH_SUMMARY:-}" ] || head -n 1 "$T/summary" >"$CRASH_SUMMARY"

done_testing
