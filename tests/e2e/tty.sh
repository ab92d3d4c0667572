#!/bin/sh
# The passphrase prompt on a terminal: script(1) gives muster a pty and we
# type into it, as a person at the keyboard would.
. "$top_srcdir/tests/lib.sh"
command -v script >/dev/null 2>&1 || skip_all "script(1) from bsdutils is not installed"
unset MUSTER_PASSPHRASE

# at_tty INPUT COMMAND...: run COMMAND on a pty with INPUT typed; output in $T/out, status returned
at_tty() {
	input=$1
	shift
	printf '%b' "$input" | timeout 60 script -qec "$*" /dev/null >"$T/out" 2>&1
}

at_tty 'tty 口令\ntty 口令\n' "$M key new --out $T/k.key --kdf min"
ok $? "key new asks for the passphrase twice on the terminal"
like "$(cat "$T/out")" "Passphrase for $T/k.key" "the prompt names the key file"
test -f "$T/k.key" && test -f "$T/k.key.pub"
ok $? "the key pair is written"

at_tty 'one\ntwo\n' "$M key new --out $T/m.key --kdf min"
is $? 2 "two different passphrases: exit 2"
like "$(cat "$T/out")" "differ" "and the message says they differ"
test ! -e "$T/m.key" && test ! -e "$T/m.key.pub"
ok $? "and nothing is written"

MUSTER_PASSPHRASE='admin pass' new_store "$T/s"
MUSTER_PASSPHRASE='admin pass' "$M" --store "$T/s" --key "$T/admin.key" key enrol "$T/k.key.pub" --role keeper --holder 李娜 >/dev/null
at_tty 'tty 口令\n' "$M --store $T/s --key $T/k.key journal add 夜班平安"
ok $? "a signed command reads the passphrase from the terminal"
at_tty 'wrong\n' "$M --store $T/s --key $T/k.key journal add 不应写入"
is $? 4 "a wrong passphrase at the prompt: exit 4"
is "$("$M" --store "$T/s" journal list --json | grep -c 不应写入)" 0 "and nothing is written"
done_testing
