#!/bin/sh
# plugins.sh - the report plugin host against plugins that go wrong in every
# way tests/plugins/ can make them: a wrong ABI major, an entry for a
# future ABI only, no entry, a descriptor too small, a NULL callback, a
# duplicate name, bad strings, a file that is not a shared object; and at
# run time a crash, a hang, runaway output, garbage, and a plugin that gives
# up.  Each is refused or stopped with one clear line, the good plugin
# beside it still loads and runs, nothing is written, and the store still
# verifies.
. "$top_srcdir/tests/lib.sh"

TP=$top_builddir/tests/plugins/.libs
RP=$top_builddir/plugins/.libs
S=$T/store
run gen --scale team --seed 3 --store "$S" --kdf min
is "$rc" 0 "a generated team store"
month=$("$PY" -c 'import datetime; d=datetime.date.today().replace(day=1)-datetime.timedelta(days=1); print(d.strftime("%Y-%m"))')
size0=$(log_size)

# dir NAME FILES...: a plugin directory $T/NAME holding copies of the built plugins.
dir() {
	d=$T/$1
	shift
	rm -rf "$d"
	mkdir -p "$d"
	for f in "$@"; do
		case $f in
		*=*) cp "${f#*=}" "$d/${f%%=*}" ;;
		*) cp "$f" "$d/" ;;
		esac
	done
	echo "$d"
}

# ---- the real plugins and a good one load -----------------------------------------------
D=$(dir real "$RP/national.so" "$RP/shanxi.so" "$RP/sichuan.so" "$TP/good.so")
run --store "$S" --json report list --plugin-dir "$D"
is "rc=$rc err=$(wc -c <"$T/err" | tr -d ' ')" "rc=0 err=0" "report list: four plugins, no complaint"
is "$(py '" ".join(p["name"] for p in d["plugins"])')" "good national shanxi sichuan" "listed by name"
is "$(py '[(p["province"], p["extension"], p["kinds"]) for p in d["plugins"] if p["name"] == "shanxi"][0]')" \
	"('140000', 'csv', 'monthly')" "each with its province, file type and kinds"
is "$(py 'd["abi"]')" "1.0" "and the host's ABI version"
MUSTER_PLUGIN_DIR=$D "$M" --store "$S" report list >"$T/out" 2>"$T/err"
like "$(cat "$T/out")" "national" "\$MUSTER_PLUGIN_DIR names the directory when --plugin-dir is not given"
run --store "$S" report list --plugin-dir "$T/none"
is "$rc" 0 "a plugin directory that does not exist is empty"
like "$(cat "$T/out")" "no report plugins in $T/none" "and says so"

# Each built plugin exports its entry and nothing else, and needs nothing from libmuster.
for p in national shanxi sichuan; do
	is "$(nm -D --defined-only "$RP/$p.so" | awk '$2 != "A" {print $3}' | tr '\n' ' ')" "muster_plugin_entry_v1 " \
		"$p.so exports only muster_plugin_entry_v1"
	nm -D --undefined-only "$RP/$p.so" | grep -q ' muster_'
	ok $((! $?)) "$p.so needs no muster_ symbol (it never links libmuster)"
done

# ---- refused at load: one line naming the file and both ABI versions; the good one still loads ----
# refused NAME WANT-SUBSTRING DESC [FILE-IN-DIR]: a directory with good.so and tests/plugins/NAME.so
refused_case() {
	name=$1 want=$2 desc=$3 file=${4:-$name.so}
	D=$(dir "bad-$name" "$TP/good.so" "$file=$TP/$name.so")
	run --store "$S" --json report list --plugin-dir "$D"
	is "rc=$rc lines=$(wc -l <"$T/err" | tr -d ' ')" "rc=0 lines=1" "$desc: exit 0, one line on stderr"
	like "$(cat "$T/err")" "plugin $D/$file refused" "$desc: the line names the file"
	like "$(cat "$T/err")" "$want" "$desc: and says why"
	is "$(py '" ".join(p["name"] for p in d["plugins"])')" "good" "$desc: the good plugin still loads"
	run --store "$S" report run good --month "$month" --out "$T/good-$name.csv" --plugin-dir "$D"
	is "$rc" 0 "$desc: and still runs"
}
refused_case bad_major "its descriptor is ABI 2.0, this muster speaks ABI 1.0" "wrong ABI major"
refused_case v2_only "built for plugin ABI 2 (muster_plugin_entry_v2), this muster speaks ABI 1.0" "entry for a future ABI only"
refused_case no_entry "has no entry symbol muster_plugin_entry_v1 (this muster speaks plugin ABI 1.0)" "no entry symbol"
refused_case small_desc "is 16 bytes, ABI 1.0 needs at least" "descriptor too small"
refused_case null_run "callback run is NULL" "NULL callback"
refused_case bad_strings "descriptor's name (1 to 32 of a-z 0-9 _ -) is missing or not valid" "bad strings"
refused_case bad_title "descriptor's title (UTF-8 text) is missing or not valid" "a title that is not UTF-8"
refused_case bidi_title "descriptor's title (UTF-8 text) is missing or not valid" "a title with a right-to-left override"
refused_case c1_title "descriptor's title (UTF-8 text) is missing or not valid" "a title with a C1 control"
run --store "$S" report list --plugin-dir "$T/bad-bad_strings"
like "$(cat "$T/err")" "refused (ABI 1.0, this muster 1.0)" "a refusal after the ABI check names both versions"

# A second plugin of a taken name: the first file in name order keeps it.
D=$(dir dup "$RP/national.so" "zz_dup.so=$TP/dup_name.so" "$TP/good.so")
run --store "$S" --json report list --plugin-dir "$D"
is "rc=$rc lines=$(wc -l <"$T/err" | tr -d ' ')" "rc=0 lines=1" "duplicate name: one line"
like "$(cat "$T/err")" "plugin $D/zz_dup.so refused (ABI 1.0): its name is already taken by $D/national.so" \
	"duplicate name: names both files"
is "$(py '[p["file"] for p in d["plugins"] if p["name"] == "national"][0]')" "$D/national.so" "the first one keeps the name"

# Not a shared object, not a plugin file at all.
D=$(dir junk "$TP/good.so")
printf 'not an ELF file\n' >"$D/junk.so"
printf 'notes\n' >"$D/README.txt"
mkdir "$D/dir.so"
mkfifo "$D/fifo.so" 2>/dev/null || true
run --store "$S" --json report list --plugin-dir "$D"
is "rc=$rc lines=$(wc -l <"$T/err" | tr -d ' ')" "rc=0 lines=1" "junk in the directory: one line, for the .so that is not one"
like "$(cat "$T/err")" "plugin $D/junk.so refused: cannot load it" "it names the file and dlopen's reason"
is "$(py 'len(d["plugins"])')" 1 "other files, directories and FIFOs are not loaded at all"

# ---- stopped at run time: one clear line, no file, the store unharmed ------------------------
D=$(dir runtime "$TP/good.so" "$TP/crash.so" "$TP/hang.so" "$TP/runaway.so" "$TP/garbage.so" "$TP/fails.so")
# stopped NAME WANT DESC [OPTIONS...]
stopped() {
	name=$1 want=$2 desc=$3
	shift 3
	run --store "$S" report run "$name" --month "$month" --out "$T/r-$name.out" --plugin-dir "$D" "$@"
	is "$rc" 1 "$desc: exit 1"
	like "$(tail -n 1 "$T/err")" "$want" "$desc: says what happened"
	like "$(tail -n 1 "$T/err")" "nothing was written" "$desc: and that nothing was written"
	is "$(ls "$T" | grep -c "^r-$name")" 0 "$desc: no report, signature or temporary file"
}
stopped crash "before finishing" "SIGSEGV in run()"
stopped hang "report hang failed: the plugin was still running after 2 s and was stopped" "an endless loop" --timeout 2
stopped runaway "report runaway failed: the plugin wrote more than 4 MiB and was stopped" "runaway output" --max-output 4
stopped garbage "what the plugin wrote is not application/json: it is not well-formed JSON" "garbage output"
stopped fails "the plugin gave up (returned 1" "a plugin that gives up"
like "$(cat "$T/err")" "muster: report fails: error: no data for this month" "the plugin's own reason comes first, named"
run --store "$S" report run good --month "$month" --out "$T/good.csv" --plugin-dir "$D"
is "$rc" 0 "the good plugin runs in the same directory"
is "$(head -n 1 "$T/good.csv" | tr -d '\r')" "team,people" "and writes its report"
test -s "$T/good.csv.minisig"
ok $? "signed beside it"
is "$(log_size)" "$size0" "no report wrote to the log"
run --store "$S" log verify
is "$rc" 0 "muster log verify still passes after every failure"

# ---- bad input: one line, exit 2 or 3, nothing written ----------------------------------------
D=$(dir input "$TP/good.so")
fails 2 "--month 2026-13" --store "$S" report run good --month 2026-13 --out "$T/x.csv" --plugin-dir "$D"
fails 2 "--month missing" --store "$S" report run good --out "$T/x.csv" --plugin-dir "$D"
fails 2 "a month not yet begun" --store "$S" report run good --month 2999-01 --out "$T/x.csv" --plugin-dir "$D"
fails 2 "--out missing" --store "$S" report run good --month "$month" --plugin-dir "$D"
fails 2 "--param without =" --store "$S" report run good --month "$month" --out "$T/x.csv" --param x --plugin-dir "$D"
fails 2 "--timeout 0" --store "$S" report run good --month "$month" --out "$T/x.csv" --timeout 0 --plugin-dir "$D"
fails 5 "--out in a directory that does not exist" --store "$S" report run good --month "$month" --out "$T/no/x.csv" --plugin-dir "$D"
like "$(cat "$T/err")" "cannot write in $T/no" "it names the directory, before the plugin runs"
fails 3 "no such plugin" --store "$S" report run nosuch --month "$month" --out "$T/x.csv" --plugin-dir "$D"
like "$(cat "$T/err")" "'muster report list' shows them" "it says where to look"
fails 3 "no such team" --store "$S" report run good --month "$month" --team NOPE --out "$T/x.csv" --plugin-dir "$D"
fails 3 "no store" --store "$T/nostore" report run good --month "$month" --out "$T/x.csv" --plugin-dir "$D"
test ! -e "$T/x.csv" && test ! -e "$T/x.csv.minisig"
ok $? "bad input wrote nothing"
fails 2 "an option of another command" --store "$S" report run good --month "$month" --out "$T/x.csv" --year 2026 --plugin-dir "$D"
fails 2 "report without a subcommand" --store "$S" report --plugin-dir "$D"

done_testing
