#!/bin/sh
# firstrun.sh - the README's first command ends with musterd serving a demo
# store: tools/demo.sh without the shift (MUSTER_DEMO_SHIFT=0) and at team
# scale, in a scratch directory, generates the store, prints the URL and a
# table of the demo people (name, role, passphrase, key file) whose key files
# exist, and serves the web interface there (the index page, byte for byte);
# every name and passphrase printed signs in with the role printed, a wrong
# passphrase does not; SIGTERM stops it with exit 0.  A second run reuses the
# store: no "generating" line, the same checkpoint size and root, the same
# key files and the same table, served again.  Loopback only.
. "$top_srcdir/tests/lib.sh"

: "${MUSTERD:?MUSTERD must name the musterd binary (make check sets it)}"
command -v curl >/dev/null 2>&1 || skip_all "curl not found (Debian: curl)"
export MUSTER_STORE="$T/no-default-store"
D=$T/run
S=$D/demo
mkdir "$D"
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"' EXIT

# free_port: a loopback port no one listens on now.
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# demo N: the demo's serve part in the background, its stdout in $T/N.out and
# stderr in $T/N.err, until its URL answers; sets pid, port and url, or bails out.
demo() {
	port=$(free_port)
	MUSTER_DEMO_SHIFT=0 MUSTER_DEMO_SCALE=team MUSTER_DEMO_PORT=$port \
		sh "$top_srcdir/tools/demo.sh" "$M" "$D" >"$T/$1.out" 2>"$T/$1.err" &
	pid=$!
	i=0 url='' st=''
	while [ $i -lt 300 ] && kill -0 "$pid" 2>/dev/null; do
		url=$(sed -n 's/^ *打开 \/ open: *\(http:[^ ]*\)$/\1/p' "$T/$1.out")
		if [ -n "$url" ]; then
			st=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$url" 2>/dev/null)
			[ "$st" = 200 ] && break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	[ "$st" = 200 ] || {
		echo "Bail out! run $1 did not serve (url '$url', status '$st'): $(cat "$T/$1.err")"
		exit 1
	}
}

# table N: the printed table's rows as NAME|ROLE|PASSPHRASE|KEYFILE, cells trimmed.
table() {
	sed -n '/^  .* | .* | .* | \//p' "$T/$1.out" | sed 's/^  //; s/ *| */|/g'
}

# stop: SIGTERM to the demo (musterd by now); is its exit status 0?
stop() {
	kill -TERM "$pid"
	wait "$pid"
	is "$?" 0 "$1: SIGTERM stops musterd with exit 0"
	pid=
	like "$(cat "$T/$2.err")" "musterd: stopped" "$1: musterd says it stopped"
}

# ---- the first run: generate, print, serve ---------------------------------------------------
start=$(date +%s)
demo 1
like "$(cat "$T/1.out")" "generating the demo store (team scale, seed 1" "first run: generates the demo store at team scale"
is "$url" "http://127.0.0.1:$port/" "first run: prints the loopback URL with MUSTER_DEMO_PORT"
like "$(cat "$T/1.out")" "Ctrl-C" "first run: says Ctrl-C stops it"
like "$(cat "$T/1.out")" "nothing to upload" "first run: says how to sign in"

table 1 >"$T/table1"
is "$(wc -l <"$T/table1" | tr -d ' ')" 6 "the table has a row for each of gen's six keys"
is "$(cut -d'|' -f2 "$T/table1" | sort | tr '\n' ' ')" "admin approver finance hr keeper keeper " \
	"with the roles gen enrols"
missing=0
while IFS='|' read -r r_name r_role r_pass r_file; do
	[ -f "$r_file" ] && [ -f "$r_file.pub" ] && [ "${r_file%/gen/*}" = "$S" ] || missing=$((missing + 1))
done <"$T/table1"
is "$missing" 0 "every key file printed exists in the demo store's gen/, beside its .pub"
is "$(cut -d'|' -f4 "$T/table1" | sort | tr '\n' ' ')" "$(printf '%s\n' "$S"/gen/*.key | sort | tr '\n' ' ')" \
	"every key gen made is printed"
is "$(cut -d'|' -f3 "$T/table1" | sort -u | wc -l | tr -d ' ')" 1 "one passphrase for every demo key"
pass=$(head -1 "$T/table1" | cut -d'|' -f3)
is "$pass" '演示口令 demo only' "... the demo's passphrase"

# The web interface's index page, as the URL is opened.
is "$(curl -sS --max-time 5 -o "$T/index" -D "$T/hdr" -w '%{http_code}' "$url")" 200 "the URL answers: 200"
like "$(tr -d '\r' <"$T/hdr")" "Content-Type: text/html" "... with HTML"
cmp -s "$T/index" "$top_srcdir/www/index.html"
ok $? "... the web interface's index page from the checkout's www/"

# signin NAME PASSPHRASE: POST /api/v1/session as the page does; prints the status, the body in $T/out.
signin() {
	"$PY" -c 'import json, sys; print(json.dumps({"name": sys.argv[1], "passphrase": sys.argv[2]}))' "$1" "$2" >"$T/signin.json"
	curl -sS --max-time 30 -o "$T/out" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$T/signin.json" "${url}api/v1/session"
}
bad=0
while IFS='|' read -r r_name r_role r_pass r_file; do
	st=$(signin "$r_name" "$r_pass" </dev/null)
	got=$(py 'd["roles"]')
	if [ "$st" != 200 ] || [ "$got" != "['$r_role']" ]; then
		bad=$((bad + 1))
		echo "#   $r_name ($r_role): $st $got"
	fi
done <"$T/table1"
is "$bad" 0 "every printed name and passphrase signs in, with the printed role"
keeper=$(grep '|keeper|' "$T/table1" | head -1 | cut -d'|' -f1)
is "$(signin "$keeper" "$pass x")" 401 "a wrong passphrase does not"
stop "first run" 1

# ---- the second run: the same store, the same table ------------------------------------------
q() { "$M" --store "$S" "$@"; }
q log checkpoint | sed -n 2,3p >"$T/ck.before"
cksum "$S"/gen/* >"$T/keys.before"
demo 2
q log checkpoint | sed -n 2,3p >"$T/ck.after"
is "$(grep -c generat "$T/2.out")" 0 "second run: no generating line"
like "$(cat "$T/2.out")" "the demo store an earlier run made: $S" "second run: says it reuses the store"
cmp -s "$T/ck.before" "$T/ck.after"
ok $? "second run: the log's size and root are the first run's ($(head -1 "$T/ck.before") entries)"
cksum "$S"/gen/* | cmp -s - "$T/keys.before"
ok $? "second run: the same key files"
table 2 >"$T/table2"
cmp -s "$T/table1" "$T/table2"
ok $? "second run: the same names, roles, passphrase and key files printed"
is "$url" "http://127.0.0.1:$port/" "second run: the URL"
is "$(signin "$keeper" "$pass")" 200 "second run: the keeper signs in again"
stop "second run" 2

secs=$(($(date +%s) - start))
[ "$secs" -lt 30 ]
ok $? "both runs in under 30 s ($secs s)"

done_testing
