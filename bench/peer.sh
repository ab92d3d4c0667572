#!/bin/sh
# bench/peer.sh STORE SCRATCH - Muster beside its SQLite peer (bench/sqlite_peer.c) on the log of STORE, a
# store made by muster gen (the passphrase of its gen/ keys in MUSTER_PASSPHRASE).
#
# The peer's database is built from STORE into BENCH_PEER_DB (default SCRATCH/peer.db; an existing one is
# reused, and `sqlite_peer run` refuses it if it does not hold the store's entries); then copies of both are
# appended to and read, alternating (BENCH_PEER_COPY names a copy of STORE the caller made, written to and
# left; otherwise one is made in SCRATCH and removed), the peer's database is verified (not with
# BENCH_PEER_VERIFY=0), and the same workloads run on an empty pair.  Output, for bench/run.sh and
# bench/national.sh: sqlite_peer's lines, those of the workloads on STORE prefixed "cmp_", on the empty
# pair "cmp_empty_", and peer_db_bytes.
set -eu
P=${SQLITE_PEER:?SQLITE_PEER names bench/sqlite_peer}
store=$1 scratch=$2
db=${BENCH_PEER_DB:-$scratch/peer.db}
if [ ! -f "$db" ]; then
	echo "sqlite_peer: building $db from $store" >&2
	rm -f "$db.new"
	"$P" build "$store" "$db.new" >"$scratch/peer.out"
	mv "$db.new" "$db"
	grep -v '^sqlite_version' "$scratch/peer.out"
fi
echo "peer_db_bytes $(stat -c %s "$db")"
copy=${BENCH_PEER_COPY:-}
made=
if [ -z "$copy" ]; then
	copy=$scratch/peer-store
	rm -rf "$copy"
	cp -a "$store" "$copy"
	made=1
fi
cp "$db" "$scratch/peer-copy.db"
"$P" run "$copy" "$scratch/peer-copy.db" "$copy/gen/keeper.key" >"$scratch/peer.out"
sed 's/^/cmp_/' "$scratch/peer.out"
rm -f "$scratch/peer-copy.db" "$scratch/peer-copy.db-wal" "$scratch/peer-copy.db-shm"
[ -z "$made" ] || rm -rf "$copy"
if [ "${BENCH_PEER_VERIFY:-1}" != 0 ]; then
	"$P" verify "$db" >"$scratch/peer.out"
	grep -v '^sqlite_version' "$scratch/peer.out"
fi
rm -rf "$scratch/peer-empty"
"$P" fresh "$scratch/peer-empty" >"$scratch/peer.out"
sed 's/^/cmp_empty_/' "$scratch/peer.out"
rm -f "$scratch/peer.out"
rm -rf "$scratch/peer-empty"
