#!/bin/sh
# tools/demo.sh - a short duty-shift session on the default store: a depot
# keeper is enrolled, the team, its depot and equipment are registered, a
# sheet of QR labels is printed, two labels are scanned out for a drill and
# back, an inspection is recorded, readiness is shown, the finance officer
# pays for the inspection's upkeep with the receipt attached, the audit and
# a signed PDF report of the year follow, the month's province reports come
# from the report plugins (Shanxi's GB18030 CSV, the national JSON), both
# people sign journal entries, and the whole log is verified from the raw
# store.
#
#   sh tools/demo.sh [MUSTER-BINARY] [DIR]
#
# The store is DIR/muster-data (the CLI's default name), kept between runs so
# each run adds a shift.  The passphrase is a demo one; real keys use a prompt.
set -eu
M=${1:-muster}
dir=${2:-.}
cd "$dir"
export MUSTER_STORE="$PWD/muster-data"
export MUSTER_PASSPHRASE='演示口令 demo only'
say() { printf '\n== %s\n' "$*"; }

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
	for n in 1 2 3; do
		"$M" --key keeper.key asset add "BA-00$n" --category 2030101 --type 正压氧气呼吸器 --model HY4 \
			--serial "HY4-230$n" --funding host --depot TY-D1 --acquired 2025-03-01 --value 18500.00
	done
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
# The build tree's plugins when run from a build (setup.sh run), else the installed ones.
[ -d plugins/.libs ] && export MUSTER_PLUGIN_DIR="$PWD/plugins/.libs"
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
say "已登记密钥 / enrolled keys"
"$M" key list
say "签名检查点 / the signed checkpoint (C2SP tlog-checkpoint)"
"$M" log checkpoint
say "验证公钥 / verifier key"
"$M" log vkey
say "从原始存储重新核验 / verify everything from the raw store"
"$M" log verify
