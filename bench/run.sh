#!/bin/sh
# bench/run.sh - run the machine's raw figures (shared/bench/limits.sh) and
# Muster's benchmark (bench/bench) in one go, and print them side by side:
# each Muster figure, the raw figure that bounds it, the ratio, the goal and
# PASS or MISS.  'make bench' calls this.
#
# Environment: BENCH (the bench program; default ./bench/bench), LIMITS_SH
# (default: <source>/../shared/bench/limits.sh; if absent only absolute
# figures are printed), BENCH_TMPDIR (scratch space, default $TMPDIR or
# /tmp: put it on the disk you care about), BENCH_STRICT=1 (exit 1 on a
# MISS), and the BENCH_* sizes bench/bench reads (BENCH_ENTRIES...).
# BENCH_EQUIP, BENCH_PEOPLE_BIN and BENCH_MONEY name bench/bench_equip,
# bench/bench_people and bench/bench_money (run when built); bench_people
# reads BENCH_TEAMS, BENCH_PEOPLE (the head count, 28000), BENCH_CERTS and
# BENCH_EXAMS; bench_money BENCH_TEAMS, BENCH_ASSETS (20000) and
# BENCH_SPENDS (500000).  BENCH_REPORTS (bench/reports.sh), with MUSTER and
# REPORT_PLUGINS, times the three province reports over a generated
# national store (BENCH_REPORT_STORE reuses one, BENCH_REPORT_RUNS).
# BENCH_MUSTERD (bench/musterd.sh), with MUSTERD and MUSTERD_WWW, puts
# musterd under wrk on that store (BENCH_WRK_SECONDS).  BENCH_MIRROR
# (bench/mirror.sh), with MUSTER, MUSTERD, MUSTERD_WWW and BENCH_APPEND
# (bench/bench_append), times `muster mirror pull` from a site's musterd
# (BENCH_PULL_RUNS, BENCH_PULL_APPEND).  BENCH_NATIONAL (bench/bench_national)
# verifies and reads that national store; SQLITE_PEER (bench/sqlite_peer, when
# configure found libsqlite3; empty otherwise) with BENCH_PEER_SH
# (bench/peer.sh) sets Muster beside the same log in SQLite on it.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bench=${BENCH:-./bench/bench}
limits_sh=${LIMITS_SH:-$here/../../shared/bench/limits.sh}
[ -x "$bench" ] || { echo "bench: $bench not built (make bench builds it)" >&2; exit 1; }

scratch=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/muster-bench.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM
mkdir -p "$scratch/limits" "$scratch/muster"

if [ -f "$limits_sh" ]; then
	echo "== raw figures: $limits_sh"
	(sh "$limits_sh" "$scratch/limits" || echo "limits_failed $?") | tee "$scratch/limits.out"
	if grep -q '^limits_failed' "$scratch/limits.out"; then
		echo "bench: limits.sh failed; ratios to it are missing" >&2
	fi
else
	echo "== raw figures: $limits_sh is absent; printing Muster's absolute figures only"
	: >"$scratch/limits.out"
fi

echo "== muster: $bench (BENCH_ENTRIES=${BENCH_ENTRIES:-1000000})"
("$bench" "$scratch/muster" 2>&1 || echo "bench_failed $?") | tee "$scratch/bench.out"
if grep -q '^bench_failed' "$scratch/bench.out"; then
	echo "bench: $bench failed" >&2
	exit 1
fi
bench_equip=${BENCH_EQUIP:-./bench/bench_equip}
if [ -x "$bench_equip" ]; then
	echo "== muster: $bench_equip (BENCH_ASSETS=${BENCH_ASSETS:-2000})"
	("$bench_equip" "$scratch/muster" 2>&1 || echo "bench_failed $?") | tee -a "$scratch/bench.out"
	if grep -q '^bench_failed' "$scratch/bench.out"; then
		echo "bench: $bench_equip failed" >&2
		exit 1
	fi
fi
bench_people=${BENCH_PEOPLE_BIN:-./bench/bench_people}
if [ -x "$bench_people" ]; then
	echo "== muster: $bench_people (BENCH_TEAMS=${BENCH_TEAMS:-130}, BENCH_PEOPLE=${BENCH_PEOPLE:-28000})"
	("$bench_people" "$scratch/muster" 2>&1 || echo "bench_failed $?") |
		tee -a "$scratch/bench.out"
	if grep -q '^bench_failed' "$scratch/bench.out"; then
		echo "bench: $bench_people failed" >&2
		exit 1
	fi
fi

bench_money=${BENCH_MONEY:-./bench/bench_money}
if [ -x "$bench_money" ]; then
	echo "== muster: $bench_money (BENCH_SPENDS=${BENCH_SPENDS:-500000}, BENCH_ASSETS=${BENCH_ASSETS:-20000})"
	("$bench_money" "$scratch/muster" 2>&1 || echo "bench_failed $?") |
		tee -a "$scratch/bench.out"
	if grep -q '^bench_failed' "$scratch/bench.out"; then
		echo "bench: $bench_money failed" >&2
		exit 1
	fi
fi

reports=${BENCH_REPORTS:-}
if [ -n "$reports" ] && [ -n "${MUSTER:-}" ]; then
	echo "== muster: $reports (the three province reports over a national month)"
	(sh "$reports" "$MUSTER" "$REPORT_PLUGINS" "$scratch/muster" 2>&1 || echo "bench_failed $?") |
		tee -a "$scratch/bench.out"
	if grep -q '^bench_failed' "$scratch/bench.out"; then
		echo "bench: $reports failed" >&2
		exit 1
	fi
fi

musterd_bench=${BENCH_MUSTERD:-}
store=${BENCH_REPORT_STORE:-$scratch/muster/national}
if [ -n "$musterd_bench" ] && [ -n "${MUSTERD:-}" ] && [ -d "$store" ]; then
	echo "== muster: $musterd_bench (musterd under wrk on loopback, the national store)"
	(sh "$musterd_bench" "$MUSTER" "$MUSTERD" "$MUSTERD_WWW" "$scratch/muster" "$store" 2>&1 || echo "bench_failed $?") |
		tee -a "$scratch/bench.out"
	if grep -q '^bench_failed' "$scratch/bench.out"; then
		echo "bench: $musterd_bench failed" >&2
		exit 1
	fi
fi

mirror_bench=${BENCH_MIRROR:-}
if [ -n "$mirror_bench" ] && [ -n "${MUSTER:-}" ] && [ -n "${MUSTERD:-}" ] && [ -x "${BENCH_APPEND:-}" ]; then
	echo "== muster: $mirror_bench (muster mirror pull from a site's musterd --serve-log on loopback)"
	(sh "$mirror_bench" "$MUSTER" "$MUSTERD" "${MUSTERD_WWW:-$here/../www}" "$BENCH_APPEND" "$scratch/muster" 2>&1 || echo "bench_failed $?") |
		tee -a "$scratch/bench.out"
	if grep -q '^bench_failed' "$scratch/bench.out"; then
		echo "bench: $mirror_bench failed" >&2
		exit 1
	fi
fi

import_bench=${BENCH_IMPORT:-}
if [ -n "$import_bench" ] && [ -n "${MUSTER:-}" ]; then
	echo "== muster: $import_bench (muster import of a ${BENCH_IMPORT_ROWS:-100000}-row asset register)"
	(sh "$import_bench" "$MUSTER" "$scratch/muster" 2>&1 || echo "bench_failed $?") | tee -a "$scratch/bench.out"
	if grep -q '^bench_failed' "$scratch/bench.out"; then
		echo "bench: $import_bench failed" >&2
		exit 1
	fi
fi

store=${BENCH_REPORT_STORE:-$scratch/muster/national}
if [ -n "${BENCH_NATIONAL:-}" ] && [ -x "$BENCH_NATIONAL" ] && [ -d "$store" ]; then
	echo "== muster: $BENCH_NATIONAL read (verification and point lookups on the national store)"
	("$BENCH_NATIONAL" read "$store" 2>&1 || echo "bench_failed $?") | sed 's/^/nat_/' | tee -a "$scratch/bench.out"
	if grep -q '^nat_bench_failed' "$scratch/bench.out"; then
		echo "bench: $BENCH_NATIONAL failed" >&2
		exit 1
	fi
fi
if [ -n "${SQLITE_PEER:-}" ] && [ -x "$SQLITE_PEER" ] && [ -d "$store" ]; then
	echo "== the SQLite peer: ${BENCH_PEER_SH:-$here/peer.sh} (the same log in SQLite, WAL; built from the national store)"
	export MUSTER_PASSPHRASE='bench 基准' # reports.sh's
	(sh "${BENCH_PEER_SH:-$here/peer.sh}" "$store" "$scratch" 2>&1 || echo "bench_failed $?") | sed 's/^/nat_/' |
		tee -a "$scratch/bench.out"
	if grep -q '^nat_bench_failed' "$scratch/bench.out"; then
		echo "bench: the SQLite peer failed" >&2
		exit 1
	fi
elif [ -z "${SQLITE_PEER:-}" ]; then
	echo "== the SQLite peer was skipped: configure did not find sqlite3 (install libsqlite3-dev, re-run configure)"
fi

# figure | bench key | limits key | same-run key | goal kind | goal value | unit
cat >"$scratch/rows" <<'EOF'
durable appends/s|durable_append_per_s|lmdb_commit_sync|ref_commit_sync_per_s|min|0.8|/s
  (on the big log)|durable_append_big_per_s|lmdb_commit_sync|ref_commit_sync_per_s|-|-|/s
batched signed appends/s|batched_append_per_s|sign_ed25519|ref_sign_per_s|min|0.5|/s
  (build, no fsync)|bulk_append_per_s|sign_ed25519|ref_sign_per_s|-|-|/s
full-log verify entries/s|log_verify_per_s|verify_ed25519|ref_verify_per_s|min|1.6|/s
  (vs verify on all CPUs)|log_verify_per_s|-|ref_verify_all_cpus_per_s|-|-|/s
mirror import entries/s (whole log)|mirror_import_per_s|verify_ed25519|ref_verify_mirror_per_s|min|1.6|/s
  (vs verify on all CPUs)|mirror_import_per_s|-|ref_verify_all_mirror_per_s|-|-|/s
inclusion proof|inclusion_proof_us|-|-|max|50|us
consistency proof|consistency_proof_us|-|-|-|-|us
scan to checkout, median|scan_checkout_median_ms|lmdb_commit_sync|-|-|-|ms
  (p99)|scan_checkout_p99_ms|lmdb_commit_sync|-|-|-|ms
  (plain durable commit here)|ref_commit_sync_ms|lmdb_commit_sync|-|-|-|ms
PNG labels/s|labels_png_per_s|qrencode_M|ref_qrencode_per_s|minsame|0.3|/s
  (label payload, bytes)|label_payload_bytes|-|-|-|-|n
1,000-label PDF sheet|pdf_1000_labels_s|-|-|max|3|s
asset lookup by payload|lookup_payload_us|verify_ed25519|ref_verify_per_s|costmax|1.2|us
people build, events/s|build_people_per_s|sign_ed25519|-|-|-|/s
ready, one team|ready_team_ms|-|-|max|5|ms
  (p90 of the teams)|ready_team_p90_ms|-|-|-|-|ms
ready, whole country|ready_country_ms|-|-|max|200|ms
  (CPU time)|ready_country_cpu_ms|-|-|-|-|ms
  (per person)|ready_per_person_us|-|-|-|-|us
due in 60 days, country|due_country_ms|-|-|max|200|ms
  (CPU time)|due_country_cpu_ms|-|-|-|-|ms
due in 60 days, one team|due_team_ms|-|-|-|-|ms
money build, events/s|build_money_per_s|sign_ed25519|-|-|-|/s
audit, national year (500,000 spends)|audit_s|-|-|max|2|s
  (CPU time)|audit_cpu_s|-|-|-|-|s
  (first run after opening)|audit_first_s|-|-|-|-|s
  (heap bytes per spend)|audit_bytes_per_spend|-|-|-|-|-
summary by fund / team / month|summary_ms|-|-|max|300|ms
  (by fund)|summary_fund_ms|-|-|-|-|ms
  (by team)|summary_team_ms|-|-|-|-|ms
  (by month)|summary_month_ms|-|-|-|-|ms
report national (JSON), national month|report_national_ms|-|-|max|500|ms
report shanxi (GB18030 CSV)|report_shanxi_ms|-|-|max|500|ms
report sichuan (XLSX)|report_sichuan_ms|-|-|max|500|ms
  (national, store compacted)|report_national_compact_ms|-|-|max|500|ms
  (shanxi, store compacted)|report_shanxi_compact_ms|-|-|max|500|ms
  (sichuan, store compacted)|report_sichuan_compact_ms|-|-|max|500|ms
musterd GET /api/v1/assets/ID, req/s|musterd_asset_rps|-|-|-|-|/s
  (p99 latency, 32 connections)|musterd_asset_p99_ms|-|-|-|-|ms
musterd GET /t/TAG (scan), req/s|musterd_scan_rps|-|-|-|-|/s
  (p99 latency, 32 connections)|musterd_scan_p99_ms|-|-|-|-|ms
musterd signed write (gateway), median|musterd_write_ms|-|-|-|-|ms
  (p90)|musterd_write_p90_ms|-|-|-|-|ms
mirror pull, 1,000 new entries, median|mirror_pull_1000_s|-|-|max|1|s
  (slowest of the runs)|mirror_pull_1000_max_s|-|-|-|-|s
  (first pull, the whole team log)|mirror_pull_first_s|-|-|-|-|s
  (entries in the first pull)|mirror_pull_first_entries|-|-|-|-|n
import of asset rows/s (CSV)|import_csv_rows_per_s|sign_ed25519|ref_sign_per_s|min|0.5|/s
  (.xlsx, as muster export writes it)|import_xlsx_rows_per_s|sign_ed25519|ref_sign_per_s|min|0.5|/s
  (the same file again: nothing new)|import_again_s|-|-|-|-|s
  (rows)|import_rows|-|-|-|-|n
EOF

echo
awk -F'|' -v strict="${BENCH_STRICT:-0}" '
FILENAME == ARGV[1] { split($0, a, /[ \t]+/); lim[a[1]] = a[2]; next }
FILENAME == ARGV[2] { split($0, a, /[ \t]+/); val[a[1]] = a[2]; next }
{
	name = $1; key = $2; lk = $3; rk = $4; kind = $5; goal = $6; unit = $7
	if (!(key in val))
		next
	v = val[key] + 0
	vs = unit == "us" ? sprintf("%.1f us", v) : sprintf("%.0f", v)
	ref = "-"; ratio = "-"; rr = "-"; r = 0; rrv = 0
	if (unit == "ms") vs = sprintf("%.2f ms", v)
	if (unit == "s") vs = sprintf("%.2f s", v)
	if (lk != "-" && (lk in lim) && lim[lk] > 0) {
		ref = sprintf("%s %.0f", lk, lim[lk]); r = v / lim[lk]; ratio = sprintf("%.2fx", r)
		# a time against a rate: how many of the raw operations it costs
		if (unit == "ms") { r = v * lim[lk] / 1000; ratio = sprintf("%.2f op", r) }
		if (unit == "us") { r = v * lim[lk] / 1e6; ratio = sprintf("%.2f op", r) }
	}
	if (rk != "-" && (rk in val) && val[rk] > 0) {
		rrv = v / val[rk]; rr = sprintf("%.2fx of %.0f", rrv, val[rk])
		if (unit == "us") { rrv = v * val[rk] / 1e6; rr = sprintf("%.2f op of %.0f/s", rrv, val[rk]) }
	}
	g = "-"; res = "-"; res2 = ""
	if (kind == "min") {
		g = sprintf(">= %.1fx", goal)
		if (ratio == "-") res = "n/a"
		else res = r >= goal ? "PASS" : "MISS"
		if (rr != "-") res2 = rrv >= goal ? "PASS" : "MISS"
	} else if (kind == "minsame") {
		# judged on the same-run reference, which encodes the same payload; limits.sh encodes a shorter one
		g = sprintf(">= %.1fx*", goal)
		res = rr == "-" ? "n/a" : rrv >= goal ? "PASS" : "MISS"
		res2 = res
		same = 1
	} else if (kind == "costmax") {
		g = sprintf("<= %.1f op", goal)
		if (ratio == "-") res = "n/a"
		else res = r <= goal ? "PASS" : "MISS"
		if (rr != "-") res2 = rrv <= goal ? "PASS" : "MISS"
	} else if (kind == "max") {
		g = sprintf("< %g %s", goal, unit)
		res = v < goal ? "PASS" : "MISS"
	}
	if (res == "MISS") miss++
	printf "%-38s %12s  %-24s %7s  %-9s %-5s | %-18s %s\n", name, vs, ref, ratio, g, res, rr, res2
}
BEGIN {
	printf "%-38s %12s  %-24s %7s  %-9s %-5s | %s\n", "figure", "muster", "limits.sh reference", "ratio",
		"goal", "result", "same-run reference (interleaved in bench)"
	printf "%-38s %12s  %-24s %7s  %-9s %-5s | %s\n", "------", "------", "-------------------", "-----",
		"----", "------", "------------------"
}
END {
	if (same) printf "\n* judged against raw libqrencode on the same payload (the same-run column): limits.sh encodes a shorter one, a smaller QR version.\n"
	if (NR > 0 && miss) printf "\n%d goal(s) missed.\n", miss
	exit strict == 1 && miss > 0 ? 1 : 0
}' "$scratch/limits.out" "$scratch/bench.out" "$scratch/rows" || status=$?

# Muster beside the SQLite peer, on the national store: figure | Muster key | peer key | better | goal
cat >"$scratch/peer_rows" <<'EOF'
batched ingest, entries/s (10,000 a durable write)|nat_cmp_batched_muster_per_s|nat_cmp_batched_peer_per_s|high|3
durable single appends/s (SQLite synchronous=FULL)|nat_cmp_durable_muster_per_s|nat_cmp_durable_peer_per_s|high|3
  SQLite synchronous=NORMAL: not durable|nat_cmp_durable_muster_per_s|nat_cmp_durable_peer_normal_per_s|high|-
entry by index, mean|nat_cmp_lookup_entry_muster_us|nat_cmp_lookup_entry_peer_us|low|3
  (p99)|nat_cmp_lookup_entry_muster_p99_us|nat_cmp_lookup_entry_peer_p99_us|low|-
  (CPU time)|nat_cmp_lookup_entry_muster_cpu_us|nat_cmp_lookup_entry_peer_cpu_us|low|-
  LMDB alone, mdb_get (the peer: other indexes)|nat_cmp_lookup_entry_lmdb_us|nat_cmp_lookup_entry_peer_again_us|low|-
  Muster over LMDB alone (1.00x: at the floor)|nat_cmp_lookup_entry_muster_us|nat_cmp_lookup_entry_lmdb_us|low|-
asset by id, mean|nat_cmp_lookup_asset_muster_us|nat_cmp_lookup_asset_peer_us|low|3
  (p99)|nat_cmp_lookup_asset_muster_p99_us|nat_cmp_lookup_asset_peer_p99_us|low|-
  (CPU time)|nat_cmp_lookup_asset_muster_cpu_us|nat_cmp_lookup_asset_peer_cpu_us|low|-
full verification, entries/s|nat_verify_per_s|nat_peer_verify_per_s|high|-
empty pair: batched ingest, entries/s|nat_cmp_empty_batched_muster_per_s|nat_cmp_empty_batched_peer_per_s|high|3
empty pair: durable single appends/s|nat_cmp_empty_durable_muster_per_s|nat_cmp_empty_durable_peer_per_s|high|3
EOF
if grep -q '^nat_cmp_batched_peer_per_s' "$scratch/bench.out"; then
	echo
	echo "Muster beside the SQLite peer, on the national store ($(awk '$1 == "nat_cmp_log_size" {printf "%d", $2}' "$scratch/bench.out") entries)"
	awk -F'|' -v strict="${BENCH_STRICT:-0}" '
	FILENAME == ARGV[1] { split($0, a, /[ \t]+/); val[a[1]] = a[2]; next }
	!(($2) in val) || !(($3) in val) { next }
	{
		m = val[$2] + 0; q = val[$3] + 0
		r = $4 == "high" ? m / q : q / m
		vm = $2 ~ /_us$/ ? sprintf("%.2f us", m) : sprintf("%.0f", m)
		vq = $3 ~ /_us$/ ? sprintf("%.2f us", q) : sprintf("%.0f", q)
		g = $5 == "-" ? "-" : sprintf(">= %sx", $5)
		res = $5 == "-" ? "-" : r >= $5 ? "PASS" : "MISS"
		if (res == "MISS") miss++
		printf "%-52s %12s %12s %8.2fx  %-7s %s\n", $1, vm, vq, r, g, res
	}
	BEGIN { printf "%-52s %12s %12s %9s  %-7s %s\n", "figure", "muster", "SQLite", "ratio", "goal", "result" }
	END {
		if (miss) printf "\n%d goal(s) against the SQLite peer missed.\n", miss
		exit strict == 1 && miss > 0 ? 1 : 0
	}' "$scratch/bench.out" "$scratch/peer_rows" || status=$?
fi
exit "${status:-0}"
