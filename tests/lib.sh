# tests/lib.sh - shared by the shell tests: TAP output and a scratch store.
# Source it; it sets $T (a fresh scratch directory, removed on exit), $M (the
# muster binary) and exports a test passphrase.  Keys are made with the
# cheapest Argon2id cost (--kdf min) so the suite stays fast; the cost is
# read from each key file's header, so nothing else changes.

set -u
: "${MUSTER:?MUSTER must name the muster binary (make check sets it)}"
M=$MUSTER
T=$(mktemp -d "${TMPDIR:-/tmp}/muster-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
export MUSTER_PASSPHRASE='correct horse 电池 staple'
unset MUSTER_STORE MUSTER_KEY
export LC_ALL=C.UTF-8

tap_n=0
tap_failed=0

ok() { # ok COND-EXIT-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
	fi
}

like() { # like GOT SUBSTRING DESCRIPTION
	case "$1" in
	*"$2"*) ok 0 "$3" ;;
	*) ok 1 "$3"; printf '#   got:  %s\n#   want to contain: %s\n' "$1" "$2" ;;
	esac
}

skip_all() { # skip_all REASON; under CI (MUSTER_REQUIRE_ALL=1) a missing tool is a failure
	if [ "${MUSTER_REQUIRE_ALL:-0}" = 1 ]; then
		echo "Bail out! $1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# new_store DIR [ORIGIN]: a store with an admin key at $T/admin.key
new_store() {
	"$M" --store "$1" init --origin "${2:-muster.test/site}" --admin-key "$T/admin.key" --holder '张伟' --kdf min >/dev/null
}

# new_key NAME: a key pair at $T/NAME.key{,.pub}
new_key() {
	"$M" key new --out "$T/$1.key" --kdf min >/dev/null
}

# The shell commands' shared harness: run ARGS... puts muster's stdout in
# $T/out and stderr in $T/err and sets rc; fails / succeeds assert on them;
# py EXPR evaluates a Python expression over the JSON in $T/out (as d).
PY=${PYTHON3_SYSTEM:-/usr/bin/python3}
# run ARGS...: muster with stdout in $T/out, stderr in $T/err; sets rc.
run() {
	"$M" "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
}

# fails WANT DESC ARGS...: muster ARGS must exit WANT with one "muster: " line on stderr.
fails() {
	want=$1 desc=$2
	shift 2
	run "$@"
	errlines=$(wc -l <"$T/err" | tr -d ' ')
	prefix=$(head -c 8 "$T/err")
	is "rc=$rc err=$errlines:$prefix" "rc=$want err=1:muster: " "$desc: exit $want, one error line"
	[ "$rc" = "$want" ] || sed 's/^/#   stderr: /' "$T/err"
}

# succeeds DESC ARGS...: muster ARGS must exit 0 with nothing on stderr.
succeeds() {
	desc=$1
	shift
	run "$@"
	is "rc=$rc err=$(wc -c <"$T/err" | tr -d ' ')" "rc=0 err=0" "$desc"
	[ "$rc" = 0 ] || sed 's/^/#   stderr: /' "$T/err"
}

# py EXPR: prints a python expression evaluated over the JSON in $T/out (as d).
py() {
	"$PY" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" <"$T/out" 2>&1
}

# For tests on one store at $S with keys at $T/WHO.key:
# as WHO ARGS... runs muster as that key holder; q ARGS... reads without a key.
as() {
	who=$1
	shift
	"$M" --store "$S" --key "$T/$who.key" "$@"
}
q() { "$M" --store "$S" "$@"; }
log_size() { "$M" --store "$S" log checkpoint | sed -n 2p; }
# journal_entries N TEXT: N journal entries on $S by admin, "TEXT 0" to "TEXT N-1"; 1 if one is refused.
journal_entries() {
	_i=0
	while [ $_i -lt "$1" ]; do
		as admin journal add "$2 $_i" >/dev/null || return 1
		_i=$((_i + 1))
	done
}

# central_of DIR: a central store at DIR mirroring the site $S whole (mirror add, then the import of a
# bundle of every entry); sets MD, the mirror's directory under DIR (mirrors/<origin, / as %2F>).
central_of() {
	"$M" --store "$1" init --origin centre.example/national --admin-key "$T/central.key" --holder '王芳' --kdf min >/dev/null &&
		origin=$(q log checkpoint | head -n 1) &&
		"$M" --store "$1" mirror add "$origin" --vkey "$(q log vkey)" >/dev/null &&
		q log bundle --since 0 --out "$T/b.tar" >/dev/null &&
		"$M" --store "$1" mirror import "$T/b.tar" >/dev/null &&
		MD=mirrors/$(printf '%s' "$origin" | sed 's|/|%2F|g')
}
# attach_file: an attached file in $S, as 'spend record --attach' keeps it (named by its SHA-256);
# its bytes in $T/att, its name in att
attach_file() {
	mkdir -p -m 700 "$S/attachments" &&
		printf '发票 2026-12\n' >"$T/att" &&
		att=$(sha256sum "$T/att" | cut -d' ' -f1) &&
		cp "$T/att" "$S/attachments/$att"
}

# held STORE HOW: python3 holds the store until release (HOW: lmdb, an open LMDB environment;
# flock-sh or flock-ex, the directory's lock as a muster, or a compaction or restore, takes it);
# returns once it does, with its pid in holder
held() {
	rm -f "$T/held" "$T/release"
	"$PY" - "$1" "$2" "$T/held" "$T/release" <<'EOF' &
import fcntl, os, sys, time
store, how, ready, release = sys.argv[1:]
if how == "lmdb":
    import lmdb
    env = lmdb.open(store, max_dbs=64, readonly=True)
    txn = env.begin()
else:
    fd = os.open(store, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_SH if how == "flock-sh" else fcntl.LOCK_EX)
open(ready, "w").close()
for _ in range(600):
    if os.path.exists(release):
        break
    time.sleep(0.05)
EOF
	holder=$!
	_i=0
	while [ ! -e "$T/held" ] && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
}
# release: lets held's python3 go, and waits for it
release() {
	: >"$T/release"
	wait "$holder"
}

# refuses WANT DESC SUBSTRING CMD...: CMD exits WANT with one stderr line that
# contains SUBSTRING, and the log of $S is unchanged.
refuses() {
	want=$1 desc=$2 sub=$3
	shift 3
	before=$(log_size)
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	is "$rc $(wc -l <"$T/err" | tr -d ' ') $(log_size)" "$want 1 $before" "$desc: exit $want, one line, nothing written"
	like "$(cat "$T/err")" "$sub" "$desc: the message says why"
}

# start_musterd ARGS...: musterd on a free loopback port with ARGS, its
# stderr in $T/d.err; sets pid, port and B (the base URL), or bails out.
start_musterd() {
	rm -f "$T/port"
	"$MUSTERD" "$@" --listen 127.0.0.1:0 --port-file "$T/port" 2>"$T/d.err" &
	pid=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 200 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	port=$(cat "$T/port" 2>/dev/null)
	[ -n "$port" ] || { echo "Bail out! musterd did not start: $(cat "$T/d.err")"; exit 1; }
	B=http://127.0.0.1:$port
}

# start_named NAME ARGS...: musterd with ARGS and the tree's www on a free
# loopback port, its port in $T/NAME.port and its stderr in $T/NAME.err,
# for a test that runs more than one; sets dpid and dbase (the base URL),
# or bails out (stopping it).
start_named() {
	name=$1
	shift
	rm -f "$T/$name.port"
	"$MUSTERD" "$@" --www "$top_srcdir/www" --listen 127.0.0.1:0 --port-file "$T/$name.port" 2>"$T/$name.err" &
	dpid=$!
	i=0
	while [ ! -s "$T/$name.port" ] && [ $i -lt 200 ] && kill -0 "$dpid" 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -s "$T/$name.port" ] || {
		echo "Bail out! musterd ($name) did not start: $(cat "$T/$name.err")"
		kill "$dpid" 2>/dev/null
		exit 1
	}
	dbase=http://127.0.0.1:$(cat "$T/$name.port")
}

# go_build OUT SRC: builds the Go program SRC to OUT against the system's
# golang.org/x/mod (GOPATH mode, no modules, no network: Debian's
# golang-golang-x-mod-dev), as one TAP line; skips without Go or x/mod,
# bails out if it does not build.
go_build() {
	[ -n "${GO:-}" ] || skip_all "configure found no Go toolchain (go); this test needs go and golang.org/x/mod"
	gopath=
	for d in $(printf '%s' "${GOPATH:-}" | tr ':' ' ') /usr/share/gocode; do
		if [ -d "$d/src/golang.org/x/mod/sumdb/note" ] && [ -d "$d/src/golang.org/x/mod/sumdb/tlog" ]; then
			gopath=$d
			break
		fi
	done
	[ -n "$gopath" ] || skip_all "golang.org/x/mod is not in GOPATH or /usr/share/gocode (Debian: golang-golang-x-mod-dev)"
	name=$(basename "$2" .go)
	if GO111MODULE=off GOPATH=$gopath GOCACHE=$T/gocache GOENV=off GOFLAGS='' CGO_ENABLED=0 \
		"$GO" build -o "$1" "$2" >"$T/build.log" 2>&1; then
		ok 0 "go builds $name against golang.org/x/mod in $gopath"
	else
		ok 1 "go builds $name against golang.org/x/mod in $gopath"
		sed 's/^/#   /' "$T/build.log"
		echo "Bail out! $2 does not build"
		exit 1
	fi
}
