#!/bin/sh
# tests/fuzz/run.sh - build and run the libFuzzer targets (not part of 'make check').
#
#   sh tests/fuzz/run.sh [run]     build the targets, fuzz each for FUZZ_SECONDS
#   sh tests/fuzz/run.sh build     build only
#   sh tests/fuzz/run.sh cover     line coverage of core/ (and the tools/ files fuzzed) by the corpus so far
#                                  (clang source-based coverage, llvm-cov)
#   sh tests/fuzz/run.sh seeds     regenerate tests/fuzz/corpus/<target> for each of
#                                  FUZZ_TARGETS in the source tree (or under SEEDS_DIR)
#
# 'make fuzz' and 'make fuzz-smoke' call this with the configured flags.  The
# targets are compiled straight from core/*.c with clang (no libtool) under
# -fsanitize=fuzzer,address,undefined; csv and xlsx also take tools/sheet.c
# with libzip and expat, tiles and bundle the tile readers of tools/ with
# libcurl, http musterd's request handling with jansson and libmicrohttpd,
# plugin jansson (tests/fuzz/config.h stands in for the build tree's
# config.h the tools/ files include).  Everything written goes to FUZZ_OUT
# (default ./tests/fuzz-out, i.e. the build tree): the objects and binaries,
# a working corpus that grows from run to run, crash files and logs.  The
# seed corpus in the source tree is only read.
#
# Environment: FUZZ_SECONDS (60), FUZZ_TARGETS ("entry note fields csv xlsx
# keyfile tiles bundle http plugin"), CLANG, FUZZ_CFLAGS (extra), FUZZ_ARGS
# (extra libFuzzer flags), FUZZ_REQUIRED=1 (fail instead of skipping when
# clang/libFuzzer is missing), and SODIUM_/LMDB_/PTHREAD_/ZIP_/EXPAT_/CURL_/
# JANSSON_/MHD_ CFLAGS/LIBS (default: pkg-config).
# Exit status: 0 if no target crashed (or fuzzing was skipped), 1 otherwise.
set -eu

mode=${1:-run}
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
out=${FUZZ_OUT:-$(pwd)/tests/fuzz-out}
secs=${FUZZ_SECONDS:-60}
[ -n "$secs" ] || secs=60
targets=${FUZZ_TARGETS:-entry note fields csv xlsx keyfile tiles bundle http plugin}

say() { printf 'fuzz: %s\n' "$*"; }
die() { printf 'fuzz: %s\n' "$*" >&2; exit 1; }

pc() { pkg-config "$@" 2>/dev/null || true; }
SODIUM_CFLAGS=${SODIUM_CFLAGS-$(pc --cflags libsodium)}
SODIUM_LIBS=${SODIUM_LIBS-$(pc --libs libsodium)}
LMDB_CFLAGS=${LMDB_CFLAGS-$(pc --cflags lmdb)}
LMDB_LIBS=${LMDB_LIBS-$(pc --libs lmdb)}
[ -n "$LMDB_LIBS" ] || LMDB_LIBS=-llmdb
PTHREAD_CFLAGS=${PTHREAD_CFLAGS-}
PTHREAD_LIBS=${PTHREAD_LIBS:--pthread}
ZIP_CFLAGS=${ZIP_CFLAGS-$(pc --cflags libzip)}
ZIP_LIBS=${ZIP_LIBS-$(pc --libs libzip)}
[ -n "$ZIP_LIBS" ] || ZIP_LIBS=-lzip
EXPAT_CFLAGS=${EXPAT_CFLAGS-$(pc --cflags expat)}
EXPAT_LIBS=${EXPAT_LIBS-$(pc --libs expat)}
[ -n "$EXPAT_LIBS" ] || EXPAT_LIBS=-lexpat
CURL_CFLAGS=${CURL_CFLAGS-$(pc --cflags libcurl)}
CURL_LIBS=${CURL_LIBS-$(pc --libs libcurl)}
[ -n "$CURL_LIBS" ] || CURL_LIBS=-lcurl
JANSSON_CFLAGS=${JANSSON_CFLAGS-$(pc --cflags jansson)}
JANSSON_LIBS=${JANSSON_LIBS-$(pc --libs jansson)}
[ -n "$JANSSON_LIBS" ] || JANSSON_LIBS=-ljansson
MHD_CFLAGS=${MHD_CFLAGS-$(pc --cflags libmicrohttpd)}
MHD_LIBS=${MHD_LIBS-$(pc --libs libmicrohttpd)}
[ -n "$MHD_LIBS" ] || MHD_LIBS=-lmicrohttpd

std="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I$top_srcdir/include -I$top_srcdir/core"
libs="$SODIUM_LIBS $LMDB_LIBS $PTHREAD_LIBS"

# What a target takes beyond core/: the spreadsheet readers are in tools/sheet.c, over libzip and expat;
# the tile readers in tools/tilepath.c and tilesrc.c, over libcurl; musterd's request handling in the
# tools/ files below (fuzz_http.c includes musterd.c, musterd_auth.c and musterd_cmd.c itself, to reach
# their static functions), over libmicrohttpd and jansson.
tools=$top_srcdir/tools
extra_src() {
	case $1 in
	csv | xlsx) echo "$tools/sheet.c" ;;
	tiles | bundle) echo "$tools/tilepath.c $tools/tilesrc.c" ;;
	http) echo "$tools/http.c $tools/lang.c $tools/musterd_log.c $tools/musterd_witness.c $tools/tilepath.c $tools/rowfilter.c $tools/reasons.c" ;;
	esac
}
extra_cflags() {
	case $1 in
	csv | xlsx) echo "-I$tools $ZIP_CFLAGS $EXPAT_CFLAGS" ;;
	tiles | bundle) echo "-I$here -I$tools $CURL_CFLAGS" ;;
	http) echo "-I$here -I$tools $MHD_CFLAGS $JANSSON_CFLAGS" ;;
	plugin) echo "$JANSSON_CFLAGS" ;;
	esac
}
extra_libs() {
	case $1 in
	csv | xlsx) echo "$ZIP_LIBS $EXPAT_LIBS" ;;
	tiles | bundle) echo "$CURL_LIBS" ;;
	http) echo "$MHD_LIBS $JANSSON_LIBS" ;;
	plugin) echo "$JANSSON_LIBS" ;;
	esac
}

# clang: $CLANG, else the first clang on PATH that links a libFuzzer program.
find_clang() {
	probe=$out/probe
	mkdir -p "$probe"
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
		>"$probe/probe.c"
	for c in ${CLANG:-} clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14 clang-13; do
		command -v "$c" >/dev/null 2>&1 || continue
		if "$c" -fsanitize=fuzzer,address,undefined -o "$probe/probe" "$probe/probe.c" >/dev/null 2>&1; then
			rm -rf "$probe"
			cc_fuzz=$c
			return 0
		fi
	done
	rm -rf "$probe"
	return 1
}

build() {
	mkdir -p "$out/obj" "$out/bin"
	if ! find_clang; then
		msg="no clang with libFuzzer found (set CLANG=; Debian/Ubuntu: clang and libclang-rt-NN-dev)"
		[ "${FUZZ_REQUIRED:-0}" = 1 ] && die "$msg"
		say "SKIP: $msg"
		exit 0
	fi
	flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
	say "building with $cc_fuzz into $out/bin"
	objs=
	for src in "$top_srcdir"/core/*.c; do
		o=$out/obj/$(basename "$src" .c).o
		# shellcheck disable=SC2086
		"$cc_fuzz" $std $flags ${FUZZ_CFLAGS:-} $SODIUM_CFLAGS $LMDB_CFLAGS $PTHREAD_CFLAGS -c "$src" -o "$o" ||
			die "cannot compile $src"
		objs="$objs $o"
	done
	for t in $targets; do
		# shellcheck disable=SC2086,SC2046
		"$cc_fuzz" $std $flags ${FUZZ_CFLAGS:-} $SODIUM_CFLAGS $LMDB_CFLAGS $PTHREAD_CFLAGS $(extra_cflags "$t") \
			-o "$out/bin/fuzz_$t" "$here/fuzz_$t.c" $(extra_src "$t") $objs $libs $(extra_libs "$t") ||
			die "cannot build fuzz_$t"
	done
}

seeds() {
	dest=${SEEDS_DIR:-$here/corpus}
	cc=${CC:-cc}
	mkdir -p "$out/seeds"
	for t in $targets; do
		mkdir -p "$dest/$t"
		# shellcheck disable=SC2086,SC2046
		"$cc" $std -O1 -DMUSTER_FUZZ_SEEDS $SODIUM_CFLAGS $LMDB_CFLAGS $(extra_cflags "$t") -o "$out/seeds/mkseeds_$t" \
			"$here/fuzz_$t.c" $(extra_src "$t") "$top_srcdir"/core/*.c $libs $(extra_libs "$t") ||
			die "cannot build the $t seed writer"
		"$out/seeds/mkseeds_$t" "$dest/$t" || die "the $t seed writer failed"
		say "wrote $(ls "$dest/$t" | wc -l | tr -d ' ') seeds to $dest/$t"
	done
}

# The longest input worth trying: past MUSTER_ENTRY_MAX / MUSTER_NOTE_MAX / a minisign trusted comment, a few tar members, a
# request with a body, a descriptor with every string past its limit.
max_len() {
	case $1 in
	entry) echo 66000 ;;
	note) echo 8300 ;;
	csv) echo 8192 ;;
	xlsx) echo 65536 ;;
	keyfile) echo 9000 ;;
	tiles) echo 16384 ;;
	bundle) echo 20480 ;;
	http) echo 8192 ;;
	plugin) echo 4096 ;;
	*) echo 4096 ;;
	esac
}

cover() {
	find_clang || die "no clang with libFuzzer found"
	bindir=$(dirname "$(readlink -f "$(command -v "$cc_fuzz")")")
	cov=$bindir/llvm-cov prof=$bindir/llvm-profdata
	[ -x "$cov" ] || cov=$(command -v llvm-cov) || die "llvm-cov not found"
	[ -x "$prof" ] || prof=$(command -v llvm-profdata) || die "llvm-profdata not found"
	mkdir -p "$out/cover"
	flags="-g -O0 -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping"
	srcs=
	for t in $targets; do
		# shellcheck disable=SC2086,SC2046
		"$cc_fuzz" $std $flags $SODIUM_CFLAGS $LMDB_CFLAGS $PTHREAD_CFLAGS $(extra_cflags "$t") -o "$out/cover/fuzz_$t" \
			"$here/fuzz_$t.c" $(extra_src "$t") "$top_srcdir"/core/*.c $libs $(extra_libs "$t") ||
			die "cannot build the coverage fuzz_$t"
		mkdir -p "$out/corpus/$t"
		LLVM_PROFILE_FILE=$out/cover/$t.profraw "$out/cover/fuzz_$t" -runs=0 \
			"$out/corpus/$t" "$top_srcdir/tests/fuzz/corpus/$t" >"$out/cover/$t.log" 2>&1 ||
			die "replaying the $t corpus failed: $out/cover/$t.log"
		"$prof" merge -sparse -o "$out/cover/$t.profdata" "$out/cover/$t.profraw"
	done
	for t in $targets; do
		case $t in
		entry) srcs="codec.c event.c json.c" ;;
		note) srcs="codec.c note.c" ;;
		fields) srcs="codec.c fields.c tag.c" ;;
		csv | xlsx) srcs="../tools/sheet.c" ;;
		keyfile) srcs="key.c minisign.c" ;;
		tiles) srcs="mirror.c ../tools/tilepath.c ../tools/tilesrc.c" ;;
		bundle) srcs="../tools/tilepath.c ../tools/tilesrc.c" ;;
		http) srcs="../tools/http.c ../tools/musterd.c ../tools/musterd_auth.c ../tools/musterd_cmd.c ../tools/musterd_log.c ../tools/musterd_witness.c" ;;
		plugin) srcs="plugin.c" ;;
		esac
		files=
		for f in $srcs; do files="$files $top_srcdir/core/$f"; done
		say "fuzz_$t: line coverage of the functions it reaches"
		# shellcheck disable=SC2086
		"$cov" report "$out/cover/fuzz_$t" -instr-profile="$out/cover/$t.profdata" $files |
			sed "s|$top_srcdir/||"
	done
}

run() {
	build
	status=0
	for t in $targets; do
		corpus=$out/corpus/$t crashes=$out/crashes/$t log=$out/fuzz_$t.log
		mkdir -p "$corpus" "$crashes"
		say "fuzz_$t: ${secs}s, seeds $top_srcdir/tests/fuzz/corpus/$t, log $log"
		# New inputs go to the first corpus directory only (the build tree).
		rc=0
		# shellcheck disable=SC2086
		ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
			"$out/bin/fuzz_$t" -max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix="$crashes/" ${FUZZ_ARGS:-} \
			"$corpus" "$top_srcdir/tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
		# The last status line ("#N DONE cov: ... ft: ... corp: ...") and the final stats.
		grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$log" | tail -n 2 | sed "s/^/fuzz_$t: /" || true
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" |
			sed "s/^/fuzz_$t: /" || true
		found=$(ls "$crashes" 2>/dev/null | wc -l | tr -d ' ')
		if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
			status=1
			say "fuzz_$t FAILED (exit $rc): see $log"
			grep -E 'ERROR: |runtime error:|property broken|SUMMARY:' "$log" | head -n 10 | sed "s/^/fuzz_$t: /" || true
			for f in "$crashes"/*; do
				[ -e "$f" ] && say "reproduce: $out/bin/fuzz_$t $f"
			done
		else
			say "fuzz_$t: no crash"
		fi
	done
	return $status
}

case $mode in
run) run ;;
build) build ;;
cover) cover ;;
seeds) seeds ;;
*) die "usage: run.sh [run|build|cover|seeds]" ;;
esac
