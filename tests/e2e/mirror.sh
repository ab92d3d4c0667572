#!/bin/sh
# mirror.sh - a central store mirrors a site's log from bundles
# (`muster mirror add|import|status`, `muster log cosigned`): what arrives
# is verified whole and cosigned by the centre's witness key, the site
# keeps the cosignature, and every attack the issue names is refused with
# one line saying why while the mirror stays exactly as it was: a replayed
# old bundle, one flipped byte (in an entry, a hash tile, the checkpoint, a
# tar header), a truncated tile or file, a checkpoint signed by an unknown
# key, a bundle that starts past the mirror, and a site that rewrites its
# history and signs again (a fork: both sides kept as evidence, the site's
# later data refused, `mirror status` says FORKED).
. "$top_srcdir/tests/lib.sh"

S=$T/site C=$T/central
run gen --scale team --seed 4 --store "$S" --kdf min
is "$rc" 0 "a generated team store (the site)"
origin=$(q log checkpoint | head -n 1)
vkey=$(q log vkey)
new_store "$C" centre.example/national
ok $? "a central store"
c() { "$M" --store "$C" "$@"; }
MD=$C/mirrors/$(printf '%s' "$origin" | sed 's|/|%2F|g')
mq() { "$M" --store "$MD" "$@"; }
keeper=$S/gen/keeper.key
jadd() { "$M" --store "$1" --key "$keeper" journal add "$2" >/dev/null; }
# The mirror's size, latest checkpoint (hash) and fork marker: what must not change on a refusal.
state() { printf '%s %s %s' "$(mq log checkpoint | sed -n 2p)" "$(mq log checkpoint | sha256sum | cut -c1-16)" "$([ -e "$MD/forked" ] && echo forked)"; }
# refused DESC SUBSTRING FILE: importing FILE exits 1 with one line containing SUBSTRING; the mirror unchanged.
refused() {
	before=$(state)
	"$M" --store "$C" mirror import "$3" >"$T/out" 2>"$T/err"
	rc=$?
	is "$rc $(wc -l <"$T/err" | tr -d ' ') $(state)" "1 1 $before" "$1: exit 1, one line, the mirror unchanged"
	like "$(cat "$T/err")" "$2" "$1: the line says why"
}
# tarx IN OUT PYTHON: rewrites the tar IN into OUT, PYTHON editing `m` (name -> bytes, in order).
tarx() {
	"$PY" - "$1" "$2" "$3" <<'EOF'
import io, sys, tarfile
src, dst, code = sys.argv[1:4]
with tarfile.open(src) as t:
    m = {i.name: t.extractfile(i).read() for i in t.getmembers()}
exec(code)
with tarfile.open(dst, "w", format=tarfile.USTAR_FORMAT) as t:
    for name, data in m.items():
        i = tarfile.TarInfo(name); i.size = len(data); i.mode = 0o644
        t.addfile(i, io.BytesIO(data))
EOF
}
# flip IN OUT MEMBER: flips one byte in the middle of MEMBER's data (or, for "HEADER", in the first header).
flip() {
	"$PY" - "$1" "$2" "$3" <<'EOF'
import sys, tarfile
src, dst, member = sys.argv[1:4]
b = bytearray(open(src, "rb").read())
if member == "HEADER":
    off = 100  # the mode field of the first member's header
else:
    with tarfile.open(src) as t:
        i = t.getmember(member)
        off = i.offset_data + i.size // 2
b[off] ^= 0x01
open(dst, "wb").write(b)
EOF
}

# ---- adding a mirror -------------------------------------------------------
run --store "$C" --json mirror add "$origin" --vkey "$vkey"
is "$rc $(py 'd["origin"], d["url"], d["new"]')" "0 ('$origin', '', True)" "mirror add ORIGIN --vkey: a bundle-only mirror"
wvkey=$(c witness vkey)
like "$wvkey" "centre.example/national/witness+" "witness vkey: the centre's witness key, named after its origin"
is "$(py 'd["witness"]')" "$wvkey" "mirror add prints the witness key to give the site"
fails 2 "mirror add with another site's vkey" mirror add other.example/x --vkey "$vkey" --store "$C"
fails 2 "mirror add with a vkey that does not parse" --store "$C" mirror add "$origin" --vkey nonsense
fails 2 "mirror add of the store's own log" --store "$C" mirror add centre.example/national --vkey "$(c log vkey)"
run --store "$C" --json mirror status
is "$rc $(py '[(m["origin"], m["state"], m["size"]) for m in d["mirrors"]]')" "0 [('$origin', 'empty', 0)]" \
	"mirror status: the new mirror is empty"

# ---- the first bundle, and the cosignature back ---------------------------
size0=$(log_size)
q log bundle --since 0 --out "$T/b0.tar" >/dev/null
run --store "$C" --json mirror import "$T/b0.tar" --reply "$T/r0"
is "$rc $(py 'd["outcome"], d["old_size"], d["size"]')" "0 ('advanced', 0, $size0)" \
	"mirror import of a bundle from 0: every entry verified and stored"
is "$(mq log checkpoint | sed -n 2p)" "$size0" "the mirror holds the site's $size0 entries"
cmp -s "$MD/data.mdb" "$MD/data.mdb" && mq log verify >"$T/v" 2>&1
ok $? "log verify on the mirror: every entry, key state and the site's checkpoint"
is "$(mq log show --index 5 --json | sha256sum)" "$(q log show --index 5 --json | sha256sum)" "an entry reads the same on the mirror"
is "$(mq ready --json | sha256sum)" "$(q ready --json | sha256sum)" "projections are the site's: ready gives the same answer"
run --store "$C" --json mirror status
is "$rc $(py '[(m["state"], m["size"], m["checkpoint_age_s"] >= 0, 0 <= m["cosigned_age_s"] < 120) for m in d["mirrors"]][0]')" \
	"0 ('current', $size0, True, True)" "mirror status: current, the checkpoint's age and the cosignature's, just now"
run --store "$C" mirror status
like "$(cat "$T/out")" "current" "mirror status as a table"
like "$(cat "$T/r0")" "— centre.example/national/witness " "--reply: the checkpoint with the witness's cosignature line"
head -n 3 "$T/r0" >"$T/r0.text"
q log checkpoint | head -n 3 | cmp -s - "$T/r0.text"
ok $? "the reply's checkpoint text is the site's"
run --store "$S" --json log cosigned "$T/r0" --witness "$wvkey"
is "$rc $(py 'd["size"]')" "0 $size0" "log cosigned: the site keeps the centre's cosignature"
like "$(q log checkpoint)" "— centre.example/national/witness " "the site's stored checkpoint now carries it"
q log verify >/dev/null 2>&1
ok $? "the site's log still verifies with the cosignature stored"
fails 2 "log cosigned with the site's own (0x01) key as witness" --store "$S" log cosigned "$T/r0" --witness "$vkey"
other_w=$(printf '%s' "$wvkey" | sed 's/+[0-9a-f]\{8\}+.*//')+00000000+BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
fails 2 "log cosigned with a witness key that does not parse" --store "$S" log cosigned "$T/r0" --witness "$other_w"
fails 2 "mirror import without a file" --store "$C" mirror import

# ---- mirrors are written by import only -----------------------------------
fails 4 "a signed write straight into the mirror" --store "$MD" --key "$keeper" journal add 直接写入
like "$(cat "$T/err")" "mirror" "the refusal says the store is a mirror"

# ---- growing --------------------------------------------------------------
jadd "$S" "巡检 1"
jadd "$S" "巡检 2"
size1=$(log_size)
q log bundle --since "$size0" --out "$T/b1.tar" >/dev/null
cp -a "$S" "$T/backup" # the site as it is now, for the forks below
cp -a "$S" "$T/backup1"
run --store "$C" --json mirror import "$T/b1.tar"
is "$rc $(py 'd["outcome"], d["old_size"], d["size"]')" "0 ('advanced', $size0, $size1)" \
	"an incremental bundle: the consistency proof and the two new entries"
run --store "$C" --json mirror import "$T/b1.tar"
is "$rc $(py 'd["outcome"]')" "0 current" "the same bundle again: current, nothing new"
refused "a replayed old bundle" "replayed" "$T/b0.tar"

jadd "$S" "巡检 3"
size2=$(log_size)
q log bundle --since "$size1" --out "$T/b2.tar" >/dev/null
last=$(printf '%03d' $((size2 / 256)))
w=$((size2 % 256))

# ---- damage ---------------------------------------------------------------
flip "$T/b2.tar" "$T/x.tar" "tile/entries/$last.p/$w"
refused "one flipped byte in an entry" "entry" "$T/x.tar"
flip "$T/b2.tar" "$T/x.tar" "tile/0/$last.p/$w"
refused "one flipped byte in a hash tile" "tile/0/$last.p/$w" "$T/x.tar"
flip "$T/b2.tar" "$T/x.tar" checkpoint
refused "one flipped byte in the checkpoint" "checkpoint" "$T/x.tar"
flip "$T/b2.tar" "$T/x.tar" HEADER
refused "one flipped byte in a tar header" "checksum" "$T/x.tar"
tarx "$T/b2.tar" "$T/x.tar" "m['consistency.json'] = m['consistency.json'].replace(b'\"proof\":[\"', b'\"proof\":[\"A')"
refused "a damaged consistency proof" "consistency" "$T/x.tar"
tarx "$T/b2.tar" "$T/x.tar" "k = 'tile/0/$last.p/$w'; m[k] = m[k][:-32]"
refused "a hash tile truncated by one hash" "truncated" "$T/x.tar"
tarx "$T/b2.tar" "$T/x.tar" "k = 'tile/entries/$last.p/$w'; m[k] = m[k][:-10]"
refused "an entry bundle truncated by ten bytes" "truncated" "$T/x.tar"
tarx "$T/b2.tar" "$T/x.tar" "del m['tile/entries/$last.p/$w']"
refused "a bundle without its entries" "missing" "$T/x.tar"
head -c 3000 "$T/b2.tar" >"$T/x.tar"
refused "a truncated file" "b" "$T/x.tar"
tarx "$T/b2.tar" "$T/x.tar" "m['tile/0/x999'] = b'x'"
refused "a member that is no tile name" "x999" "$T/x.tar"

# a checkpoint signed by a key the centre does not know for that origin
"$M" --store "$T/impostor" init --origin "$origin" --admin-key "$T/imp.key" --holder 冒名 --kdf min >/dev/null
"$M" --store "$T/impostor" log bundle --since 0 --out "$T/imp.tar" >/dev/null
refused "a checkpoint signed by an unknown key" "unknown key" "$T/imp.tar"

# a bundle that starts past what the mirror holds
for i in $(seq 1 300); do printf '巡检 %s\n' "$i"; done | while read -r line; do jadd "$S" "$line"; done
q log bundle --since $((size2 + 257)) --out "$T/gap.tar" >/dev/null
refused "a bundle that starts past the mirror" "--since $size1" "$T/gap.tar"

# the real next bundle still goes in after all that
run --store "$C" --json mirror import "$T/b2.tar"
is "$rc $(py 'd["outcome"], d["size"]')" "0 ('advanced', $size2)" "the undamaged bundle is accepted after the refusals"

# ---- a fork ---------------------------------------------------------------
# The backup (the site at size1) is restored and written again: entries
# size1.. are rewritten and a new checkpoint signed with the same log key.
jadd "$T/backup" "改写 1"
jadd "$T/backup" "改写 2"
"$M" --store "$T/backup" log bundle --since "$size1" --out "$T/fork.tar" >/dev/null
before=$(state)
run --store "$C" --json mirror import "$T/fork.tar"
is "$rc $(py 'd["outcome"]')" "1 forked" "a rewritten history signed again: forked"
like "$(cat "$T/err")" "FORKED" "the one line says FORKED"
is "$(mq log checkpoint | sed -n 2p)" "$size2" "the mirror keeps what it verified"
ev=$(ls -d "$MD"/forks/*/ | head -n 1)
[ -s "$ev/checkpoint.ours" ] && [ -s "$ev/checkpoint.theirs" ] && [ -s "$ev/reason" ]
ok $? "both signed checkpoints are kept as evidence, with the reason"
"$M" --store "$T/backup" log checkpoint --size $((size1 + 2)) | cmp -s - "$ev/checkpoint.theirs"
ok $? "theirs is the site's rewritten checkpoint, byte for byte"
ls "$ev" | grep -q '^entry\.'
ok $? "the conflicting signed entry is kept too"
run --store "$C" --json mirror status
is "$rc $(py '[m["state"] for m in d["mirrors"]]')" "1 ['forked']" "mirror status: FORKED, exit 1"
like "$(py 'd["mirrors"][0]["fork"]')" "evidence" "status names the evidence"
q log bundle --since "$size2" --out "$T/b3.tar" >/dev/null
before=$(state)
"$M" --store "$C" mirror import "$T/b3.tar" >"$T/out" 2>"$T/err"
is "$? $(state)" "1 $before" "the site's next data is refused while the fork stands"
like "$(cat "$T/err")" "forked" "and the line says the mirror is forked"

# a fork at the same size: two roots signed for one size
C2=$T/central2
"$M" --store "$C2" init --origin centre.example/province --admin-key "$T/admin2.key" --holder 李强 --kdf min >/dev/null
"$M" --store "$C2" mirror add "$origin" --vkey "$vkey" >/dev/null
"$M" --store "$C2" mirror import "$T/b0.tar" >/dev/null
"$M" --store "$C2" mirror import "$T/b1.tar" >/dev/null
"$M" --store "$C2" mirror import "$T/b2.tar" >/dev/null
jadd "$T/backup1" "改写 A" # one entry: the same size as the site's, another root
"$M" --store "$T/backup1" log bundle --since "$size0" --out "$T/same.tar" >/dev/null
"$M" --store "$C2" mirror import "$T/same.tar" >"$T/out" 2>"$T/err"
like "$? $(cat "$T/err")" "1 muster: $origin FORKED: the site signed root" "a second root signed for a size the centre holds: forked"
like "$(cat "$T/err")" "for size $size2" "the line names the size"

done_testing
