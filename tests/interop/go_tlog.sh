#!/bin/sh
# go_tlog.sh - Go's own golang.org/x/mod/sumdb/note and sumdb/tlog verify
# Muster's signed checkpoints, inclusion proofs and consistency proofs
# (tests/interop/tlogcheck.go), and reject them when one bit is flipped.
#
# A store of 41 entries (site.init and 40 journal entries) gives a checkpoint
# for every tree size 1..41; tlogcheck checks an inclusion proof for every
# index in every size and a consistency proof for every pair of sizes.
. "$top_srcdir/tests/lib.sh"

tc=$T/tlogcheck
go_build "$tc" "$top_srcdir/tests/interop/tlogcheck.go"

S=$T/store
new_store "$S"

m() { "$M" --store "$S" "$@"; }

m log vkey >"$T/vkey"
vkey=$(cat "$T/vkey")
name=${vkey%%+*}

bad=0
i=1
while [ $i -le 40 ]; do
	m --key "$T/admin.key" journal add "第${i}次值班：巡查三号楼与锅炉房，记录温度、门禁与消防通道，一切正常。" >/dev/null || bad=$((bad + 1))
	i=$((i + 1))
done
n=$(m log checkpoint | sed -n 2p)
is "$bad/$n" "0/41" "a store with site.init and 40 Chinese journal entries has size 41"

# Every checkpoint, then inclusion proofs for every index of every tree size
# and consistency proofs for every pair old <= new, one JSON object a line.
mkdir "$T/cp"
: >"$T/inclusion.jsonl"
: >"$T/consistency.jsonl"
bad=0
s=1
while [ $s -le "$n" ]; do
	m log checkpoint --size $s >"$T/cp/$s.note" || bad=$((bad + 1))
	i=0
	while [ $i -lt $s ]; do
		m log proof --index $i --size $s >>"$T/inclusion.jsonl" || bad=$((bad + 1))
		i=$((i + 1))
	done
	o=1
	while [ $o -le $s ]; do
		m log consistency --old $o --new $s >>"$T/consistency.jsonl" || bad=$((bad + 1))
		o=$((o + 1))
	done
	s=$((s + 1))
done
pairs=$((n * (n + 1) / 2))
is "$bad $(wc -l <"$T/inclusion.jsonl") $(wc -l <"$T/consistency.jsonl")" "0 $pairs $pairs" \
	"muster signed $n checkpoints and wrote $pairs inclusion and $pairs consistency proofs"

# verifies DESCRIPTION WANT-STDOUT TLOGCHECK-ARGS...: tlogcheck exits 0 and
# reports exactly the expected counts.
verifies() {
	desc=$1 want=$2
	shift 2
	"$tc" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq 0 ] && [ "$(cat "$T/out")" = "$want" ]; then
		ok 0 "$desc"
	else
		ok 1 "$desc"
		printf '#   exit %s; want 0 and: %s\n' "$rc" "$want"
		sed 's/^/#   /' "$T/out" "$T/err"
	fi
}

# rejects DESCRIPTION REASON TALLY TLOGCHECK-ARGS...: tlogcheck exits 1,
# names REASON, and finds exactly the cases in TALLY ("F of N") bad.
rejects() {
	desc=$1 reason=$2 tally=$3
	shift 3
	"$tc" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -qF -- "$reason" "$T/err" && grep -qxF -- "tlogcheck: $tally cases failed" "$T/err"; then
		ok 0 "$desc"
	else
		ok 1 "$desc"
		printf '#   exit %s; want 1, "%s" and %s cases failed\n' "$rc" "$reason" "$tally"
		sed 's/^/#   /' "$T/out" "$T/err"
	fi
}

verifies "Go's sumdb/note opens all $n checkpoints with the log's vkey" \
	"verified $n checkpoints ($n tree sizes, 1 to $n), 0 inclusion proofs, 0 consistency proofs" \
	-vkey "$T/vkey" "$T"/cp/*.note
verifies "Go's sumdb/tlog checks all $pairs inclusion proofs against the signed roots" \
	"verified $n checkpoints ($n tree sizes, 1 to $n), $pairs inclusion proofs, 0 consistency proofs" \
	-vkey "$T/vkey" -inclusion "$T/inclusion.jsonl" "$T"/cp/*.note
verifies "Go's sumdb/tlog checks all $pairs consistency proofs against the signed roots" \
	"verified $n checkpoints ($n tree sizes, 1 to $n), 0 inclusion proofs, $pairs consistency proofs" \
	-vkey "$T/vkey" -consistency "$T/consistency.jsonl" "$T"/cp/*.note

# ---- one flipped bit ----------------------------------------------------
# flip IN OUT LINE MARKER OFFSET: copy IN to OUT with one bit of the decoded
# bytes flipped: the base64 character OFFSET places after MARKER, on line
# LINE (0: the first line holding MARKER; empty MARKER: the line's start),
# becomes its neighbour in the alphabet (A<->B, ..., +<->/).  Fails when
# there is no such character.
flip() {
	awk -v want="$3" -v m="$4" -v k="$5" '
	BEGIN { a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" }
	!done && (want == 0 || NR == want) && (m == "" || index($0, m) > 0) {
		p = (m == "" ? 1 : index($0, m) + length(m)) + k
		v = index(a, substr($0, p, 1)) - 1
		if (v < 0)
			exit
		v = v % 2 ? v - 1 : v + 1
		$0 = substr($0, 1, p - 1) substr(a, v + 1, 1) substr($0, p + 1)
		done = 1
	}
	{ print }
	END { exit !done }' "$1" >"$2" && ! cmp -s "$1" "$2"
}

# Tree size 17 and index 5 / old size 5: proofs of several hashes on both sides.
mkdir "$T/bad"
cp17=$T/cp/17.note
grep -F '{"index":5,"size":17,' "$T/inclusion.jsonl" >"$T/incl-5-17.jsonl"
grep -F '{"old_size":5,"new_size":17,' "$T/consistency.jsonl" >"$T/cons-5-17.jsonl"
verifies "control: the cases tampered with below verify untouched" \
	"verified $n checkpoints ($n tree sizes, 1 to $n), 1 inclusion proofs, 1 consistency proofs" \
	-vkey "$T/vkey" -inclusion "$T/incl-5-17.jsonl" -consistency "$T/cons-5-17.jsonl" "$T"/cp/*.note

# The signature line is "— NAME base64(keyhash[4] || sig[64])": character 20
# lies in the signature's first half, past the key hash.
flip "$cp17" "$T/bad/sig.note" 0 "— $name " 20 || echo "# could not flip the signature"
rejects "one bit flipped in a checkpoint's signature: Go rejects the note" \
	"checkpoint $T/bad/sig.note: invalid signature for key $name+" "1 of 1" \
	-vkey "$T/vkey" "$T/bad/sig.note"

flip "$cp17" "$T/bad/root.note" 3 "" 0 || echo "# could not flip the root"
rejects "one bit flipped in a checkpoint's root: the signature no longer covers it" \
	"checkpoint $T/bad/root.note: invalid signature for key $name+" "1 of 1" \
	-vkey "$T/vkey" "$T/bad/root.note"

flip "$T/incl-5-17.jsonl" "$T/bad/incl-proof.jsonl" 1 '"proof":["' 0 || echo "# could not flip the proof"
rejects "one bit flipped in an inclusion proof's hash: tlog.CheckRecord fails" \
	"inclusion of index 5 in tree size 17 ($T/bad/incl-proof.jsonl:1): invalid transparency proof" "1 of 42" \
	-vkey "$T/vkey" -inclusion "$T/bad/incl-proof.jsonl" "$T"/cp/*.note

flip "$T/incl-5-17.jsonl" "$T/bad/incl-leaf.jsonl" 1 '"leaf":"' 40 || echo "# could not flip the leaf"
rejects "one bit flipped in the leaf (entry) bytes: tlog.CheckRecord fails" \
	"inclusion of index 5 in tree size 17 ($T/bad/incl-leaf.jsonl:1): invalid transparency proof" "1 of 42" \
	-vkey "$T/vkey" -inclusion "$T/bad/incl-leaf.jsonl" "$T"/cp/*.note

flip "$T/cons-5-17.jsonl" "$T/bad/cons-proof.jsonl" 1 '"proof":["' 0 || echo "# could not flip the proof"
rejects "one bit flipped in a consistency proof's hash: tlog.CheckTree fails" \
	"consistency of tree size 5 with 17 ($T/bad/cons-proof.jsonl:1): invalid transparency proof" "1 of 42" \
	-vkey "$T/vkey" -consistency "$T/bad/cons-proof.jsonl" "$T"/cp/*.note

# Another store with the same origin: the same key name, another key.
"$M" --store "$T/other" init --origin "$name" --admin-key "$T/other.key" --holder '李娜' --kdf min >/dev/null
"$M" --store "$T/other" log vkey >"$T/bad/vkey"
other=$(cat "$T/bad/vkey")
[ "${other%%+*}" = "$name" ] && [ "$other" != "$vkey" ] || echo "# the other store's vkey is not a different key of the same name: $other"
rejects "the wrong verifier key (same name, another key): Go finds no verifiable signature" \
	"checkpoint $cp17: note has no verifiable signatures" "$n of $n" \
	-vkey "$T/bad/vkey" "$T"/cp/*.note

done_testing
