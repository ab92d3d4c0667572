#!/bin/sh
# labels.sh - every printed code decodes, with zbarimg (Debian zbar-tools),
# to exactly its payload: PNG, SVG rendered to PNG (rsvg-convert), and a
# 3-page A4 PDF sheet rendered with pdftoppm, cell by cell.  A label whose signature byte
# was changed, a revoked label and another site's label are refused by
# 'muster scan', each on its line, while the session goes on.  The site's
# tag verifier key checks labels offline.
. "$top_srcdir/tests/lib.sh"

for tool in ZBARIMG PDFTOPPM RSVG_CONVERT; do
	eval "p=\${$tool:-}"
	[ -n "$p" ] && [ -x "$p" ] || skip_all "$tool not found (Debian: zbar-tools, poppler-utils, librsvg2-bin)"
done
PY=${PYTHON3_SYSTEM:-/usr/bin/python3}
S=$T/store O=$T/other
as() { who=$1; shift; "$M" --store "$S" --key "$T/$who.key" "$@"; }
q() { "$M" --store "$S" "$@"; }
# QR codes only: with every symbology on, zbarimg now and then also reports a linear code (EAN,
# DataBar...) it sees in the modules of a QR code or in a caption, a second line beside the payload.
zbar() { "$ZBARIMG" -Sdisable -Sqrcode.enable --raw -q "$@" 2>/dev/null; }

"$M" --store "$S" init --origin muster.test/labels --admin-key "$T/admin.key" --kdf min \
	--base-url https://muster.example.cn/hb >/dev/null &&
	as admin team add WH-HB-01 --name 国家危险化学品应急救援沧州队 --specialty hazchem --province 130000 \
		--host 沧州炼化 --host-code 91110108551385082Q >/dev/null &&
	as admin depot add CZ-D1 --team WH-HB-01 --name 沧州装备库 >/dev/null
ok $? "a site, a team, a depot"
failed=0
types="正压氧气呼吸器 四合一气体检测仪 隔绝式压缩氧自救器 液压破拆工具组 生命探测仪 防化服"
i=0
while [ $i -lt 60 ]; do
	i=$((i + 1))
	n=0
	for t in $types; do
		n=$((n + 1))
		[ $((i % 6 + 1)) = $n ] && ty=$t
	done
	id=$(printf 'CZ-%04d' $i)
	as admin asset add "$id" --category 2030101 --type "$ty" --model "M$((i % 7))" --serial "SN$i" --funding host \
		--depot CZ-D1 >/dev/null || failed=1
done
is "$failed" 0 "sixty assets registered"
q --json label CZ-0001 CZ-0002 CZ-0003 --format png --out "$T/png" >"$T/labels.json"
ok $? "three PNG labels"
"$PY" -c 'import json,sys
for l in json.load(open(sys.argv[1]))["labels"]: open(sys.argv[2]+"/"+l["id"]+".want","w").write(l["payload"]+"\n")' \
	"$T/labels.json" "$T/png"
failed=0
for id in CZ-0001 CZ-0002 CZ-0003; do
	zbar "$T/png/$id.png" >"$T/png/$id.got"
	cmp -s "$T/png/$id.want" "$T/png/$id.got" || failed=1
done
is "$failed" 0 "each PNG decodes to exactly its payload"
like "$(cat "$T/png/CZ-0001.want")" "https://muster.example.cn/hb/t/" "the payload is the base URL, /t/ and the tag"

q label CZ-0004 --format svg --out "$T/one.svg" >/dev/null &&
	"$RSVG_CONVERT" -z 2 -o "$T/one.png" "$T/one.svg" 2>/dev/null
ok $? "an SVG label, rendered to PNG"
is "$(zbar "$T/one.png")" "$(q --json label CZ-0004 --format png --out "$T/x.png" | sed 's/.*"payload":"\([^"]*\)".*/\1/')" \
	"the SVG decodes to exactly its payload"
grep -q '正压氧气呼吸器\|四合一气体检测仪\|隔绝式压缩氧自救器\|液压破拆工具组\|生命探测仪\|防化服' "$T/one.svg"
ok $? "the SVG carries the asset's Chinese name"

q --json label --depot CZ-D1 --format pdf --out "$T/sheet.pdf" >"$T/sheet.json"
ok $? "a PDF sheet of the whole depot"
"$PDFTOPPM" -r 150 -png "$T/sheet.pdf" "$T/page" 2>/dev/null
is "$(ls "$T"/page*.png | wc -l | tr -d ' ')" "3" "sixty labels at 8 x 3 make three A4 pages"
# Each cell of the default layout (A4, margins 10.5 mm top and 7 mm left, 8 rows x 3 columns of
# 64 x 34 mm labels 2.5 mm apart across: tools/label.c), cut out
# at 200 dpi and decoded alone, must hold the code of the label in that place: zbarimg, reading a
# whole page of 24 dense codes, now and then misses one that decodes perfectly on its own.
"$PY" -c 'import json,sys
for i, l in enumerate(json.load(open(sys.argv[1]))["labels"]):
    page, cell = divmod(i, 24)
    row, col = divmod(cell, 3)
    mm = 200 / 25.4
    print(page + 1, round((7 + col * 66.5) * mm), round((10.5 + row * 34) * mm), round(64 * mm), round(34 * mm), l["payload"])' \
	"$T/sheet.json" >"$T/cells"
# cell DPI PAGE X Y W H (the box at 200 dpi): what zbarimg reads in that cell rendered at DPI
cell() {
	r=$1 pg=$2
	shift 2
	set -- $(($1 * r / 200)) $(($2 * r / 200)) $(($3 * r / 200)) $(($4 * r / 200))
	"$PDFTOPPM" -r "$r" -f "$pg" -l "$pg" -x "$1" -y "$2" -W "$3" -H "$4" -png "$T/sheet.pdf" "$T/cell" 2>/dev/null
	zbar "$T"/cell*.png
	rm -f "$T"/cell*.png
}
placed=0 decoded=0
while read -r page x y w h want; do
	got=$(cell 200 "$page" "$x" "$y" "$w" "$h")
	if [ "$got" != "$want" ]; then
		# zbarimg once read 59 of 60 such cells right (CI, 2026-12-03): a misreading is told apart
		# from a wrong label by a second rendering, at 300 dpi; what it read first is kept here.
		printf '# page %s at (%s, %s): want %s, read %s at 200 dpi\n' "$page" "$x" "$y" "$want" "$(printf '%s' "$got" | tr '\n' '|')"
		got=$(cell 300 "$page" "$x" "$y" "$w" "$h")
	fi
	[ -n "$got" ] && decoded=$((decoded + 1))
	[ "$got" = "$want" ] && placed=$((placed + 1))
done <"$T/cells"
is "$decoded" "60" "every code on the sheet decodes"
is "$placed" "60" "each to exactly its payload, in its place on the sheet"
"$M" --store "$S" label CZ-0001 --format pdf --out "$T/bad.pdf" --cols 4 >/dev/null 2>"$T/err"
is "$? $(wc -l <"$T/err" | tr -d ' ')" "2 1" "a sheet layout that does not fit A4 is refused in one line"
[ ! -e "$T/bad.pdf" ]
ok $? "and no file is written"
q label CZ-0001 --format pdf --out "$T/custom.pdf" --rows 2 --cols 2 --label-width 90 --label-height 60 \
	--margin-top 20 --margin-left 10 >/dev/null && "$PDFTOPPM" -r 150 -png "$T/custom.pdf" "$T/custom" 2>/dev/null
is "$(zbar "$T"/custom*.png)" "$(cat "$T/png/CZ-0001.want")" "a custom layout in millimetres decodes too"

# ---- refusals at the scanner -------------------------------------------------------------
good=$(cat "$T/png/CZ-0001.want")
forged=$("$PY" -c 'import base64,sys
u=sys.argv[1]; base,tag=u.rsplit("/t/",1)
b=bytearray(base64.urlsafe_b64decode(tag+"="*(-len(tag)%4))); b[-10]^=1
print(base+"/t/"+base64.urlsafe_b64encode(bytes(b)).decode().rstrip("="))' "$good")
as admin asset relabel CZ-0002 --reason 标签磨损 >/dev/null
revoked=$(cat "$T/png/CZ-0002.want")
"$M" --store "$O" init --origin muster.test/other --admin-key "$T/oadmin.key" --kdf min \
	--base-url https://other.example.cn >/dev/null &&
	"$M" --store "$O" --key "$T/oadmin.key" team add KS-X --name 其他队 --specialty mine --province 140000 --host h \
		--host-code 91110000600037341L >/dev/null &&
	"$M" --store "$O" --key "$T/oadmin.key" depot add X-D --team KS-X --name 库 >/dev/null &&
	"$M" --store "$O" --key "$T/oadmin.key" asset add CZ-0003 --category 2030101 --type 呼吸器 --model M \
		--funding host --depot X-D >/dev/null &&
	"$M" --store "$O" label CZ-0003 --format png --out "$T/foreign.png" >/dev/null
foreign=$(zbar "$T/foreign.png")
like "$foreign" "https://other.example.cn/t/" "another site's label, for an asset id we also have"
# The same tag under our own URL: a foreign signature cannot pass for ours.
disguised="https://muster.example.cn/hb/t/${foreign##*/t/}"
printf '%s\n%s\n%s\n%s\n%s\n%s\n' "$good" "$forged" "$revoked" "$foreign" "$disguised" "not a label at all" |
	as admin --json scan --action checkout --holder 第二小队 --purpose training >"$T/scan" 2>/dev/null
is "$?" "2" "a session with refusals ends with exit 2"
is "$(grep -c '"ok":true' "$T/scan") $(grep -c '"ok":false' "$T/scan")" "1 5" "one accepted, five refused, the session went on"
like "$(sed -n 1p "$T/scan")" '"line":1,"ok":true,"id":"CZ-0001"' "the good label checks the asset out"
like "$(sed -n 2p "$T/scan")" "signature does not verify" "a changed signature byte is refused"
like "$(sed -n 3p "$T/scan")" "revoked label" "a revoked label is refused"
like "$(sed -n 4p "$T/scan")" "another site" "another site's label is refused"
like "$(sed -n 5p "$T/scan")" "signature does not verify" "another site's tag under our URL is refused"
like "$(sed -n 6p "$T/scan")" "not a Muster label" "text that is no label is refused"
is "$(q --json asset show CZ-0003 | sed 's/.*"state":"\([a-z_]*\)".*/\1/')" "in_depot" "nothing happened to our CZ-0003"
q label CZ-0002 --format png --out "$T/new2.png" >/dev/null
new2=$(zbar "$T/new2.png")
echo "$new2" | as admin scan --action checkout --holder x --purpose drill >/dev/null 2>&1
ok $? "the reissued label works"

# ---- offline check with the tag verifier key --------------------------------------------------
vkey=$(q tag vkey)
like "$vkey" "muster.test/labels+" "the tag verifier key names the site"
"$M" tag check --vkey "$vkey" "$good" >/dev/null
ok $? "a label checks offline, without the store"
"$M" tag check --vkey "$vkey" "$forged" >/dev/null
is "$?" "1" "a forged label fails the offline check"
"$M" tag check --vkey "$vkey" "$foreign" >/dev/null
is "$?" "1" "another site's label fails the offline check"

done_testing
