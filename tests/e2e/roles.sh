#!/bin/sh
# roles.sh - who may sign what.  Every refusal must exit with its documented
# code, say so in one "muster: " line on stderr, and write nothing: the whole
# store (mdb_dump -a, or a python3-lmdb dump), the latest checkpoint and the
# number of entries are compared before and after.  Role changes and
# revocation take effect at once; the log still verifies after it all.
. "$top_srcdir/tests/lib.sh"

PY=${PYTHON3_SYSTEM:-/usr/bin/python3}
S=$T/store

# snap FILE: everything in the store, logically, plus the latest checkpoint and size.
snap() {
	if [ -n "${MDB_DUMP:-}" ] && [ -x "$MDB_DUMP" ]; then
		"$MDB_DUMP" -a "$S"
	else
		"$PY" "$top_srcdir/tests/interop/tamper.py" dump "$S" meta log keys journal
	fi >"$1" 2>&1
	"$M" --store "$S" log checkpoint >>"$1" 2>&1
	"$M" --store "$S" --json log show 2>&1 | "$PY" -c 'import json,sys; print("entries", len(json.load(sys.stdin)))' >>"$1" 2>&1
}

# refused WANT DESC COMMAND...: must exit WANT, print one "muster: " line, change nothing.
refused() {
	want=$1 desc=$2
	shift 2
	snap "$T/before"
	"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	snap "$T/after"
	if cmp -s "$T/before" "$T/after"; then same=unchanged; else same=CHANGED; fi
	errlines=$(wc -l <"$T/err" | tr -d ' ')
	prefix=$(head -c 8 "$T/err")
	is "rc=$rc err=$errlines:$prefix" "rc=$want err=1:muster: " "$desc: exit $want, one error line"
	[ "$rc" = "$want" ] || sed 's/^/#   stderr: /' "$T/err"
	is "$same" unchanged "$desc: nothing written"
	[ "$same" = unchanged ] || diff "$T/before" "$T/after" | head -20 | sed 's/^/#   /'
}

# allowed DESC COMMAND...: must succeed and append exactly one entry.
allowed() {
	desc=$1
	shift
	n0=$(entries)
	"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	is "rc=$rc entries=$(entries)" "rc=0 entries=$((n0 + 1))" "$desc"
	[ "$rc" = 0 ] || sed 's/^/#   stderr: /' "$T/err"
}

entries() {
	"$M" --store "$S" --json log show | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

new_store "$S"
ok $? "store created"
snap "$T/s0"
for k in keeper auditor reporter hr finance approver temp admin2 stranger; do new_key "$k"; done
as() { # as WHO ARGS...: muster on the store, signed with WHO's key
	who=$1
	shift
	"$M" --store "$S" --key "$T/$who.key" "$@"
}
enrol() { # enrol WHO ROLE HOLDER: prints the key id
	as admin key enrol "$T/$1.key.pub" --role "$2" --holder "$3" </dev/null
}

keeper_id=$(enrol keeper keeper '李娜')
auditor_id=$(enrol auditor auditor '赵强')
reporter_id=$(enrol reporter reporter '周报')
enrol hr hr '陈静' >/dev/null
enrol finance finance '钱会计' >/dev/null
enrol approver approver '审批人' >/dev/null
temp_id=$(enrol temp keeper,hr '临时工')
is "$(entries)" 8 "seven keys enrolled after the genesis entry"
snap "$T/s1"
cmp -s "$T/s0" "$T/s1"
is $? 1 "the store snapshot sees a write (so it can see a refused one)"
stranger_id=$("$M" --json key new --out "$T/stranger2.key" --kdf min |
	"$PY" -c 'import json,sys; print(json.load(sys.stdin)["key_id"])')

# ---- who may write the journal ---------------------------------------------------
for who in admin keeper hr finance approver temp; do
	allowed "$who may add to the journal" "$M" --store "$S" --key "$T/$who.key" journal add "$who 值班：正常"
done
refused 4 "an auditor-only key adding to the journal" "$M" --store "$S" --key "$T/auditor.key" journal add '审计员不写值班记录'
like "$(cat "$T/err")" "needs one of" "the refusal names the roles the journal needs"
refused 4 "a reporter-only key adding to the journal" "$M" --store "$S" --key "$T/reporter.key" journal add '报表'
refused 4 "a key never enrolled adding to the journal" "$M" --store "$S" --key "$T/stranger.key" journal add '陌生人'
like "$(cat "$T/err")" "not enrolled" "the refusal says the key is not enrolled"

# ---- only admins manage keys ---------------------------------------------------------
refused 4 "a keeper enrolling a key" "$M" --store "$S" --key "$T/keeper.key" key enrol "$T/admin2.key.pub" --role admin --holder '王芳'
like "$(cat "$T/err")" "key.enrol needs one of admin" "the refusal says key.enrol needs admin"
refused 4 "a keeper enrolling a key for itself twice over" "$M" --store "$S" --key "$T/keeper.key" key enrol "$T/stranger.key.pub" --role keeper --holder x
refused 4 "a keeper changing its own roles" "$M" --store "$S" --key "$T/keeper.key" key roles "$keeper_id" --role admin
refused 4 "an hr key revoking the keeper" "$M" --store "$S" --key "$T/hr.key" key revoke "$keeper_id"
refused 4 "an auditor revoking the keeper" "$M" --store "$S" --key "$T/auditor.key" key revoke "$keeper_id" --reason '越权'

# ---- wrong passphrases -------------------------------------------------------------------
printf 'not the passphrase\n' >"$T/wrong.pass"
printf '%s\n' "$MUSTER_PASSPHRASE" >"$T/right.pass"
refused 4 "journal add with a wrong --passphrase-file" "$M" --store "$S" --key "$T/keeper.key" --passphrase-file "$T/wrong.pass" journal add '口令错误'
like "$(cat "$T/err")" "wrong passphrase" "the refusal says the passphrase is wrong"
refused 4 "journal add with a wrong MUSTER_PASSPHRASE" env MUSTER_PASSPHRASE='wrong 电池' "$M" --store "$S" --key "$T/keeper.key" journal add '口令错误'
refused 4 "key enrol with the admin's wrong MUSTER_PASSPHRASE" env MUSTER_PASSPHRASE='wrong 电池' "$M" --store "$S" --key "$T/admin.key" key enrol "$T/admin2.key.pub" --role admin --holder '王芳'
allowed "a right --passphrase-file wins over a wrong MUSTER_PASSPHRASE" env MUSTER_PASSPHRASE='wrong 电池' "$M" --store "$S" --key "$T/keeper.key" --passphrase-file "$T/right.pass" journal add '口令文件优先'
refused 4 "a wrong --passphrase-file wins over a right MUSTER_PASSPHRASE" "$M" --store "$S" --key "$T/keeper.key" --passphrase-file "$T/wrong.pass" journal add '口令文件优先'
refused 2 "a missing --passphrase-file" "$M" --store "$S" --key "$T/keeper.key" --passphrase-file "$T/no-such.pass" journal add 'x'
: >"$T/empty.pass"
refused 2 "an empty --passphrase-file" "$M" --store "$S" --key "$T/keeper.key" --passphrase-file "$T/empty.pass" journal add 'x'
refused 2 "the .pub file given as the key" "$M" --store "$S" --key "$T/keeper.key.pub" journal add 'x'

# ---- domain rules (exit 2) and unknown keys (exit 3) -------------------------------------
refused 2 "enrolling an enrolled key again" "$M" --store "$S" --key "$T/admin.key" key enrol "$T/keeper.key.pub" --role keeper --holder '李娜'
like "$(cat "$T/err")" "already enrolled" "the refusal says the key is already enrolled"
refused 2 "enrolling an enrolled key again under other roles" "$M" --store "$S" --key "$T/admin.key" key enrol "$T/auditor.key.pub" --role admin --holder '赵强'
admin_id=$("$M" --store "$S" --json key list | "$PY" -c 'import json,sys; print([k["key_id"] for k in json.load(sys.stdin) if k["holder"]=="张伟"][0])')
refused 2 "revoking the last active admin" "$M" --store "$S" --key "$T/admin.key" key revoke "$admin_id" --reason '自我吊销'
like "$(cat "$T/err")" "last active admin" "the refusal says it is the last active admin"
refused 2 "taking admin from the last active admin" "$M" --store "$S" --key "$T/admin.key" key roles "$admin_id" --role keeper
refused 3 "revoking an unknown key id" "$M" --store "$S" --key "$T/admin.key" key revoke "$stranger_id"
refused 3 "revoking an all-zero key id" "$M" --store "$S" --key "$T/admin.key" key revoke 0000000000000000
refused 3 "changing the roles of an unknown key id" "$M" --store "$S" --key "$T/admin.key" key roles "$stranger_id" --role keeper
refused 2 "revoking a malformed key id" "$M" --store "$S" --key "$T/admin.key" key revoke 'not-a-key-id'
refused 2 "revoking a key id one digit short" "$M" --store "$S" --key "$T/admin.key" key revoke "$(printf %.15s "$keeper_id")"
refused 2 "an unknown role name" "$M" --store "$S" --key "$T/admin.key" key enrol "$T/admin2.key.pub" --role janitor --holder '王芳'
like "$(cat "$T/err")" "janitor" "the refusal names the unknown role"
refused 2 "a role name in capitals" "$M" --store "$S" --key "$T/admin.key" key enrol "$T/admin2.key.pub" --role Admin --holder '王芳'
refused 2 "a comma list with an unknown role" "$M" --store "$S" --key "$T/admin.key" key enrol "$T/admin2.key.pub" --role keeper,boss --holder '王芳'
refused 2 "an empty role" "$M" --store "$S" --key "$T/admin.key" key enrol "$T/admin2.key.pub" --role '' --holder '王芳'
refused 2 "enrol without --role" "$M" --store "$S" --key "$T/admin.key" key enrol "$T/admin2.key.pub" --holder '王芳'
refused 2 "key roles with an unknown role" "$M" --store "$S" --key "$T/admin.key" key roles "$keeper_id" --role superuser
refused 2 "enrol without --holder" "$M" --store "$S" --key "$T/admin.key" key enrol "$T/admin2.key.pub" --role admin

# ---- role changes take effect at once ------------------------------------------------------
allowed "the admin gives the auditor keeper too" "$M" --store "$S" --key "$T/admin.key" key roles "$auditor_id" --role auditor,keeper
allowed "the auditor, now also a keeper, may add to the journal" "$M" --store "$S" --key "$T/auditor.key" journal add '审计员兼值班'
allowed "the admin makes the keeper an auditor only" "$M" --store "$S" --key "$T/admin.key" key roles "$keeper_id" --role auditor
refused 4 "the former keeper adding to the journal" "$M" --store "$S" --key "$T/keeper.key" journal add '已无值班权限'
allowed "the admin gives the reporter approver, by repeated --role" "$M" --store "$S" --key "$T/admin.key" key roles "$reporter_id" --role reporter --role approver
allowed "the reporter, now an approver, may add to the journal" "$M" --store "$S" --key "$T/reporter.key" journal add '审批人值班'
roles=$("$M" --store "$S" --json key list | "$PY" -c '
import json, sys
for k in json.load(sys.stdin):
    print(k["holder"], ",".join(k["roles"]))')
like "$roles" "李娜 auditor" "key list shows the keeper's new roles"
like "$roles" "赵强 keeper,auditor" "key list shows the auditor's new roles"

# ---- revocation ------------------------------------------------------------------------------
allowed "the admin revokes the temporary key" "$M" --store "$S" --key "$T/admin.key" key revoke "$temp_id" --reason '合同到期'
refused 4 "the revoked key adding to the journal" "$M" --store "$S" --key "$T/temp.key" journal add '吊销后仍想写'
like "$(cat "$T/err")" "revoked" "the refusal says the key was revoked"
refused 4 "the revoked key with a wrong passphrase" env MUSTER_PASSPHRASE='wrong' "$M" --store "$S" --key "$T/temp.key" journal add 'x'
refused 2 "revoking the revoked key again" "$M" --store "$S" --key "$T/admin.key" key revoke "$temp_id"
refused 2 "changing the roles of the revoked key" "$M" --store "$S" --key "$T/admin.key" key roles "$temp_id" --role keeper
refused 2 "enrolling the revoked key afresh" "$M" --store "$S" --key "$T/admin.key" key enrol "$T/temp.key.pub" --role keeper --holder '临时工'
state=$("$M" --store "$S" --json key list | "$PY" -c '
import json, sys
for k in json.load(sys.stdin):
    if k["holder"] == "临时工":
        print(k["revoked_at"] is not None)')
is "$state" True "key list shows the temporary key revoked"
temp_entries=$("$M" --store "$S" --json journal list | "$PY" -c '
import json, sys
print(sum(1 for j in json.load(sys.stdin) if j["signer"] == sys.argv[1]))' "$temp_id")
is "$temp_entries" 1 "the revoked key's earlier journal entry stays"

# A second admin makes revoking the first one possible; then the second is the last.
allowed "the admin enrols a second admin" "$M" --store "$S" --key "$T/admin.key" key enrol "$T/admin2.key.pub" --role admin --holder '王芳'
admin2_id=$("$M" --store "$S" --json key list | "$PY" -c 'import json,sys; print([k["key_id"] for k in json.load(sys.stdin) if k["holder"]=="王芳"][0])')
allowed "the second admin revokes the first" "$M" --store "$S" --key "$T/admin2.key" key revoke "$admin_id" --reason '调岗'
refused 4 "the revoked first admin enrolling a key" "$M" --store "$S" --key "$T/admin.key" key enrol "$T/stranger.key.pub" --role keeper --holder '陌生人'
refused 4 "the revoked first admin adding to the journal" "$M" --store "$S" --key "$T/admin.key" journal add '已吊销的管理员'
refused 2 "the second admin revoking itself, the last active admin" "$M" --store "$S" --key "$T/admin2.key" key revoke "$admin2_id"
refused 2 "the second admin dropping its own admin role" "$M" --store "$S" --key "$T/admin2.key" key roles "$admin2_id" --role keeper
allowed "the second admin adds to the journal" "$M" --store "$S" --key "$T/admin2.key" journal add '新管理员接班'

# ---- after it all ----------------------------------------------------------------------------
out=$("$M" --store "$S" log verify 2>&1)
ok $? "log verify still exits 0 after every refusal"
like "$out" "ok: $(entries) entries" "log verify checked every entry"
"$M" --store "$S" --json log show | "$PY" -c '
import json, sys
types = [e["type"] for e in json.load(sys.stdin)]
assert types.count("site.init") == 1 and types[0] == "site.init"
print(types.count("key.enrol"), types.count("key.roles"), types.count("key.revoke"), types.count("journal"))' >"$T/types"
is "$(cat "$T/types")" "8 3 2 10" "the log holds exactly the allowed events"

done_testing
