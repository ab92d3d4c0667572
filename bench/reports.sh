#!/bin/sh
# bench/reports.sh MUSTER PLUGIN_DIR SCRATCH - the three province reports
# over a national month: a national store is generated (muster gen --scale
# national, about a minute and 850 MB in SCRATCH; BENCH_REPORT_STORE names
# an existing one to reuse), then each report is made BENCH_REPORT_RUNS
# times (default 5) after one warm-up and the median wall time printed,
# child process, queries, plugin, signature and file included.  Output:
# "report_<name>_ms N" and "report_<name>_bytes N" lines for bench/run.sh.
#
# Then the same on a copy of the store compacted in place by `muster
# compact`, which lays each database's pages out together (as a restore
# from a `muster backup` would): "report_<name>_compact_ms N".  A store that grew by
# appends has its projection pages scattered among the log's, and a fresh
# process touching them pays for it; docs/BENCH.md has the figures.
# BENCH_REPORT_COMPACT names such a copy made already (bench/national.sh makes
# one to measure it), used and left as it is.
set -eu
M=$1 dir=$2 scratch=$3
runs=${BENCH_REPORT_RUNS:-5}
store=${BENCH_REPORT_STORE:-}
export MUSTER_PASSPHRASE='bench 基准'
if [ -z "$store" ]; then
	store=$scratch/national
	"$M" gen --scale national --seed 1 --store "$store" --kdf min >/dev/null
fi
# The last whole month: a generated year of history ends today.
month=$(date -d "$(date +%Y-%m-01) -1 day" +%Y-%m)
now_ms() { date +%s%N | cut -c1-13; }
# time_report STORE NAME SUFFIX: the median of $runs runs of report NAME over STORE
time_report() {
	st=$1 p=$2 suffix=$3
	out=$scratch/report-$p
	"$M" --store "$st" report run "$p" --plugin-dir "$dir" --month "$month" --out "$out" \
		--param unit=四川省应急管理厅 >/dev/null
	: >"$scratch/times"
	i=0
	while [ "$i" -lt "$runs" ]; do
		t0=$(now_ms)
		"$M" --store "$st" report run "$p" --plugin-dir "$dir" --month "$month" --out "$out" \
			--param unit=四川省应急管理厅 >/dev/null
		t1=$(now_ms)
		echo $((t1 - t0)) >>"$scratch/times"
		i=$((i + 1))
	done
	echo "report_${p}${suffix}_ms $(sort -n "$scratch/times" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')"
	[ -n "$suffix" ] || echo "report_${p}_bytes $(wc -c <"$out" | tr -d ' ')"
}
for p in national shanxi sichuan; do
	time_report "$store" "$p" ""
done
if [ -n "${BENCH_REPORT_COMPACT:-}" ]; then
	for p in national shanxi sichuan; do
		time_report "$BENCH_REPORT_COMPACT" "$p" _compact
	done
else
	compact=$scratch/national-compact
	rm -rf "$compact"
	cp -a "$store" "$compact"
	rm -f "$compact/lock.mdb"
	"$M" --store "$compact" compact >/dev/null
	for p in national shanxi sichuan; do
		time_report "$compact" "$p" _compact
	done
	rm -rf "$compact"
fi
