#!/bin/sh
# tools/demo.sh - a short duty-shift session on the default store: a depot
# keeper is enrolled, both people sign journal entries, the site's signed
# checkpoint is printed and the whole log is verified from the raw store.
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
	rm -f admin.key admin.key.pub keeper.key keeper.key.pub
	say "新建站点存储库 / a new site store, first admin 张伟"
	"$M" init --origin muster.example.cn/shanxi-t07 --admin-key admin.key --holder 张伟
	say "库管员李娜生成个人密钥 / keeper 李娜 makes her key"
	"$M" key new --out keeper.key
	say "管理员登记李娜为 keeper / the admin enrols her as keeper"
	"$M" --key admin.key key enrol keeper.key.pub --role keeper --holder 李娜
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
