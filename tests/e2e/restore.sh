#!/bin/sh
# restore.sh - 'muster restore BACKUP': a backup 'muster backup' made is
# copied beside the store, verified in full there, and put in place of the
# store in one rename, the old store kept aside under a dated name.  The
# restored store has the backup's log, checkpoint, keys and attachments,
# and takes writes; the backup is left as it was.  Another site's backup,
# a backup that does not verify, a store in use (musterd, python3-lmdb,
# another muster) and bad operands are refused with one line, the store
# unchanged and nothing left beside it.  A store with no store yet at the
# path is restored too; a central store comes back with its mirrors; a
# store owned by another user stays theirs; a muster waiting to open the
# store while it is swapped opens the new one.  --check does all but the
# swap, beside musterd, and changes nothing.
. "$top_srcdir/tests/lib.sh"

S=$T/store
new_store "$S" || echo "Bail out! no store"
journal_entries 20 "早班：一切正常" || echo "Bail out! journal add"
attach_file || echo "Bail out! attachment"
BK=$T/backup
"$M" --store "$S" backup "$BK" >/dev/null || echo "Bail out! backup"
ckpt=$("$M" --store "$S" log checkpoint)
journal_entries 5 "备份之后" || echo "Bail out! journal add"

# fingerprint DIR: every file's name, mode and bytes
fingerprint() {
	(cd "$1" && find . -type f | LC_ALL=C sort | while read -r f; do printf '%s %s %s\n' "$f" "$(stat -c %a "$f")" "$(sha256sum <"$f")"; done) | sha256sum
}
# leftovers: what a restore made beside the store and left (staging directories)
leftovers() { ls -a "$T" | grep -c '\.restore-'; }
bk_was=$(fingerprint "$BK")

# ---- restored: the backup's log, checkpoint, keys and attachments, in place ---------------------
succeeds "restore a backup over the store" --store "$S" restore "$BK"
like "$(sed -n 1p "$T/out")" "restored store '$S' from '$BK': 21 entries, verified" "the line names the store, the backup and its entries"
like "$(cat "$T/out")" "the store it replaced had 26 entries: the last 5, made after the backup, are only in the old store" \
	"the line says what the backup does not hold"
aside=$(sed -n "s/^the old store is at '\(.*\)'; .*/\1/p" "$T/out")
like "$aside" "$S.before-restore-" "the old store is kept aside under a dated name ($aside)"
is "$(log_size)" 21 "the store holds the backup's 21 entries"
is "$("$M" --store "$S" log checkpoint)" "$ckpt" "its checkpoint is the backup's"
run --store "$S" log verify
is "$rc" 0 "the restored store passes log verify"
run --store "$S" reindex --check
is "$rc" 0 "the restored store passes reindex --check"
cmp -s "$S/attachments/$att" "$T/att"
ok $? "the attachment is back"
for k in log.key tag.key; do
	cmp -s "$BK/$k" "$S/$k" && [ "$(stat -c %a "$S/$k")" = 600 ]
	ok $? "$k: the backup's, 0600"
done
is "$(stat -c %a "$S")" 700 "the store directory keeps its mode"
is "$("$M" --store "$aside" log checkpoint | sed -n 2p)" 26 "the old store, aside, still has its 26 entries"
run --store "$aside" log verify
is "$rc" 0 "... and verifies"
is "$(fingerprint "$BK")" "$bk_was" "the backup is left as it was"
[ ! -e "$BK/lock.mdb" ]
ok $? "... with no lock file in it"
is "$(leftovers)" 0 "no staging directory is left"
as admin journal add "恢复后的第一条" >/dev/null
ok $? "a write after the restore"
is "$(log_size)" 22 "... lands as entry 21"
rm -rf "$aside"

# ---- --json -----------------------------------------------------------------------------------
succeeds "restore --json" --store "$S" --json restore "$BK"
is "$(py 'sorted(d)')" "['aside', 'backup', 'check', 'entries', 'previous_agrees', 'previous_entries', 'seconds', 'store']" "--json: its fields"
is "$(py 'd["store"], d["backup"], d["check"], d["entries"], d["previous_entries"], d["previous_agrees"], type(d["seconds"]).__name__')" \
	"('$S', '$BK', False, 21, 22, True, 'float')" "--json: store, backup, check false, entries, what the store had, that it agreed, seconds"
aside=$(py 'd["aside"]')
[ -d "$aside" ] && like "$aside" "$S.before-restore-" "--json: aside names the old store"
rm -rf "$aside"

# ---- the aside name taken (a restore in the same second): the next free one ------------------------
for d in 0 1 2 3 4 5; do mkdir "$S.before-restore-$(date -u -d "+$d sec" +%Y%m%dT%H%M%SZ)"; done
succeeds "restore when the dated aside name is taken" --store "$S" --json restore "$BK"
like "$(py 'd["aside"]')" "Z-2" "the old store goes aside with -2 after the name"
is "$("$M" --store "$(py 'd["aside"]')" log checkpoint | sed -n 2p)" 21 "... and is there"
rm -rf "$S".before-restore-*

# ---- a backup whose log the store's does not agree with ----------------------------------------
as admin journal add "甲" >/dev/null && "$M" --store "$S" backup "$T/fork.bk" >/dev/null &&
	"$M" --store "$S" restore "$BK" >/dev/null && as admin journal add "乙" >/dev/null
ok $? "a backup with entry 21 one way, the store with entry 21 another"
succeeds "restore it" --store "$S" --json restore "$T/fork.bk"
is "$(py 'd["entries"], d["previous_entries"], d["previous_agrees"]')" "(22, 22, False)" \
	"--json: previous_agrees is false: the store's first 22 entries are not the backup's"
rm -rf "$S".before-restore-*
"$M" --store "$S" restore "$BK" >/dev/null && as admin journal add "丙" >/dev/null && succeeds "again, in words" --store "$S" restore "$T/fork.bk"
like "$(cat "$T/out")" "the store it replaced had 22 entries, and a log the backup's checkpoint does not agree with" "... the line says so"
rm -rf "$S".before-restore-* "$T/fork.bk"
"$M" --store "$S" restore "$BK" >/dev/null && rm -rf "$S".before-restore-*

# ---- refusals: the store unchanged, nothing left beside it --------------------------------------
# unchanged WHY: data.mdb has the same bytes and inode, and no staging directory is left
sum_of() { sha256sum "$1" | cut -d' ' -f1; }
unchanged() {
	is "$(sum_of "$S/data.mdb") $(stat -c %i "$S/data.mdb") $(leftovers) $(ls -d "$S".before-restore-* 2>/dev/null | wc -l)" \
		"$sum $ino 0 0" "$1: the store is unchanged, nothing left beside it"
}
sum=$(sum_of "$S/data.mdb") ino=$(stat -c %i "$S/data.mdb")

fails 2 "restore without BACKUP" --store "$S" restore
fails 2 "restore with an option it does not take" --store "$S" restore "$BK" --origin x
fails 3 "restore from a directory with no backup" --store "$S" restore "$T/nothing"
like "$(cat "$T/err")" "no backup at '$T/nothing'" "... the line names it"
fails 2 "restore the store from itself" --store "$S" restore "$S"
mkdir "$S/attachments/inner" && cp "$BK/data.mdb" "$S/attachments/inner/"
fails 2 "restore from a backup inside the store" --store "$S" restore "$S/attachments/inner"
rm -rf "$S/attachments/inner"
unchanged "bad operands"

O=$T/other
"$M" --store "$O" init --origin other.example/site --admin-key "$T/other.key" --holder '李娜' --kdf min >/dev/null &&
	"$M" --store "$O" backup "$T/other.bk" >/dev/null
ok $? "another site and its backup"
refuses 2 "restore another site's backup" "it is a backup of other.example/site, but the store '$S' is muster.test/site" \
	"$M" --store "$S" restore "$T/other.bk"
unchanged "another site's backup"

# A backup whose entry 3 has one byte changed (python3-lmdb), and one whose attachment was altered.
cp -r "$BK" "$T/bad.bk"
if "$PY" - "$T/bad.bk" <<'EOF'; then
import lmdb, sys
env = lmdb.open(sys.argv[1], max_dbs=64)
log = env.open_db(b"log", create=False)
key = (3).to_bytes(8, "big") + b"\0"
with env.begin(write=True) as txn:
    v = bytearray(txn.get(key, db=log))
    v[-10] ^= 1
    txn.put(key, bytes(v), db=log)
EOF
	rm -f "$T/bad.bk/lock.mdb"
	refuses 1 "restore a backup with an entry changed" "does not verify at entry" "$M" --store "$S" restore "$T/bad.bk"
	refuses 1 "restore --check of it" "does not verify at entry" "$M" --store "$S" restore --check "$T/bad.bk"
	like "$(cat "$T/err")" "the store is unchanged" "... the line says the store is unchanged"
	unchanged "a changed entry"
else
	skip_all "python3-lmdb is not installed"
fi
rm -rf "$T/bad.bk"
cp -r "$BK" "$T/bad.bk"
printf 'altered\n' >>"$T/bad.bk/attachments/$att"
refuses 1 "restore a backup with an altered attachment" "attachment $att has been altered" "$M" --store "$S" restore "$T/bad.bk"
unchanged "an altered attachment"

mkdir -m 700 "$T/keys"
start_musterd --store "$S" --keys "$T/keys" --www "$top_srcdir/www"
refuses 2 "restore while musterd serves the store" "another process has it open" "$M" --store "$S" restore "$BK"
like "$(cat "$T/err")" "stop it and run 'muster restore' again" "... the line says what to do"
unchanged "musterd"
# --check: everything but the swap, so it runs beside musterd
succeeds "restore --check while musterd serves the store" --store "$S" restore --check "$BK"
like "$(cat "$T/out")" "backup '$BK' verifies: 21 entries, in " "... the line says the backup verifies"
like "$(cat "$T/out")" "the store '$S' was not changed" "... and that the store was not changed"
run --store "$S" --json restore "$BK" --check
is "$rc $(py 'd["check"], d["entries"], d["previous_entries"], d["previous_agrees"], d["aside"]')" "0 (True, 21, 21, True, None)" \
	"--check --json: check true, the backup's entries, the store's, nothing aside"
unchanged "restore --check"
kill "$pid"
wait "$pid" 2>/dev/null

held "$S" lmdb
refuses 2 "restore while python3-lmdb has the environment open" "another process has it open" "$M" --store "$S" restore "$BK"
unchanged "python3-lmdb"
release
held "$S" flock-sh
refuses 2 "restore while another muster holds the store" "another process has it open" "$M" --store "$S" restore "$BK"
LC_ALL='' LC_MESSAGES='' LANG=zh_CN.UTF-8 "$M" --store "$S" restore "$BK" 2>"$T/err"
like "$(cat "$T/err")" "另有进程正在使用" "the line in Chinese under LANG=zh_CN.UTF-8"
unchanged "another muster"
release

# ---- no room beside the store for the copy: said before copying -----------------------------------
mkdir "$T/mnt"
if mount -t tmpfs -o size=4m,mode=0755 muster-restore "$T/mnt" 2>/dev/null; then
	F=$T/mnt/store
	"$M" --store "$F" init --origin muster.test/small --admin-key "$T/small.key" --holder '张伟' --kdf min >/dev/null ||
		echo "Bail out! no store on the tmpfs"
	cp -r "$BK" "$T/big.bk"
	head -c 6000000 /dev/zero >"$T/big.bk/attachments/padding"
	fsum=$(sum_of "$F/data.mdb")
	fails 5 "restore onto a 4 MiB file system of a backup of 6 MB" --store "$F" restore "$T/big.bk"
	like "$(cat "$T/err")" "the copy of the backup needs 6 MiB beside it, and '$T/mnt' has" "... the line says how much is needed and free"
	is "$(sum_of "$F/data.mdb") $(ls -a "$T/mnt" | grep -c restore)" "$fsum 0" "... the store is unchanged, nothing made beside it"
	umount "$T/mnt"
	rm -rf "$T/big.bk"
fi

# ---- a muster waiting for the store while it is swapped opens the new one ------------------------
# As a restore does it, by hand: the directory's lock held exclusively, the store swapped, let go.
"$M" --store "$O" log checkpoint >"$T/other.ckpt"
held "$S" flock-ex
"$M" --store "$S" log checkpoint >"$T/waited" 2>&1 &
reader=$!
sleep 0.3
mv "$S" "$T/store.was" && mv "$O" "$S"
release
wait "$reader"
is "$(head -n 1 "$T/waited")" "other.example/site" "a muster that waited for the lock reads the store now at the path, not the one moved away"
mv "$S" "$O" && mv "$T/store.was" "$S"

# ---- no store at the path yet: a new machine ------------------------------------------------------
N=$T/new/store
mkdir -m 755 "$T/new"
succeeds "restore where there is no store yet" --store "$N" --json restore "$BK"
is "$(py 'd["entries"], d["previous_entries"], d["previous_agrees"], d["aside"]')" "(21, None, None, None)" \
	"--json: no previous store, nothing moved aside"
is "$("$M" --store "$N" log checkpoint)" "$ckpt" "the new store has the backup's checkpoint"
run --store "$N" log verify
is "$rc $(ls -a "$T/new" | grep -c restore)" "0 0" "... verifies, and nothing is left beside it"

# ---- a central store comes back with its mirrors ------------------------------------------------
C=$T/central
central_of "$C"
ok $? "a central store mirroring the site"
"$M" --store "$C" backup "$T/central.bk" >/dev/null
succeeds "restore a central store" --store "$C" restore "$T/central.bk"
is "$("$M" --store "$C/$MD" log checkpoint | sha256sum)" "$("$M" --store "$T/central.bk/$MD" log checkpoint | sha256sum)" \
	"the mirror has the backup's checkpoint"
run --store "$C/$MD" log verify
is "$rc" 0 "... and verifies"
cmp -s "$C/witness.key" "$T/central.bk/witness.key"
ok $? "witness.key is the backup's"

# ---- a store another user owns stays theirs -------------------------------------------------------
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	chown -R nobody:nogroup "$S"
	succeeds "root restores a store owned by nobody" --store "$S" restore "$BK"
	is "$(find "$S" ! -user nobody | wc -l)" 0 "every file of the restored store belongs to nobody, as the store did"
fi

done_testing
