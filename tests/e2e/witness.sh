#!/bin/sh
# witness.sh - the centre's witness online (C2SP tlog-witness), end to end
# over loopback: a generated site serves its log (`musterd --serve-log`), a
# central store mirrors it with that URL and runs `musterd --witness`; the
# site's `muster log witness` gets its checkpoint cosigned (the centre
# fetches and verifies the entries first), keeps the line, and after a new
# write does it again through the 409-and-proof round; raw POSTs get the
# protocol's answers (409 with text/x.tlog.size, 404, 403, 400, 422, 200
# with a good proof), musterd's own refusals (405, 413, 404 without
# --witness), parallel submissions all answered, one log line each without
# the origin; `log witness` fails with one line naming the URL and status.
. "$top_srcdir/tests/lib.sh"

: "${MUSTERD:?MUSTERD must name the musterd binary (make check sets it)}"
command -v curl >/dev/null 2>&1 || skip_all "curl not found (Debian: curl)"
export MUSTER_STORE="$T/no-default-store"
S=$T/site C=$T/centre
spid='' cpid=''
trap 'for p in $spid $cpid; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

c() { "$M" --store "$C" "$@"; }
jadd() { "$M" --store "$S" --key "$S/gen/keeper.key" journal add "$1" >/dev/null; }
# post URL FILE [CURL-ARGS...]: POSTs FILE as text/plain; body in $T/out, headers in $T/hdr; prints the status.
post() {
	u=$1 f=$2
	shift 2
	curl -sS --max-time 60 -o "$T/out" -D "$T/hdr" -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary @"$f" "$@" "$u"
}
hdr() { sed -n "s/^$1: *//Ip" "$T/hdr" | tr -d '\r'; }
# body FILE OLD CHECKPOINT-FILE [PROOF-LINE...]: an add-checkpoint request body.
body() {
	f=$1 o=$2 ck=$3
	shift 3
	{
		printf 'old %s\n' "$o"
		for l in "$@"; do printf '%s\n' "$l"; done
		printf '\n'
		cat "$ck"
	} >"$f"
}
# witness lines in the site's latest checkpoint
wlines() { "$M" --store "$S" log checkpoint | grep -c '^— centre.example/national/witness '; }
mirror_size() { c --json mirror status | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["mirrors"][0]["size"])'; }
# the centre's add-checkpoint log lines
clog() { grep 'musterd: add-checkpoint' "$T/centre.err"; }

# ---- a site serving its log, a centre mirroring it with that URL -------------------------
run gen --scale team --seed 4 --store "$S" --kdf min
is "$rc" 0 "a generated team store (the site)"
origin=$("$M" --store "$S" log checkpoint | head -n 1)
is "$origin" "muster.gen/team-4" "its origin"
"$M" --store "$C" init --origin centre.example/national --admin-key "$T/K" --holder 管理员 --kdf min >/dev/null
ok $? "a central store"
start_named site --store "$S" --serve-log
spid=$dpid SB=$dbase
run --store "$C" --json mirror add "$origin" --vkey "$("$M" --store "$S" log vkey)" --url "$SB"
is "$rc $(py 'd["url"]')" "0 $SB" "mirror add with the site's musterd as --url"
wvkey=$(c witness vkey)
like "$wvkey" "centre.example/national/witness+" "the centre's witness key"
start_named centre --store "$C" --witness
cpid=$dpid CB=$dbase

# ---- log witness: the first cosignature ---------------------------------------------------
n1=$("$M" --store "$S" log checkpoint | sed -n 2p)
succeeds "log witness --url --witness: exit 0, nothing on stderr" --store "$S" log witness --url "$CB" --witness "$wvkey"
is "$(cat "$T/out")" "kept centre.example/national/witness's cosignature of the checkpoint at $n1" \
	"it says whose cosignature it kept, and at which size"
is "$(wlines)" 1 "the site's latest checkpoint now carries the witness's line"
is "$(mirror_size)" "$n1" "the centre's mirror is at the site's size ($n1): it fetched and verified the entries"
is "$(clog | tail -n 1 | sed 's/.*-> //')" 200 "the centre logs the request: 200"
# With a trailing slash, at the same size again: still one line, the witness's newer one.
run --store "$S" --json log witness --url "$CB/" --witness "$wvkey"
is "$rc $(py 'd["witness"], d["size"]')" "0 ('centre.example/national/witness', $n1)" \
	"again at the same size, --json, URL with a trailing slash: {witness, size}"
is "$(wlines)" 1 "... the checkpoint still carries one line by the witness"

# ---- a write at the site, and the 409 round with a consistency proof ------------------------
jadd "值班：见证测试 1"
n2=$("$M" --store "$S" log checkpoint | sed -n 2p)
is "$n2" "$((n1 + 1))" "a journal entry at the site: size $n2"
nlog=$(clog | wc -l)
run --store "$S" --json log witness --url "$CB" --witness "$wvkey"
is "$rc $(py 'd["size"]')" "0 $n2" "log witness after the write: cosigned at $n2"
is "$(clog | tail -n +$((nlog + 1)) | sed 's/.*-> //' | tr '\n' ' ')" "409 200 " \
	"... through one 409 (old 0 is not the witness's size) and a retry with the proof"
is "$(mirror_size)" "$n2" "the centre's mirror advanced to $n2"
is "$(wlines)" 1 "the site's new checkpoint carries the witness's line"

# ---- log verify --against the cosigned checkpoint --witness: seen outside the site, by then ---------
"$M" --store "$S" log checkpoint >"$T/cosigned"
succeeds "log verify --against the cosigned checkpoint --witness VKEY" --store "$S" log verify --against "$T/cosigned" --witness "$wvkey"
like "$(cat "$T/out")" "ok: $T/cosigned is cosigned by the witness centre.example/national/witness, at 20" \
	"... a line names the witness and when it cosigned"
run --store "$S" --json log verify --against "$T/cosigned" --witness "$wvkey"
is "$rc $(py 'd["ok"], d["against"], d["witness"], d["witness_time"] > 1700000000')" \
	"0 (True, $n2, 'centre.example/national/witness', True)" "--json: witness and witness_time"
sed '/^— centre.example/d' "$T/cosigned" >"$T/uncosigned"
fails 1 "log verify --against a checkpoint without the witness's line --witness" --store "$S" log verify --against "$T/uncosigned" --witness "$wvkey"
like "$(cat "$T/err")" "carries no cosignature by the witness centre.example/national/witness" "... the line says so"
run --store "$S" --json log verify --against "$T/uncosigned" --witness "$wvkey"
is "$(py 'd["ok"], d["witness"], d["reason"]')" "(False, 'centre.example/national/witness', 'not cosigned')" "... --json: the reason"
# The witness's line with one bit of its signature flipped (after the key hash and the timestamp).
"$PY" - "$T/cosigned" "$T/forged" <<'EOF'
import base64, sys
out = []
for line in open(sys.argv[1], encoding="utf-8").read().split("\n"):
    if line.startswith("— centre.example/national/witness "):
        head, b64 = line.rsplit(" ", 1)
        raw = bytearray(base64.b64decode(b64))
        raw[4 + 8 + 10] ^= 1
        line = head + " " + base64.b64encode(bytes(raw)).decode()
    out.append(line)
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(out))
EOF
fails 1 "log verify --against a checkpoint whose cosignature was changed" --store "$S" log verify --against "$T/forged" --witness "$wvkey"
like "$(cat "$T/err")" "the cosignature by the witness centre.example/national/witness on $T/forged does not verify" "... the line says so"
fails 2 "log verify --witness without --against" --store "$S" log verify --witness "$wvkey"
fails 2 "log verify --against --witness with the site's log key (not a witness key)" --store "$S" log verify --against "$T/cosigned" \
	--witness "$("$M" --store "$S" log vkey)"

# ---- the protocol's answers, raw ---------------------------------------------------------
"$M" --store "$S" log checkpoint | sed '/^— centre.example/d' >"$T/ck2"
body "$T/b" 1 "$T/ck2"
is "$(post "$CB/add-checkpoint" "$T/b")" 409 "old size not the witness's: 409"
is "$(hdr Content-Type)" "text/x.tlog.size" "... Content-Type text/x.tlog.size"
is "$(cat "$T/out")" "$n2" "... the body is the witness's size"
body "$T/b" "$n2" "$T/ck2"
is "$(post "$CB/add-checkpoint" "$T/b")" 200 "the right old size, the same checkpoint: 200"
like "$(cat "$T/out")" "— centre.example/national/witness " "... with the witness's cosignature line"
is "$(hdr Content-Type)" "text/plain; charset=utf-8" "... as text/plain"

"$M" --store "$T/other" init --origin other.example/site --admin-key "$T/O" --holder 李娜 --kdf min >/dev/null
"$M" --store "$T/other" log checkpoint >"$T/cko"
body "$T/b" 0 "$T/cko"
is "$(post "$CB/add-checkpoint" "$T/b")" 404 "a log the centre does not mirror: 404"

# One base64 character of the site's signature changed (the 30th from the end of its line).
"$PY" - "$T/ck2" "$T/ckbad" <<'EOF'
import sys
b = open(sys.argv[1], "rb").read().split(b"\n")
i = max(k for k, l in enumerate(b) if l.startswith("— muster.gen/team-4 ".encode()))
l = bytearray(b[i]); p = len(l) - 30
l[p] = ord("B") if l[p] != ord("B") else ord("C")
b[i] = bytes(l)
open(sys.argv[2], "wb").write(b"\n".join(b))
EOF
body "$T/b" "$n2" "$T/ckbad"
is "$(post "$CB/add-checkpoint" "$T/b")" 403 "a checkpoint whose signature has one changed byte: 403"
body "$T/b" "$((n2 + 1))" "$T/ck2"
is "$(post "$CB/add-checkpoint" "$T/b")" 400 "old size past the checkpoint's: 400"
printf 'hello\n\n' >"$T/b"
is "$(post "$CB/add-checkpoint" "$T/b")" 400 "no 'old' line: 400"

jadd "值班：见证测试 2"
n3=$("$M" --store "$S" log checkpoint | sed -n 2p)
"$M" --store "$S" log checkpoint >"$T/ck3"
body "$T/b" "$n2" "$T/ck3" "$("$PY" -c 'import base64; print(base64.b64encode(bytes(32)).decode())')"
is "$(post "$CB/add-checkpoint" "$T/b")" 422 "a consistency proof that does not verify: 422"
is "$(mirror_size)" "$n2" "... the mirror unchanged ($n2)"
proof=$("$M" --store "$S" log consistency --old "$n2" --new "$n3" | "$PY" -c 'import json,sys; print(" ".join(json.load(sys.stdin)["proof"]))')
# shellcheck disable=SC2086 # one argument per proof line
body "$T/b" "$n2" "$T/ck3" $proof
is "$(post "$CB/add-checkpoint" "$T/b")" 200 "the proof from $n2 to $n3: 200"
is "$(mirror_size)" "$n3" "... the mirror is at $n3"

# ---- musterd's own refusals ---------------------------------------------------------------
is "$(curl -sS --max-time 10 -o "$T/out" -D "$T/hdr" -w '%{http_code}' "$CB/add-checkpoint")" 405 "GET /add-checkpoint: 405"
is "$(hdr Allow)" "POST" "... Allow: POST"
head -c 70000 /dev/zero | tr '\0' 'a' >"$T/big"
is "$(post "$CB/add-checkpoint" "$T/big")" 413 "a body over 64 KiB: 413"
body "$T/b" 0 "$T/ck3"
is "$(post "$SB/add-checkpoint" "$T/b")" 404 "a musterd without --witness: /add-checkpoint is 404"

# Four at once: each is checked and answered in turn.
body "$T/b" "$n3" "$T/ck3"
pids=
for k in 1 2 3 4; do
	curl -sS --max-time 60 -o /dev/null -w '%{http_code}\n' --data-binary @"$T/b" "$CB/add-checkpoint" >"$T/par.$k" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
is "$(cat "$T/par.1" "$T/par.2" "$T/par.3" "$T/par.4" | tr '\n' ' ')" "200 200 200 200 " "four submissions at once: all 200"

like "$(clog | tail -n 1)" "musterd: add-checkpoint (" "one log line a request, with the body's size"
is "$(grep -c 'muster.gen' "$T/centre.err")" 0 "... and never the origin"
is "$(clog | grep -c -e '-> 413' -e '-> 405')" 2 "... the refusals logged too"

# ---- log witness failing ------------------------------------------------------------------
# A second centre, whose witness key the first one does not have.
"$M" --store "$T/c2" init --origin other.example/centre --admin-key "$T/K2" --holder 王芳 --kdf min >/dev/null
"$M" --store "$T/c2" mirror add "$origin" --vkey "$("$M" --store "$S" log vkey)" >/dev/null
fails 1 "log witness with another witness's key" --store "$S" log witness --url "$CB" --witness "$("$M" --store "$T/c2" witness vkey)"
like "$(cat "$T/err")" "no cosignature by other.example/centre/witness" "... it says the answer holds none by that witness"
fails 1 "log witness to a musterd without --witness" --store "$S" log witness --url "$SB" --witness "$wvkey"
is "$(cat "$T/err")" "muster: $SB/add-checkpoint: 404 $(curl -sS -X POST "$SB/add-checkpoint" | head -n 1)" \
	"... one line: URL, status, the answer's first line"
fails 2 "log witness without --url" --store "$S" log witness --witness "$wvkey"
fails 2 "log witness with a --witness that is no witness key" --store "$S" log witness --url "$CB" --witness nonsense

kill "$cpid"
wait "$cpid"
is "$?" 0 "the centre's musterd stops with exit 0"
cpid=
fails 5 "log witness when the witness is down" --store "$S" log witness --url "$CB" --witness "$wvkey"
like "$(cat "$T/err")" "$CB/add-checkpoint" "... the line names the URL"

run --store "$S" log verify
is "$rc" 0 "the site's log still verifies"
run --store "$C" --json mirror status
is "$rc $(py '[(m["origin"], m["size"], m["state"]) for m in d["mirrors"]]')" "0 [('$origin', $n3, 'current')]" \
	"the centre's mirror: at $n3, current (cosigned just now)"
done_testing
