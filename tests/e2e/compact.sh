#!/bin/sh
# compact.sh - 'muster compact': the store compacted in place while nobody
# uses it.  Afterwards every record is byte for byte what it was (mdb_dump
# of every database), the log verifies with the same checkpoint, the
# projections equal a reindex, data.mdb is no larger and writes go on.
# While musterd, an LMDB tool (python3-lmdb) or another muster holds the
# store it is refused with one line and the store left as it was; a
# muster started while a compaction holds the store waits for it.  A
# compaction cut short (the file size limit, SIGKILL at random moments, a
# leftover data.mdb.compact) leaves the store whole.  A central store's
# mirrors are compacted with it, and the monthly units say what they run.
. "$top_srcdir/tests/lib.sh"

S=$T/store
new_store "$S" || echo "Bail out! no store"
journal_entries 60 "早班：一切正常" || echo "Bail out! journal add"

# dump STORE: every record of every database (mdb_dump -a), without the header lines that describe the file
dump() {
	mdb_dump -a "$1" | grep -v -e '^mapsize=' -e '^maxreaders=' -e '^db_pagesize='
}
command -v mdb_dump >/dev/null || skip_all "mdb_dump (lmdb-utils) is not installed"
sum_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---- compacted: the same records, the same log, no larger ------------------------------------
dump "$S" >"$T/dump.before"
ckpt=$(q log checkpoint)
before=$(stat -c %s "$S/data.mdb")
succeeds "compact a store nobody uses" --store "$S" compact
like "$(cat "$T/out")" "compacted store '$S': 61 entries" "the line names the store and its entries"
dump "$S" >"$T/dump.after"
cmp -s "$T/dump.before" "$T/dump.after"
ok $? "every record of every database is what it was (mdb_dump -a)"
[ -s "$T/dump.after" ] && grep -q '^database=log$' "$T/dump.after"
ok $? "the dump holds the log"
is "$(q log checkpoint)" "$ckpt" "the checkpoint is the one before"
run --store "$S" log verify
is "$rc" 0 "the compacted store passes log verify"
run --store "$S" reindex --check
is "$rc" 0 "the compacted store passes reindex --check"
[ "$(stat -c %s "$S/data.mdb")" -le "$before" ]
ok $? "data.mdb is no larger ($before bytes, now $(stat -c %s "$S/data.mdb"))"
is "$(stat -c %a "$S/data.mdb")" 600 "data.mdb is 0600"
[ ! -e "$S/data.mdb.compact" ]
ok $? "no data.mdb.compact left"
as admin journal add "压缩后的第一条" >/dev/null
ok $? "a write after the compaction"
run --store "$S" log verify
is "$rc $(log_size)" "0 62" "the log verifies with the new entry"

# ---- --json ---------------------------------------------------------------------------------
succeeds "compact --json" --store "$S" --json compact
is "$(py 'sorted(d)')" "['bytes_after', 'bytes_before', 'entries', 'mirrors', 'seconds', 'store']" "--json: its fields"
is "$(py 'd["store"], d["entries"], d["bytes_after"] <= d["bytes_before"], type(d["seconds"]).__name__, d["mirrors"]')" \
	"('$S', 62, True, 'float', [])" "--json: store, entries, bytes no more than before, seconds, no mirrors"
is "$(py 'd["bytes_after"]')" "$(stat -c %s "$S/data.mdb")" "--json: bytes_after is data.mdb's size"

# ---- refusals: the store left as it was -----------------------------------------------------
fails 3 "compact of a store that is not there" --store "$T/nothing" compact
[ ! -e "$T/nothing" ]
ok $? "nothing made for a store that is not there"
fails 2 "compact with an argument" --store "$S" compact now

# unchanged WHY: data.mdb has the same bytes and inode, and no data.mdb.compact is left
unchanged() {
	is "$(sum_of "$S/data.mdb") $(stat -c %i "$S/data.mdb") $(ls "$S" | grep -c compact)" "$sum $ino 0" "$1: the store is unchanged"
}
sum=$(sum_of "$S/data.mdb") ino=$(stat -c %i "$S/data.mdb")

mkdir -m 700 "$T/keys"
start_musterd --store "$S" --keys "$T/keys" --www "$top_srcdir/www"
refuses 2 "compact while musterd serves the store" "another process has it open" "$M" --store "$S" compact
like "$(cat "$T/err")" "musterd" "the line names musterd among what to stop"
unchanged "musterd"
kill "$pid"
wait "$pid" 2>/dev/null


if "$PY" -c 'import lmdb' 2>/dev/null; then
	held "$S" lmdb
	refuses 2 "compact while python3-lmdb has the environment open" "another process has it open" "$M" --store "$S" compact
	unchanged "python3-lmdb"
	release
else
	skip_all "python3-lmdb is not installed"
fi
held "$S" flock-sh
refuses 2 "compact while another muster holds the store" "another process has it open" "$M" --store "$S" compact
unchanged "another muster"
LC_ALL='' LC_MESSAGES='' LANG=zh_CN.UTF-8 "$M" --store "$S" compact 2>"$T/err"
like "$(cat "$T/err")" "另有进程正在使用" "the line in Chinese under LANG=zh_CN.UTF-8"
release
succeeds "compact once everyone has let go" --store "$S" compact

# ---- a muster started while a compaction holds the store waits for it ---------------------------
held "$S" flock-ex
"$M" --store "$S" log checkpoint >"$T/waited" 2>&1 &
reader=$!
sleep 0.5
kill -0 "$reader" 2>/dev/null
ok $? "a muster started during a compaction waits"
release
wait "$reader"
is "$? $(cat "$T/waited")" "0 $(q log checkpoint)" "and reads the store once the compaction is done"

# ---- cut short: the store whole --------------------------------------------------------------
sum=$(sum_of "$S/data.mdb") ino=$(stat -c %i "$S/data.mdb")
(
	trap '' XFSZ
	ulimit -f 4 # 2 or 4 KiB, whichever the shell counts in: less than the copy
	exec "$M" --store "$S" compact >"$T/out" 2>"$T/err"
)
rc=$?
is "$rc $(wc -l <"$T/err" | tr -d ' ')" "5 1" "a compaction cut short by the file size limit: exit 5, one line"
like "$(cat "$T/err")" "the store is unchanged" "the line says the store is unchanged"
unchanged "cut short"
printf 'half a copy' >"$S/data.mdb.compact"
succeeds "compact over what a killed compaction left" --store "$S" compact
[ ! -e "$S/data.mdb.compact" ]
ok $? "the leftover data.mdb.compact is gone"

# SIGKILL at random moments: each time the store verifies with the same checkpoint
journal_entries 40 "夜班"
ckpt=$(q log checkpoint)
bad=0
trial=0
while [ $trial -lt 12 ]; do
	"$M" --store "$S" compact >/dev/null 2>&1 &
	victim=$!
	sleep "0.00$((trial % 10))"
	kill -9 "$victim" 2>/dev/null
	wait "$victim" 2>/dev/null
	if ! "$M" --store "$S" log verify >/dev/null 2>&1 || [ "$(q log checkpoint)" != "$ckpt" ]; then
		bad=$((bad + 1))
	fi
	trial=$((trial + 1))
done
is "$bad" 0 "12 compactions killed at random moments: the store verifies with its checkpoint each time"
run --store "$S" reindex --check
is "$rc" 0 "and its projections equal a reindex"

# ---- a central store: its mirrors compacted with it ---------------------------------------------
N=$T/central
central_of "$N"
ok $? "a central store mirroring the site"
MD=$N/$MD
mckpt=$("$M" --store "$MD" log checkpoint)
succeeds "compact a central store" --store "$N" --json compact
is "$(py 'len(d["mirrors"]), d["mirrors"][0]["store"], d["mirrors"][0]["entries"]')" "(1, '$MD', $(log_size))" \
	"--json: the mirror, with the site's every entry"
is "$("$M" --store "$MD" log checkpoint)" "$mckpt" "the mirror's checkpoint is the one before"
run --store "$MD" log verify
is "$rc" 0 "the compacted mirror passes log verify"

# ---- the monthly units, as make builds them: their command run on this store ---------------------
U=$top_builddir/tools/muster-compact.service
grep -q '^ExecStartPre=+/bin/systemctl stop musterd.service$' "$U" &&
	grep -q '^ExecStopPost=+/bin/systemctl start musterd.service$' "$U"
ok $? "muster-compact.service: musterd stopped before, started again after, whatever the outcome"
start=$(sed -n 's/^ExecStart=//p' "$U" | sed "s|/var/lib/muster|$S|")
like "$start" "/muster --store $S compact" "ExecStart: muster compact of the store"
# the unit's command with this build's muster for the installed one
sh -c "$(printf '%s' "$start" | sed "s|^[^ ]*/muster |\"$M\" |")" >"$T/out" 2>"$T/err"
is "$? $(cat "$T/err")" "0 " "muster-compact.service: its ExecStart compacts the store"
like "$(cat "$T/out")" "compacted store '$S'" "... and says so (in the journal)"
cal=$(sed -n 's/^OnCalendar=//p' "$top_srcdir/tools/muster-compact.timer")
is "$cal" "*-*-01 02:30:00" "muster-compact.timer: the first of each month, 02:30"

done_testing
