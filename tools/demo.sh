#!/bin/sh
# tools/demo.sh - a short duty-shift session on the default store, then the
# web service on a demo province store.
#
# The shift: a depot keeper is enrolled, the team, its depot and a rig are
# registered, three breathing apparatus are imported from the depot's
# register (a GB18030 CSV as Chinese Excel saves it), a sheet of QR labels
# is printed, two labels are scanned out
# for a drill and back, an inspection is recorded, readiness is shown, the
# finance officer pays for the inspection's upkeep with the receipt attached,
# the audit and a signed PDF report of the year follow, the month's province
# reports come from the report plugins (Shanxi's GB18030 CSV, the national
# JSON), the register is exported to .xlsx, both people sign journal
# entries, and the whole log is verified from the raw store.
#
# Then the web service: a demo store DIR/demo is made once with
# `muster gen --scale province --seed 1` (about 3 s; docs/GEN.md), the URL to
# open and each demo person's name, role, key file and passphrase are
# printed, and musterd serves that store on 127.0.0.1 in the foreground
# (the script execs it: Ctrl-C stops it).  People sign in on the page with
# their name and passphrase; musterd holds their key files (--keys DIR/demo/gen).
#
#   sh tools/demo.sh [MUSTER-BINARY] [DIR]
#
# The stores are DIR/muster-data (the CLI's default name), kept between runs
# so each run adds a shift, and DIR/demo, made on the first run and reused
# after (delete it to make a fresh one).  The passphrase is a demo one; real
# keys use a prompt.  The generated keys derive from the seed: demo only.
#
# Environment:
#   MUSTER_DEMO_SHIFT=0        skip the shift, only serve
#   MUSTER_DEMO_SERVE=0        skip the web service, only the shift
#   MUSTER_DEMO_PORT=8080      the port musterd listens on, on 127.0.0.1
#   MUSTER_DEMO_SCALE=province the scale of a new demo store (team: 0.5 s, for tests)
#   MUSTERD                    musterd; default the one beside MUSTER-BINARY, else on PATH
#   MUSTER_DEMO_WWW            the web pages; default www/ of this checkout, else musterd's own
set -eu
M=${1:-muster}
dir=${2:-.}
src=$(cd "$(dirname "$0")/.." && pwd)
# A path to the binary must hold after the cd below; a bare name is looked up on PATH.
case $M in
*/*) M=$(cd "$(dirname "$M")" && pwd)/$(basename "$M") ;;
esac
# Beside a build's muster (setup.sh run): its musterd and report plugins; else the installed ones.
D=${MUSTERD:-musterd}
plugins=
case $M in
*/*)
	bin=${M%/*}
	[ -n "${MUSTERD:-}" ] || [ ! -x "$bin/musterd" ] || D=$bin/musterd
	[ ! -d "$bin/../plugins/.libs" ] || plugins=$(cd "$bin/../plugins/.libs" && pwd)
	;;
esac
www=${MUSTER_DEMO_WWW:-}
[ -n "$www" ] || [ ! -f "$src/www/index.html" ] || www=$src/www
cd "$dir"
export MUSTER_STORE="$PWD/muster-data"
export MUSTER_PASSPHRASE='演示口令 demo only'
say() { printf '\n== %s\n' "$*"; }

# The depot keeper's shift on DIR/muster-data.
duty_shift() {
	if [ ! -f muster-data/data.mdb ]; then
		rm -f admin.key admin.key.pub keeper.key keeper.key.pub finance.key finance.key.pub
		say "新建站点存储库 / a new site store, first admin 张伟"
		"$M" init --origin muster.example.cn/shanxi-t07 --admin-key admin.key --holder 张伟
		say "库管员李娜生成个人密钥 / keeper 李娜 makes her key"
		"$M" key new --out keeper.key
		say "管理员登记李娜为 keeper / the admin enrols her as keeper"
		"$M" --key admin.key key enrol keeper.key.pub --role keeper --holder 李娜
		say "队伍、装备库与装备 / the team, its depot and equipment"
		"$M" --key admin.key team add KS-SX-07 --name 国家矿山应急救援太原队 --specialty mine --province 140000 \
			--host 山西焦煤集团有限责任公司 --host-code 91110000600037341L
		"$M" --key keeper.key depot add TY-D1 --team KS-SX-07 --name 太原一号装备库 --location 太原市万柏林区
		"$M" --key keeper.key asset add RIG-01 --category 3010101 --type 定向钻机 --model ZDY4000LD --serial 0007 \
			--funding national --team KS-SX-07 --depot TY-D1 --agreement '国投托管〔2024〕07号' \
			--custody-from 2024-01-01 --value 3580000.00
		say "导入装备台账 / the depot's register, as Chinese Excel saves CSV (GB18030), imported"
		printf '%s\r\n' '装备台账（太原一号装备库）' \
			'序号,资产编号,装备名称,分类代码,规格型号,出厂编号,购置日期,原值（元）,资金来源,存放库房' \
			'1,BA-001,正压氧气呼吸器,2030101,HY4,HY4-2301,2025/3/1,"18,500.00",依托单位,TY-D1' \
			'2,BA-002,正压氧气呼吸器,2030101,HY4,HY4-2302,2025年3月1日,18500,依托单位,TY-D1' \
			'3,BA-003,正压氧气呼吸器,2030101,HY4,HY4-2303,2025-03-01,1.85万元,依托单位,TY-D1' \
			'合计,,,,,,,"55,500.00",,' | iconv -f UTF-8 -t GB18030 >register.csv
		"$M" --key keeper.key import assets register.csv
		"$M" --key keeper.key inspect rule --type 正压氧气呼吸器 --kind 月检 --interval 30
	fi
	say "打印标签 / a sheet of QR labels: $PWD/labels.pdf"
	"$M" label --depot TY-D1 --format pdf --out labels.pdf
	say "扫码借出、归还 / scan two labels out for a drill, and back"
	"$M" --json label BA-001 BA-002 --format png --out labels-png |
		grep -o '"payload":"[^"]*"' | cut -d'"' -f4 >scanned.txt
	"$M" --key keeper.key scan --action checkout --holder 第一小队 --purpose drill <scanned.txt
	"$M" --key keeper.key scan --action return <scanned.txt
	say "检查与完好率 / an inspection, and readiness"
	"$M" --key keeper.key inspect record BA-001 --kind 月检 --result pass --inspector 李娜
	"$M" inspect due
	"$M" asset ready
	"$M" asset history BA-001
	say "维护费用、审计与签名报告 / upkeep paid from the fund, the audit, a signed report"
	year=$(TZ=Asia/Shanghai date +%Y)
	if [ ! -f finance.key ]; then
		"$M" key new --out finance.key
		"$M" --key admin.key key enrol finance.key.pub --role finance --holder 王敏
		"$M" --key finance.key fund add ZX-KS-SX-07 --name 依托单位应急救援专项资金 --fund-source host_special \
			--owner 山西焦煤集团有限责任公司
	fi
	"$M" --json budget list | grep -q "\"year\":$year" ||
		"$M" --key finance.key budget set --fund ZX-KS-SX-07 --team KS-SX-07 --year "$year" --amount 200000.00
	insp=$("$M" --json --key keeper.key inspect record BA-002 --kind 月检 --result fail --inspector 李娜 \
		--notes 面罩密封圈老化 | grep -o '"index":[0-9]*' | head -1 | cut -d: -f2)
	printf '维修单 BA-002 面罩密封圈更换 %s\n' "$(date -u +%FT%TZ)" >receipt.txt
	"$M" --key finance.key spend record --date "$(TZ=Asia/Shanghai date +%F)" --team KS-SX-07 --id BA-002 \
		--link "$insp" --spend-type repair --vendor 太原安全装备维修有限公司 --vendor-code 91110108551385082Q \
		--invoice "WX-$(date -u +%s)" --amount 860.00 --fund ZX-KS-SX-07 --attach receipt.txt
	"$M" audit summary --by fund --year "$year"
	"$M" audit --year "$year" || [ $? -eq 1 ] # exit 1 only says there are findings
	"$M" audit report --year "$year" --out "audit-$year.pdf"
	"$M" audit pubkey >report.pub
	if command -v minisign >/dev/null 2>&1; then
		minisign -Vm "audit-$year.pdf" -p report.pub
	fi
	say "省级月报插件 / province report plugins"
	[ -z "$plugins" ] || export MUSTER_PLUGIN_DIR="$plugins"
	month=$(TZ=Asia/Shanghai date +%Y-%m)
	"$M" report list
	"$M" report run shanxi --month "$month" --out "山西-$month.csv"
	"$M" report run national --month "$month" --out "national-$month.json"
	if command -v minisign >/dev/null 2>&1; then
		minisign -Vm "national-$month.json" -p report.pub
	fi
	say "值班记录 / duty journal"
	"$M" --key admin.key journal add "$(date -u +%Y-%m-%d) 白班交接：定向钻机 ZDY-4000 已归库，油位正常"
	"$M" --key keeper.key journal add "巡检：正压氧气呼吸器 12 台气压合格，2 台待送检"
	"$M" journal list
	say "导出装备台账 / the register back out, for Excel: $PWD/装备台账.xlsx"
	"$M" export assets --out 装备台账.xlsx
	say "已登记密钥 / enrolled keys"
	"$M" key list
	say "签名检查点 / the signed checkpoint (C2SP tlog-checkpoint)"
	"$M" log checkpoint
	say "验证公钥 / verifier key"
	"$M" log vkey
	say "从原始存储重新核验 / verify everything from the raw store"
	"$M" log verify
}

# width TEXT: its columns on a terminal (a CJK character takes two).
width() {
	b=$(printf %s "$1" | wc -c)
	c=$(printf %s "$1" | LC_ALL=C.UTF-8 wc -m)
	echo $((c + (b - c) / 2))
}
# cell TEXT WIDTH: TEXT padded with spaces to WIDTH columns.
cell() {
	printf %s "$1"
	n=$(($2 - $(width "$1")))
	while [ "$n" -gt 0 ]; do
		printf ' '
		n=$((n - 1))
	done
}

# The web service on DIR/demo, made once by gen; the URL and the demo people's
# sign-in, then musterd in this process (Ctrl-C stops it).
serve_demo() {
	store=$PWD/demo
	port=${MUSTER_DEMO_PORT:-8080}
	if [ -f "$store/data.mdb" ] && [ -f "$store/gen/admin.key" ]; then
		say "沿用演示存储库 / the demo store an earlier run made: $store"
	elif [ -f "$store/data.mdb" ]; then
		echo "demo.sh: $store is a store without its demo keys (gen/); remove it and run again" >&2
		exit 1
	else
		scale=${MUSTER_DEMO_SCALE:-province}
		say "生成演示存储库 / generating the demo store ($scale scale, seed 1; a few seconds): $store"
		"$M" gen --scale "$scale" --seed 1 --store "$store"
	fi
	ck=$("$M" --store "$store" log checkpoint)
	printf '日志 / log: %s, %s entries\n' "$(printf '%s\n' "$ck" | sed -n 1p)" "$(printf '%s\n' "$ck" | sed -n 2p)"

	url=http://127.0.0.1:$port/
	pass=$MUSTER_PASSPHRASE
	wp=$(width "$pass")
	[ "$wp" -ge 15 ] || wp=15
	# One object a line, to pick each key file's holder and roles by its public key.
	keys=$("$M" --store "$store" --json key list | sed 's/},{/}\
{/g')
	say "网页服务 musterd / the web service"
	printf '  打开 / open:  %s\n' "$url"
	printf '  只在本机可访问 / this machine only (from another: ssh -L %s:127.0.0.1:%s THIS-HOST, then the same URL)\n\n' \
		"$port" "$port"
	printf '  登录：在页面上输入下表的姓名和口令，密钥文件已在服务器上（--keys），无需上传。\n'
	printf '  Sign in on the page with a name and passphrase below; musterd holds the key files (--keys), nothing to upload.\n\n'
	printf '  %s | %s | %s | %s\n' "$(cell '姓名 name' 10)" "$(cell '角色 role' 10)" "$(cell '口令 passphrase' "$wp")" \
		'密钥文件 key file'
	for f in "$store"/gen/*.key; do
		pk=$(cut -d' ' -f2 "$f.pub")
		row=$(printf '%s\n' "$keys" | grep -F "\"pk\":\"$pk\"" | grep -F '"revoked_at":null') || continue
		holder=$(printf %s "$row" | sed 's/.*"holder":"\([^"]*\)".*/\1/')
		roles=$(printf %s "$row" | sed 's/.*"roles":\[\([^]]*\)\].*/\1/' | tr -d '"')
		printf '  %s | %s | %s | %s\n' "$(cell "$holder" 10)" "$(cell "$roles" 10)" "$(cell "$pass" "$wp")" "$f"
	done
	printf '\n  按 Ctrl-C 停止；再次运行沿用此存储库 / Ctrl-C stops it; a second run reuses this store.\n\n'

	set -- --store "$store" --keys "$store/gen" --listen "127.0.0.1:$port"
	[ -z "$www" ] || set -- "$@" --www "$www"
	[ -z "$plugins" ] || set -- "$@" --plugin-dir "$plugins"
	case $M in
	*/*) set -- "$@" --muster "$M" ;;
	esac
	exec "$D" "$@"
}

if [ "${MUSTER_DEMO_SHIFT:-1}" != 0 ]; then
	duty_shift
fi
if [ "${MUSTER_DEMO_SERVE:-1}" != 0 ]; then
	serve_demo
fi
