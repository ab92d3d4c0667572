#!/bin/sh
# musterd.sh - the HTTP service end to end, over loopback with curl: a
# generated team store served on a free port; the API agrees with the CLI
# (checkpoint, asset list and filter, an asset's history, readiness); a
# scanned label redirects to the asset page and a tampered, unknown or
# revoked one is refused, saying why; a write by the CLI while the service
# runs is seen by the next request; path traversal (plain, encoded,
# through a symlink) never reads outside the www directory; oversized
# bodies and URLs, other methods and unknown endpoints are refused with a
# JSON error and the service stays up; many requests at once all succeed;
# SIGTERM stops it with exit 0 and one line; the log still verifies.
. "$top_srcdir/tests/lib.sh"

: "${MUSTERD:?MUSTERD must name the musterd binary (make check sets it)}"
command -v curl >/dev/null 2>&1 || skip_all "curl not found (Debian: curl)"
export MUSTER_STORE="$T/no-default-store"
S=$T/store
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"' EXIT

run gen --scale team --seed 4 --store "$S" --kdf min
is "$rc" 0 "gen --scale team --seed 4 makes the store"

# Served from a copy of www/, beside a file it must never hand out and a symlink out of it.
cp -R "$top_srcdir/www" "$T/www"
chmod -R u+w "$T/www"
echo 'secret-canary' >"$T/secret.txt"
ln -s "$T/secret.txt" "$T/www/link.txt"

start_musterd --store "$S" --keys "$S/gen" --www "$T/www"
like "$(cat "$T/d.err")" "musterd: serving $S on http://127.0.0.1:$port" "one start line names the store and the address"

# get PATH [CURL-ARGS...]: the body in $T/out, headers in $T/hdr, prints the status; as the keeper signed in.
get() {
	p=$1
	shift
	curl -sS --max-time 10 --path-as-is -b "$T/cj" -o "$T/out" -D "$T/hdr" -w '%{http_code}' "$@" "$B$p"
}
hdr() { sed -n "s/^$1: *//Ip" "$T/hdr" | tr -d '\r'; }

# ---- sign-in: everything but the site's checkpoint needs it -------------------------------
: >"$T/cj"
is "$(get /api/v1/assets)" 401 "the asset list before signing in: 401"
is "$(py 'd["error"]["code"]')" "no_session" "... no_session"
keeper=$(q --json key list | "$PY" -c 'import json,sys; print([k["holder"] for k in json.load(sys.stdin) if k["roles"] == ["keeper"]][0])')
printf '{"name":"%s","passphrase":"%s"}' "$keeper" "$MUSTER_PASSPHRASE" >"$T/signin.json"
is "$(curl -sS -c "$T/cj" -o "$T/out" -D "$T/hdr" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary @"$T/signin.json" "$B/api/v1/session")" 200 "the keeper $keeper signs in: 200"
like "$(hdr Set-Cookie)" "; HttpOnly; SameSite=Strict" "the session cookie is HttpOnly and SameSite=Strict"
is "$(py 'd["roles"]')" "['keeper']" "... with the key's roles"

# ---- the API agrees with the CLI ---------------------------------------------------------
is "$(get /api/v1/site)" 200 "GET /api/v1/site: 200"
is "$(hdr Content-Type)" "application/json; charset=utf-8" "JSON is application/json; charset=utf-8"
q log checkpoint >"$T/ck"
is "$(py 'd["size"]')" "$(sed -n 2p "$T/ck")" "site size is the checkpoint's"
is "$(py 'd["root"]')" "$(sed -n 3p "$T/ck")" "site root is the checkpoint's"
is "$(py 'd["origin"]')" "muster.gen/team-4" "site origin"
py 'd["checkpoint"]' | sed '$d' >"$T/ck2"
cmp -s "$T/ck" "$T/ck2"
ok $? "site checkpoint is the signed note, byte for byte"

is "$(get /api/v1/teams)" 200 "GET /api/v1/teams: 200"
team=$(py 'd[0]["team"]')
is "$(py 'len(d)')" "$(q --json team list | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" "as many teams as team list"

is "$(get /api/v1/assets)" 200 "GET /api/v1/assets: 200"
n_api=$(py 'len(d)')
n_cli=$(q --json asset list | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
is "$n_api" "$n_cli" "as many assets as asset list ($n_cli)"
q --json asset list >"$T/cli.json"
is "$(py 'd == json.load(open("'"$T/cli.json"'"))')" "True" "every asset row equals the CLI's"
is "$(get "/api/v1/assets?state=checked_out&team=$team")" 200 "GET /api/v1/assets?state=checked_out&team=: 200"
is "$(py 'len(d)')" "$(q --json asset list --state checked_out --team "$team" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" \
	"the state and team filters give what asset list --state --team gives"
is "$(get '/api/v1/assets?state=lost')" 400 "an unknown state: 400"
is "$(py 'd["error"]["code"]')" "bad_request" "... with error code bad_request"

id=KS-SN-02-00001
is "$(get /api/v1/assets/$id)" 200 "GET /api/v1/assets/$id: 200"
is "$(py '(d["id"], d["state"], "history" in d)')" "('$id', '$(q --json asset show $id | sed 's/.*"state":"\([a-z_]*\)".*/\1/')', True)" \
	"the asset row with its state and history"
q --json asset history $id >"$T/hist.json"
is "$(py 'len(d["history"])')" "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/hist.json")" \
	"history as long as asset history's"
is "$(py '[(e["index"], e["type"], e["signer"], e["signature_ok"], e.get("fields")) for e in d["history"]] == [(e["index"], e["type"], e["signer"], e["signature_ok"], e.get("fields")) for e in json.load(open("'"$T/hist.json"'"))]')" \
	"True" "each history entry: index, type, signer, signature and fields as the CLI's"
like "$(py 'd["history"][0]["time"]')" "+08:00" "entry times in Beijing time, ISO 8601"
is "$(get /api/v1/assets/NO-SUCH-ASSET)" 404 "an unknown asset: 404"
is "$(py 'd["error"]["code"], bool(d["error"]["message"]["en"]), bool(d["error"]["message"]["zh"])')" \
	"('not_found', True, True)" "... a JSON error with an English and a Chinese message"

is "$(get '/api/v1/ready?date=2026-06-01')" 200 "GET /api/v1/ready?date=2026-06-01: 200"
q --json ready --date 2026-06-01 >"$T/ready.json"
is "$(py 'd["deployable_count"], d["people"]')" \
	"$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print((d["deployable_count"], d["people"]))' "$T/ready.json")" \
	"deployable count and people as muster ready --json"
is "$(py '[p["person"] for p in d["not_deployable"]] == [p["person"] for p in json.load(open("'"$T/ready.json"'"))["not_deployable"]]')" \
	"True" "the same people not deployable"
is "$(py '[[r["code"] for r in p["reasons"]] for p in d["not_deployable"]] == [[r["code"] for r in p["reasons"]] for p in json.load(open("'"$T/ready.json"'"))["not_deployable"]]')" \
	"True" "for the same reasons"
is "$(py 'all(r["text"] and r["text_zh"] for p in d["not_deployable"] for r in p["reasons"])')" "True" \
	"each reason in words, English and Chinese"
is "$(get "/api/v1/ready?date=2026-06-01&team=$team")" 200 "ready for one team: 200"
is "$(py 'd["team"], d["people"]')" "('$team', $("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["people"])' "$T/ready.json"))" \
	"the team named, its people counted"
is "$(get '/api/v1/ready?date=2026-02-30')" 400 "ready on a date that does not exist: 400"
is "$(get '/api/v1/ready?team=NO-SUCH-TEAM')" 404 "ready for an unknown team: 404"

# ---- labels ------------------------------------------------------------------------------
payload=$(q --json label $id --format svg --out "$T/l.svg" | sed 's/.*"payload":"\([^"]*\)".*/\1/')
tag=${payload##*/t/}
is "$(get "/t/$tag")" 302 "a scanned label: 302"
is "$(hdr Location)" "/asset.html?id=$id" "... to the asset's page"
# One character of the signature changed (not the last: its spare bits would make it not base64 at all).
head=${tag%??????????} tail=$(printf %s "$tag" | tail -c 9)
c=$(printf %s "$tag" | tail -c 10 | head -c 1)
[ "$c" = A ] && swap=B || swap=A
is "$(get "/t/$head$swap$tail")" 409 "a tampered label: 409"
is "$(py 'd["error"]["code"]')" "forged" "... called forged"
is "$(get /t/not-a-label)" 404 "not a label: 404"
is "$(py 'd["error"]["code"]')" "not_label" "... called not_label"
# A write by the CLI while the service runs: the next request's snapshot sees it.
as_keeper() { "$M" --store "$S" --key "$S/gen/keeper.key" "$@"; }
as_keeper asset relabel $id --reason 'label worn' >/dev/null
ok $? "the keeper relabels $id with the CLI while musterd runs"
is "$(get "/t/$tag")" 410 "the old label now: 410"
is "$(py 'd["error"]["code"]')" "revoked" "... called revoked"
payload2=$(q --json label $id --format svg --out "$T/l2.svg" | sed 's/.*"payload":"\([^"]*\)".*/\1/')
is "$(get "/t/${payload2##*/t/}")" 302 "the new label: 302"

# ---- static files and traversal ----------------------------------------------------------
is "$(get /)" 200 "GET /: 200"
like "$(cat "$T/out")" "<html lang=\"zh-CN\">" "... the index page, in Chinese"
is "$(hdr Content-Type)" "text/html; charset=utf-8" "... as text/html"
for p in '/../etc/passwd' '/%2e%2e/%2e%2e/etc/passwd' '/www/..%2fMakefile' '/..%2fsecret.txt' '/%2e%2e/secret.txt' \
	'/./index.html' '/index.html%00.js' '/link.txt' '/%5c..%5csecret.txt' '/.%2e/secret.txt' '//etc/passwd' \
	'/../../../../../../etc/passwd'; do
	code=$(get "$p")
	case $code in 400 | 404) r=0 ;; *) r=1 ;; esac
	grep -q -e 'secret-canary' -e 'root:' "$T/out" && r=1
	ok $r "$p: refused ($code), no file contents"
done
is "$(get /nope.js)" 404 "a missing file: 404"

# ---- refusals ----------------------------------------------------------------------------
head -c 2097152 /dev/zero >"$T/2m"
is "$(get /api/v1/site -X POST --data-binary @"$T/2m")" 413 "a 2 MiB POST body: 413"
is "$(py 'd["error"]["code"]')" "too_large" "... called too_large"
is "$(get /api/v1/site -X DELETE)" 405 "DELETE: 405"
is "$(hdr Allow)" "GET, HEAD" "... Allow: GET, HEAD"
is "$(get "/api/v1/site?x=$(head -c 5000 /dev/zero | tr '\0' a)")" 414 "a 5000-byte URL: 414"
is "$(get /api/v1/nothing)" 404 "an unknown API path: 404"
is "$(py 'd["error"]["code"]')" "not_found" "... a JSON error"
is "$(get /api/v1/site -I)" 200 "HEAD: 200"
is "$(grep -c '{' "$T/out")" 0 "... without a body (curl -I writes the headers alone)"
is "$(get /api/v1/site)" 200 "still serving after the refusals"

# ---- many readers at once ----------------------------------------------------------------
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	curl -sS --max-time 10 -b "$T/cj" -o /dev/null -w '%{http_code}\n' "$B/api/v1/assets" >"$T/par.$i" &
done
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	while [ ! -s "$T/par.$i" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
done
sleep 0.2
is "$(cat "$T"/par.* | sort | uniq -c | tr -s ' ')" " 16 200" "16 asset lists at once: all 200"

# ---- stop --------------------------------------------------------------------------------
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -0 "$pid" 2>/dev/null
is "$?" 1 "SIGTERM: musterd exits within 5 s"
wait "$pid"
is "$?" 0 "... with status 0"
pid=
like "$(tail -n 1 "$T/d.err")" "musterd: stopped" "... and one stop line"
is "$(grep -vc '^musterd: \(serving\|stopped\|.* signed in from 127.0.0.1\)' "$T/d.err")" 0 "nothing else on stderr"
run --store "$S" log verify
is "$rc" 0 "log verify passes"

done_testing
