#!/bin/sh
# bench/mirror.sh MUSTER MUSTERD WWW APPEND SCRATCH - a central store pulls
# a site's log over loopback: a generated team store (`muster gen --scale
# team --seed 4`) served by `musterd --serve-log`, a central store with a
# mirror of it (`muster mirror add ... --url`), and `muster mirror pull`
# timed as a whole command (process start, the checkpoint and tiles over
# HTTP, the import: every signature, key state and rule checked, the
# projections built, the witness's cosignature, one commit).  First the
# whole log (about 9,600 entries); then BENCH_PULL_RUNS (default 5) times:
# BENCH_PULL_APPEND (default 1,000) journal entries appended at the site
# by APPEND (bench/bench_append: one process, the keeper's key unsealed
# once; not timed), then one pull timed.  After every pull the mirror's
# size and latest checkpoint must be the site's.  Output: "mirror_pull_first_s
# N", "mirror_pull_first_entries N", "mirror_pull_1000_s N" (the median of
# the runs; named for the default BENCH_PULL_APPEND), "mirror_pull_1000_max_s
# N" and "mirror_pull_appended N" lines for bench/run.sh.
set -eu
M=$1 D=$2 www=$3 append=$4 scratch=$5
runs=${BENCH_PULL_RUNS:-5}
add=${BENCH_PULL_APPEND:-1000}
export MUSTER_PASSPHRASE='bench 基准'
S=$scratch/pull-site C=$scratch/pull-centre
rm -rf "$S" "$C" "$scratch/pull-admin.key" "$scratch/pull-admin.key.pub"
"$M" gen --scale team --seed 4 --store "$S" --kdf min >/dev/null
"$M" --store "$C" init --origin centre.example/national --admin-key "$scratch/pull-admin.key" --holder 管理员 --kdf min >/dev/null
rm -f "$scratch/pull.port"
"$D" --store "$S" --serve-log --www "$www" --listen 127.0.0.1:0 --port-file "$scratch/pull.port" 2>"$scratch/pull-musterd.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
i=0
while [ ! -s "$scratch/pull.port" ] && [ $i -lt 200 ] && kill -0 $pid 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
[ -s "$scratch/pull.port" ] || { echo "bench: musterd --serve-log did not start: $(cat "$scratch/pull-musterd.log")" >&2; exit 1; }
url=http://127.0.0.1:$(cat "$scratch/pull.port")
origin=$("$M" --store "$S" log checkpoint | head -n 1)
"$M" --store "$C" mirror add "$origin" --vkey "$("$M" --store "$S" log vkey)" --url "$url" >/dev/null
MD=$C/mirrors/$(printf '%s' "$origin" | sed 's|/|%2F|g')

# pull: one `muster mirror pull`, its wall time in seconds on stdout; then the mirror must be the site.
pull() {
	t0=$(date +%s.%N)
	"$M" --store "$C" mirror pull >"$scratch/pull.out" 2>"$scratch/pull.err" ||
		{ echo "bench: mirror pull failed: $(cat "$scratch/pull.err")" >&2; exit 1; }
	t1=$(date +%s.%N)
	site=$("$M" --store "$S" log checkpoint | sed -n '1,3p')
	mine=$("$M" --store "$MD" log checkpoint | sed -n '1,3p')
	[ "$site" = "$mine" ] ||
		{ echo "bench: after a pull the mirror's checkpoint is not the site's: $(sed -n 2p "$scratch/pull.out")" >&2; exit 1; }
	awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}'
}

first=$("$M" --store "$S" log checkpoint | sed -n 2p)
tf=$(pull) # an assignment, so that a failed pull stops the script (set -e)
echo "mirror_pull_first_s $tf"
echo "mirror_pull_first_entries $first"
: >"$scratch/pulls"
for _ in $(seq 1 "$runs"); do
	"$append" "$S" "$S/gen/keeper.key" "$add" >/dev/null
	pull >>"$scratch/pulls"
done
sort -n "$scratch/pulls" | awk '{t[NR] = $1} END {printf "mirror_pull_1000_s %.4f\nmirror_pull_1000_max_s %.4f\n", t[int((NR + 1) / 2)], t[NR]}'
echo "mirror_pull_appended $add"
