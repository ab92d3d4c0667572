#!/bin/sh
# bench/national.sh - make bench-national: Muster at ten million entries, beside the machine's raw
# figures and its SQLite peer (docs/BENCH.md, "National scale: 10 million entries").
#
# A national store of about ten million entries (muster gen --scale national --seed 1 --years
# BENCH_NATIONAL_YEARS, default 8) is made once into BENCH_NATIONAL_STORE and kept for later runs, with
# what gen printed beside it (STORE.gen.json); the one-year national store (1.75 million entries) likewise
# into BENCH_NATIONAL_SMALL (default STORE-1y).  Then, after ../shared/bench/limits.sh in the same
# invocation, for each store:
#   sizes          data.mdb, its pages in use and free (mdb_stat), and a copy compacted in place by
#                  muster compact (and how long that took), against the sum of the raw signed entries
#   bench_national read     full-log verification and point lookups (bench/bench_national.c)
#   bench/peer.sh           the SQLite peer (when built): its database built once beside the store
#                           (STORE.peer.db) and kept, the same appends and lookups alternating, its verification
#   bench_national append   appends at the end of the log against an empty store, on a copy of the store
# and the three province reports over the big store (bench/reports.sh, as generated and compacted).
# Two tables at the end: the figures at both sizes beside limits.sh, and Muster beside the peer.
#
# Needs about 20 GB free beside the big store (the store, a copy, a compacted copy, the peer's database
# and its copy).  Environment: MUSTER, REPORT_PLUGINS, BENCH_NATIONAL, SQLITE_PEER (empty: no peer),
# BENCH_REPORTS, BENCH_PEER_SH, LIMITS_SH (the Makefile sets them); BENCH_NATIONAL_STORE,
# BENCH_NATIONAL_SMALL, BENCH_NATIONAL_YEARS, BENCH_NATIONAL_SCALE (national); BENCH_TMPDIR (the copies; default beside the store);
# BENCH_NATIONAL_REPORTS=0 skips the reports; the BENCH_* sizes of bench_national and sqlite_peer.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
M=${MUSTER:?MUSTER names tools/muster}
N=${BENCH_NATIONAL:?BENCH_NATIONAL names bench/bench_national}
P=${SQLITE_PEER:-}
limits_sh=${LIMITS_SH:-$here/../../shared/bench/limits.sh}
big=${BENCH_NATIONAL_STORE:?BENCH_NATIONAL_STORE names the big store}
small=${BENCH_NATIONAL_SMALL:-$big-1y}
years=${BENCH_NATIONAL_YEARS:-8}
scale=${BENCH_NATIONAL_SCALE:-national} # another scale only to try this script out quickly
export MUSTER_PASSPHRASE='bench 基准'
mkdir -p "$(dirname "$big")" "$(dirname "$small")"
tmp=$(mktemp -d "${BENCH_TMPDIR:-$(dirname "$big")}/national.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
out=$tmp/figures # every "name value" line, prefixed big_ or small_
: >"$out"
load() { cut -d' ' -f1-3 /proc/loadavg; }
# step PREFIX CMD...: CMD's lines to the terminal and, prefixed, to $out; the run stops if it fails.
step() {
	pfx=$1
	shift
	("$@" || echo "step_failed $?") | tee -a /dev/stderr | sed "s/^/$pfx/" >>"$out"
	if grep -q "^${pfx}step_failed" "$out"; then
		echo "national.sh: $* failed" >&2
		exit 1
	fi
}

echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(getconf _NPROCESSORS_ONLN) CPUs, load average $(load)"
df -h "$(dirname "$big")" | tail -1
if [ -f "$limits_sh" ]; then
	echo "== raw figures: $limits_sh"
	mkdir -p "$tmp/limits"
	(sh "$limits_sh" "$tmp/limits" || echo "limits_failed $?") | tee "$tmp/limits.out"
else
	echo "== raw figures: $limits_sh is absent; absolute figures only"
	: >"$tmp/limits.out"
fi

# gen_store DIR YEARS PREFIX: makes the store unless it is there; its entries and seconds from gen's --json,
# its CPU seconds from DIR.gen.cpu.
gen_store() {
	dir=$1 y=$2 pfx=$3
	if [ -f "$dir/data.mdb" ] && [ -f "$dir.gen.json" ]; then
		echo "== reusing $dir (made earlier: $(cat "$dir.gen.json"))"
		echo "${pfx}gen_reused 1" >>"$out"
	else
		rm -rf "$dir" "$dir.gen.json" "$dir.gen.cpu" "$dir.peer.db"
		echo "== muster gen --scale $scale --seed 1 --years $y --store $dir (load $(load))"
		times >"$tmp/times0" # the second line: CPU time of this shell's finished children, user and system
		"$M" gen --scale "$scale" --seed 1 --years "$y" --store "$dir" --kdf min --json >"$dir.gen.json.new"
		times >"$tmp/times1"
		awk 'FNR == 2 {split($1, u, "m"); split($2, s, "m"); v[++n] = u[1] * 60 + u[2] + s[1] * 60 + s[2]}
			END {print v[2] - v[1]}' "$tmp/times0" "$tmp/times1" >"$dir.gen.cpu"
		mv "$dir.gen.json.new" "$dir.gen.json"
		cat "$dir.gen.json"
		echo "   CPU seconds: $(cat "$dir.gen.cpu"); load after: $(load)"
	fi
	if [ -f "$dir.gen.cpu" ]; then
		awk -v p="$pfx" -v n="$(sed 's/.*"entries":\([0-9]*\).*/\1/' "$dir.gen.json")" \
			'{print p "gen_cpu_s " $1; if ($1 > 0) print p "gen_per_cpu_s " n / $1}' "$dir.gen.cpu" >>"$out"
	fi
	sed 's/.*"entries":\([0-9]*\).*"seconds":\([0-9.]*\).*/\1 \2/' "$dir.gen.json" |
		awk -v p="$pfx" '{print p "gen_entries " $1; print p "gen_s " $2; print p "gen_per_s " $1 / $2}' >>"$out"
}

# measure STORE PREFIX [reports]
measure() {
	st=$1 pfx=$2
	echo "== $st: sizes (load $(load))"
	psize=$(mdb_stat -e "$st" | awk '/Page size:/ {print $3}')
	pages=$(mdb_stat -e "$st" | awk '/Number of pages used:/ {print $5}')
	free=$(mdb_stat -f "$st" | awk '/Free pages:/ {print $3}')
	rm -rf "$tmp/compact"
	cp -a "$st" "$tmp/compact"
	rm -f "$tmp/compact/lock.mdb"
	"$M" --store "$tmp/compact" --json compact >"$tmp/compact.json"
	{
		echo "file_bytes $(stat -c %s "$st/data.mdb")"
		echo "pages_bytes $((pages * psize))"
		echo "free_bytes $((free * psize))"
		echo "used_bytes $(((pages - free) * psize))"
		echo "compact_bytes $(stat -c %s "$tmp/compact/data.mdb")"
		echo "compact_s $(sed 's/.*"seconds":\([0-9.]*\).*/\1/' "$tmp/compact.json")"
	} | tee -a /dev/stderr | sed "s/^/$pfx/" >>"$out"
	echo "== $st: bench_national read (load $(load))"
	step "$pfx" "$N" read "$st"
	echo "== $st: a copy to append to"
	rm -rf "$tmp/copy"
	cp -a "$st" "$tmp/copy"
	if [ -n "$P" ] && [ -x "$P" ]; then
		echo "== $st: the SQLite peer (load $(load))"
		step "$pfx" env BENCH_PEER_DB="$st.peer.db" BENCH_PEER_COPY="$tmp/copy" SQLITE_PEER="$P" \
			sh "${BENCH_PEER_SH:-$here/peer.sh}" "$st" "$tmp"
	fi
	echo "== $st: bench_national append (load $(load))"
	step "$pfx" "$N" append "$tmp/copy" "$tmp/copy/gen/keeper.key" "$tmp"
	rm -rf "$tmp/copy"
	if [ "${3:-}" = reports ] && [ "${BENCH_NATIONAL_REPORTS:-1}" != 0 ] && [ -n "${BENCH_REPORTS:-}" ]; then
		echo "== $st: the three province reports (load $(load))"
		step "$pfx" env BENCH_REPORT_STORE="$st" BENCH_REPORT_COMPACT="$tmp/compact" \
			sh "$BENCH_REPORTS" "$M" "$REPORT_PLUGINS" "$tmp"
	fi
	rm -rf "$tmp/compact"
	echo "${pfx}load_after $(load | cut -d' ' -f1)" >>"$out"
}

gen_store "$big" "$years" big_
gen_store "$small" 1 small_
measure "$big" big_ reports
measure "$small" small_ reports
echo "== done (load $(load))"

# figure | big key | small key | limits key | same-run key | kind | goal | unit
cat >"$tmp/rows" <<'EOF'
entries|gen_entries|gen_entries|-|-|count|-|n
gen, seconds (a reused store: from an earlier run)|gen_s|gen_s|-|-|time|-|s
gen, entries/s (sign, rules, projections, no fsync)|gen_per_s|gen_per_s|sign_ed25519|-|rate|-|/s
  (per CPU second: what a busy machine does not inflate)|gen_per_cpu_s|gen_per_cpu_s|sign_ed25519|-|rate|-|/s
raw signed entries, bytes|entry_bytes|entry_bytes|-|-|size|-|B
data.mdb as generated|file_bytes|file_bytes|-|-|size|2|B
  pages in use (without free pages)|used_bytes|used_bytes|-|-|size|2|B
  free pages|free_bytes|free_bytes|-|-|size|-|B
compacted in place (muster compact)|compact_bytes|compact_bytes|-|-|size|2|B
  (seconds)|compact_s|compact_s|-|-|time|-|s
log verify, entries/s|verify_per_s|verify_per_s|verify_ed25519|ref_verify_per_s|rate|1.6|/s
  (vs verify on all CPUs)|verify_per_s|verify_per_s|-|ref_verify_all_cpus_per_s|rate|-|/s
  (seconds)|verify_s|verify_s|-|-|time|-|s
batched appends/s, end of the log|batched_big_per_s|batched_big_per_s|sign_ed25519|ref_sign_per_s|rate|0.5|/s
  the same on an empty store, same run|batched_empty_per_s|batched_empty_per_s|sign_ed25519|ref_sign_per_s|rate|0.5|/s
durable appends/s, end of the log|durable_big_per_s|durable_big_per_s|lmdb_commit_sync|ref_commit_sync_per_s|rate|0.8|/s
  the same on an empty store, same run|durable_empty_per_s|durable_empty_per_s|lmdb_commit_sync|ref_commit_sync_per_s|rate|0.8|/s
entry by index, mean|lookup_entry_us|lookup_entry_us|-|-|time|-|us
  (p99)|lookup_entry_p99_us|lookup_entry_p99_us|-|-|time|-|us
  (CPU time)|lookup_entry_cpu_us|lookup_entry_cpu_us|-|-|time|-|us
  (page faults a lookup)|lookup_entry_faults|lookup_entry_faults|-|-|frac|-|n
asset by id, mean|lookup_asset_us|lookup_asset_us|-|-|time|-|us
  (p99)|lookup_asset_p99_us|lookup_asset_p99_us|-|-|time|-|us
  (CPU time)|lookup_asset_cpu_us|lookup_asset_cpu_us|-|-|time|-|us
  (page faults a lookup)|lookup_asset_faults|lookup_asset_faults|-|-|frac|-|n
report national (JSON)|report_national_ms|report_national_ms|-|-|time|500|ms
report shanxi (GB18030 CSV)|report_shanxi_ms|report_shanxi_ms|-|-|time|500|ms
report sichuan (XLSX)|report_sichuan_ms|report_sichuan_ms|-|-|time|500|ms
  (national, compacted)|report_national_compact_ms|report_national_compact_ms|-|-|time|500|ms
  (shanxi, compacted)|report_shanxi_compact_ms|report_shanxi_compact_ms|-|-|time|500|ms
  (sichuan, compacted)|report_sichuan_compact_ms|report_sichuan_compact_ms|-|-|time|500|ms
EOF
echo
echo "Muster at $(awk '$1 == "big_gen_entries" {printf "%.2f", $2 / 1e6}' "$out") million entries and at $(awk '$1 == "small_gen_entries" {printf "%.2f", $2 / 1e6}' "$out") million"
awk -F'|' '
function fmt(v, unit) {
	if (unit == "B") return sprintf("%.0f MB", v / 1e6)
	if (unit == "us") return sprintf("%.2f us", v)
	if (unit == "ms") return sprintf("%.0f ms", v)
	if (unit == "s") return sprintf("%.1f s", v)
	if (kind == "frac") return sprintf("%.3f", v)
	return sprintf("%.0f", v)
}
FILENAME == ARGV[1] { split($0, a, /[ \t]+/); lim[a[1]] = a[2]; next }
FILENAME == ARGV[2] { split($0, a, /[ \t]+/); val[a[1]] = a[2]; next }
FNR == 1 {
	hb = sprintf("%.2fM", val["big_gen_entries"] / 1e6); hs = sprintf("%.2fM", val["small_gen_entries"] / 1e6)
	printf "%-50s %10s %10s %6s  %-26s %8s %8s  %-8s %s\n", "figure", hb, hs, "ratio", "limits.sh (this run)", "ratio", "same-run", "goal", "result (limits / same-run)"
	printf "%-50s %10s %10s %6s  %-26s %8s %8s  %-8s %s\n", "------", "-----", "-----", "-----", "--------------------", "-----", "--------", "----", "------"
}
{
	name = $1; bk = "big_" $2; sk = $3 == "-" ? "" : "small_" $3; lk = $4; rk = $5; kind = $6; goal = $7; unit = $8
	if (!(bk in val)) next
	b = val[bk] + 0; have_s = sk != "" && (sk in val); s = have_s ? val[sk] + 0 : 0
	flat = have_s && s > 0 && kind != "count" ? sprintf("%.2f", b / s) : "-"
	ref = "-"; ratio = "-"; same = "-"; g = "-"; res = "-"
	if (kind == "size") {
		eb = val["big_entry_bytes"]; es = val["small_entry_bytes"]
		if (eb > 0) ratio = sprintf("%.2fx", b / eb)
		if (have_s && es > 0) same = sprintf("%.2fx", s / es)
		flat = "-"
		if (goal != "-") {
			g = sprintf("<= %sx", goal)
			res = eb > 0 && b / eb <= goal ? "PASS" : "MISS"
			if (have_s && es > 0) res = res " / " (s / es <= goal ? "PASS" : "MISS")
		}
		printf "%-50s %10s %10s %6s  %-26s %8s %8s  %-8s %s\n", name, fmt(b, unit), have_s ? fmt(s, unit) : "-", "-", "x raw entries (big, small)", ratio, same, g, res
		next
	}
	if (lk != "-" && (lk in lim) && lim[lk] > 0) { ref = sprintf("%s %.0f", lk, lim[lk]); ratio = sprintf("%.2fx", b / lim[lk]) }
	if (rk != "-" && (("big_" rk) in val) && val["big_" rk] > 0) same = sprintf("%.2fx", b / val["big_" rk])
	if (kind == "rate" && goal != "-") {
		g = sprintf(">= %sx", goal)
		res = ratio == "-" ? "n/a" : b / lim[lk] >= goal ? "PASS" : "MISS"
		if (same != "-") res = res " / " (b / val["big_" rk] >= goal ? "PASS" : "MISS")
	} else if (kind == "time" && goal != "-") {
		g = sprintf("< %s %s", goal, unit)
		res = b < goal ? "PASS" : "MISS"
		if (have_s) res = res " / " (s < goal ? "PASS" : "MISS")
	}
	printf "%-50s %10s %10s %6s  %-26s %8s %8s  %-8s %s\n", name, fmt(b, unit), have_s ? fmt(s, unit) : "-", flat, ref, ratio, same, g, res
}
' "$tmp/limits.out" "$out" "$tmp/rows"

# Muster beside the peer: figure | Muster key | peer key | better | goal
cat >"$tmp/peer_rows" <<'EOF'
batched ingest, entries/s (10,000 a durable write)|cmp_batched_muster_per_s|cmp_batched_peer_per_s|high|3
durable single appends/s (SQLite synchronous=FULL)|cmp_durable_muster_per_s|cmp_durable_peer_per_s|high|3
  SQLite synchronous=NORMAL: not durable|cmp_durable_muster_per_s|cmp_durable_peer_normal_per_s|high|-
entry by index, mean|cmp_lookup_entry_muster_us|cmp_lookup_entry_peer_us|low|3
  (p99)|cmp_lookup_entry_muster_p99_us|cmp_lookup_entry_peer_p99_us|low|-
  (CPU time)|cmp_lookup_entry_muster_cpu_us|cmp_lookup_entry_peer_cpu_us|low|-
  LMDB alone, mdb_get (the peer: other indexes)|cmp_lookup_entry_lmdb_us|cmp_lookup_entry_peer_again_us|low|-
  Muster over LMDB alone (1.00x: at the floor)|cmp_lookup_entry_muster_us|cmp_lookup_entry_lmdb_us|low|-
asset by id, mean|cmp_lookup_asset_muster_us|cmp_lookup_asset_peer_us|low|3
  (p99)|cmp_lookup_asset_muster_p99_us|cmp_lookup_asset_peer_p99_us|low|-
  (CPU time)|cmp_lookup_asset_muster_cpu_us|cmp_lookup_asset_peer_cpu_us|low|-
full verification, entries/s (not side by side in time)|verify_per_s|peer_verify_per_s|high|-
  each over plain verify on all CPUs in its own run|verify_per_s/ref_verify_all_cpus_per_s|peer_verify_per_s/peer_ref_verify_all_cpus_per_s|high|-
store bytes (the peer: log, hashes, checkpoints, keys, assets)|file_bytes|peer_db_bytes|low|-
empty pair: batched ingest, entries/s|cmp_empty_batched_muster_per_s|cmp_empty_batched_peer_per_s|high|3
empty pair: durable single appends/s|cmp_empty_durable_muster_per_s|cmp_empty_durable_peer_per_s|high|3
EOF
if grep -q '^big_cmp_batched_peer_per_s' "$out"; then
	echo
	echo "Muster beside the SQLite peer ($(awk '$1 == "big_cmp_sqlite_version_number" {v = $2; printf "SQLite %d.%d.%d", v / 1000000, v / 1000 % 1000, v % 1000}' "$out"), WAL)"
	awk -F'|' '
	function fmt(v, k) { return k ~ /\// ? sprintf("%.2fx", v) : k ~ /bytes/ ? sprintf("%.0f MB", v / 1e6) : k ~ /_us$/ ? sprintf("%.2f us", v) : sprintf("%.0f", v) }
	function has(p, k,  a) { if (split(k, a, "/") == 2) return ((p a[1]) in val) && ((p a[2]) in val) && val[p a[2]] > 0; return (p k) in val }
	function get(p, k,  a) { if (split(k, a, "/") == 2) return val[p a[1]] / val[p a[2]]; return val[p k] + 0 }
	FILENAME == ARGV[1] { split($0, a, /[ \t]+/); val[a[1]] = a[2]; next }
	{
		for (i = 0; i < 2; i++) {
			p = i ? "small_" : "big_"
			if (!has(p, $2) || !has(p, $3)) continue
			m = get(p, $2); q = get(p, $3)
			r = $4 == "high" ? m / q : q / m
			g = $5 == "-" ? "-" : sprintf(">= %sx", $5)
			res = $5 == "-" ? "-" : r >= $5 ? "PASS" : "MISS"
			printf "%-6s %-62s %10s %10s %7.2fx  %-7s %s\n", sprintf("%.2fM", val[p "gen_entries"] / 1e6), $1, fmt(m, $2), fmt(q, $3), r, g, res
		}
	}
	BEGIN {
		printf "%-6s %-62s %10s %10s %8s  %-7s %s\n", "scale", "figure", "Muster", "SQLite", "Muster:SQLite", "goal", "result"
	}' "$out" "$tmp/peer_rows"
elif [ -z "$P" ]; then
	echo
	echo "SQLite peer skipped: configure did not find sqlite3 (install libsqlite3-dev and re-run configure)"
fi
cp "$out" "$big.figures"
echo
echo "Every figure, as the programs printed it: $big.figures"
