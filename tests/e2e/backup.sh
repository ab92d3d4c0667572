#!/bin/sh
# backup.sh - 'muster backup DIR': a hot, consistent, compacted copy of the
# store.  The copy verifies, has the original's checkpoint, projections and
# key files (0600, byte for byte), and a data.mdb no larger; a DIR that is
# not new or empty is refused with nothing changed; a failed backup leaves
# nothing; a backup taken while another process appends holds a prefix of
# the final log; a central store's mirrors come along as stores of their own.
. "$top_srcdir/tests/lib.sh"

S=$T/store
new_store "$S" || echo "Bail out! no store"
journal_entries 20 "早班：一切正常" || echo "Bail out! journal add"
attach_file || echo "Bail out! attachment"

# ---- a store with some writes -----------------------------------------------------------
C=$T/copy
succeeds "backup DIR: a new directory" --store "$S" backup "$C"
like "$(cat "$T/out")" "backed up 21 entries" "the line says how many entries"
is "$(stat -c %a "$C")" 700 "DIR is made 0700"
run --store "$C" log verify
is "$rc" 0 "the copy passes log verify"
is "$("$M" --store "$C" log checkpoint)" "$(q log checkpoint)" "the copy's checkpoint is the original's"
run --store "$C" reindex --check
is "$rc" 0 "the copy passes reindex --check"
for k in log.key tag.key; do
	is "$(stat -c %a "$C/$k")" 600 "$k is 0600 in the copy"
	cmp -s "$S/$k" "$C/$k"
	ok $? "$k is byte-identical"
done
cmp -s "$S/attachments/$att" "$C/attachments/$att"
ok $? "the attachments come along"
[ "$(stat -c %s "$C/data.mdb")" -le "$(stat -c %s "$S/data.mdb")" ]
ok $? "the copy's data.mdb is no larger than the original's"
is "$(stat -c %a "$C/data.mdb")" 600 "data.mdb is 0600 in the copy"

# ---- --json -------------------------------------------------------------------------------
E=$T/empty
mkdir -m 755 "$E"
succeeds "backup into an empty directory" --json --store "$S" backup "$E"
is "$(py 'sorted(d)')" "['bytes', 'dir', 'entries', 'seconds', 'source_bytes']" "--json: its fields"
is "$(py 'd["dir"], d["entries"], d["bytes"] <= d["source_bytes"], type(d["seconds"]).__name__')" \
	"('$E', 21, True, 'float')" "--json: dir, entries, bytes no more than source_bytes, seconds"
is "$(py 'd["bytes"], d["source_bytes"]')" "($(stat -c %s "$E/data.mdb"), $(stat -c %s "$S/data.mdb"))" \
	"--json: bytes and source_bytes are the two data.mdb sizes"
is "$(stat -c %a "$E")" 700 "an empty DIR is made 0700"
[ ! -e "$E/lock.mdb" ]
ok $? "no lock file left from checking the copy"

# ---- refusals: nothing changed -------------------------------------------------------------
was=$(ls -la "$C" | sha256sum)
refuses 2 "a non-empty DIR" "$C" "$M" --store "$S" backup "$C"
like "$(cat "$T/err")" "not empty" "a non-empty DIR: the line says it is not empty"
is "$(ls -la "$C" | sha256sum)" "$was" "a non-empty DIR is left as it was"
printf 'keep me\n' >"$T/file"
refuses 2 "a DIR that is a file" "not a directory" "$M" --store "$S" backup "$T/file"
is "$(cat "$T/file")" "keep me" "the file is left as it was"
fails 3 "backup of a store that is not there" --store "$T/nothing" backup "$T/nb"
[ ! -e "$T/nb" ]
ok $? "no DIR made for a store that is not there"
fails 2 "backup without DIR" --store "$S" backup
was=$(find "$S" | sort | sha256sum)
refuses 2 "a DIR inside the store" "inside the store" "$M" --store "$S" backup "$S/attachments/b"
is "$(find "$S" | sort | sha256sum)" "$was" "a DIR inside the store: nothing made there"

# ---- a failed backup leaves nothing ---------------------------------------------------------
(
	trap '' XFSZ
	ulimit -f 4 # 2 or 4 KiB, whichever the shell counts in: less than the copy
	exec "$M" --store "$S" backup "$T/cut" >"$T/out" 2>"$T/err"
)
rc=$?
is "$rc $(wc -l <"$T/err" | tr -d ' ')" "5 1" "a backup cut short by the file size limit: exit 5, one line"
like "$(cat "$T/err")" "$T/cut" "the line names DIR"
[ ! -e "$T/cut" ]
ok $? "DIR is removed again"
mkdir "$T/cut2"
(
	trap '' XFSZ
	ulimit -f 4
	exec "$M" --store "$S" backup "$T/cut2" >"$T/out" 2>"$T/err"
)
is "$? $(ls -A "$T/cut2" | wc -l | tr -d ' ')" "5 0" "an empty DIR given is left empty after a failure"

# ---- hot: while another process appends --------------------------------------------------
(
	j=0
	while [ ! -e "$T/stop" ]; do
		"$M" --store "$S" --key "$T/admin.key" journal add "夜班 $j" >/dev/null 2>>"$T/writer.err" || break
		j=$((j + 1))
	done
) &
writer=$!
i=0
while [ "$(log_size)" -lt 30 ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
H=$T/hot
run --store "$S" --json backup "$H"
is "$rc" 0 "a backup while another process appends"
hot_size=$(py 'd["entries"]')
i=0
while [ "$(log_size)" -le "$hot_size" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
: >"$T/stop"
wait "$writer"
is "$(cat "$T/writer.err" 2>/dev/null)" "" "the writer went on without an error"
final=$(log_size)
[ "$hot_size" -ge 30 ] && [ "$hot_size" -lt "$final" ]
ok $? "the copy holds $hot_size entries, the log went on to $final"
run --store "$H" log verify
is "$rc" 0 "the hot copy passes log verify"
is "$("$M" --store "$H" log checkpoint)" "$(q log checkpoint --size "$hot_size")" \
	"the hot copy's checkpoint is the original's at its size: a prefix of the final log"
"$M" --store "$H" log checkpoint >"$T/hot.ckpt"
run --store "$S" log verify --against "$T/hot.ckpt"
is "$rc" 0 "the final log holds the hot copy's tree (log verify --against its checkpoint)"
run --store "$H" reindex --check
is "$rc" 0 "the hot copy passes reindex --check"

# ---- a central store: each mirror a store of its own ---------------------------------------
N=$T/central
central_of "$N"
ok $? "a central store mirroring the site"
NC=$T/central.copy
succeeds "backup of a central store" --store "$N" backup "$NC"
cmp -s "$N/witness.key" "$NC/witness.key" && [ "$(stat -c %a "$NC/witness.key")" = 600 ]
ok $? "witness.key: byte-identical, 0600"
cmp -s "$N/$MD/mirror" "$NC/$MD/mirror"
ok $? "the mirror's mirror file comes along"
is "$("$M" --store "$NC/$MD" log checkpoint | sed -n 2p) $("$M" --store "$NC/$MD" log checkpoint | sha256sum)" \
	"$(log_size) $("$M" --store "$N/$MD" log checkpoint | sha256sum)" "the mirror's copy has the mirror's checkpoint, of the site's every entry"
run --store "$NC/$MD" log verify
is "$rc" 0 "the mirror's copy passes log verify"

# ---- the daily units, as make builds them: their commands run on this store -----------------------
U=$top_builddir/tools/muster-backup.service
# unit_cmd KEY: the unit's KEY= command line, on $S and $T/backups, with systemd's %% as %
unit_cmd() {
	sed -n "s/^$1=//p" "$U" | sed -e "s|/var/lib/muster|$S|g" -e "s|/var/backups/muster|$T/backups|g" -e 's/%%/%/g'
}
is "$(sed -n 's/^OnCalendar=//p' "$top_srcdir/tools/muster-backup.timer")" "*-*-* 01:30:00" "muster-backup.timer: every day at 01:30"
mkdir -m 700 "$T/backups"
mkdir "$T/backups/2020-01-01T0130Z" "$T/backups/keep-me"
touch -d '40 days ago' "$T/backups/2020-01-01T0130Z" "$T/backups/keep-me"
recent=$(date -u -d '2 days ago' +%Y-%m-%dT0130Z)
mkdir "$T/backups/$recent"
touch -d '2 days ago' "$T/backups/$recent"
start=$(unit_cmd ExecStart)
like "$start" "/muster --store $S backup \"$T/backups/" "ExecStart: muster backup of the store into /var/backups/muster"
# the unit's command line as systemd runs it, with this build's muster for the installed one
sh -c "$(printf '%s' "$start" | sed "s|exec [^ ]*/muster |exec $M |")" >/dev/null 2>"$T/err"
is "$? $(cat "$T/err")" "0 " "muster-backup.service: its ExecStart makes a backup"
made=$(ls "$T/backups" | grep -c "^$(date -u +%Y-%m-%d)T")
is "$made" 1 "into a directory named by the date and time"
run --store "$T/backups/$(ls "$T/backups" | grep "^$(date -u +%Y-%m-%d)T")" log verify
is "$rc" 0 "which passes log verify"
sh -c "$(unit_cmd ExecStartPost)"
is "$(ls "$T/backups" | grep -c .) $(ls "$T/backups" | grep -c "^2020-") $(ls "$T/backups" | grep -c "^keep-me$")" "3 0 1" \
	"ExecStartPost: a backup older than 35 days removed; recent ones and what is not a backup kept"

done_testing
