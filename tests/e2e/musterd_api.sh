#!/bin/sh
# musterd_api.sh - signing in and writing through musterd, over loopback with
# curl: sign-in with a person's own sealed key; one answer for a wrong
# passphrase and an unknown name, and a wait (429) after five failures;
# every write refused without a session, without the CSRF token, with a
# wrong one or from another origin, with nothing written; a keeper cannot
# record a health exam (403, the CLI's exit 4) while HR can; each write is
# signed by the person signed in; the gateway answers as the CLI does,
# refuses options that name server files, runs jobs with progress and hands
# out their files (labels, a signed province report that minisign verifies);
# another person cannot read a job; sign-out and a revoked key end the
# session; SIGTERM in the middle of a stream of writes loses none that was
# acknowledged, and the log verifies.
. "$top_srcdir/tests/lib.sh"

: "${MUSTERD:?MUSTERD must name the musterd binary (make check sets it)}"
command -v curl >/dev/null 2>&1 || skip_all "curl not found (Debian: curl)"
export MUSTER_STORE="$T/no-default-store"
S=$T/store
K=$T/keys
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"' EXIT

run gen --scale team --seed 4 --store "$S" --kdf min
is "$rc" 0 "gen --scale team --seed 4 makes the store"
# The keys directory: the generated people's sealed keys and an auditor's.
mkdir "$K"
cp "$S"/gen/*.key "$S"/gen/*.key.pub "$K"/
run key new --out "$K/auditor.key" --kdf min
run --store "$S" --key "$K/admin.key" key enrol "$K/auditor.key.pub" --role auditor --holder 审计员甲
is "$rc" 0 "an auditor's key is enrolled"
holder() { q --json key list | "$PY" -c 'import json,sys; print([k["holder"] for k in json.load(sys.stdin) if k["roles"] == [sys.argv[1]]][int(sys.argv[2])])' "$1" "${2:-0}"; }
key_of() { q --json key list | "$PY" -c 'import json,sys; print([k["key_id"] for k in json.load(sys.stdin) if k["holder"] == sys.argv[1]][0])' "$1"; }
keeper=$(holder keeper) keeper2=$(holder keeper 1) hr=$(holder hr) admin=$(holder admin) approver=$(holder approver)

mkdir "$T/tmp"
# Its work directory goes under $T/tmp, to be found empty after it stops.
tmp_was=${TMPDIR:-/tmp}
export TMPDIR="$T/tmp"
start_musterd --store "$S" --keys "$K" --muster "$M" --plugin-dir "$top_builddir/plugins/.libs" --www "$top_srcdir/www"
export TMPDIR="$tmp_was"

# signin JAR NAME PASSPHRASE: prints the status; the session's CSRF token goes to JAR.csrf.
signin() {
	printf '{"name":"%s","passphrase":"%s"}' "$2" "$3" >"$T/signin.json"
	: >"$1"
	st=$(curl -sS --max-time 30 -c "$1" -o "$T/out" -D "$T/hdr" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$T/signin.json" "$B/api/v1/session")
	[ "$st" = 200 ] && py 'd["csrf"]' >"$1.csrf"
	echo "$st"
}
# call JAR METHOD PATH [CURL-ARGS...]: with the session and its CSRF token; body in $T/out, prints the status.
call() {
	jar=$1 m=$2 p=$3
	shift 3
	curl -sS --max-time 60 -b "$jar" -X "$m" -H "X-CSRF-Token: $(cat "$jar.csrf" 2>/dev/null)" -H 'X-Muster-Lang: en' \
		-o "$T/out" -D "$T/hdr" -w '%{http_code}' "$@" "$B$p"
}
# post JAR PATH JSON
post() { call "$1" POST "$2" -H 'Content-Type: application/json' --data-binary "$3"; }
get() { call "$1" GET "$2"; }
hdr() { sed -n "s/^$1: *//Ip" "$T/hdr" | tr -d '\r'; }
err() { py 'd["error"]["code"]'; }

# ---- the key on a pipe: how the gateway hands a command the person's key -------------------
echo 0123456789abcdef0123456789abcdef >"$T/seed"
refuses 2 "MUSTER_KEY_FD naming a file, not a pipe" "not an open pipe" \
	env MUSTER_KEY_FD=3 "$M" --store "$S" journal add x 3<"$T/seed"
refuses 2 "MUSTER_KEY_FD naming no open descriptor" "not an open pipe" env MUSTER_KEY_FD=7 "$M" --store "$S" journal add x
refuses 4 "a seed on the pipe that is no enrolled key" "not enrolled" \
	sh -c 'head -c 32 "$1" | MUSTER_KEY_FD=3 "$2" --store "$3" journal add x 3<&0 0</dev/null' - "$T/seed" "$M" "$S"

# ---- sign-in ------------------------------------------------------------------------------
is "$(signin "$T/k" "$keeper" 'wrong passphrase')" 401 "a wrong passphrase: 401"
is "$(err)" bad_credentials "... bad_credentials"
cp "$T/out" "$T/wrong.json"
is "$(signin "$T/k" '无此人' "$MUSTER_PASSPHRASE")" 401 "an unknown name: 401"
cmp -s "$T/out" "$T/wrong.json"
ok $? "... with the same answer as a wrong passphrase, byte for byte"
is "$(signin "$T/k" "$keeper" "$MUSTER_PASSPHRASE")" 200 "the keeper $keeper signs in with their own passphrase"
like "$(hdr Set-Cookie)" "muster_session=" "... a session cookie"
like "$(hdr Set-Cookie)" "; Path=/; HttpOnly; SameSite=Strict" "... HttpOnly, SameSite=Strict"
is "$(py 'd["name"], d["key_id"], d["roles"], len(d["csrf"]) >= 40')" "('$keeper', '$(key_of "$keeper")', ['keeper'], True)" \
	"... naming the person, the key, its roles, and a CSRF token"
is "$(get "$T/k" /api/v1/session)" 200 "GET /api/v1/session with the cookie: 200"
is "$(py 'd["csrf"]')" "$(cat "$T/k.csrf")" "... the same CSRF token"

# Five failures for one name, then it waits; another name does not.
for i in 1 2 3 4 5; do signin "$T/x" "$keeper2" "guess $i" >"$T/st.$i"; done
is "$(cat "$T"/st.* | sort -u)" 401 "five wrong passphrases for $keeper2: each 401"
is "$(signin "$T/k2" "$keeper2" "$MUSTER_PASSPHRASE")" 429 "the sixth try, even with the right passphrase: 429"
is "$(err)" rate_limited "... rate_limited"
ra=$(hdr Retry-After)
[ "${ra:-0}" -ge 1 ] 2>/dev/null
ok $? "... with Retry-After ($ra s)"
is "$(signin "$T/h" "$hr" "$MUSTER_PASSPHRASE")" 200 "meanwhile HR ($hr) signs in from the same address"
grep -q 'correct horse\|guess [0-9]' "$T/d.err"
is "$?" 1 "no passphrase reaches the service's log"

# ---- writes need a session and its CSRF token ---------------------------------------------
id=KS-SN-02-00001
before=$(log_size)
nowrite() { # nowrite DESC CURL-ARGS...: every write command refused alike
	desc=$1
	shift
	codes=
	for c in asset/checkout asset/return asset/scrap inspect/record count/start person/add exam/record cert/add \
		deploy/open budget/set spend/record spend/approve audit/dispose journal/add key/revoke key/roles site/policy; do
		codes="$codes $(curl -sS --max-time 30 -o "$T/out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
			--data-binary '{"args":["'$id'"],"holder":"x","purpose":"drill"}' "$@" "$B/api/v1/cmd/$c")"
	done
	echo "$codes" | tr ' ' '\n' | sed '/^$/d' | sort | uniq -c | tr -s ' '
}
is "$(nowrite 'no session')" " 17 401" "17 write commands without a session: all 401"
is "$(nowrite 'no CSRF' -b "$T/k")" " 17 403" "... with the session but no CSRF token: all 403"
is "$(nowrite 'wrong CSRF' -b "$T/k" -H 'X-CSRF-Token: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')" " 17 403" \
	"... with a wrong CSRF token: all 403"
is "$(nowrite 'other origin' -b "$T/k" -H "X-CSRF-Token: $(cat "$T/k.csrf")" -H 'Origin: http://evil.example')" " 17 403" \
	"... with the right token from another site's page: all 403"
is "$(log_size)" "$before" "nothing was written"
is "$(curl -sS -o "$T/out" -w '%{http_code}' -b "$T/k" -X DELETE "$B/api/v1/session")" 403 "sign-out without the CSRF token: 403"

# ---- roles, in core, as for the CLI --------------------------------------------------------
person=$(q --json person list | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["person"])')
exam='{"args":["'$person'"],"exam":"periodic","institution":"山西省职业病防治院","conclusion":"normal","date":"2026-11-20"}'
is "$(post "$T/k" /api/v1/cmd/exam/record "$exam")" 403 "the keeper records a health exam: 403"
is "$(py 'd["error"]["code"], d["error"]["exit"]')" "('forbidden', 4)" "... forbidden, the CLI's exit 4"
like "$(py 'd["error"]["detail"]')" "keeper" "... and the CLI's reason names the role"
is "$(log_size)" "$before" "... nothing written"
is "$(post "$T/h" /api/v1/cmd/exam/record "$exam")" 200 "HR records it: 200"
idx=$(py 'd["index"]')
q --json log show --from "$idx" --count 1 >"$T/e.json"
is "$("$PY" -c 'import json,sys; e=json.load(open(sys.argv[1]))[0]; print(e["type"], e["signer"])' "$T/e.json")" \
	"exam.record $(key_of "$hr")" "... entry $idx, signed by HR's own key"

is "$(post "$T/k" /api/v1/cmd/asset/checkout '{"args":["'$id'"],"holder":"张三","purpose":"drill"}')" 200 \
	"the keeper checks $id out"
is "$(py 'd["type"], d["asset"]["state"], d["asset"]["holder"]')" "('custody.checkout', 'checked_out', '张三')" \
	"... the CLI's answer: the entry and the asset now"
q --json log show --from "$(py 'd["index"]')" --count 1 >"$T/e.json"
is "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["signer"])' "$T/e.json")" "$(key_of "$keeper")" \
	"... signed by the keeper's own key"
is "$(post "$T/k" /api/v1/cmd/asset/checkout '{"args":["'$id'"],"holder":"李四","purpose":"drill"}')" 400 \
	"checking out what is already out: 400"
like "$(py 'd["error"]["detail"]')" "checked_out" "... with the rule's reason"
is "$(post "$T/k" /api/v1/cmd/asset/return '{"args":["'$id'"]}')" 200 "the keeper returns it"
is "$(post "$T/k" /api/v1/cmd/count/start '{"args":["PD-API-1"],"depot":"KS-SN-02-D2"}')" 200 "the keeper starts a count"
is "$(get "$T/k" /api/v1/cmd/count/list)" 200 "count list: 200"
is "$(py '[(c["count"], c["depot"], c["open"]) for c in d]')" "[('PD-API-1', 'KS-SN-02-D2', True)]" "... the open count"

# ---- the gateway answers as the CLI --------------------------------------------------------
is "$(get "$T/k" "/api/v1/cmd/asset/show?args=$id")" 200 "GET /api/v1/cmd/asset/show?args=$id: 200"
q --json asset show $id >"$T/cli.json"
is "$(py 'd == json.load(open("'"$T/cli.json"'"))')" True "... exactly muster --json asset show"
payload=$(q --json label $id --format svg --out "$T/l.svg" | sed 's/.*"payload":"\([^"]*\)".*/\1/')
is "$(get "$T/k" "/api/v1/cmd/asset/show?args=$(printf %s "$payload" | sed 's/:/%3A/g; s|/|%2F|g')")" 200 \
	"a scanned label's payload names the asset too"
is "$(py 'd["id"]')" "$id" "... $id"
is "$(get "$T/k" "/api/v1/cmd/audit?year=2026")" 200 "muster audit (exit 1: findings) is 200"
is "$(hdr X-Muster-Exit)" 1 "... with X-Muster-Exit: 1"
is "$(py 'type(d["findings"]).__name__')" list "... and the findings"
for bad in 'store=/etc' 'key=/etc/passwd' 'out=../x.pdf' 'passphrase-file=/etc/shadow' 'plugin-dir=/tmp' \
	'Store=x' 'threads;rm=1'; do
	is "$(get "$T/k" "/api/v1/cmd/asset/list?$bad")" 400 "the option $bad: 400"
done
is "$(get "$T/k" "/api/v1/cmd/asset/show?args=--store=$T/other")" 400 "an operand that looks like an option stays an operand: 400"
like "$(py 'd["error"]["detail"]')" "'--store=$T/other' is not a Muster label" "... read as an asset reference, not as --store"
is "$(get "$T/k" /api/v1/cmd/init)" 404 "muster init is not a web command: 404"
is "$(get "$T/k" /api/v1/cmd/asset/checkout)" 405 "a write with GET: 405"
is "$(hdr Allow)" POST "... Allow: POST"
is "$(post "$T/k" /api/v1/cmd/asset/list '{}')" 405 "a read with POST: 405"
is "$(post "$T/k" /api/v1/cmd/journal/add '{"args":["交班"],"nope":{"a":1}}')" 400 "an option given an object: 400"
is "$(post "$T/k" /api/v1/cmd/journal/add 'not json')" 400 "a body that is not JSON: 400"

# ---- jobs: progress, files, signatures ------------------------------------------------------
# wait_job JAR URL: polls until the job ends; its last state in $T/out.
wait_job() {
	i=0
	while [ $i -lt 600 ]; do
		get "$1" "$2" >/dev/null
		[ "$(py 'd["state"]')" != running ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
is "$(get "$T/k" '/api/v1/cmd/log/verify?async=1')" 202 "log verify as a job: 202"
job=$(py 'd["url"]')
is "$(hdr Location)" "$job" "... Location: the job"
wait_job "$T/k" "$job"
is "$(py 'd["state"], d["exit"], d["result"]["ok"]')" "('done', 0, True)" "... done: the log verifies"
is "$(py 'd["progress"]["done"] == d["progress"]["total"] == d["result"]["entries"]')" True \
	"... its progress counted every entry"
is "$(get "$T/h" "$job")" 404 "another person's job: 404"

is "$(get "$T/k" "/api/v1/cmd/label?args=$id&format=pdf&out=labels.pdf")" 200 "labels as a PDF: 200"
is "$(py '[f["name"] for f in d["files"]]')" "['labels.pdf']" "... one file, labels.pdf"
like "$(py 'd["result"]["out"]')" "/api/v1/jobs/" "... the result names its URL, not a server path"
is "$(get "$T/k" "$(py 'd["files"][0]["url"]')")" 200 "... downloaded: 200"
is "$(head -c 5 "$T/out")" "%PDF-" "... a PDF"
like "$(hdr Content-Disposition)" 'attachment; filename="labels.pdf"' "... as an attachment"

month=$(date +%Y-%m)
is "$(get "$T/k" "/api/v1/cmd/report/run?args=national&month=$month&out=national.json&async=1")" 202 "a province report as a job: 202"
wait_job "$T/k" "$(py 'd["url"]')"
is "$(py 'd["state"], sorted(f["name"] for f in d["files"])')" "('done', ['national.json', 'national.json.minisig'])" \
	"... the report and its signature"
for f in national.json national.json.minisig; do
	curl -sS -b "$T/k" -o "$T/$f" "$B$(py "[x['url'] for x in d['files'] if x['name'] == '$f'][0]")"
done
if command -v minisign >/dev/null 2>&1; then
	q --json audit pubkey | "$PY" -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["file"])' >"$T/report.pub"
	minisign -Vm "$T/national.json" -p "$T/report.pub" >/dev/null 2>&1
	ok $? "minisign verifies the downloaded report with the site's report key"
else
	[ -n "${MUSTER_REQUIRE_ALL:-}" ] && ok 1 "minisign is required" || ok 0 "# SKIP minisign not found"
fi
is "$(get "$T/k" "/api/v1/cmd/report/run?args=nope&month=$month&out=x.json")" 404 "an unknown plugin: 404"

is "$(signin "$T/ad" "$admin" "$MUSTER_PASSPHRASE")" 200 "the admin signs in"
# ---- files in a write's body: a receipt attached, a public key enrolled -------------------
finance=$(holder finance)
is "$(signin "$T/f" "$finance" "$MUSTER_PASSPHRASE")" 200 "the finance officer signs in"
printf '发票扫描件 receipt %s\n' "$(date +%s)" >"$T/receipt.txt"
sha=$(sha256sum "$T/receipt.txt" | cut -d' ' -f1)
q --json spend list | "$PY" -c '
import json, sys, base64
r = json.load(sys.stdin)[0]
print(json.dumps({"date": sys.argv[1], "team": r["team"], "spend-type": r["spend_type"], "vendor": r["vendor"],
	"vendor-code": r["vendor_code"], "invoice": "99990000111122223333", "amount": "50.00", "fund": r["fund"],
	"article": r.get("article", ""), "attach": [base64.b64encode(open(sys.argv[2], "rb").read()).decode()]}))' \
	"$(date +%Y-%m-%d)" "$T/receipt.txt" >"$T/spend.json"
is "$(post "$T/f" /api/v1/cmd/spend/record "$(cat "$T/spend.json")")" 200 "spending recorded with a receipt in the body"
is "$(py 'd["spend_state"]')" counted "... counted"
cmp -s "$T/receipt.txt" "$S/attachments/$sha"
ok $? "... the receipt kept in the store under its SHA-256"
is "$(get "$T/f" "/api/v1/cmd/spend/attachment?args=$sha&out=receipt.txt")" 200 "the attachment as a download"
curl -sS -b "$T/f" -o "$T/back.txt" "$B$(py 'd["files"][0]["url"]')"
cmp -s "$T/receipt.txt" "$T/back.txt"
ok $? "... the same bytes"
is "$(ls -A "$T/tmp"/musterd.*/ | grep -c '^up\.')" 0 "no uploaded file is left behind"
run key new --out "$K/newhr.key" --kdf min
is "$(post "$T/ad" /api/v1/cmd/key/enrol "$("$PY" -c 'import json,sys; print(json.dumps({"pub": open(sys.argv[1]).read(), "role": ["hr"], "holder": "新人事"}))' "$K/newhr.key.pub")")" \
	200 "the admin enrols a new HR key from the public key's text"
is "$(signin "$T/n" 新人事 "$MUSTER_PASSPHRASE")" 200 "... and its holder signs in with it"
is "$(py 'd["roles"]')" "['hr']" "... as hr"

# ---- sign-out and revocation end a session -------------------------------------------------
is "$(call "$T/k" DELETE /api/v1/session)" 204 "the keeper signs out: 204"
like "$(hdr Set-Cookie)" "Max-Age=0" "... the cookie is cleared"
is "$(get "$T/k" /api/v1/session)" 401 "... and the old cookie is dead: 401"
is "$(signin "$T/ap" "$approver" "$MUSTER_PASSPHRASE")" 200 "the approver signs in"
is "$(post "$T/ad" /api/v1/cmd/key/revoke '{"args":["'"$(key_of "$approver")"'"],"reason":"left the team"}')" 200 \
	"the admin revokes the approver's key through the API"
is "$(get "$T/ap" /api/v1/session)" 401 "the approver's session ends at once: 401"
is "$(err)" key_revoked "... key_revoked"

# ---- SIGTERM in the middle of a stream of writes ------------------------------------------
is "$(signin "$T/k" "$keeper" "$MUSTER_PASSPHRASE")" 200 "the keeper signs in again"
writer() { # writer N: journal entries N-1 .. N-30; each acknowledged one to $T/ack.N
	: >"$T/ack.$1"
	for j in $(seq 1 30); do
		st=$(curl -sS --max-time 30 -b "$T/k" -H "X-CSRF-Token: $(cat "$T/k.csrf")" -H 'Content-Type: application/json' \
			-o "$T/w.$1" -w '%{http_code}' --data-binary '{"args":["交班 '"$1-$j"'"]}' "$B/api/v1/cmd/journal/add" 2>/dev/null)
		[ "$st" = 200 ] || break
		echo "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["index"])' "$T/w.$1") 交班 $1-$j" >>"$T/ack.$1"
	done
}
writer 1 &
w1=$!
writer 2 &
w2=$!
writer 3 &
w3=$!
while [ "$(cat "$T"/ack.* 2>/dev/null | wc -l)" -lt 6 ]; do sleep 0.05; done
kill -TERM "$pid"
wait "$pid"
is "$?" 0 "SIGTERM during the writes: musterd exits 0"
pid=
wait $w1 $w2 $w3
acked=$(cat "$T"/ack.* | wc -l)
[ "$acked" -ge 6 ] && [ "$acked" -lt 90 ]
ok $? "$acked of 90 writes were acknowledged before it stopped"
q --json journal list >"$T/j.json"
is "$(cat "$T"/ack.* | "$PY" -c '
import json, sys
have = {(e["index"], e["text"]) for e in json.load(open(sys.argv[1]))}
acked = [l.split(" ", 1) for l in sys.stdin.read().splitlines()]
print(sum((int(i), t) not in have for i, t in acked))' "$T/j.json")" 0 "every acknowledged write is in the log, at its index"
run --store "$S" log verify
is "$rc" 0 "log verify passes"
like "$(tail -n 1 "$T/d.err")" "musterd: stopped (SIGTERM)" "one stop line"
is "$(ls -A "$T/tmp")" "" "its work directory, with the jobs' files, is removed"

done_testing
