#!/bin/sh
# minisign.sh - the stock minisign(1) verifies signatures libmuster makes
# (core/minisign.c, through the test helper tests/interop/minisign_tool),
# and libmuster verifies signatures the stock minisign makes; one changed
# byte of the file, one changed character of the trusted comment, or
# another key fails either way.  Files: 2 MiB + 3 bytes of random data, and
# a Chinese audit report with a Chinese name and trusted comment.
. "$top_srcdir/tests/lib.sh"

MS=$(command -v minisign 2>/dev/null) || skip_all "minisign is not installed (Debian: minisign)"
tool=$top_builddir/tests/interop/minisign_tool
if [ ! -x "$tool" ]; then
	echo "Bail out! $tool is not built (make check builds it)"
	exit 1
fi

seed=6d75737465722f6d696e697369676e2f696e7465726f702f6b65792f30303031
seed2=6d75737465722f6d696e697369676e2f696e7465726f702f6b65792f30303032

# flip FILE OFFSET: adds 1 (mod 256) to the byte at OFFSET, in place.
flip() {
	v=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
	printf "\\$(printf '%03o' $(((v + 1) % 256)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# vrun ARGS...: a command with stdout in $T/out, stderr in $T/err; sets rc.
vrun() {
	"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
}

cd "$T" || exit 1
big=$T/report.bin
head -c 2097155 /dev/urandom >"$big"
cn=$T/审计报告-2026年11月.txt
i=1
while [ $i -le 400 ]; do
	printf '第%d条：太原一号装备库 正压氧气呼吸器 HY4 维护费 18500.00 元，经办人 李娜，审核人 张伟。\n' $i
	i=$((i + 1))
done >"$cn"
tc_big="muster audit report size:2097155 origin:muster.test/site"
tc_cn="国家矿山应急救援太原队 2026年11月 审计报告 第3份"

# ---- Muster signs, the stock minisign verifies ------------------------------
"$tool" pubkey "$seed" >key.pub
ok $? "minisign_tool writes a public key"
keyid=$(sed -n '1s/^untrusted comment: minisign public key \([0-9A-F]\{16\}\)$/\1/p' key.pub)
is "$(wc -l <key.pub | tr -d ' '):${#keyid}" "2:16" "public key: two lines, the comment names a 16-digit key id"
publine=$(sed -n 2p key.pub)

"$tool" sign "$seed" "$big" "$tc_big" >"$big.minisig"
ok $? "minisign_tool signs a 2 MiB file"
vrun "$MS" -Vm "$big" -p key.pub
is "$rc" 0 "minisign -Vm FILE -p key.pub verifies it"
like "$(cat "$T/out")" "Signature and comment signature verified" "minisign says the signature and the comment verified"
like "$(cat "$T/out")" "Trusted comment: $tc_big" "minisign prints the trusted comment"
vrun "$MS" -Vm "$big" -P "$publine"
is "$rc" 0 "minisign -Vm FILE -P <base64 key> verifies it"
like "$(cat "$T/out")" "Trusted comment: $tc_big" "... and prints the trusted comment"
cp "$big.minisig" other-name.minisig
cp key.pub minisign.pub
vrun "$MS" -Vm "$big" -x other-name.minisig
is "$rc" 0 "minisign -Vm FILE -x SIGFILE (./minisign.pub) verifies it"
vrun "$MS" -V -H -q -m "$big" -p key.pub
is "$rc:$(cat "$T/out")" "0:" "minisign -V -H (prehashed required) -q accepts it silently"
vrun "$MS" -V -Q -m "$big" -p key.pub
is "$rc:$(cat "$T/out")" "0:$tc_big" "minisign -Q prints only the trusted comment"

"$tool" sign "$seed" "$cn" "$tc_cn" "审计报告签名" >"$cn.minisig"
ok $? "minisign_tool signs a Chinese report with a Chinese trusted comment"
vrun "$MS" -V -Q -m "$cn" -p key.pub
is "$rc:$(cat "$T/out")" "0:$tc_cn" "minisign verifies the Chinese report and prints its trusted comment"
is "$(sed -n 1p "$cn.minisig")" "untrusted comment: 审计报告签名" "the untrusted comment is as given"

cp "$big" changed.bin
flip changed.bin 1048576
vrun "$MS" -Vm changed.bin -x "$big.minisig" -p key.pub
is "$rc" 1 "one byte of the 2 MiB file changed: minisign refuses"
like "$(cat "$T/err")" "Signature verification failed" "... saying the signature failed"
cp "$cn" changed.txt
flip changed.txt 0
vrun "$MS" -Vm changed.txt -x "$cn.minisig" -p key.pub
is "$rc" 1 "the first byte of the Chinese report changed: minisign refuses"

sed '3s/size:2097155/size:2097156/' "$big.minisig" >tc.minisig
is "$(cmp "$big.minisig" tc.minisig 2>/dev/null | wc -l | tr -d ' ')" 1 "(one character of the trusted comment changed)"
vrun "$MS" -Vm "$big" -x tc.minisig -p key.pub
is "$rc" 1 "a changed trusted comment: minisign refuses"
like "$(cat "$T/err")" "Comment signature verification failed" "... saying the comment signature failed"
sed '3s/份$/分/' "$cn.minisig" >tccn.minisig
vrun "$MS" -Vm "$cn" -x tccn.minisig -p key.pub
is "$rc" 1 "one Chinese character of the trusted comment changed: minisign refuses"

"$tool" pubkey "$seed2" >other.pub
otherid=$(sed -n '1s/^untrusted comment: minisign public key //p' other.pub)
vrun "$MS" -Vm "$big" -p other.pub
is "$rc" 1 "another key: minisign refuses"
# minisign names both key ids, as it prints them: ours must read the same.
is "$(cat "$T/err")" "Signature key id in $big.minisig is $keyid
but the key id in the public key is $otherid" "minisign prints the key ids exactly as the public key comments name them"
# Another key under our key id: minisign gets as far as Ed25519, which fails.
(printf 'Ed'; sed -n 2p key.pub | base64 -d | head -c 10 | tail -c 8; sed -n 2p other.pub | base64 -d | tail -c 32) |
	base64 -w0 >forged.b64
vrun "$MS" -Vm "$big" -P "$(cat forged.b64)"
is "$rc" 1 "another public key under this key id: minisign refuses"
like "$(cat "$T/err")" "Signature verification failed" "... at the signature itself"

# ---- The stock minisign signs, Muster verifies --------------------------------
vrun "$MS" -G -W -p ms.pub -s ms.key
is "$rc" 0 "minisign -G -W makes an unencrypted key pair"
vrun "$MS" -S -s ms.key -m "$big" -x big.ms.minisig -t "$tc_big"
is "$rc" 0 "minisign signs the 2 MiB file"
vrun "$tool" verify ms.pub "$big" big.ms.minisig
is "$rc" 0 "libmuster verifies minisign's signature of the 2 MiB file"
like "$(cat "$T/out")" "Trusted comment: $tc_big" "... and reads its trusted comment"
vrun "$MS" -S -s ms.key -m "$cn" -x cn.ms.minisig -t "$tc_cn"
vrun "$tool" verify ms.pub "$cn" cn.ms.minisig
is "$rc:$(sed -n 2p "$T/out")" "0:Trusted comment: $tc_cn" "libmuster verifies minisign's signature of the Chinese report, with its Chinese comment"
ms_publine=$(sed -n 2p ms.pub)
printf '%s\n' "$ms_publine" >ms.line
vrun "$tool" verify ms.line "$big" big.ms.minisig
is "$rc" 0 "... also given the bare base64 key of minisign -P"
vrun "$tool" verify ms.pub changed.bin big.ms.minisig
is "$rc" 1 "one byte of the file changed: libmuster refuses minisign's signature"
sed '3s/size:2097155/size:2097156/' big.ms.minisig >tc.ms.minisig
vrun "$tool" verify ms.pub "$big" tc.ms.minisig
is "$rc" 1 "a changed trusted comment: libmuster refuses minisign's signature"
vrun "$tool" verify key.pub "$big" big.ms.minisig
is "$rc" 1 "another key: libmuster refuses minisign's signature"
vrun "$MS" -S -l -s ms.key -m "$cn" -x legacy.minisig
vrun "$tool" verify ms.pub "$cn" legacy.minisig
is "$rc" 1 "a legacy (-l, not prehashed) signature: libmuster refuses it, as minisign -H does"

# ---- Round trip through libmuster's own verifier --------------------------------
vrun "$tool" verify key.pub "$big" "$big.minisig"
is "$rc:$(sed -n 2p "$T/out")" "0:Trusted comment: $tc_big" "libmuster verifies its own signature from the public key file"
vrun "$tool" verify key.pub changed.bin "$big.minisig"
is "$rc" 1 "... and refuses it for the changed file"

done_testing
