#!/bin/sh
# tools/setup.sh - everything a fresh Debian machine needs, as root.
#
#   sh tools/setup.sh run     install, build, run the demo session on the default store, then
#                             musterd on a demo province store (build/demo) until Ctrl-C
#   sh tools/setup.sh check   install, build, and run the whole test suite:
#                             make check, the same under ASan+UBSan, a short fuzz run,
#                             and make distcheck
#
# Builds go to build/ and build-asan/ beside this checkout's sources.
set -eu

mode=${1:-run}
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

# Build and run dependencies, then what the tests drive: tools nobody here wrote.
build_pkgs="gcc make autoconf automake libtool pkg-config liblmdb-dev libsodium-dev libqrencode-dev libpng-dev libcairo2-dev libpango1.0-dev fonts-noto-cjk libxlsxwriter-dev libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev libzip-dev libexpat1-dev"
test_pkgs="libsqlite3-dev zbar-tools poppler-utils librsvg2-bin lmdb-utils golang-go golang-golang-x-mod-dev python3 python3-lmdb python3-icalendar clang libclang-rt-dev minisign python3-openpyxl python3-jsonschema python3-cryptography curl chromium"

install() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup.sh: run as root (it installs Debian packages with apt-get)" >&2
		exit 2
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $build_pkgs $* >/dev/null
}

configure_in() { # configure_in DIR [ARGS...]
	d=$1
	shift
	mkdir -p "$top/$d"
	(cd "$top/$d" && "$top/configure" -q "$@")
}

# failed_checks DIR: the failed checks under DIR (distcheck's tree included) with their
# diagnostics, last, where a CI log's tail shows them (the whole logs stay in test-suite.log).
failed_checks() {
	echo "setup.sh: the failed checks under $1:" >&2
	find "$top/$1" -name '*.trs' -exec grep -l '^:test-result: \(FAIL\|ERROR\|XPASS\)' {} + 2>/dev/null |
	while read -r trs; do
		log=${trs%.trs}.log
		echo "--- ${log#"$top/"}" >&2
		# The failing TAP lines, each with the diagnostic lines that follow it.
		awk '/^not ok/ { d = 1; print; next } d && /^#/ { print; next } { d = 0 }' "$log" | head -n 20 >&2
		tail -n 5 "$log" >&2
	done
}
# check_in DIR: make check there, the failed checks last if it fails.
check_in() {
	make -C "$top/$1" -j"$jobs" check && return 0
	failed_checks "$1"
	return 1
}

bootstrap() {
	# Out-of-tree builds only: the source tree stays clean for distcheck.
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi)
}

case $mode in
run)
	install
	bootstrap
	configure_in build
	make -C "$top/build" -j"$jobs" >/dev/null
	# The shift on build/muster-data, then musterd serving build/demo in the foreground:
	# exec, so Ctrl-C reaches musterd alone and the run ends with its exit status.
	exec sh "$top/tools/demo.sh" "$top/build/tools/muster" "$top/build"
	;;
check)
	install $test_pkgs
	# Node.js and npm for the browser test: Debian's, unless one is installed already (NodeSource's
	# nodejs carries its own npm and conflicts with Debian's npm package).
	command -v npm >/dev/null 2>&1 || install nodejs npm
	# Every interop tool is installed now: a test that would skip fails instead.
	export MUSTER_REQUIRE_ALL=1 FUZZ_REQUIRED=1
	# The browser test's driver and the bundled QR decoder, as web/package-lock.json pins them.
	(cd "$top/web" && npm ci --no-audit --no-fund)
	bootstrap
	configure_in build
	make -C "$top/build" -j"$jobs"
	check_in build
	configure_in build-asan --enable-asan
	make -C "$top/build-asan" -j"$jobs"
	check_in build-asan
	make -C "$top/build" fuzz-smoke
	make -C "$top/build" -j"$jobs" distcheck || {
		failed_checks build
		exit 1
	}
	# One closing line over both suites.
	awk '/^# PASS:/ { p += $3 } /^# (FAIL|ERROR|XPASS):/ { f += $3 } /^# SKIP:/ { s += $3 }
	     END { printf "muster: %d passed, %d failed, %d skipped\n", p, f, s }' \
		"$top/build/test-suite.log" "$top/build-asan/test-suite.log"
	;;
*)
	echo "usage: sh tools/setup.sh run|check" >&2
	exit 2
	;;
esac
