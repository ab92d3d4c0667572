#!/bin/sh
# reindex.sh - projections are a pure function of the log.  After a varied
# history (enrolments, role changes, a revocation, journal entries in
# Chinese) every projection database (meta, keys, journal) is dumped with
# keys and values in hex; 'muster reindex' must rebuild them byte for byte,
# leave the primary database (log) alone, and repair a
# projection an outsider damaged.  'log verify' passes throughout.
. "$top_srcdir/tests/lib.sh"

PY=${PYTHON3_SYSTEM:-/usr/bin/python3}
"$PY" -c 'import lmdb' 2>/dev/null || skip_all "$PY has no lmdb module (Debian: python3-lmdb)"
TP=$top_srcdir/tests/interop/tamper.py
S=$T/store

dump() { # dump DB...: "DB KEYHEX VALHEX" lines, in key order
	"$PY" "$TP" dump "$S" "$@"
}
projections() { dump meta keys journal; }
primary() { dump log; }
mdbdump() { # mdbdump NAME: mdb_dump's view of one database (falls back to ours)
	if [ -n "${MDB_DUMP:-}" ] && [ -x "$MDB_DUMP" ]; then
		"$MDB_DUMP" -s "$1" "$S"
	else
		dump "$1"
	fi
}
verify() { "$M" --store "$S" log verify >/dev/null 2>&1; }
reindex() {
	"$M" --store "$S" reindex >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 0 ] || sed 's/^/#   stderr: /' "$T/err"
	return $rc
}
as() { # as WHO ARGS...
	who=$1
	shift
	"$M" --store "$S" --key "$T/$who.key" "$@" </dev/null
}

# ---- a varied history ------------------------------------------------------------------
failed=0
new_store "$S" || failed=1
for k in keeper hr auditor temp admin2; do new_key "$k" || failed=1; done
keeper_id=$(as admin key enrol "$T/keeper.key.pub" --role keeper --holder '李娜') || failed=1
as admin key enrol "$T/hr.key.pub" --role hr,finance --holder '陈静' >/dev/null || failed=1
auditor_id=$(as admin key enrol "$T/auditor.key.pub" --role auditor --holder '赵强') || failed=1
temp_id=$(as admin key enrol "$T/temp.key.pub" --role keeper --holder '临时工') || failed=1
as keeper journal add '早班：一切正常' >/dev/null || failed=1
as temp journal add '临时顶班，交接完毕' >/dev/null || failed=1
as admin key revoke "$temp_id" --reason '合同到期' >/dev/null || failed=1
as admin key roles "$auditor_id" --role auditor,approver >/dev/null || failed=1
as auditor journal add '审批：同意采购灭火器 12 具' >/dev/null || failed=1
as hr journal add '工资单已核对 ✓' >/dev/null || failed=1
as admin key enrol "$T/admin2.key.pub" --role admin --holder '王芳' >/dev/null || failed=1
as admin key roles "$keeper_id" --role keeper,hr >/dev/null || failed=1
as admin2 journal add '夜班：设备故障一次，已报修' >/dev/null || failed=1
as keeper journal add 'Mixed English 和中文 — 交班' >/dev/null || failed=1
is "$failed" 0 "a history of enrolments, role changes, a revocation and journal entries"
verify
ok $? "the store verifies"

projections >"$T/p0"
primary >"$T/l0"
for db in meta keys journal; do mdbdump "$db" >"$T/m0.$db"; done
is "$(grep -c '^meta ' "$T/p0") $(grep -c '^keys ' "$T/p0") $(grep -c '^journal ' "$T/p0")" "4 6 6" \
	"the projections hold 4 meta records, 6 keys and 6 journal entries"

# ---- reindex a healthy store --------------------------------------------------------------
reindex
ok $? "reindex succeeds"
is "$(cat "$T/out")" "projections rebuilt from 15 entries" "reindex counts the entries"
projections >"$T/p1"
cmp -s "$T/p0" "$T/p1"
ok $? "reindex rebuilds meta, keys and journal byte for byte"
[ -s "$T/p1" ]
ok $? "the projection dump is not empty"
for db in meta keys journal; do
	mdbdump "$db" >"$T/m1.$db"
	cmp -s "$T/m0.$db" "$T/m1.$db"
	ok $? "mdb_dump -s $db is identical after reindex"
done
primary >"$T/l1"
cmp -s "$T/l0" "$T/l1"
ok $? "reindex leaves the log alone"
reindex && reindex
ok $? "reindex twice more"
projections >"$T/p2"
cmp -s "$T/p0" "$T/p2"
ok $? "reindex is idempotent"
verify
ok $? "the store verifies after reindex"

# ---- repairing a damaged projection ------------------------------------------------------------
# repair DESC: reindex must bring every projection back to $T/p0.
repair() {
	projections >"$T/broken"
	cmp -s "$T/p0" "$T/broken"
	is $? 1 "$1: the projection really differs"
	reindex
	ok $? "$1: reindex succeeds"
	projections >"$T/fixed"
	cmp -s "$T/p0" "$T/fixed"
	same=$?
	ok $same "$1: reindex restores the identical projections"
	[ $same -eq 0 ] || diff "$T/p0" "$T/fixed" | head -10 | sed 's/^/#   /'
	primary >"$T/lx"
	cmp -s "$T/l0" "$T/lx"
	ok $? "$1: the log is untouched"
	verify
	ok $? "$1: log verify exits 0 afterwards"
}

kid=$(printf %s "$temp_id" | tr 'A-F' 'a-f')
"$PY" "$TP" delete "$S" keys "$kid"
"$M" --store "$S" key list >"$T/keys"
if grep -q '临时工' "$T/keys"; then ok 1 "the deleted key is gone from key list"; else ok 0 "the deleted key is gone from key list"; fi
repair "the revoked key's record deleted"
like "$("$M" --store "$S" key list)" "临时工" "key list shows the revoked key again"

"$PY" "$TP" delete "$S" keys "$(printf %s "$keeper_id" | tr 'A-F' 'a-f')"
refusal=$(as keeper journal add '投影被删后' 2>&1)
is "$?" 4 "with its keys record deleted the keeper's journal add is refused"
like "$refusal" "not enrolled" "...because the projection no longer knows the key"
repair "the keeper's record deleted"
as keeper journal add '重建索引后恢复' >/dev/null
ok $? "after reindex the keeper may add to the journal again"
projections >"$T/p0" # the new baseline, built incrementally
reindex
projections >"$T/p3"
cmp -s "$T/p0" "$T/p3"
ok $? "an entry appended after a reindex projects the same incrementally and rebuilt"
primary >"$T/l0"

# Raw edits by an outsider, with python3-lmdb.
edit() { # edit PYTHON: runs PYTHON with env (writable) and txn, db(name) opening a database
	"$PY" - "$S" "$1" <<'EOF'
import lmdb, os, struct, sys
env = lmdb.open(sys.argv[1], max_dbs=32, subdir=True, map_size=1 << 30)
with env.begin(write=True) as txn:
    db = lambda name: env.open_db(name.encode(), txn=txn, create=False)
    be64 = lambda n: struct.pack(">Q", n)
    exec(sys.argv[2])
env.close()
EOF
}
edit 'txn.put(b"\x00" * 8, b"junk", db=db("keys")); txn.put(be64(999), b"\x01\x02", db=db("journal"))'
repair "junk records added to keys and journal"
edit 'v = bytearray(txn.get(be64(9), db=db("journal"))); v[-1] ^= 1; txn.put(be64(9), bytes(v), db=db("journal"))'
repair "a journal record's text altered"
edit 'assert txn.delete(be64(5), db=db("journal")) and txn.delete(be64(6), db=db("journal"))'
repair "journal records deleted"
edit 'c = txn.cursor(db=db("keys"))
for k in [bytes(k) for k, _ in c]: txn.delete(k, db=db("keys"))'
"$M" --store "$S" key list >"$T/keys"
is "$(wc -l <"$T/keys" | tr -d ' ')" 1 "with every keys record deleted key list shows only its header"
repair "every keys record deleted"
edit 'txn.put(b"tag_pk", os.urandom(32), db=db("meta")); txn.put(b"extra", b"x", db=db("meta"))'
repair "meta's tag_pk altered and a record added"
edit 'txn.put(b"origin", b"evil.example/site", db=db("meta"))'
"$M" --store "$S" log verify >"$T/out" 2>/dev/null
is "$?:$(cut -d: -f1 "$T/out")" "1:entry 0" "log verify notices meta's origin differs from the genesis entry"
repair "meta's origin altered"

# ---- a log that no longer replays ------------------------------------------------------------
edit 'assert txn.delete(be64(1) + b"\x00", db=db("log"))' # the keeper's enrolment: its later entries do not replay
projections >"$T/before"
"$M" --store "$S" reindex >"$T/out" 2>"$T/err"
rc=$?
is "$rc:$(wc -l <"$T/err" | tr -d ' '):$(head -c 8 "$T/err")" "1:1:muster: " "reindex refuses a log whose entries no longer replay (exit 1)"
projections >"$T/after"
cmp -s "$T/before" "$T/after"
ok $? "...and leaves the projections as they were"
"$M" --store "$S" log verify >"$T/out" 2>/dev/null
is "$?:$(cut -d: -f1 "$T/out")" "1:entry 1" "log verify names the missing entry"

done_testing
