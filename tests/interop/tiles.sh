#!/bin/sh
# tiles.sh - `muster log export --tiles DIR` writes the C2SP tlog-tiles
# layout, and Go's own golang.org/x/mod/sumdb/note and sumdb/tlog read it
# (tests/interop/tilecheck.go): the checkpoint opens with the site's vkey,
# every hash tile checks against its root, every entry hashes to its leaf.
# A second export writes only what is new (the tiles of the first stay,
# unchanged, and Go still reads the old checkpoint's view); one changed
# byte in a hash tile or an entry bundle, a truncated tile or another
# site's key makes Go refuse.  `log bundle --since` packs what came after a
# size into one tar: unpacked over the old export, Go reads the new tree
# and checks the consistency proof between the two checkpoints.  musterd --serve-log serves the same files
# from the store, byte for byte.  Bad input: one line, nothing written.
. "$top_srcdir/tests/lib.sh"

tc=$T/tilecheck tlc=$T/tlogcheck
go_build "$tc" "$top_srcdir/tests/interop/tilecheck.go"
go_build "$tlc" "$top_srcdir/tests/interop/tlogcheck.go"

S=$T/store
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"' EXIT
run gen --scale team --seed 4 --store "$S" --kdf min
is "$rc" 0 "a generated team store"
vkey=$(q log vkey)
size=$(q log checkpoint | sed -n 2p)
D=$T/tiles

MUSTER_PROGRESS_FD=3 "$M" --store "$S" --json log export --tiles "$D" >"$T/out" 2>"$T/err" 3>"$T/progress"
is "$? $(wc -c <"$T/err" | tr -d ' ')" "0 0" "log export --tiles: exit 0, nothing on stderr"
full=$((size / 256)) part=$((size % 256 != 0))
want=$(((full + part) * 2 + 1)) # entry bundles, level-0 tiles, one level-1 tile (size < 65536)
is "$(py 'd["size"], d["written"], d["kept"]')" "($size, $want, 0)" "$size entries: $want tiles written"
cmp -s "$D/checkpoint" "$(q log checkpoint >"$T/ck" && echo "$T/ck")"
ok $? "the checkpoint file is the store's latest signed checkpoint"
last=$(printf '%03d' "$full")
[ -f "$D/tile/entries/000" ] && [ -f "$D/tile/0/000" ] && [ -f "$D/tile/entries/$last.p/$((size % 256))" ] &&
	[ -f "$D/tile/1/000.p/$full" ]
ok $? "paths as tlog-tiles names them: tile/entries/000, tile/0/000, tile/entries/$last.p/$((size % 256)), tile/1/000.p/$full"
is "$(wc -c <"$D/tile/0/000" | tr -d ' ')" 8192 "a full hash tile is 256 hashes of 32 bytes"
is "$(tail -n 1 "$T/progress")" "progress $want $want export" "progress lines end at every tile"
is "$("$tc" "$D" "$vkey")" "ok $size $size" "Go opens the checkpoint, checks every tile against its root and every entry against its leaf"

# Ten more entries: the second export writes the new partial tiles and the checkpoint, nothing else.
cp -R "$D" "$T/first"
i=0
while [ $i -lt 10 ]; do
	"$M" --store "$S" --key "$S/gen/keeper.key" journal add "交班 $i" >/dev/null || break
	i=$((i + 1))
done
size2=$(q log checkpoint | sed -n 2p)
is "$size2" "$((size + 10))" "ten journal entries later"
run --store "$S" --json log export --tiles "$D"
want2=$((((size2 + 255) / 256) * 2 + 1))
is "$(py 'd["written"] + d["kept"], 2 <= d["written"] <= 5')" "($want2, True)" \
	"the second export writes only the tiles the new entries changed ($(py 'd["written"]') of $want2)"
changed=0
for f in $(cd "$T/first" && find tile -type f); do cmp -s "$T/first/$f" "$D/$f" || changed=$((changed + 1)); done
is "$changed" 0 "no tile of the first export changed"
is "$("$tc" "$D" "$vkey")" "ok $size2 $size2" "Go reads the new checkpoint's tree"
cp "$T/first/checkpoint" "$T/old.ck" && cp "$T/first/checkpoint" "$D/checkpoint"
is "$("$tc" "$D" "$vkey")" "ok $size $size" "... and, from the same directory, the old checkpoint's tree"
run --store "$S" --json log export --tiles "$D"
is "$(py 'd["written"]')" 0 "exporting again with nothing new writes no tile"
q log checkpoint >"$T/ck2"
cmp -s "$D/checkpoint" "$T/ck2"
ok $? "... and puts the latest checkpoint back"

# A bundle from the first export's size: a reader holding only the first export reaches the latest.
run --store "$S" --json log bundle --since "$size" --out "$T/b.tar"
is "$rc $(py 'd["since"], d["size"]')" "0 ($size, $size2)" "log bundle --since $size: entries $size..$size2"
is "$("$PY" -c 'import sys, tarfile; print(" ".join(tarfile.open(sys.argv[1]).getnames()[:3]))' "$T/b.tar")" \
	"muster-bundle checkpoint consistency.json" "a POSIX tar: what it is, the checkpoint, the consistency proof, then tiles"
rm -rf "$T/merged" && cp -R "$T/first" "$T/merged" && tar -C "$T/merged" -xf "$T/b.tar"
is "$("$tc" "$T/merged" "$vkey")" "ok $size2 $size2" "the first export with the bundle unpacked over it: Go reads the new tree"
q log vkey >"$T/vkey"
"$tlc" -vkey "$T/vkey" -consistency "$T/merged/consistency.json" "$T/first/checkpoint" "$T/merged/checkpoint" >"$T/tlc.out" 2>&1
ok $? "Go checks the bundle's consistency proof between the old and the new signed checkpoints"
is "$(sed -n 3,4p "$T/merged/muster-bundle" | tr '\n' ' ')" "since $size size $size2 " "the bundle says what it spans"
run --store "$S" --json log bundle --since 0 --out "$T/all.tar"
mkdir "$T/all" && tar -C "$T/all" -xf "$T/all.tar"
is "$("$tc" "$T/all" "$vkey")" "ok $size2 $size2" "a bundle from 0 holds the whole log"
run --store "$S" --json log bundle --since "$size2" --out "$T/none.tar"
is "$(py 'd["tiles"]')" 0 "a bundle from the latest size holds no tile"
refuses 2 "--since past the log" "past the log" "$M" --store "$S" log bundle --since $((size2 + 1)) --out "$T/x.tar"
refuses 2 "no --out" "usage: muster log bundle" "$M" --store "$S" log bundle --since 0
[ ! -e "$T/x.tar" ] && [ ! -e "$T/x.tar.tmp" ]
ok $? "a refused bundle leaves no file"

# Tampering: Go refuses.
flip() { # flip FILE OFFSET: one byte changed in place
	"$PY" -c 'import sys; p, o = sys.argv[1], int(sys.argv[2]); b = bytearray(open(p, "rb").read()); b[o] ^= 1; open(p, "wb").write(b)' "$1" "$2"
}
rm -rf "$T/bad" && cp -R "$D" "$T/bad" && flip "$T/bad/tile/0/001" 100
like "$("$tc" "$T/bad" "$vkey")" "FAIL hash tiles" "a flipped byte in a hash tile: the tile no longer hashes to its parent"
rm -rf "$T/bad" && cp -R "$D" "$T/bad" && flip "$T/bad/tile/entries/002" 300
like "$("$tc" "$T/bad" "$vkey")" "FAIL entry" "a flipped byte in an entry bundle: the entry no longer hashes to its leaf"
rm -rf "$T/bad" && cp -R "$D" "$T/bad" && head -c 4000 "$D/tile/0/003" >"$T/bad/tile/0/003"
like "$("$tc" "$T/bad" "$vkey")" "FAIL" "a truncated tile: refused"
"$M" init --store "$T/other" --origin muster.test/other --admin-key "$T/other-admin.key" --kdf min >/dev/null 2>&1
like "$("$tc" "$D" "$("$M" --store "$T/other" log vkey)")" "FAIL checkpoint signature" "another site's key: the checkpoint does not open"

# musterd --serve-log serves the same names from the store itself: every file of the export, byte for byte.
start_musterd --store "$S" --keys "$S/gen" --www "$top_srcdir/www" --serve-log
mkdir "$T/served"
bad=0
for f in checkpoint $(cd "$D" && find tile -type f | sort); do
	mkdir -p "$(dirname "$T/served/$f")"
	[ "$(curl -sS -o "$T/served/$f" -w '%{http_code}' "$B/$f")" = 200 ] && cmp -s "$D/$f" "$T/served/$f" || bad=$((bad + 1))
done
is "$bad" 0 "musterd --serve-log serves every tile and the checkpoint exactly as exported"
is "$("$tc" "$T/served" "$vkey")" "ok $size2 $size2" "Go reads the log from musterd"
curl -sS -o /dev/null -D "$T/hdr" "$B/tile/0/000"
like "$(tr -d '\r' <"$T/hdr")" "Cache-Control: public, max-age=31536000, immutable" "tiles are served immutable"
is "$(curl -sS -o /dev/null -w '%{http_code}' "$B/tile/0/999")" 404 "a tile the log has not reached: 404"
is "$(curl -sS -o /dev/null -w '%{http_code}' "$B/tile/0/x000/001")" 404 "another spelling of tile 1: 404"
is "$(curl -sS -o /dev/null -w '%{http_code}' "$B/tile/entries/000.p/256")" 404 "a partial tile of width 256: 404"
kill -TERM "$pid" && wait "$pid"
start_musterd --store "$S" --keys "$S/gen" --www "$top_srcdir/www"
is "$(curl -sS -o /dev/null -w '%{http_code}' "$B/checkpoint")" 404 "without --serve-log, no tiles"
kill -TERM "$pid" && wait "$pid"
pid=

# Bad input.
refuses 2 "no --tiles" "usage: muster log export --tiles" "$M" --store "$S" log export
refuses 2 "an option export does not take" "does not apply" "$M" --store "$S" log export --tiles "$T/x" --size 3
: >"$T/file"
refuses 5 "--tiles under a file" "cannot" "$M" --store "$S" log export --tiles "$T/file/sub"

done_testing
