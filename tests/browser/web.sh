#!/bin/sh
# web.sh - the web interface in a real browser (headless chromium driven by
# playwright-core, tests/browser/web.mjs) against musterd on a generated team
# store: a keeper signs in, scans a label with the keyboard-wedge input and
# with the camera (a stream of the printed label, decoded by the bundled
# jsQR), checks the asset out and back and sees each custody step in its
# history, prints a label sheet as a job, counts the asset into an inventory
# count; HR sees who can deploy; an auditor
# sees the spending chart, the findings, verifies the log as a job and makes
# a signed province report; the pages switch to English and back; no page
# logs a script error or a CSP violation.  A screenshot of every page is kept
# in tests/browser/shots/ under the build directory.
. "$top_srcdir/tests/lib.sh"

: "${MUSTERD:?MUSTERD must name the musterd binary (make check sets it)}"
mods=${WEB_NODE_MODULES:-$top_srcdir/web/node_modules}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
NODE=${NODE:-node}
[ -x "$CHROMIUM" ] || skip_all "no chromium at $CHROMIUM (Debian: chromium)"
command -v "$NODE" >/dev/null 2>&1 || skip_all "node not found (Debian: nodejs)"
[ -f "$mods/playwright-core/package.json" ] || skip_all "no playwright-core in $mods (run: npm ci --prefix web)"

export MUSTER_STORE="$T/no-default-store"
S=$T/store
K=$S/gen
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"' EXIT

run gen --scale team --seed 4 --store "$S" --kdf min
is "$rc" 0 "gen --scale team --seed 4 makes the store"
# gen makes no auditor: one is enrolled, and the key put beside the others musterd signs in with.
run key new --out "$T/aud.key" --kdf min
run --store "$S" --key "$K/admin.key" key enrol "$T/aud.key.pub" --role auditor --holder 审计员
is "$rc" 0 "an auditor's key is enrolled"
cp "$T/aud.key" "$T/aud.key.pub" "$K/"
holder() { q --json key list | "$PY" -c 'import json,sys; print([k["holder"] for k in json.load(sys.stdin) if k["roles"] == [sys.argv[1]]][0])' "$1"; }

# Two assets in the depot and their labels' payloads (what a handheld scanner types), one as a PNG for the camera.
ids=$(q --json asset list --state in_depot | "$PY" -c 'import json,sys; print(" ".join(a["id"] for a in json.load(sys.stdin)[:2]))')
id1=${ids% *} id2=${ids#* }
payload1=$(q --json label "$id1" --format svg --out "$T/l1.svg" | sed 's/.*"payload":"\([^"]*\)".*/\1/')
payload2=$(q --json label "$id2" --format png --px 8 --out "$T/l2.png" | sed 's/.*"payload":"\([^"]*\)".*/\1/')
like "$payload1" "/t/" "labels printed for $id1 and $id2"

mkdir "$T/tmp"
tmp_was=${TMPDIR:-/tmp}
export TMPDIR="$T/tmp"
start_musterd --store "$S" --keys "$K" --muster "$M" --plugin-dir "$top_builddir/plugins/.libs" --www "$top_srcdir/www"
export TMPDIR="$tmp_was"

SHOTS=${top_builddir:-$T/..}/tests/browser/shots
mkdir -p "$SHOTS"
echo "# screenshots: $SHOTS"

# web.mjs prints its own TAP lines, numbered on from ours, and its last count to $T/tap.
BASE=http://127.0.0.1:$port SHOTS=$SHOTS PROFILE=$T/profile CHROMIUM=$CHROMIUM NODE_MODULES=$mods TAP_FROM=$tap_n \
	TAP_FILE=$T/tap KEEPER=$(holder keeper) HR=$(holder hr) AUDITOR=审计员 PASSPHRASE=$MUSTER_PASSPHRASE \
	ID1=$id1 PAYLOAD1=$payload1 ID2=$id2 LABEL2=$T/l2.png \
	timeout 300 "$NODE" "$top_srcdir/tests/browser/web.mjs"
rc=$?
if [ -s "$T/tap" ]; then
	read -r tap_n failed <"$T/tap"
	tap_failed=$((tap_failed + failed))
fi
is "$rc" 0 "the browser run ends cleanly"

# What the browser did is in the log, signed by the keeper: a checkout and a return of $id1.
q --json asset history "$id1" >"$T/h.json"
is "$("$PY" -c 'import json,sys; print([(e["type"], e["holder"]) for e in json.load(open(sys.argv[1])) if e["type"].startswith("custody.")][-2:])' "$T/h.json")" \
	"[('custody.checkout', '$(holder keeper)'), ('custody.return', '$(holder keeper)')]" \
	"the log holds the checkout and the return made in the browser, signed by the keeper"
run --store "$S" log verify
is "$rc" 0 "log verify passes"
kill -TERM "$pid"
wait "$pid"
is "$?" 0 "musterd stops with exit 0"
pid=
done_testing
