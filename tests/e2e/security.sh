#!/bin/sh
# security.sh - the claims of docs/SECURITY.md that no other test makes,
# each asserted on a real store: what the files on a depot machine are
# (modes, what is sealed and what is plain), what a thief holding the store
# and its site keys but no person's key can and cannot do, that a sealed key
# file binds its header and uses the documented cost by default, and that an
# administrator's acts are signed by and attributed to the administrator.
# The other claims are tested where the feature is (the table in SECURITY.md
# names the test for each).
. "$top_srcdir/tests/lib.sh"

S=$T/store
new_store "$S"
for k in hr keeper thief; do new_key "$k"; done
as admin key enrol "$T/hr.key.pub" --role hr --holder '陈静' >/dev/null &&
	as admin key enrol "$T/keeper.key.pub" --role keeper --holder '李娜' >/dev/null &&
	as admin team add KS-SX-01 --name 国家矿山应急救援太原队 --specialty mine --province 140000 \
		--host 山西焦煤集团有限责任公司 --host-code 91110000600037341L >/dev/null
ok $? "a store with an hr key, a keeper key and a team"
rid=110101199003070011
as hr person add "$rid" --name 王小明 --team KS-SX-01 --position member --hired 2020-03-01 >/dev/null
ok $? "a person with a resident ID"

# ---- the files on the depot machine -------------------------------------------------------
mode() { stat -c %A "$1"; }
is "$(mode "$S")" "drwx------" "the store directory is mode 0700"
is "$(mode "$S/data.mdb") $(mode "$S/lock.mdb")" "-rw------- -rw-------" "the LMDB files are mode 0600"
is "$(mode "$S/log.key") $(mode "$S/tag.key")" "-rw------- -rw-------" "the site keys are mode 0600"
is "$(head -c 15 "$S/log.key")" "MUSTERSITEKEY1" "the site log key is a plain seed file (FORMATS.md §8): a thief has it"
# What a stolen disk reveals: the log and projections are not encrypted at rest.
grep -q -a -F "$rid" "$S/data.mdb"
ok $? \
	"a resident ID is readable in data.mdb without any key (encrypt the disk: SECURITY.md)"
# ... but nothing in the store holds a passphrase or a person's secret seed.
pass_hits=$(grep -rl -a -F "$MUSTER_PASSPHRASE" "$S" 2>/dev/null | wc -l | tr -d ' ')
is "$pass_hits" 0 "no passphrase is in any file of the store"
sealed=$(od -An -tx1 -j96 -N48 "$T/admin.key" | tr -d ' \n')
is "$(grep -c -a -F "$(printf '%s' "$sealed" | head -c 16)" "$S/data.mdb" | tr -d ' ')" 0 \
	"the sealed seed of the admin's key is nowhere in the store"

# ---- sealed personal keys --------------------------------------------------------------
"$M" key new --out "$T/default.key" >/dev/null 2>&1
ok $? "key new with the default cost"
is "$(mode "$T/default.key")" "-rw-------" "a sealed key file is mode 0600"
is "$(head -c 8 "$T/default.key")" "MUSTERSK" "the key file starts with its magic"
ops=$(od -An -tx1 -j12 -N4 "$T/default.key" | tr -d ' \n')
mem=$(od -An -tx1 -j16 -N8 "$T/default.key" | tr -d ' \n')
is "$ops $mem" "00000002 0000000004000000" "the default cost is Argon2id, 2 passes over 64 MiB (a guess costs both)"
"$M" key new --out "$T/twin.key" --kdf min >/dev/null 2>&1
"$M" key new --out "$T/twin2.key" --kdf min >/dev/null 2>&1
s1=$(od -An -tx1 -j24 -N40 "$T/twin.key" | tr -d ' \n')
s2=$(od -An -tx1 -j24 -N40 "$T/twin2.key" | tr -d ' \n')
ok "$([ "$s1" != "$s2" ] && echo 0 || echo 1)" "two keys sealed with one passphrase have their own salt and nonce"
cp "$T/hr.key" "$T/cheap.key"
printf '\003' | dd of="$T/cheap.key" bs=1 seek=15 conv=notrunc 2>/dev/null # another opslimit
before=$(log_size)
"$M" --store "$S" --key "$T/cheap.key" journal add '改过成本' >"$T/out" 2>"$T/err"
rc=$?
is "$rc $(log_size)" "4 $before" "a key file whose KDF cost was edited does not open (the header is authenticated)"
like "$(cat "$T/err")" "passphrase" "... and says so as a wrong passphrase would"
MUSTER_PASSPHRASE='zz-guess-778' "$M" --store "$S" --key "$T/hr.key" journal add '口令错误' >"$T/out" 2>"$T/err"
rc=$?
is "$rc $(wc -l <"$T/err" | tr -d ' ')" "4 1" "a wrong passphrase: exit 4, one line"
grep -q -F 'zz-guess-778' "$T/err"
ok $((! $?)) "the error line does not echo the passphrase"

# ---- a thief with the store and the site keys, but no person's key ------------------------
refuses 2 "appending with no key" "--key" q journal add '偷来的机器'
refuses 4 "appending with a key of the thief's own" "not enrolled" \
	"$M" --store "$S" --key "$T/thief.key" journal add '偷来的机器'
refuses 4 "the thief enrolling their own key with it" "not enrolled" \
	"$M" --store "$S" --key "$T/thief.key" key enrol "$T/thief.key.pub" --role admin --holder 小偷
# A keeper's key (stolen with its passphrase) does only what a keeper may.
refuses 4 "a keeper's key making itself admin" "" as keeper key enrol "$T/thief.key.pub" --role admin --holder 小偷
refuses 4 "a keeper's key adding a person" "" as keeper person add 110101199003070033 --name 假人 \
	--team KS-SX-01 --position member --hired 2020-03-01

# ---- an insider administrator is attributed -------------------------------------------
admin_id=$(q --json key list | "$PY" -c 'import json,sys; print([k["key_id"] for k in json.load(sys.stdin) if k["holder"]=="张伟"][0])')
as admin key enrol "$T/thief.key.pub" --role keeper --holder 临时工 >/dev/null
ok $? "the administrator enrols a key"
last=$(($(log_size) - 1))
q --json log show --from "$last" --count 1 >"$T/out"
is "$(py 'd[0]["type"], d[0]["signer"]')" "('key.enrol', '$admin_id')" \
	"the enrolment is an entry signed by the administrator's own key, for anyone to see"
q log verify >/dev/null
ok $? "log verify passes"

done_testing
