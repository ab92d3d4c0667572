#!/bin/sh
# tamper_gen.sh - the tampering campaign over a generated store: an outside
# attacker edits a team's store (muster gen --scale team --seed 4, ~9,600
# entries) with python3-lmdb, and with the site's own log.key, which lies in
# the store directory, and every edit must be caught.
#
# The store gets one write of each event type gen does not make (journal, a
# role change, a revocation, an update, a relabel, a transfer accepted and
# one cancelled, a count, a certificate kind and a revocation, a fund source,
# an audit disposition), is cosigned by a central store's witness, and then
# tamper_gen.py makes one fresh copy per case, from samples drawn with a
# printed seed (MUSTER_TAMPER_SEED=N repeats them):
#   types      an entry of every event type with a bit flipped in a rotating
#              field, the Merkle tree rebuilt and every checkpoint re-signed
#              with log.key (so that only the entry's own signature, decoding
#              or key state can tell); another of every other type plainly
#   merkle     a stored node of every level, nodes replaced by their sibling,
#              hash records cut, grown, deleted, swapped
#   ckpt       every part of the latest (cosigned) checkpoint, lines of older
#              ones, checkpoints deleted, moved, replaced, signed by an
#              impostor, or with log.key over a wrong root
#   structure  entries deleted, stored twice, appended again, inserted,
#              swapped, rewritten, forged - plainly and with everything the
#              log key can re-sign made to agree
#   keys       the keys projection: role bits, public keys swapped, records
#              deleted, added, moved, revocation cleared, holder renamed
#   proj       every other projection database: a record flipped, deleted,
#              added; meta's tag key
# Log edits: 'muster log verify' exits 1 naming the entry.  Projection edits:
# 'muster reindex --check' exits 1 naming the database and key.  Then: a
# keeper made admin and a revoked key revived in the keys projection sign
# through the CLI, and verify names their entries; and rollback - the store
# put back to an older copy of itself verifies on its own, so 'log verify
# --against' the witness's cosigned checkpoint, and the central mirror, must
# tell.  The last lines count the cases: "tamper: N cases tried, U undetected".
. "$top_srcdir/tests/lib.sh"

PY=${PYTHON3_SYSTEM:-/usr/bin/python3}
"$PY" -c 'import lmdb' 2>/dev/null || skip_all "$PY has no lmdb module (Debian: python3-lmdb)"
"$PY" -c 'import cryptography.hazmat.primitives.asymmetric.ed25519' 2>/dev/null ||
	skip_all "$PY has no cryptography module (Debian: python3-cryptography): the attacker re-signs with log.key"
TG=$top_srcdir/tests/interop/tamper_gen.py
S=$T/g
C=$T/centre
SEED=${MUSTER_TAMPER_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# tamper seed $SEED (MUSTER_TAMPER_SEED=$SEED repeats this run's samples)"

# ---- the store ------------------------------------------------------------------
failed=0
"$M" gen --scale team --seed 4 --store "$S" --kdf min >/dev/null </dev/null || failed=1
K=$S/gen
w() { # w WHO ARGS...: one signed command on $S
	who=$1
	shift
	"$M" --store "$S" --key "$K/$who.key" "$@" </dev/null >/dev/null || {
		echo "# setup failed: $who $*"
		failed=1
	}
}
new_key aud || failed=1
new_key tmp || failed=1
set -- $("$M" --store "$S" --json asset list --state in_depot | "$PY" -c '
import json, sys
print(" ".join(a["id"] for a in json.load(sys.stdin)[:5]))')
A1=${1:-none} A2=${2:-none} A3=${3:-none} A4=${4:-none} A5=${5:-none}
cert=$("$M" --store "$S" --json cert list | "$PY" -c '
import json, sys
c = [c for c in json.load(sys.stdin) if c["status"] == "valid"][0]
print(c["person"], "--kind", c["kind"], "--number", c["number"], *(["--item", c["item"]] if c.get("item") else []))')
finding=$("$M" --store "$S" --json audit | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["findings"][0]["id"])')
w keeper journal add '盘点前交接：一切正常 ✓'
aud=$("$M" --store "$S" --key "$K/admin.key" key enrol "$T/aud.key.pub" --role auditor,reporter --holder '审计员' </dev/null)
tmp=$("$M" --store "$S" --key "$K/admin.key" key enrol "$T/tmp.key.pub" --role keeper --holder '临时工' </dev/null)
w admin key roles "$aud" --role auditor
w admin key revoke "$tmp" --reason '合同到期'
w keeper asset update "$A1" --reason '铭牌重新核对' --notes '型号说明更正'
w keeper asset relabel "$A1" --reason '标签磨损'
w admin team add KS-SN-09 --name '测试接收队' --specialty mine --province 610000 --host '某煤业' --host-code 91610624923A87342A
w admin depot add KS-SN-09-D1 --team KS-SN-09 --name '接收库'
w keeper asset handover "$A2" --to-team KS-SN-09 --to-depot KS-SN-09-D1
w keeper2 asset accept "$A2" --depot KS-SN-09-D1
w keeper asset handover "$A3" --to-team KS-SN-09
w keeper asset cancel "$A3" --reason '计划变更'
w keeper count start CNT-1 --depot KS-SN-02-D1
w keeper count scan CNT-1 "$A4" "$A5"
w keeper count close CNT-1 --notes '抽盘'
w hr cert kind TESTK --name '测试证书' --validity 36
# shellcheck disable=SC2086
w hr cert revoke $cert --reason '证书遗失'
w finance fund source SJ-TEST --name '测试资金来源'
"$M" --store "$S" --key "$T/aud.key" audit dispose "$finding" --disposition explained --notes '已核实' </dev/null >/dev/null ||
	failed=1
n1=$(log_size)
cp -a "$S" "$T/old" # the copy a rollback restores
"$M" --store "$S" log checkpoint >"$T/ck.old"
for t in 早班 中班 晚班; do w keeper journal add "$t：交接完毕"; done
n2=$(log_size)
types=$("$M" --store "$S" --json log show | "$PY" -c 'import json,sys; print(len({e["type"] for e in json.load(sys.stdin)}))')
is "$failed:$((n2 - n1)):$types" "0:3:48" "a generated team with every event type: $n2 entries of 48 types"

# The central office mirrors it and cosigns: that cosigned checkpoint is kept outside the store.
origin=$("$M" --store "$S" log vkey | cut -d+ -f1)
"$M" --store "$C" init --origin muster.test/centre --admin-key "$T/cadmin.key" --kdf min >/dev/null </dev/null &&
	"$M" --store "$C" mirror add "$origin" --vkey "$("$M" --store "$S" log vkey)" >/dev/null &&
	"$M" --store "$S" log bundle --since 0 --out "$T/b.tar" >/dev/null &&
	"$M" --store "$C" mirror import "$T/b.tar" --reply "$T/cosigned" >/dev/null &&
	"$M" --store "$S" log cosigned "$T/cosigned" --witness "$("$M" --store "$C" witness vkey)" >/dev/null
ok $? "the centre mirrors the store; its witness's cosignature is kept outside and on the latest checkpoint"
"$M" --store "$S" log checkpoint >"$T/latest.ckpt"
is "$(grep -c '^— ' "$T/latest.ckpt")" 2 "the latest checkpoint carries the site's signature and the witness's"
"$M" --store "$S" log verify --against "$T/latest.ckpt" >/dev/null 2>&1 &&
	"$M" --store "$S" reindex --check >/dev/null 2>&1
ok $? "the untampered store verifies, against its cosigned checkpoint too, and its projections match a rebuild"

# ---- the cases ------------------------------------------------------------------
# check DIR WANT DESC: judges one tampered copy, counted under $cat.  Builtins
# only, apart from muster: a fork per line would cost more than the cases.
ncase=0 undetected=0 controls=0
cats=''
count() { # count CATEGORY DETECTED(0|1)
	eval "t_$1=\$((\${t_$1:-0} + 1)); d_$1=\$((\${d_$1:-0} + $2))"
	case " $cats " in *" $1 "*) ;; *) cats="$cats $1" ;; esac
	ncase=$((ncase + 1))
	[ "$2" = 1 ] || undetected=$((undetected + 1))
}
said() { # said: $first and $lines of $T/out, $errlines and $prefix of $T/err
	lines=0 first='' errlines=0 prefix='' errfirst=''
	while IFS= read -r l; do
		[ $lines -eq 0 ] && first=$l
		lines=$((lines + 1))
	done <"$T/out"
	while IFS= read -r l; do
		[ $errlines -eq 0 ] && errfirst=$l && case $l in "muster: "?*) prefix='muster: ' ;; esac
		errlines=$((errlines + 1))
	done <"$T/err"
}
check() {
	dir=$1 want=$2 desc=$3
	case $want in
	ok)
		"$M" --store "$dir" log verify >/dev/null 2>&1
		a=$?
		"$M" --store "$dir" reindex --check >/dev/null 2>&1
		controls=$((controls + 1))
		is "$a $?" "0 0" "$cat: $desc: verifies, and the projections match"
		;;
	proj:*)
		db=${want#proj:}
		key=${db#*:} db=${db%%:*}
		"$M" --store "$dir" reindex --check >"$T/out" 2>"$T/err" </dev/null
		rc=$?
		said
		count "$cat" $((rc == 1))
		case "rc=$rc out=$lines err=$errlines:$prefix $first" in
		"rc=1 out=1 err=1:muster:  projection $db: key "*"($key): "*) ok 0 "$cat: $desc: reindex --check names $db $key" ;;
		*) ok 1 "$cat: $desc: reindex --check names $db $key"
			printf '#   said: rc=%s %s\n' "$rc" "$first" ;;
		esac
		;;
	refused)
		"$M" --store "$dir" log verify >"$T/out" 2>"$T/err" </dev/null
		rc=$?
		said
		count "$cat" $((rc != 0))
		case "$rc:$lines:$errlines:$errfirst" in
		0:*) ok 1 "$cat: $desc: the store is not opened, with one line" ;;
		*:0:1:"muster: cannot open store '$dir': "*) ok 0 "$cat: $desc: the store is not opened, with one line" ;;
		*) ok 1 "$cat: $desc: the store is not opened, with one line"
			printf '#   said: rc=%s %s\n' "$rc" "$errfirst" ;;
		esac
		;;
	rollback)
		"$M" --store "$dir" log verify >/dev/null 2>&1
		a=$?
		"$M" --store "$dir" log verify --against "$T/latest.ckpt" >"$T/out" 2>"$T/err" </dev/null
		rc=$?
		said
		count "$cat" $((rc == 1))
		like "$a $rc $errlines $errfirst" "0 1 1 muster: the store has " \
			"$cat: $desc: verifies alone, not --against the cosigned checkpoint"
		;;
	*)
		"$M" --store "$dir" log verify >"$T/out" 2>"$T/err" </dev/null
		rc=$?
		said
		count "$cat" $((rc == 1))
		is "rc=$rc out=$lines:${first%%:*}: err=$errlines:$prefix" "rc=1 out=1:entry $want: err=1:muster: " \
			"$cat: $desc: fails at entry $want"
		[ "$rc:${first%%:*}" = "1:entry $want" ] || printf '#   verify said: %s\n' "$first"
		;;
	esac
}

for g in $("$PY" "$TG" groups "$S" "$SEED"); do
	cat=${g%%:*}
	rm -rf "$T/cases"
	if ! "$PY" "$TG" cases "$S" "$T/cases" "$g" >"$T/manifest"; then
		ok 1 "tamper_gen.py made the cases of group $g"
		continue
	fi
	while read -r dir want desc; do
		check "$dir" "$want" "$desc"
	done <"$T/manifest"
	rm -rf "$T/cases"
done

# ---- the keys projection abused through the CLI ------------------------------------
# A keeper made admin in the keys projection can sign an enrolment, and a revoked
# key revived there can sign again: the write path trusts the projection, the
# log does not.
cat=abuse
keeper=$("$PY" -c '
import base64, hashlib, sys
pk = base64.b64decode(open(sys.argv[1]).read().split()[1])
print(hashlib.sha256(b"muster/key/v1\0" + pk).digest()[:8].hex())' "$K/keeper.key.pub")
cp -a "$S" "$T/a1"
"$PY" "$TG" setkey "$T/a1" "$keeper" 3 0
new_key intruder
"$M" --store "$T/a1" --key "$K/keeper.key" key enrol "$T/intruder.key.pub" --role admin --holder '入侵者' >/dev/null 2>&1 </dev/null
is "$?" 0 "$cat: with admin in its keys record the keeper's enrolment is accepted"
check "$T/a1" "$n2" "a keeper's enrolment of an admin, authorised by a forged keys record"
"$M" --store "$T/a1" reindex --check >"$T/out" 2>"$T/err" </dev/null
like "$?:$(cat "$T/err")" "1:muster: entry $n2 no longer replays" "$cat: ...and reindex --check says the entry no longer replays"
cp -a "$S" "$T/a2"
"$PY" "$TG" setkey "$T/a2" "$tmp" 2 0
"$M" --store "$T/a2" --key "$T/tmp.key" journal add '离职后补记' >/dev/null 2>&1 </dev/null
is "$?" 0 "$cat: with its revocation cleared in the keys record the revoked key's journal entry is accepted"
check "$T/a2" "$n2" "a journal entry by a revoked key revived in the keys projection"
rm -rf "$T/a1" "$T/a2"

# ---- rollback: the store put back to an older copy of itself ------------------------
cat=rollback
R=$T/rolled
cp -a "$T/old" "$R"
"$M" --store "$R" log verify >/dev/null 2>&1
ok $? "$cat: a store put back to its copy at $n1 entries verifies on its own"
"$M" --store "$R" reindex --check >/dev/null 2>&1
ok $? "$cat: ...and its projections match its log"
rollback_check() { # rollback_check DESC WANT-SUBSTRING: --against the cosigned checkpoint
	"$M" --store "$R" log verify --against "$T/latest.ckpt" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	count rollback $((rc == 1))
	errlines=$(wc -l <"$T/err" | tr -d ' ')
	like "$rc $errlines $(cat "$T/err")" "1 1 muster: $2" "$cat: $1"
}
# The centre, which saw more, refuses what the rolled-back store now signs.
"$M" --store "$R" log bundle --since 0 --out "$T/old.tar" >/dev/null
"$M" --store "$C" mirror import "$T/old.tar" >"$T/out" 2>"$T/err" </dev/null
rc=$?
count rollback $((rc == 1))
like "$rc $(cat "$T/err")" "1 muster: $origin: refused, the mirror unchanged: an older checkpoint (size $n1) than the mirror holds ($n2)" \
	"$cat: the centre's mirror refuses the rolled-back store's checkpoint of $n1"
rollback_check "--against the cosigned checkpoint: exit 1, one line" \
	"the store has $n1 entries but $T/latest.ckpt is a checkpoint of $n2: the store was rolled back or truncated"
"$M" --store "$R" --json log verify --against "$T/latest.ckpt" >"$T/out" 2>/dev/null
is "$("$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["ok"], d["size"], d["entries"], d["reason"])' <"$T/out")" \
	"False $n2 $n1 rolled back" "$cat: --json says so"
"$M" --store "$R" log verify --against "$T/ck.old" >"$T/out" 2>&1
is "$?:$(tail -n 1 "$T/out")" "0:ok: the store holds the tree of $T/ck.old, a checkpoint of $n1 entries" \
	"$cat: --against the checkpoint it was copied at passes"
"$M" --store "$S" log verify --against "$T/ck.old" >/dev/null 2>&1
ok $? "$cat: the real store holds that older tree too"
# The rolled-back store goes on working: one write, still short of what the witness saw ...
"$M" --store "$R" --key "$K/keeper.key" journal add '恢复备份后' >/dev/null </dev/null
rollback_check "one write after the rollback: still short" "the store has $((n1 + 1)) entries but"
# ... then as many entries as the witness saw: the same size, another root.
"$M" --store "$R" --key "$K/keeper.key" journal add '恢复备份后二' >/dev/null </dev/null
"$M" --store "$R" --key "$K/keeper.key" journal add '恢复备份后三' >/dev/null </dev/null
"$M" --store "$R" log verify >/dev/null 2>&1
ok $? "$cat: the rewritten store verifies on its own at $n2 entries"
rollback_check "rewritten to the witness's size: forked" "the store's first $n2 entries do not give the root of"
"$M" --store "$R" --json log verify --against "$T/latest.ckpt" >"$T/out" 2>/dev/null
is "$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["reason"])' <"$T/out")" forked "$cat: --json: forked"
# The mirror: the rewritten history's bundle is a fork, refused, the evidence kept.
"$M" --store "$R" log bundle --since "$n1" --out "$T/fork.tar" >/dev/null
"$M" --store "$C" mirror import "$T/fork.tar" >"$T/out" 2>"$T/err" </dev/null
rc=$?
count rollback $((rc == 1))
like "$rc $(cat "$T/err")" "1 muster: " "$cat: the centre refuses the rewritten history's bundle (exit 1)"
"$M" --store "$C" mirror status >"$T/out" 2>&1
like "$?:$(cat "$T/out")" "1:" "$cat: ...and mirror status says FORKED (exit 1)"
like "$(cat "$T/out")" "FORKED" "$cat: ...by name"
# Checkpoints that are not this log's.
"$M" --store "$C" log checkpoint >"$T/other.ckpt"
fails 1 "$cat: --against another log's checkpoint" --store "$S" log verify --against "$T/other.ckpt"
like "$(cat "$T/err")" "is a checkpoint of another log" "$cat: ...says so"
"$M" --store "$T/impostor" init --origin "$origin" --admin-key "$T/imp.key" --kdf min >/dev/null </dev/null
"$M" --store "$T/impostor" log checkpoint >"$T/imp.ckpt"
fails 1 "$cat: --against a checkpoint of the same origin by another store" --store "$S" log verify --against "$T/imp.ckpt"
like "$(cat "$T/err")" "is not signed by this store's log key" "$cat: ...says so"
printf 'not a checkpoint\n' >"$T/junk"
fails 2 "$cat: --against a file that is no checkpoint" --store "$S" log verify --against "$T/junk"
fails 5 "$cat: --against a missing file" --store "$S" log verify --against "$T/nothing"
fails 2 "$cat: log verify refuses another option" --store "$S" log verify --tiles x
fails 2 "$cat: reindex refuses an unknown option with --check" --store "$S" reindex --check --tiles x

# The original was never touched.
"$M" --store "$S" log verify --against "$T/latest.ckpt" >/dev/null 2>&1 && "$M" --store "$S" reindex --check >/dev/null 2>&1
ok $? "the original store still verifies, and its projections match, after $ncase tampered copies"

for c in $cats; do
	eval "echo \"# tamper: $c: \$t_$c tried, \$d_$c detected\""
done
echo "# tamper: $ncase cases tried, $undetected undetected ($controls untampered controls pass; seed $SEED)"
is "$undetected" 0 "tamper: $ncase cases tried, $undetected undetected"
done_testing
