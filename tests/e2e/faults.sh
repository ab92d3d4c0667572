#!/bin/sh
# faults.sh - resource faults: the disk fills, the store cannot be written,
# the map outgrows itself under a reader, a reader dies holding its slot.
#
# 1. Disk full: the store on a small file system (a 4 MiB tmpfs; else an
#    8 MiB ext4 loop device; else RLIMIT_FSIZE with SIGXFSZ ignored, which
#    fails writes with EFBIG - the TAP output says which).  Appends until
#    the store cannot grow, then an import and a scan session: each failing
#    command exits 5 with one line naming the store and saying to free space
#    or move the store; the log verifies, holds exactly the acknowledged
#    writes, and its projections equal a reindex; reads still work; once
#    space is freed, writes work again.
# 2. Unwritable: a read-only bind mount of the store (and, as root, the
#    nobody user over the root-owned 0700 store; as anyone else, a store
#    without write permission): reads work where LMDB allows, else one
#    clear line; writes exit 5 with one line; nothing changes.
# 3. Map growth: a musterd serving many readers and a `muster scan` session
#    both open the store at its 64 MiB map; an import grows it past that
#    (MDB_MAP_RESIZED in the other processes): musterd keeps answering
#    (it crashed here: a reader remapped the map under the others), the scan
#    session's next write lands.
# 4. Stale reader slots: a python3-lmdb reader killed with SIGKILL inside a
#    read transaction (while another process keeps the environment open)
#    leaves its slot in `mdb_stat -r`; the next muster command clears it,
#    and a scan session's writes then reuse free pages.
# FAULTS_FS=tmpfs|loop|ulimit forces the disk-full mechanism.
. "$top_srcdir/tests/lib.sh"

: "${MUSTERD:?MUSTERD must name the musterd binary (make check sets it)}"
command -v curl >/dev/null 2>&1 || skip_all "curl not found (Debian: curl)"
"$PY" -c 'import lmdb' 2>/dev/null || skip_all "$PY has no lmdb module (Debian: python3-lmdb)"
export MUSTER_STORE="$T/no-default-store"
mounts=
pid=
bg=
cleanup() {
	for p in $bg $pid; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	chmod -R u+rwX "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# missing DESC WHY: a part this machine cannot run: skipped, or failed under CI.
missing() {
	if [ "${MUSTER_REQUIRE_ALL:-0}" = 1 ]; then
		ok 1 "$1"
		echo "#   $2"
	else
		tap_n=$((tap_n + 1))
		echo "ok $tap_n - $1 # SKIP $2"
	fi
}
# one_line WANT-RC DESC SUBSTRING...: $T/err is one "muster: " line with every SUBSTRING, and rc is WANT-RC.
one_line() {
	want=$1 desc=$2
	shift 2
	is "rc=$rc lines=$(wc -l <"$T/err" | tr -d ' '):$(head -c 8 "$T/err")" "rc=$want lines=1:muster: " "$desc: exit $want, one line"
	for sub in "$@"; do
		case "$(cat "$T/err")" in
		*"$sub"*) ;;
		*) ok 1 "$desc: the line says '$sub'"; sed 's/^/#   stderr: /' "$T/err"; return ;;
		esac
	done
	ok 0 "$desc: the line names the store and says what to do"
	echo "#   $(cat "$T/err")"
}
size_of() { "$M" --store "$1" log checkpoint | sed -n 2p; }
# projections DIR: every database but the log, as python3-lmdb reads it, one line a record.
projections() {
	"$PY" -c '
import lmdb, sys
env = lmdb.open(sys.argv[1], max_dbs=32, readonly=True, lock=False)
with env.begin() as txn:
    for name in sorted(bytes(k) for k, _ in txn.cursor()):
        if name != b"log":
            for k, v in txn.cursor(db=env.open_db(name, txn=txn, create=False)):
                print(name.decode(), bytes(k).hex(), bytes(v).hex())' "$1"
}
# same_as_reindex DIR DESC: the projections in DIR equal those a reindex of a copy rebuilds.
same_as_reindex() {
	rm -rf "$T/copy"
	cp -R "$1" "$T/copy" && rm -f "$T/copy/lock.mdb" &&
		"$M" --store "$T/copy" reindex >/dev/null 2>"$T/reindex.err"
	ok $? "$2: a copy reindexes"
	projections "$1" >"$T/p1" && projections "$T/copy" >"$T/p2" && cmp -s "$T/p1" "$T/p2"
	ok $? "$2: the projections equal a reindex, byte for byte ($(wc -l <"$T/p1" | tr -d ' ') records)"
}
assets_csv() { # assets_csv PREFIX N [NOTES]: an asset register of N rows
	"$PY" -c '
import sys
p, n = sys.argv[1], int(sys.argv[2])
notes = sys.argv[3] if len(sys.argv) > 3 else ""
print("资产编号,分类代码,装备名称,规格型号,资金来源,装备库编号" + (",备注" if notes else ""))
for i in range(n):
    print("%s%06d,2010101,正压氧气呼吸器,HYZ4B,host,D1%s" % (p, i, "," + notes if notes else ""))' "$@"
}
site() { # site DIR ORIGIN KEY: a store whose admin (张伟) is KEY, with a team and a depot for assets
	"$M" --store "$1" init --origin "$2" --admin-key "$3" --holder 张伟 --kdf min >/dev/null &&
		"$M" --store "$1" --key "$3" team add T1 --name 一队 --specialty mine --province 610000 --host 依托单位 \
			--host-code 91610624923A87342A >/dev/null &&
		"$M" --store "$1" --key "$3" depot add D1 --team T1 --name 一库 >/dev/null
}

# ==== 1. disk full ==========================================================================
mkdir "$T/mnt"
mech=
for m in ${FAULTS_FS:-tmpfs loop ulimit}; do
	case $m in
	tmpfs) mount -t tmpfs -o size=4m,mode=0700 muster-faults "$T/mnt" 2>/dev/null && mech="tmpfs (mount -t tmpfs -o size=4m)" ;;
	loop)
		truncate -s 8M "$T/fs.img" 2>/dev/null && mkfs.ext4 -q -F "$T/fs.img" >/dev/null 2>&1 &&
			mount -o loop "$T/fs.img" "$T/mnt" 2>/dev/null && mech="loop (an 8 MiB ext4 image, mount -o loop)"
		;;
	ulimit) (ulimit -f 100000) 2>/dev/null && mech="ulimit (RLIMIT_FSIZE, SIGXFSZ ignored: EFBIG)" ;;
	esac
	[ -n "$mech" ] && break
done
[ -n "$mech" ] || skip_all "no way to fill a disk here: no tmpfs or loop mount, no ulimit -f"
echo "# disk full by: $mech"
case $mech in tmpfs* | loop*) mounts="$T/mnt" ;; esac
FS=$T/mnt/s
lim= # ulimit: the file size limit, in 512-byte blocks
# mw ARGS...: muster as the full disk allows it
mw() {
	if [ -n "$lim" ]; then
		(trap '' XFSZ; ulimit -f "$lim" && exec "$M" "$@")
	else
		"$M" "$@"
	fi
}
site "$FS" faults.test/full "$T/admin.key"
assets_csv B 5 >"$T/b.csv"
run --store "$FS" --key "$T/admin.key" import assets "$T/b.csv"
is "$rc" 0 "a store on the small file system, with five assets"
case $mech in
ulimit*) lim=$((($(stat -c %s "$FS/data.mdb") + 196608) / 512)) ;;
*)
	avail=$(df -Pk "$T/mnt" | awk 'NR == 2 { print $4 }')
	dd if=/dev/zero of="$T/mnt/filler" bs=1k count=$((avail - 192)) 2>/dev/null
	echo "# $(df -Pk "$T/mnt" | awk 'NR == 2 { print $4 }') KiB left beside the store"
	;;
esac
base=$(size_of "$FS")
acked=0
big=$(head -c 12000 /dev/zero | tr '\0' x)
i=0
while [ $i -lt 200 ]; do
	i=$((i + 1))
	mw --store "$FS" --key "$T/admin.key" journal add "fill-$i $big" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 0 ] || break
	acked=$((acked + 1))
done
ok $((rc == 0)) "appends fill the file system ($acked acknowledged, then one refused)"
case $mech in
ulimit*) one_line 5 "a journal entry the full disk cannot take" "store '$FS'" "nothing was written" "file size limit" ;;
*) one_line 5 "a journal entry the full disk cannot take" "store '$FS'" "out of disk space" "Free space" "move the store" ;;
esac
failed_marker="fill-$i "

# Whatever room the failed write left is taken too; the store's own slack stays.
[ -z "$lim" ] && dd if=/dev/zero of="$T/mnt/filler2" bs=4k 2>/dev/null
assets_csv C 300 >"$T/c.csv"
before=$(size_of "$FS")
mw --store "$FS" --key "$T/admin.key" import assets "$T/c.csv" >"$T/out" 2>"$T/err"
rc=$?
one_line 5 "an import of 300 assets on the full disk" "store '$FS'" "nothing was written"
is "$(size_of "$FS")" "$before" "... and the log did not move"

# A scan session: lines are done while the store's slack lasts, then it stops at the first it cannot write.
notes=$(head -c 3000 /dev/zero | tr '\0' n)
i=0
while [ $i -lt 200 ]; do
	echo B000000
	i=$((i + 1))
done | mw --store "$FS" --key "$T/admin.key" scan --action inspect --kind 月检 --result pass --inspector 检查员 \
	--notes "$notes" >"$T/scan.out" 2>"$T/err"
rc=$?
scanned=$(grep -c '^ok ' "$T/scan.out")
one_line 5 "a scan session on the full disk stops at the line it cannot write" "store '$FS'" "nothing was written"
like "$(tail -n 1 "$T/scan.out")" "refused line $((scanned + 1)):" "... which it answers as refused, after $scanned done"
acked=$((acked + scanned))

succeeds "log verify passes on the full disk" --store "$FS" log verify
is "$(size_of "$FS")" "$((base + acked))" "the log holds exactly the $acked acknowledged writes"
"$M" --store "$FS" journal list >"$T/journal"
ok $(grep -c "$failed_marker" "$T/journal") "the refused journal entry is not in the log"
run --store "$FS" --json asset list
is "$rc $(py 'len(d)')" "0 5" "reads work on the full disk (asset list)"
same_as_reindex "$FS" "the store the full disk stopped"

# Space freed: writes work again.
if [ -n "$lim" ]; then
	lim=
else
	rm -f "$T/mnt/filler" "$T/mnt/filler2"
fi
succeeds "once space is freed, a journal entry is written" --store "$FS" --key "$T/admin.key" journal add "after the disk was full"
succeeds "... and an import" --store "$FS" --key "$T/admin.key" import assets "$T/c.csv"
succeeds "log verify passes after" --store "$FS" log verify
is "$(size_of "$FS")" "$((base + acked + 301))" "the log grew by exactly those writes"
same_as_reindex "$FS" "after space was freed"

# ==== 2. an unwritable store ================================================================
RW=$T/rw/s
mkdir "$T/rw"
site "$RW" faults.test/ro "$T/ro.key"
sum_rw() { cat "$RW/data.mdb" | cksum; }
unwritable= # the ways this machine let us try
mkdir "$T/ro"
if mount --bind "$T/rw" "$T/ro" 2>/dev/null; then
	mounts="$T/ro $mounts"
	if mount -o remount,bind,ro "$T/ro" 2>/dev/null; then
		RO=$T/ro/s
		echo "# read-only by: a read-only bind mount (mount --bind, then -o remount,bind,ro)"
		before=$(sum_rw)
		run --store "$RO" log checkpoint
		is "$rc $(cat "$T/out")" "0 $("$M" --store "$RW" log checkpoint)" "read-only mount: log checkpoint reads the store"
		succeeds "read-only mount: log verify passes" --store "$RO" log verify
		run --store "$RO" --key "$T/ro.key" journal add "on a read-only mount"
		one_line 5 "read-only mount: a journal entry" "store '$RO'" "read-only file system" "nothing was written"
		run --store "$RO" --key "$T/ro.key" import assets "$T/b.csv"
		one_line 5 "read-only mount: an import" "store '$RO'" "read-only file system"
		is "$(sum_rw)" "$before" "read-only mount: the store's bytes did not change"
		# A store of an older format cannot be upgraded where it cannot be written.
		"$PY" -c 'import lmdb,sys
env = lmdb.open(sys.argv[1], max_dbs=32, subdir=True)
with env.begin(write=True) as t: t.put(b"format", b"\x01", db=env.open_db(b"meta", txn=t))' "$RW"
		before=$(sum_rw)
		run --store "$RO" log checkpoint
		one_line 2 "read-only mount: a store of an older format" "store '$RO'" "read-only file system" "older format" \
			"where the store is writable"
		is "$(sum_rw)" "$before" "read-only mount: the older store's bytes did not change"
		succeeds "where it can be written, the older store is upgraded and verifies" --store "$RW" log verify
		unwritable="a read-only bind mount"
	else
		echo "# read-only bind mount: mount -o remount,bind,ro is not permitted here"
	fi
else
	echo "# read-only bind mount: mount --bind is not permitted here"
fi

if [ "$(id -u)" = 0 ]; then
	as_nobody=
	if command -v setpriv >/dev/null 2>&1 && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
	elif command -v runuser >/dev/null 2>&1 && runuser -u nobody -- true 2>/dev/null; then
		as_nobody="runuser -u nobody --"
	fi
	if [ -n "$as_nobody" ]; then
		echo "# unprivileged by: $as_nobody, over the root-owned 0700 store"
		chmod 0711 "$T" "$T/rw"
		mkdir -m 0755 "$T/pub"
		cp "$T/ro.key" "$T/pub/ro.key" && chmod 0644 "$T/pub/ro.key"
		before=$(sum_rw)
		$as_nobody "$M" --store "$RW" log checkpoint >"$T/out" 2>"$T/err"
		rc=$?
		one_line 5 "nobody reads the root-owned store" "store '$RW'" "Permission denied" "run muster as the user who owns the store"
		$as_nobody "$M" --store "$RW" --key "$T/pub/ro.key" journal add "by nobody" >"$T/out" 2>"$T/err"
		rc=$?
		one_line 5 "nobody writes to it" "store '$RW'" "Permission denied"
		is "$(sum_rw)" "$before" "... and the store did not change"
		chmod 0700 "$T"
		unwritable="$unwritable${unwritable:+, }the nobody user"
	else
		echo "# unprivileged: neither setpriv nor runuser can run a command as nobody here"
	fi
else
	echo "# unprivileged by: a store without write permission (not root)"
	cp -R "$RW" "$T/nw" && chmod -R a-w "$T/nw"
	run --store "$T/nw" log checkpoint
	one_line 5 "a store without write permission, read" "store '$T/nw'" "Permission denied"
	run --store "$T/nw" --key "$T/ro.key" journal add x
	one_line 5 "... written" "store '$T/nw'" "Permission denied"
	unwritable="$unwritable${unwritable:+, }a store without write permission"
fi
[ -n "$unwritable" ] || missing "an unwritable store" "no read-only mount and no other user to run as"

# ==== 3. the map outgrows 64 MiB while other processes hold the store ======================
G=$T/grow
site "$G" faults.test/grow "$T/grow.key"
assets_csv S 5000 >"$T/s.csv"
run --store "$G" --key "$T/grow.key" import assets "$T/s.csv"
is "$rc" 0 "a store of 5,000 assets in its first 64 MiB map"
mkdir "$T/keys" && cp "$T/grow.key" "$T/grow.key.pub" "$T/keys/"
start_musterd --store "$G" --keys "$T/keys" --www "$top_srcdir/www"
# Eight readers: whole asset lists (long reads: a remap under them is what crashed), the site, one asset.
cat >"$T/readers.py" <<'EOF'
import json, os, sys, threading, urllib.request
base, stop = sys.argv[1], sys.argv[2]
req = urllib.request.Request(base + "/api/v1/session", method="POST",
    data=json.dumps({"name": "张伟", "passphrase": os.environ["MUSTER_PASSPHRASE"]}).encode(),
    headers={"Content-Type": "application/json"})
cookie = urllib.request.urlopen(req, timeout=30).headers["Set-Cookie"].split(";")[0]
n, errs, sizes = [0], [], {}
def reader(k):
    mine = sizes.setdefault(k, [])
    paths = ["/api/v1/assets", "/api/v1/assets?team=T1", "/api/v1/site", "/api/v1/assets/S000007"]
    while not os.path.exists(stop):
        p = paths[k % len(paths)]
        try:
            with urllib.request.urlopen(urllib.request.Request(base + p, headers={"Cookie": cookie}), timeout=60) as r:
                d = json.loads(r.read())
                if p == "/api/v1/site": mine.append(d["size"])
            n[0] += 1
        except Exception as e:
            errs.append("%s: %r" % (p, e))
            if len(errs) > 20: return
threads = [threading.Thread(target=reader, args=(k,)) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
# Each thread's answers in its own order: two threads' answers can finish out of order.
shrank = ["thread %d: %d then %d" % (k, a, b) for k, s in sizes.items() for a, b in zip(s, s[1:]) if a > b]
print(n[0], len(errs), "shrank" if shrank else "monotonic", "; ".join(errs[:3] + shrank[:3]))
EOF
"$PY" "$T/readers.py" "$B" "$T/stop" >"$T/readers.out" 2>&1 &
rpid=$!
bg="$rpid"
mkfifo "$T/scan.in"
"$M" --store "$G" --key "$T/grow.key" --json scan --action checkout --holder 张三 --purpose drill <"$T/scan.in" >"$T/gscan.out" 2>"$T/gscan.err" &
spid=$!
bg="$bg $spid"
exec 7>"$T/scan.in"
echo S000001 >&7
sleep 1
is "$(grep -c '"ok":true' "$T/gscan.out")" 1 "a scan session opened at the 64 MiB map checks out one asset"
assets_csv H 6500 "$(head -c 1300 /dev/zero | tr '\0' x | sed 's/x/备/g')" >"$T/h.csv"
run --store "$G" --key "$T/grow.key" import assets "$T/h.csv"
is "$rc" 0 "another process imports 6,500 assets with long notes"
used=$(stat -c %s "$G/data.mdb")
mapsize=$(mdb_stat -e "$G" 2>/dev/null | sed -n 's/^ *Map size: //p')
ok $((used <= 67108864)) "... growing the store past its 64 MiB map ($used bytes; the map now ${mapsize:-?})"
echo S000002 >&7
echo H000003 >&7
exec 7>&-
wait "$spid"
is "$?" 0 "the scan session, open since before the growth, goes on: its next lines are written"
is "$(grep -c '"ok":true' "$T/gscan.out")" 3 "... all three lines done"
sleep 1
touch "$T/stop"
wait "$rpid"
bg=
read -r nread nerr order rest <"$T/readers.out"
kill -0 "$pid" 2>/dev/null
ok $? "musterd is still running after the map grew under its readers"
is "$nerr $order" "0 monotonic" "its $nread answers during the growth all succeeded, the log only grew (${rest:-no errors})"
curl -sS -o "$T/out" -w '%{http_code}' "$B/api/v1/site" >"$T/code"
is "$(cat "$T/code") $(py 'd["size"]')" "200 $(size_of "$G")" "musterd now serves the grown log"
kill "$pid" 2>/dev/null
wait "$pid"
is "$?" 0 "musterd stops cleanly"
pid=
succeeds "log verify passes on the grown store" --store "$G" log verify

# ==== 4. stale reader slots =================================================================
if ! command -v mdb_stat >/dev/null 2>&1; then
	missing "stale reader slots (mdb_stat -r)" "mdb_stat not found (Debian: lmdb-utils)"
else
	R=$T/rw/s
	# Something keeps the environment open, as musterd would: else the next opener resets the table.
	"$PY" -c 'import lmdb, sys, time
env = lmdb.open(sys.argv[1], max_dbs=32, readonly=True)
print("open", flush=True)
time.sleep(120)' "$R" >"$T/holder.out" &
	holder=$!
	bg="$holder"
	i=0
	while [ ! -s "$T/holder.out" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	"$PY" -c 'import lmdb, os, sys, time
env = lmdb.open(sys.argv[1], max_dbs=32, readonly=True)
txn = env.begin()
txn.get(b"log")
print(os.getpid(), flush=True)
time.sleep(120)' "$R" >"$T/reader.pid" &
	reader=$!
	i=0
	while [ ! -s "$T/reader.pid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	kill -9 "$reader"
	wait "$reader" 2>/dev/null
	stale_pid=$(cat "$T/reader.pid")
	mdb_stat -r "$R" >"$T/readers"
	ok $(awk -v p="$stale_pid" '$1 == p { f = 1 } END { print !f }' "$T/readers") \
		"a reader killed inside its transaction leaves its slot (mdb_stat -r shows pid $stale_pid)"
	run --store "$R" log checkpoint
	mdb_stat -r "$R" >"$T/readers"
	ok $(awk -v p="$stale_pid" '$1 == p { f = 1 } END { print f + 0 }' "$T/readers") \
		"the next muster command clears it (mdb_reader_check at open)"
	[ "$(awk -v p="$stale_pid" '$1 == p' "$T/readers")" = "" ] || sed 's/^/#   /' "$T/readers"
	# The same again, then 150 writes in one session: with the slot pinning the old snapshot, they
	# could not reuse a page freed since (about 6.6 MB here); cleared, the file barely grows.
	assets_csv A 3 >"$T/a.csv"
	run --store "$R" --key "$T/ro.key" import assets "$T/a.csv"
	"$PY" -c 'import lmdb, os, sys, time
env = lmdb.open(sys.argv[1], max_dbs=32, readonly=True)
txn = env.begin()
txn.get(b"log")
print(os.getpid(), flush=True)
time.sleep(120)' "$R" >"$T/reader.pid" &
	reader=$!
	i=0
	while [ ! -s "$T/reader.pid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	kill -9 "$reader"
	wait "$reader" 2>/dev/null
	s0=$(stat -c %s "$R/data.mdb")
	i=0
	while [ $i -lt 150 ]; do
		echo A000001
		i=$((i + 1))
	done | "$M" --store "$R" --key "$T/ro.key" scan --action inspect --kind 月检 --result pass --inspector 检查员 \
		>/dev/null 2>"$T/err"
	rc=$?
	s1=$(stat -c %s "$R/data.mdb")
	is "$rc" 0 "150 writes in one scan session after another stale reader"
	ok $((s1 - s0 > 2097152)) "... reuse free pages: the file grew $((s1 - s0)) bytes (a pinned snapshot: megabytes)"
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	bg=
	succeeds "log verify passes" --store "$R" log verify
fi

echo "# faults: disk full by ${mech%% *}; unwritable by ${unwritable:-nothing}; every failure one line and exit 5, no half write"
done_testing
