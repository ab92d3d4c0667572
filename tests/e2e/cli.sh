#!/bin/sh
# cli.sh - the muster command end to end: the happy path through every
# command, --json output that parses, Chinese text and messages, and bad
# input refused with the documented exit code and exactly one "muster: "
# line on stderr (docs/CLI.md).
. "$top_srcdir/tests/lib.sh"

PY=${PYTHON3_SYSTEM:-/usr/bin/python3}
S=$T/store
export MUSTER_STORE="$T/no-default-store" # never fall back to ./muster-data

# json DESC: $T/out must be one JSON document.
json() {
	"$PY" -c 'import json,sys; json.load(sys.stdin)' <"$T/out" 2>"$T/jerr"
	ok $? "$1: --json output parses"
	[ -s "$T/jerr" ] && sed 's/^/#   /' "$T/jerr"
	:
}

# snap: the whole store, logically.
snap() {
	if [ -n "${MDB_DUMP:-}" ] && [ -x "$MDB_DUMP" ]; then
		"$MDB_DUMP" -a "$S"
	else
		"$PY" "$top_srcdir/tests/interop/tamper.py" dump "$S" meta log keys journal
	fi 2>&1
	ls -l "$S" | sed 's/  */ /g' | cut -d' ' -f1,5,9
}

mode() { ls -l "$1" | cut -c1-10; }

# ---- init ------------------------------------------------------------------------------
succeeds "init creates a store" --store "$S" init --origin muster.test/cli --admin-key "$T/admin.key" --holder '张伟' --kdf min
like "$(cat "$T/out")" "muster.test/cli" "init names the origin"
is "$(mode "$T/admin.key")" "-rw-------" "the admin key file is mode 0600"
is "$(head -c 15 "$T/admin.key.pub")" "muster-ed25519 " "the admin public key file is written"
is "$(mode "$S/log.key") $(mode "$S/tag.key")" "-rw------- -rw-------" "the site keys are mode 0600"

snap >"$T/before"
fails 2 "init on an existing store" --store "$S" init --origin muster.test/other --admin-key "$T/admin2.key" --kdf min
like "$(cat "$T/err")" "already exists" "the refusal says a store exists"
snap >"$T/after"
cmp -s "$T/before" "$T/after"
ok $? "init on an existing store changes nothing in it"
[ ! -e "$T/admin2.key" ] && [ ! -e "$T/admin2.key.pub" ]
ok $? "init on an existing store leaves no new key behind"
fails 2 "init with an admin key file that exists" --store "$T/s2" init --origin muster.test/s2 --admin-key "$T/admin.key" --kdf min
[ ! -e "$T/s2/data.mdb" ]
ok $? "no store is created when the admin key cannot be written"
fails 2 "init with a space in the origin" --store "$T/s3" init --origin 'muster test' --admin-key "$T/a3.key" --kdf min
fails 2 "init with a '+' in the origin" --store "$T/s3" init --origin 'muster+test' --admin-key "$T/a3.key" --kdf min
fails 2 "init without --origin" --store "$T/s3" init --admin-key "$T/a3.key" --kdf min
fails 2 "init without --admin-key" --store "$T/s3" init --origin muster.test/s3 --kdf min
fails 2 "init with an empty --holder" --store "$T/s3" init --origin muster.test/s3 --admin-key "$T/a3.key" --holder '' --kdf min
fails 2 "init with an unknown --kdf" --store "$T/s3" init --origin muster.test/s3 --admin-key "$T/a3.key" --kdf bogus
[ ! -e "$T/a3.key" ] && [ ! -e "$T/s3/data.mdb" ]
ok $? "refused inits leave neither key nor store"
mkdir "$T/s4" && : >"$T/s4/log.key"
fails 2 "init into a directory that holds a stray store file" --store "$T/s4" init --origin muster.test/s4 --admin-key "$T/a4.key" --kdf min
[ ! -e "$T/a4.key" ] && [ ! -e "$T/s4/data.mdb" ]
ok $? "...and nothing half-made is left"
succeeds "init --json" --json --store "$T/s5" init --origin muster.test/s5 --admin-key "$T/a5.key" --kdf min
json "init"
is "$(py 'd["index"], d["file"], len(d["key_id"])')" "(0, '$T/a5.key', 16)" "init --json names the key id, index 0 and the key file"

# ---- key new -----------------------------------------------------------------------------
succeeds "key new" key new --out "$T/keeper.key" --kdf min
keeper_id=$(cat "$T/out")
case $keeper_id in
????????????????) ok 0 "key new prints a 16-digit key id" ;;
*) ok 1 "key new prints a 16-digit key id (got '$keeper_id')" ;;
esac
is "$(mode "$T/keeper.key")" "-rw-------" "the new key file is mode 0600"
cp "$T/keeper.key" "$T/keeper.copy"
fails 2 "key new over an existing key" key new --out "$T/keeper.key" --kdf min
cmp -s "$T/keeper.key" "$T/keeper.copy"
ok $? "key new did not overwrite the key"
like "$(cat "$T/err")" "already exists" "the refusal says the file exists"
: >"$T/lonely.key.pub"
fails 2 "key new when only FILE.pub exists" key new --out "$T/lonely.key" --kdf min
[ ! -e "$T/lonely.key" ] && [ ! -s "$T/lonely.key.pub" ]
ok $? "...leaves neither file written"
fails 2 "key new without --out" key new --kdf min
succeeds "key new --json" --json key new --out "$T/hr.key" --kdf min
json "key new"
is "$(py 'len(d["key_id"]), d["file"]')" "(16, '$T/hr.key')" "key new --json names the key id and file"
hr_id=$(py 'd["key_id"]')

# ---- enrol, journal ------------------------------------------------------------------------
succeeds "key enrol" --store "$S" --key "$T/admin.key" key enrol "$T/keeper.key.pub" --role keeper --holder '李娜'
is "$(cat "$T/out")" "$keeper_id" "key enrol prints the key id key new printed"
succeeds "key enrol --json, global options after the command" key enrol "$T/hr.key.pub" --role=hr,finance --holder='陈静' --store="$S" --key "$T/admin.key" --json
json "key enrol"
is "$(py 'd["key_id"], d["index"]')" "('$hr_id', 2)" "key enrol --json names the key id and index"
fails 2 "key enrol a file that is not a public key" --store "$S" --key "$T/admin.key" key enrol "$T/admin.key" --role keeper --holder x
fails 2 "key enrol a missing file" --store "$S" --key "$T/admin.key" key enrol "$T/nope.pub" --role keeper --holder x

zh='今天值班正常，设备完好。交接：李娜→陈静'
succeeds "journal add, Chinese text" --store "$S" --key "$T/keeper.key" journal add "$zh"
is "$(cat "$T/out")" "journal entry 3 signed and appended" "journal add names the entry index"
succeeds "journal add --json" --json --store "$S" --key "$T/hr.key" journal add '工资单已核对 ✓'
json "journal add"
is "$(py 'd["index"]')" 4 "journal add --json names index 4"
MUSTER_KEY=$T/keeper.key
export MUSTER_KEY
succeeds "MUSTER_KEY names the signing key" --store "$S" journal add '由 MUSTER_KEY 签名'
unset MUSTER_KEY
succeeds "journal add of text starting with a dash, after --" --store "$S" --key "$T/keeper.key" journal add -- '-- 破折号开头 --'
big=$("$PY" -c 'print("a" * 16384)')
succeeds "journal add of exactly 16384 bytes" --store "$S" --key "$T/keeper.key" journal add "$big"

succeeds "journal list" --store "$S" journal list
like "$(cat "$T/out")" "$zh" "journal list shows the Chinese text"
succeeds "journal list --json" --json --store "$S" journal list
json "journal list"
is "$(py 'd[0]["text"]')" "$zh" "the Chinese text round-trips byte for byte through --json"
is "$(py '[j["index"] for j in d]')" "[3, 4, 5, 6, 7]" "journal list --json lists every journal entry in order"
is "$(py 'd[0]["signer"], d[1]["signer"]')" "('$keeper_id', '$hr_id')" "journal list --json names the signers"
is "$(py 'd[2]["text"], d[3]["text"], len(d[4]["text"])')" "('由 MUSTER_KEY 签名', '-- 破折号开头 --', 16384)" "journal list --json keeps every text"
like "$(py 'd[0]["time"]')" "Z" "journal times are ISO 8601 UTC"

succeeds "key list" --store "$S" key list
like "$(cat "$T/out")" "李娜" "key list shows the holder in Chinese"
succeeds "key list --json" --json --store "$S" key list
json "key list"
is "$(py 'sorted((k["holder"], ",".join(k["roles"]), k["revoked_at"]) for k in d)')" \
	"[('张伟', 'admin', None), ('李娜', 'keeper', None), ('陈静', 'hr,finance', None)]" "key list --json shows holders, roles and state"
succeeds "key roles --json" --json --store "$S" --key "$T/admin.key" key roles "$hr_id" --role hr
json "key roles"
succeeds "key revoke --json" --json --store "$S" --key "$T/admin.key" key revoke "$hr_id" --reason '离职'
json "key revoke"
is "$(py 'd["key_id"], d["index"]')" "('$hr_id', 9)" "key revoke --json names the key and index"

# ---- log -----------------------------------------------------------------------------------
size=10
succeeds "log show" --store "$S" log show
is "$(wc -l <"$T/out" | tr -d ' ')" "$size" "log show prints one line an entry"
succeeds "log show --json" --json --store "$S" log show
json "log show"
is "$(py '[e["type"] for e in d]')" \
	"['site.init', 'key.enrol', 'key.enrol', 'journal', 'journal', 'journal', 'journal', 'journal', 'key.roles', 'key.revoke']" \
	"log show --json lists site.init, key.enrol, journal, key.roles, key.revoke"
is "$(py '[e["index"] for e in d] == list(range(10)), d[0]["holder"], d[3]["text"]')" "(True, '张伟', '$zh')" "log show --json has indexes and body fields"
succeeds "log show --from 3 --count 2" --json --store "$S" log show --from 3 --count 2
is "$(py '[e["index"] for e in d]')" "[3, 4]" "log show --from/--count picks entries 3 and 4"
succeeds "log show --from past the end" --json --store "$S" log show --from 99
is "$(py 'd')" "[]" "log show past the end is an empty list"

succeeds "log vkey" --store "$S" log vkey
like "$(cat "$T/out")" "muster.test/cli+" "log vkey is name+hash+key"
succeeds "log checkpoint" --store "$S" log checkpoint
is "$(sed -n 1,2p "$T/out" | tr '\n' ' ')" "muster.test/cli $size " "the checkpoint names the origin and size"
like "$(cat "$T/out")" "— muster.test/cli " "the checkpoint is signed by the log"
succeeds "log checkpoint --size 3" --store "$S" log checkpoint --size 3
is "$(sed -n 2p "$T/out")" 3 "log checkpoint --size 3 is the checkpoint for size 3"
succeeds "log checkpoint --json" --json --store "$S" log checkpoint
json "log checkpoint"
root=$(py 'd["root"]')
is "$(py 'd["size"], d["note"].split("\n")[2] == d["root"]')" "($size, True)" "log checkpoint --json has size, root and note"
succeeds "log proof" --store "$S" log proof --index 3
json "log proof"
# RFC 9162 inclusion check (section 2.1.3.2) of entry 3 against the checkpoint's root.
"$PY" - "$T/out" "$root" <<'EOF' >"$T/proof" 2>&1
import base64, hashlib, json, sys
d = json.load(open(sys.argv[1]))
h = hashlib.sha256(b"\0" + base64.b64decode(d["leaf"])).digest()
fn, sn = d["index"], d["size"] - 1
for p in map(base64.b64decode, d["proof"]):
    if fn & 1 or fn == sn:
        h = hashlib.sha256(b"\1" + p + h).digest()
        while not fn & 1 and fn:
            fn >>= 1
            sn >>= 1
    else:
        h = hashlib.sha256(b"\1" + h + p).digest()
    fn >>= 1
    sn >>= 1
print(sn == 0 and base64.b64encode(h).decode() == sys.argv[2])
EOF
is "$(cat "$T/proof")" True "the inclusion proof of entry 3 checks out against the checkpoint root"
succeeds "log consistency" --store "$S" log consistency --old 3
json "log consistency"
is "$(py 'd["old_size"], d["new_size"], len(d["proof"]) > 0')" "(3, $size, True)" "log consistency names both sizes"
succeeds "log verify" --store "$S" log verify
is "$(cat "$T/out")" "ok: $size entries and $size checkpoints verified" "log verify reports what it checked"
succeeds "log verify --json --threads 2" --json --store "$S" log verify --threads 2
json "log verify"
is "$(py 'd["ok"], d["entries"], d["checkpoints"]')" "(True, $size, $size)" "log verify --json reports ok"
succeeds "reindex" --store "$S" reindex
succeeds "reindex --json" --json --store "$S" reindex
json "reindex"
is "$(py 'd["entries"]')" "$size" "reindex --json counts the entries"
succeeds "--help" --help
like "$(cat "$T/out")" "journal add" "--help lists the commands"
succeeds "--version" --version
like "$(cat "$T/out")" "muster " "--version names the program"

# ---- bad input -----------------------------------------------------------------------------
fails 2 "journal add without --key" --store "$S" journal add 'x'
like "$(cat "$T/err")" "--key" "the refusal says to give --key"
MUSTER_KEY=
export MUSTER_KEY
fails 2 "journal add with an empty MUSTER_KEY" --store "$S" journal add 'x'
unset MUSTER_KEY
fails 3 "journal list on a store that does not exist" --store "$T/nowhere" journal list
like "$(cat "$T/err")" "$T/nowhere" "the refusal names the directory"
fails 3 "log verify on a store that does not exist" --store "$T/nowhere" log verify
fails 3 "journal add on a store that does not exist" --store "$T/nowhere" --key "$T/keeper.key" journal add 'x'
fails 3 "the MUSTER_STORE store when there is none" key list
[ ! -e "$T/nowhere" ] && [ ! -e "$T/no-default-store" ]
ok $? "reading a missing store creates nothing"
fails 3 "log proof --index past the end" --store "$S" log proof --index $size
fails 3 "log proof --index far past the end" --store "$S" log proof --index 18446744073709551615
fails 3 "log proof --size past the end" --store "$S" log proof --index 0 --size 11
fails 2 "log proof without --index" --store "$S" log proof
fails 3 "log checkpoint --size never signed" --store "$S" log checkpoint --size 11
fails 2 "log checkpoint --size that is not a number" --store "$S" log checkpoint --size ten
like "$(cat "$T/err")" "ten" "the refusal quotes the bad number"
fails 2 "log checkpoint --size -1" --store "$S" log checkpoint --size -1
fails 2 "log checkpoint --size +1" --store "$S" log checkpoint --size +1
fails 2 "log checkpoint --size 1x" --store "$S" log checkpoint --size 1x
fails 2 "log checkpoint --size ''" --store "$S" log checkpoint --size ''
fails 2 "log checkpoint --size 2^64" --store "$S" log checkpoint --size 18446744073709551616
fails 2 "log proof --index 0x1" --store "$S" log proof --index 0x1
fails 2 "log consistency --old 0" --store "$S" log consistency --old 0
fails 2 "log consistency --old past --new" --store "$S" log consistency --old 5 --new 3
fails 3 "log consistency --new past the end" --store "$S" log consistency --old 1 --new 11
fails 2 "log consistency without --old" --store "$S" log consistency
fails 2 "log show --count that is not a number" --store "$S" log show --count many
fails 2 "log verify --threads that is not a number" --store "$S" log verify --threads lots
fails 2 "an unknown command" --store "$S" frobnicate
fails 2 "an unknown key command" --store "$S" key frobnicate
fails 2 "an unknown log command" --store "$S" log frobnicate
fails 2 "an unknown journal command" --store "$S" journal frobnicate
fails 2 "an unknown option" --store "$S" --frobnicate journal list
fails 2 "a short option" --store "$S" -x journal list
fails 2 "an option without its value" --store
fails 2 "no command at all" --store "$S"
fails 2 "journal add without text" --store "$S" --key "$T/keeper.key" journal add
fails 2 "journal add of empty text" --store "$S" --key "$T/keeper.key" journal add ''
fails 2 "journal add of invalid UTF-8" --store "$S" --key "$T/keeper.key" journal add "$(printf 'bad \377 byte')"
fails 2 "journal add of a lone UTF-8 continuation byte" --store "$S" --key "$T/keeper.key" journal add "$(printf '\200')"
fails 2 "journal add of an overlong UTF-8 encoding" --store "$S" --key "$T/keeper.key" journal add "$(printf '\300\257')"
fails 2 "journal add of a UTF-16 surrogate in UTF-8" --store "$S" --key "$T/keeper.key" journal add "$(printf '\355\240\200')"
fails 2 "journal add of 16385 bytes" --store "$S" --key "$T/keeper.key" journal add "${big}b"
fails 2 "journal add of two unquoted words" --store "$S" --key "$T/keeper.key" journal add two words
fails 2 "key enrol with invalid UTF-8 in --holder" --store "$S" --key "$T/admin.key" key enrol "$T/admin.key.pub" --role keeper --holder "$(printf '\377')"
fails 2 "key revoke with invalid UTF-8 in --reason" --store "$S" --key "$T/admin.key" key revoke "$keeper_id" --reason "$(printf '\377')"
fails 2 "key new --kdf bogus" key new --out "$T/bogus.key" --kdf bogus
[ ! -e "$T/bogus.key" ]
ok $? "key new --kdf bogus writes no key"
succeeds "log verify after all the bad input" --store "$S" log verify
is "$(cat "$T/out")" "ok: $size entries and $size checkpoints verified" "bad input appended nothing"

# ---- messages in Chinese -------------------------------------------------------------------
zhfails() { # zhfails WANT CJK DESC ARGS...
	want=$1 cjk=$2 desc=$3
	shift 3
	LC_ALL=zh_CN.UTF-8 "$M" "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	errlines=$(wc -l <"$T/err" | tr -d ' ')
	is "rc=$rc err=$errlines:$(head -c 8 "$T/err")" "rc=$want err=1:muster: " "LC_ALL=zh_CN.UTF-8 $desc: exit $want, one error line"
	like "$(cat "$T/err")" "$cjk" "LC_ALL=zh_CN.UTF-8 $desc: the message is in Chinese"
}
zhfails 2 "未知命令" "unknown command" --store "$S" frobnicate
zhfails 3 "没有存储库" "missing store" --store "$T/nowhere" journal list
zhfails 2 "值班记录" "empty journal text" --store "$S" --key "$T/keeper.key" journal add ''
zhfails 4 "口令错误" "wrong passphrase" --store "$S" --key "$T/keeper.key" --passphrase-file "$T/keeper.key.pub" journal add 'x'
zhfails 2 "已存在" "key new over a key" key new --out "$T/keeper.key" --kdf min
zhfails 2 "不是非负整数" "bad number" --store "$S" log checkpoint --size ten
LC_ALL='' LC_MESSAGES=zh_CN.UTF-8 "$M" --store "$S" frobnicate 2>"$T/err"
like "$(cat "$T/err")" "未知命令" "LC_MESSAGES=zh_CN.UTF-8 also gives Chinese"
LC_ALL='' LC_MESSAGES='' LANG=zh_TW.UTF-8 "$M" --store "$S" frobnicate 2>"$T/err"
like "$(cat "$T/err")" "未知命令" "LANG=zh_TW.UTF-8 also gives Chinese"
LC_ALL=zh_CN.UTF-8 "$M" --store "$S" log verify >"$T/out" 2>&1
like "$(cat "$T/out")" "通过" "log verify reports success in Chinese"
LC_ALL=zh_CN.UTF-8 "$M" --help >"$T/out" 2>&1
like "$(cat "$T/out")" "用法" "--help is in Chinese"
LC_ALL=en_US.UTF-8 "$M" --store "$S" frobnicate 2>"$T/err"
like "$(cat "$T/err")" "unknown command" "LC_ALL=en_US.UTF-8 stays English"

# log show, for people: one line an entry, the body in words.
"$M" --store "$S" log show --count 2 >"$T/out"
is "$(wc -l <"$T/out" | tr -d ' ')" 2 "log show --count 2 prints two lines"
like "$(sed -n 1p "$T/out")" "origin muster.test/cli, first admin 张伟" "site.init is described in words"
like "$(sed -n 2p "$T/out")" "roles keeper" "key.enrol names the roles"
LC_ALL=zh_CN.UTF-8 "$M" --store "$S" log show --count 1 >"$T/out"
like "$(cat "$T/out")" "首位管理员 张伟" "and in Chinese"

done_testing
