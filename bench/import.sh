#!/bin/sh
# bench/import.sh MUSTER SCRATCH - `muster import assets` of a 100,000-row
# register (BENCH_IMPORT_ROWS), timed as whole commands: process start, the
# key unsealed, the file read and every row made into a record and checked,
# then every row signed, checked by the store's rules and appended in one
# write, and the checkpoint signed.  A CSV written by awk (a team's
# register: Chinese headings, dates as 2025/3/1, money in 万元) into an
# empty store (one team, one depot); the same register exported by `muster
# export` as .xlsx into another; each BENCH_IMPORT_RUNS times (default 3)
# on fresh stores, the median kept (one run on this VM has been seen 35%
# slower than the next for nothing it did).  Then the CSV imported again
# into a store that holds it (every row already registered: the idempotent
# re-run).  Output lines for bench/run.sh: import_csv_rows_per_s,
# import_xlsx_rows_per_s, import_again_s, import_rows.
set -eu
M=$1 scratch=$2
rows=${BENCH_IMPORT_ROWS:-100000}
export MUSTER_PASSPHRASE='bench 基准'
A=$scratch/import-a B=$scratch/import-b
rm -rf "$A" "$B" "$scratch"/import-admin*.key* "$scratch/import.csv" "$scratch/import.xlsx"
setup() { # setup STORE N
	"$M" --store "$1" init --origin "bench.example/import-$2" --admin-key "$scratch/import-admin$2.key" --holder 管理员 --kdf min >/dev/null
	"$M" --store "$1" --key "$scratch/import-admin$2.key" team add KS-SX-07 --name 国家矿山应急救援太原队 --specialty mine \
		--province 140000 --host 山西焦煤集团有限责任公司 --host-code 91110000600037341L >/dev/null
	"$M" --store "$1" --key "$scratch/import-admin$2.key" depot add TY-D1 --team KS-SX-07 --name 太原一号装备库 >/dev/null
}
awk -v n="$rows" 'BEGIN {
	printf "\xef\xbb\xbf序号,资产编号,装备名称,分类代码,规格型号,出厂编号,生产厂家,购置日期,原值（万元）,资金来源,存放库房,备注\r\n"
	for (i = 1; i <= n; i++)
		printf "%d,BA-%06d,正压氧气呼吸器,2030101,HY4,HY4-%06d,某安全装备公司,%d/%d/%d,%.2f,依托单位,TY-D1,第%d号\r\n",
			i, i, i, 2015 + i % 10, 1 + i % 12, 1 + i % 28, 1 + (i % 400) / 100, i
}' >"$scratch/import.csv"

timed() { # timed COMMAND...: its wall time in seconds on stdout; dies if it fails
	t0=$(date +%s.%N)
	"$@" >"$scratch/import.out" 2>"$scratch/import.err" ||
		{ echo "bench: $* failed: $(cat "$scratch/import.err")" >&2; exit 1; }
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}'
}
runs=${BENCH_IMPORT_RUNS:-3}
median() { sort -n | awk '{t[NR] = $1} END {print t[int((NR + 1) / 2)]}'; }
: >"$scratch/import.csv.t"
: >"$scratch/import.xlsx.t"
for i in $(seq 1 "$runs"); do
	rm -rf "$A" "$B" "$scratch"/import-admin*.key*
	setup "$A" 1
	timed "$M" --store "$A" --key "$scratch/import-admin1.key" import assets "$scratch/import.csv" >>"$scratch/import.csv.t"
	got=$("$M" --store "$A" --json asset list | grep -o '"id"' | wc -l)
	[ "$got" -eq "$rows" ] || { echo "bench: $got assets after importing $rows rows" >&2; exit 1; }
	[ -f "$scratch/import.xlsx" ] || "$M" --store "$A" export assets --out "$scratch/import.xlsx" >/dev/null
	setup "$B" 2
	timed "$M" --store "$B" --key "$scratch/import-admin2.key" import assets "$scratch/import.xlsx" >>"$scratch/import.xlsx.t"
done
tc=$(median <"$scratch/import.csv.t")
tx=$(median <"$scratch/import.xlsx.t")
ta=$(timed "$M" --store "$A" --key "$scratch/import-admin1.key" import assets "$scratch/import.csv")
awk -v n="$rows" -v c="$tc" -v x="$tx" -v a="$ta" 'BEGIN {
	printf "import_csv_rows_per_s %.0f\nimport_xlsx_rows_per_s %.0f\nimport_again_s %.4f\nimport_rows %d\n", n / c, n / x, a, n }'
