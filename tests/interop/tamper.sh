#!/bin/sh
# tamper.sh - an outside attacker edits the LMDB store directly; 'muster log
# verify' must catch every edit and name the first entry it touches.
#
# A store with a varied history (20 entries: enrolments, a role change, a
# revoked key, journal entries in Chinese, one entry over 1 KiB) is built
# once.  tamper.py then makes, one group at a time, fresh copies of it with
# one raw edit each - a bit flipped at a spread of offsets in every entry
# (version, type and index varints, time, prev_root, signer, body length and
# body, signature), in every stored Merkle hash (the kind-1 records of the
# log database), in every third byte and
# every line end of the latest checkpoint and in the lines of every other
# one; stored hashes deleted, cut or added; entries deleted, swapped,
# truncated, replayed and forged; the projections (keys, journal, meta) -
# and prints what must be said.  Each log copy must fail 'muster log verify'
# with exit 1, "entry I: ..." on stdout for exactly the expected I, and one
# "muster: " line on stderr; each projection copy 'muster reindex --check'
# with exit 1 naming the database and key; a rolled-back copy verifies on
# its own but not '--against' the latest checkpoint kept outside; untouched
# copies must pass.  The last lines count them: "tamper: N cases tried, U
# undetected".  tamper_gen.sh does the same over a generated store.
. "$top_srcdir/tests/lib.sh"

PY=${PYTHON3_SYSTEM:-/usr/bin/python3}
"$PY" -c 'import lmdb' 2>/dev/null || skip_all "$PY has no lmdb module (Debian: python3-lmdb)"
TP=$top_srcdir/tests/interop/tamper.py
S=$T/store

# ---- the history ---------------------------------------------------------------
setup_failed=0
run() { # run WHO ARGS...: one signed command on $S, output discarded
	who=$1
	shift
	"$M" --store "$S" --key "$T/$who.key" "$@" >/dev/null </dev/null || {
		echo "# setup failed: $who $*"
		setup_failed=1
	}
}
new_store "$S" || setup_failed=1
for k in keeper admin2 auditor hr temp; do new_key "$k" || setup_failed=1; done
long=''
i=0
while [ $i -lt 150 ]; do long="$long值班记录第${i}行；"; i=$((i + 1)); done

enrol() { # enrol PUB ARGS...: the admin enrols a key; prints its id
	pub=$1
	shift
	"$M" --store "$S" --key "$T/admin.key" key enrol "$T/$pub.key.pub" "$@" </dev/null || {
		echo "# setup failed: enrol $pub $*" >&2
		echo none
	}
}
keeper_id=$(enrol keeper --role keeper --holder '李娜')                         # 1
run admin key enrol "$T/admin2.key.pub" --role admin --holder '王芳'           # 2
run keeper journal add '交接班：一切正常'                                       # 3
auditor_id=$(enrol auditor --role auditor --holder '赵强')                      # 4
run admin key enrol "$T/hr.key.pub" --role hr --role finance --holder '陈静'    # 5
run admin journal add '夜班巡查完毕，无异常。'                                  # 6
run admin2 key roles "$keeper_id" --role keeper,approver                       # 7
run hr journal add '新员工入职培训完成 🎉'                                       # 8
temp_id=$(enrol temp --role keeper --holder '临时工')                           # 9
run temp journal add '临时顶班 08:00–20:00'                                     # 10
run admin key revoke "$temp_id" --reason '离职'                                 # 11
run keeper journal add "$long"                                                  # 12
run admin key roles "$auditor_id" --role auditor --role reporter               # 13
run admin2 journal add '仓库盘点：A区 12 箱，B区 7 箱'                           # 14
run keeper journal add '消防检查通过'                                           # 15
run hr journal add '工资单已核对'                                               # 16
run admin journal add 'Mixed English 和中文 text'                               # 17
run admin2 journal add '设备故障，已报修'                                       # 18
run keeper journal add '交班'                                                   # 19

size=$("$M" --store "$S" --json log show | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
is "$setup_failed:$size" "0:20" "a history of 20 entries was built"
"$M" --store "$S" log verify >/dev/null 2>&1
ok $? "the untampered store verifies"
"$M" --store "$S" log checkpoint >"$T/latest.ckpt" # kept outside the store, as a witness keeps it

# ---- the cases -------------------------------------------------------------------
# check DIR WANT DESC: verify one tampered copy.  Builtins only, apart from muster.
ncase=0 tried=0 undetected=0
check() {
	ncase=$((ncase + 1))
	case $2 in
	ok) ;;
	*) tried=$((tried + 1)) ;;
	esac
	case $2 in
	proj:*) check_proj "$@"; return ;;
	rollback) check_rollback "$@"; return ;;
	esac
	case $((ncase % 3)) in
	0) threads='' ;;
	1) threads='--threads 1' ;;
	*) threads='--threads 3' ;;
	esac
	# shellcheck disable=SC2086
	"$M" --store "$1" log verify $threads >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	[ "$2" = ok ] || [ $rc != 0 ] || undetected=$((undetected + 1))
	lines=0 first=''
	while IFS= read -r l; do
		[ $lines -eq 0 ] && first=$l
		lines=$((lines + 1))
	done <"$T/out"
	errlines=0 prefix=''
	while IFS= read -r l; do
		[ $errlines -eq 0 ] && case $l in "muster: "?*) prefix='muster: ' ;; esac
		errlines=$((errlines + 1))
	done <"$T/err"
	case $first in
	"entry "*:*) tag="${first%%:*}:" ;;
	*) tag="[$first]" ;;
	esac
	got="rc=$rc out=$lines:$tag err=$errlines:$prefix"
	case $2 in
	ok) is "rc=$rc err=$errlines" "rc=0 err=0" "$3: verifies" ;;
	any) like "$got" "rc=1 out=1:entry " "$3: fails" ;;
	*) is "$got" "rc=1 out=1:entry $2: err=1:muster: " "$3: fails at entry $2" ;;
	esac
	case $2:$got in
	ok:*) ;;
	*:"rc=1 out=1:entry $2: err=1:muster: " | any:"rc=1 out=1:entry "*) ;;
	*) printf '#   verify said: %s\n' "$first" "$(cat "$T/err")" ;;
	esac
	if [ $((ncase % 25)) -eq 0 ] && [ "$2" != ok ] && [ "$2" != any ]; then
		"$M" --store "$1" --json log verify >"$T/out" 2>/dev/null </dev/null
		rc=$?
		"$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["ok"], d["index"])' <"$T/out" >"$T/j" 2>&1
		is "$rc $(cat "$T/j")" "1 False $2" "$3: --json names index $2"
	fi
}

# check_proj DIR proj:DB:KEYHEX DESC: 'reindex --check' names the database and key.
check_proj() {
	db=${2#proj:}
	key=${db#*:} db=${db%%:*}
	"$M" --store "$1" reindex --check >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	[ $rc != 0 ] || undetected=$((undetected + 1))
	first=$(head -n 1 "$T/out")
	got="rc=$rc out=$(wc -l <"$T/out" | tr -d ' ') err=$(wc -l <"$T/err" | tr -d ' '):$(head -c 8 "$T/err")"
	case "$got $first" in
	"rc=1 out=1 err=1:muster:  projection $db: key "*"($key): "*) ok 0 "$3: reindex --check names $db $key" ;;
	*) ok 1 "$3: reindex --check names $db $key"
		printf '#   said: %s %s / %s\n' "$got" "$first" "$(cat "$T/err")" ;;
	esac
}
# check_rollback DIR rollback DESC: verifies alone; --against the latest checkpoint, kept outside, fails.
check_rollback() {
	"$M" --store "$1" log verify >/dev/null 2>&1
	alone=$?
	"$M" --store "$1" log verify --against "$T/latest.ckpt" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	[ $rc != 0 ] || undetected=$((undetected + 1))
	like "$alone $rc $(cat "$T/err")" "0 1 muster: the store has $((size - 1)) entries but $T/latest.ckpt is a checkpoint of $size: the store was rolled back" \
		"$3: verifies alone, not --against the latest checkpoint"
}

for g in $("$PY" "$TP" groups "$S"); do
	if ! "$PY" "$TP" cases "$S" "$T/cases" "$g" >"$T/manifest"; then
		ok 1 "tamper.py made the cases of group $g"
		continue
	fi
	while read -r dir want desc; do
		check "$dir" "$want" "$desc"
	done <"$T/manifest"
	rm -rf "$T/cases"
done

# The original was never touched.
"$M" --store "$S" log verify >/dev/null 2>&1 && "$M" --store "$S" reindex --check >/dev/null 2>&1
ok $? "the original store still verifies after $ncase tampered copies"
echo "# tamper: $tried cases tried, $undetected undetected ($((ncase - tried)) untampered controls)"
is "$undetected" 0 "tamper: $tried cases tried, $undetected undetected"

done_testing
