#!/bin/sh
# installcheck.sh PREFIX BINDIR LIBDIR DOCDIR - run by 'make installcheck'
# (and so by 'make distcheck'): builds the installed plugin template out of
# tree with nothing but 'pkg-config --cflags muster-plugin' and the
# installed header (no libmuster), then runs it, and the installed plugins,
# with the installed muster.  TAP output.
set -u
prefix=$1 bindir=$2 libdir=$3 docdir=$4
T=$(mktemp -d "${TMPDIR:-/tmp}/muster-installcheck.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0 failed=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
M=$bindir/muster
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export MUSTER_PASSPHRASE='installcheck 检查'
unset MUSTER_PLUGIN_DIR

cp -R "$docdir/plugin-template" "$T/tpl"
ok $? "the template is installed in $docdir/plugin-template"
cflags=$(pkg-config --cflags muster-plugin)
ok $? "pkg-config knows muster-plugin ($cflags)"
[ -z "$(pkg-config --libs muster-plugin)" ]
ok $? "and it links nothing: plugins never link libmuster"
# The template's own Makefile, the way a third party builds it: -Wl,-z,defs proves nothing is left undefined.
make -s -C "$T/tpl" >"$T/make.out" 2>&1
ok $? "the template builds out of tree against the installed header alone"
sed 's/^/# /' "$T/make.out"
syms=$(nm -D --defined-only "$T/tpl/template.so" | awk '{print $3}' | grep -v '^_' | tr '\n' ' ')
[ "$syms" = "muster_plugin_entry_v1 " ]
ok $? "it exports only muster_plugin_entry_v1 ($syms)"
! (nm -D "$T/tpl/template.so" | grep -q 'muster_store\|muster_snap')
ok $? "and needs nothing from libmuster"

"$M" --store "$T/s" init --origin muster.test/installcheck --admin-key "$T/admin.key" --holder 张伟 --kdf min >/dev/null
ok $? "the installed muster makes a store"
"$M" --store "$T/s" --key "$T/admin.key" team add KS-SX-01 --name 国家矿山应急救援大同队 --specialty mine \
	--province 140000 --host 山西焦煤集团有限责任公司 --host-code 91110000600037341L >/dev/null 2>"$T/err"
ok $? "with a team"
month=$(date +%Y-%m)
"$M" --store "$T/s" report run template --plugin-dir "$T/tpl" --month "$month" --out "$T/t.csv" >/dev/null 2>"$T/err"
ok $? "the installed muster runs the out-of-tree plugin"
sed 's/^/# /' "$T/err"
grep -q '^KS-SX-01,' "$T/t.csv"
ok $? "and its report has the team"
test -s "$T/t.csv.minisig"
ok $? "signed"
"$M" --store "$T/s" --json report list >"$T/list" 2>"$T/err"
for p in national shanxi sichuan; do
	grep -q "\"name\":\"$p\"" "$T/list"
	ok $? "the installed plugin directory holds $p"
done
[ ! -s "$T/err" ]
ok $? "and none of them is refused"
# The installed musterd with its defaults: the installed pages, muster beside it, the keys in STORE/keys.
mkdir -m 0700 "$T/s/keys" && cp "$T/admin.key" "$T/admin.key.pub" "$T/s/keys/"
"$bindir/musterd" --store "$T/s" --listen 127.0.0.1:0 --port-file "$T/port" 2>"$T/d.err" &
pid=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 200 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
B=http://127.0.0.1:$(cat "$T/port" 2>/dev/null)
[ -s "$T/port" ]
ok $? "the installed musterd starts with its defaults"
for f in / /scan.html /vendor/jsQR.js; do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$B$f")" = 200 ]
	ok $? "it serves the installed $f"
done
printf '{"name":"张伟","passphrase":"%s"}' "$MUSTER_PASSPHRASE" >"$T/signin.json"
[ "$(curl -s -o /dev/null -c "$T/jar" -w '%{http_code}' --data-binary @"$T/signin.json" "$B/api/v1/session")" = 200 ]
ok $? "张伟 signs in with the key in STORE/keys"
curl -s -b "$T/jar" "$B/api/v1/cmd/team/list" | grep -q '"team":"KS-SX-01"'
ok $? "and the installed muster answers through the gateway"
kill -TERM "$pid"
wait "$pid"
ok $? "musterd stops on SIGTERM with exit 0"
"$M" --store "$T/s" log verify >/dev/null
ok $? "the store verifies"
echo "1..$n"
[ "$failed" -eq 0 ]
