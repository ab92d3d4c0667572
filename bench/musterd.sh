#!/bin/sh
# bench/musterd.sh MUSTER MUSTERD WWW SCRATCH STORE - musterd's read API
# under load on loopback: wrk (Debian wrk) with 2 threads and 32
# connections for BENCH_WRK_SECONDS (default 5) against one asset's page
# API (GET /api/v1/assets/{id}, the row and its history) and against the
# scan URL a phone opens (GET /t/{tag}: the label's signature checked, a
# redirect); then 40 signed writes one after another through the command
# gateway.  STORE is the national store bench/reports.sh made.  Output:
# "musterd_asset_rps N", "musterd_asset_p99_ms N", "musterd_scan_rps N",
# "musterd_scan_p99_ms N", "musterd_write_ms N", "musterd_write_p90_ms N"
# lines for bench/run.sh.
set -eu
M=$1 D=$2 www=$3 scratch=$4 store=$5
secs=${BENCH_WRK_SECONDS:-5}
command -v wrk >/dev/null 2>&1 || { echo "bench: wrk is not installed (Debian: wrk); musterd not measured" >&2; exit 0; }
export MUSTER_PASSPHRASE='bench 基准'
id=$("$M" --store "$store" --json asset list | sed -n 's/^\[*{"id":"\([^"]*\)".*/\1/p' | head -n 1)
# A label of that asset: relabelling would sign a new entry, so the current label is printed, not reissued.
payload=$("$M" --store "$store" --json label "$id" --format svg --out "$scratch/bench-label.svg" |
	sed 's/.*"payload":"\([^"]*\)".*/\1/')
tag=${payload##*/t/}
rm -f "$scratch/musterd.port"
"$D" --store "$store" --keys "$store/gen" --muster "$M" --listen 127.0.0.1:0 --port-file "$scratch/musterd.port" --www "$www" 2>"$scratch/musterd.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
i=0
while [ ! -s "$scratch/musterd.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$scratch/musterd.port")
# The API wants a person signed in: the generated keeper, once; every request then carries the cookie.
keeper=$("$M" --store "$store" --json key list | sed 's/},{/}\n{/g' | sed -n 's/.*"roles":\["keeper"\],"holder":"\([^"]*\)".*/\1/p' | head -n 1)
printf '{"name":"%s","passphrase":"%s"}' "$keeper" "$MUSTER_PASSPHRASE" >"$scratch/signin.json"
curl -sS -o /dev/null -c "$scratch/cookies" --data-binary @"$scratch/signin.json" "http://127.0.0.1:$port/api/v1/session"
cookie=$(awk '$6 == "muster_session" {print $7}' "$scratch/cookies")
[ -n "$cookie" ] || { echo "bench: cannot sign in to musterd as '$keeper'" >&2; exit 1; }
# wrk's "Requests/sec" and the 99% line of --latency, in ms.
measure() {
	wrk -t2 -c32 -d"${secs}s" --latency -H "Cookie: muster_session=$cookie" "http://127.0.0.1:$port$2" >"$scratch/wrk.out" 2>&1
	echo "musterd_$1_rps $(awk '/^Requests\/sec/ {print $2}' "$scratch/wrk.out")"
	echo "musterd_$1_p99_ms $(awk '$1 == "99%" {v = $2; if (v ~ /us$/) {sub(/us$/, "", v); v /= 1000} else if (v ~ /ms$/) sub(/ms$/, "", v); else if (v ~ /s$/) {sub(/s$/, "", v); v *= 1000}; print v}' "$scratch/wrk.out")"
	grep -q 'Non-2xx or 3xx responses' "$scratch/wrk.out" && echo "bench: musterd answered $2 with errors" >&2
	return 0
}
measure asset "/api/v1/assets/$id"
measure scan "/t/$tag"
# A signed write through the gateway, one at a time as a person works: 40 journal entries,
# each a muster child given the keeper's key on a pipe, committed durably; median and p90 in ms.
csrf=$(curl -sS -b "$scratch/cookies" "http://127.0.0.1:$port/api/v1/session" | sed 's/.*"csrf":"\([^"]*\)".*/\1/')
for i in $(seq 1 40); do
	curl -sS -o /dev/null -b "$scratch/cookies" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
		-w '%{http_code} %{time_total}\n' --data-binary "{\"args\":[\"bench $i\"]}" \
		"http://127.0.0.1:$port/api/v1/cmd/journal/add"
done >"$scratch/writes.out"
grep -qv '^200 ' "$scratch/writes.out" && echo "bench: a write through musterd failed" >&2
sort -k2 -n "$scratch/writes.out" | awk '{t[NR] = $2 * 1000} END {printf "musterd_write_ms %.2f\nmusterd_write_p90_ms %.2f\n", t[int((NR + 1) / 2)], t[int(NR * 0.9)]}'

