#!/bin/sh
# progress.sh - MUSTER_PROGRESS_FD (docs/CLI.md): 'log verify', 'report run',
# 'label' and 'audit report' write "progress DONE TOTAL PHASE" lines to the
# descriptor it names, DONE rising to TOTAL within a phase, the last line
# DONE == TOTAL, and no more than a few a second.  A value that is not a
# descriptor of 3 or more open for writing (abc, 1, a closed 99, a
# read-only 3, a number past int) and a reader that has gone away change
# nothing: the same output, the same exit status, nothing on stderr.
. "$top_srcdir/tests/lib.sh"

S=$T/store
run gen --scale team --seed 4 --store "$S" --kdf min
is "$rc" 0 "a generated team store"
month=$("$PY" -c 'import datetime; d=datetime.date.today().replace(day=1)-datetime.timedelta(days=1); print(d.strftime("%Y-%m"))')
year=${month%-*}
mkdir "$T/plugins" && cp "$top_builddir/plugins/.libs/national.so" "$T/plugins/"
team=$("$M" --store "$S" --json team list | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["team"])')
depot=$("$M" --store "$S" --json depot list | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["depot"])')

# lines FILE PHASES: "ok LAST-PHASE DONE TOTAL COUNT" if every line of FILE is
# "progress DONE TOTAL PHASE" with PHASE among PHASES (in that order), DONE
# never falling and TOTAL fixed within a phase, DONE <= TOTAL, and the last
# line DONE == TOTAL; else what is wrong.
lines() {
	awk -v phases="$2" '
	BEGIN { np = split(phases, allowed, " "); at = 1 }
	{
		if ($0 !~ /^progress (0|[1-9][0-9]*) [1-9][0-9]* [a-z]+$/) { print "line " NR " malformed: " $0; bad = 1; exit }
		if ($2 + 0 > $3 + 0) { print "line " NR " has DONE above TOTAL: " $0; bad = 1; exit }
		if ($4 != ph) {
			while (at <= np && allowed[at] != $4) at++
			if (at > np) { print "line " NR " has an unexpected or out-of-order phase: " $0; bad = 1; exit }
		} else if ($2 + 0 < done + 0 || $3 != total) { print "line " NR " goes back or changes TOTAL: " $0; bad = 1; exit }
		ph = $4; done = $2; total = $3; n++
	}
	END {
		if (bad) exit
		if (n == 0) print "no lines"
		else if (done != total) print "the last line is not done: progress " done " " total " " ph
		else print "ok " ph " " done " " total " " n
	}' "$1"
}

# same DESC VALUES ARGS...: muster ARGS with MUSTER_PROGRESS_FD set to each of VALUES (3r: 3, open
# read-only; 3c: 3, closed, so that the store's first file gets it), and with a reader that has gone
# away, gives the stdout, stderr and exit status of a plain run.
same() {
	desc=$1 values=$2
	shift 2
	"$M" "$@" >"$T/want.out" 2>"$T/want.err" </dev/null
	want=$?
	failed=""
	for v in $values ""; do
		if [ "$v" = 3r ]; then
			MUSTER_PROGRESS_FD=3 "$M" "$@" >"$T/got.out" 2>"$T/got.err" </dev/null 3</dev/null
		elif [ "$v" = 3c ]; then
			MUSTER_PROGRESS_FD=3 "$M" "$@" >"$T/got.out" 2>"$T/got.err" </dev/null 3>&-
		else
			MUSTER_PROGRESS_FD=$v "$M" "$@" >"$T/got.out" 2>"$T/got.err" </dev/null
		fi
		got=$?
		[ "$got" = "$want" ] && cmp -s "$T/want.out" "$T/got.out" && cmp -s "$T/want.err" "$T/got.err" ||
			failed="$failed '$v'"
	done
	# A reader that is gone: fd 3 is a pipe to a command that has exited.
	{ sleep 1; MUSTER_PROGRESS_FD=3 "$M" "$@" 3>&1 >"$T/got.out" 2>"$T/got.err" </dev/null; echo $? >"$T/got.rc"; } | :
	[ "$(cat "$T/got.rc")" = "$want" ] && cmp -s "$T/want.out" "$T/got.out" && cmp -s "$T/want.err" "$T/got.err" ||
		failed="$failed broken-pipe"
	is "rc=$want failed:$failed" "rc=0 failed:" "$desc: bad values and a broken pipe change nothing"
}

# ---- log verify ------------------------------------------------------------------------------
entries=$("$M" --store "$S" --json log verify | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
MUSTER_PROGRESS_FD=3 "$M" --store "$S" log verify >"$T/out" 2>"$T/err" 3>"$T/p.verify"
rc=$?
is "rc=$rc err=$(wc -c <"$T/err" | tr -d ' ')" "rc=0 err=0" "log verify with MUSTER_PROGRESS_FD=3 exits 0, nothing on stderr"
is "$(lines "$T/p.verify" "verify attachments")" "ok verify $entries $entries $(wc -l <"$T/p.verify" | tr -d ' ')" \
	"log verify: well-formed lines, DONE rising, the last one all $entries entries"
is "$(head -n 1 "$T/p.verify")" "progress 0 $entries verify" "log verify: the first line says the total at once"
n=$(wc -l <"$T/p.verify" | tr -d ' ')
[ "$n" -ge 2 ] && [ "$n" -le 102 ]
ok $? "log verify: a start, an end, and no more than a hundred between ($n lines)"
like "$(cat "$T/out")" "ok: $entries entries" "log verify: the output is as ever"
MUSTER_PROGRESS_FD=3 "$M" --store "$S" --json log verify --threads 1 >"$T/out" 2>"$T/err" 3>"$T/p.verify1"
is "$? $(lines "$T/p.verify1" "verify attachments" | cut -d' ' -f1-4)" "0 ok verify $entries $entries" "log verify --threads 1 --json: the same"
cp "$S/data.mdb" "$T/data.before"
same "log verify" "abc 1 99 3r 3c 4294967299 +3 3x" --store "$S" log verify
cmp -s "$S/data.mdb" "$T/data.before" && "$M" --store "$S" log verify >/dev/null
ok $? "no progress line went into the store's own files"

# An attachment: its own phase after the entries.
printf 'invoice 001\n' >"$T/invoice.txt"
mkdir -p "$S/attachments" &&
	cp "$T/invoice.txt" "$S/attachments/$(sha256sum "$T/invoice.txt" | cut -d' ' -f1)"
MUSTER_PROGRESS_FD=3 "$M" --store "$S" log verify >"$T/out" 2>"$T/err" 3>"$T/p.attach"
is "$? $(lines "$T/p.attach" "verify attachments" | cut -d' ' -f1-4)" "0 ok attachments 1 1" \
	"log verify with an attached file: the entries, then the attachments, 1 of 1"
grep -q "^progress $entries $entries verify\$" "$T/p.attach"
ok $? "log verify with an attached file: the entries phase still ends done"
rm -rf "$S/attachments"

# ---- report run --------------------------------------------------------------------------------
MUSTER_PROGRESS_FD=3 "$M" --store "$S" report run national --month "$month" --out "$T/r.json" --plugin-dir "$T/plugins" \
	>"$T/out" 2>"$T/err" 3>"$T/p.report"
is "$? $(wc -c <"$T/err" | tr -d ' ')" "0 0" "report run with MUSTER_PROGRESS_FD=3 exits 0, nothing on stderr"
is "$(lines "$T/p.report" report)" "ok report 1 1 2" "report run: started, then done (0 1, 1 1)"
same "report run" "abc 1 99 3c" --store "$S" report run national --month "$month" --out "$T/r.json" --plugin-dir "$T/plugins"

# ---- label -------------------------------------------------------------------------------------
MUSTER_PROGRESS_FD=3 "$M" --store "$S" --json label --team "$team" --format pdf --out "$T/l.pdf" >"$T/out" 2>"$T/err" 3>"$T/p.label"
is "$? $(wc -c <"$T/err" | tr -d ' ')" "0 0" "label --format pdf with MUSTER_PROGRESS_FD=3 exits 0, nothing on stderr"
nlabels=$(py 'len(d["labels"])')
is "$(lines "$T/p.label" labels | cut -d' ' -f1-4)" "ok labels $nlabels $nlabels" "label pdf: DONE rising to all $nlabels labels"
MUSTER_PROGRESS_FD=3 "$M" --store "$S" label --team "$team" --format png --out "$T/png" >"$T/out" 2>"$T/err" 3>"$T/p.png"
is "$? $(lines "$T/p.png" labels | cut -d' ' -f1-4)" "0 ok labels $nlabels $nlabels" "label png: one file a label, to all $nlabels"
same "label pdf" "abc 1 99 3c" --store "$S" label --depot "$depot" --format pdf --out "$T/l.pdf"

# ---- audit report ------------------------------------------------------------------------------
MUSTER_PROGRESS_FD=3 "$M" --store "$S" audit report --year "$year" --out "$T/a.csv" >"$T/out" 2>"$T/err" 3>"$T/p.audit"
is "$? $(wc -c <"$T/err" | tr -d ' ') $(lines "$T/p.audit" audit | cut -d' ' -f1-4)" "0 0 ok audit 8 8" \
	"audit report: steps to the signed file, the last 8 of 8"

# ---- commands without progress write none ---------------------------------------------------
MUSTER_PROGRESS_FD=3 "$M" --store "$S" log checkpoint >/dev/null 2>&1 3>"$T/p.none"
is "$(wc -c <"$T/p.none" | tr -d ' ')" 0 "log checkpoint writes no progress lines"

done_testing
