#!/bin/sh
# bench/reports.sh MUSTER PLUGIN_DIR SCRATCH - the three province reports
# over a national month: a national store is generated (muster gen --scale
# national, about a minute and 850 MB in SCRATCH; BENCH_REPORT_STORE names
# an existing one to reuse), then each report is made BENCH_REPORT_RUNS
# times (default 5) after one warm-up and the median wall time printed,
# child process, queries, plugin, signature and file included.  Output:
# "report_<name>_ms N" and "report_<name>_bytes N" lines for bench/run.sh.
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
for p in national shanxi sichuan; do
	out=$scratch/report-$p
	"$M" --store "$store" report run "$p" --plugin-dir "$dir" --month "$month" --out "$out" \
		--param unit=四川省应急管理厅 >/dev/null
	: >"$scratch/times"
	i=0
	while [ "$i" -lt "$runs" ]; do
		t0=$(now_ms)
		"$M" --store "$store" report run "$p" --plugin-dir "$dir" --month "$month" --out "$out" \
			--param unit=四川省应急管理厅 >/dev/null
		t1=$(now_ms)
		echo $((t1 - t0)) >>"$scratch/times"
		i=$((i + 1))
	done
	echo "report_${p}_ms $(sort -n "$scratch/times" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')"
	echo "report_${p}_bytes $(wc -c <"$out" | tr -d ' ')"
done
