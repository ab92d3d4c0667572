#!/bin/sh
# depot.sh - a depot's month, driven through the real binary: register
# teams, depots and equipment, label it, check out for a drill and return
# (by scanning the labels), an inspection coming due and being done, a
# repair round trip, a transfer between two teams with acceptance by the
# other team's keeper, a requisition of outside equipment and its return,
# a physical inventory with one missing and one unexpected asset, and a
# scrapping.  Every step is a signed entry, 'log verify' passes, and
# 'reindex' rebuilds every projection byte for byte.  Bad input is refused
# with one line, exit 2, and nothing written.
. "$top_srcdir/tests/lib.sh"

PY=${PYTHON3_SYSTEM:-/usr/bin/python3}
"$PY" -c 'import lmdb' 2>/dev/null || skip_all "$PY has no lmdb module (Debian: python3-lmdb)"
[ -n "${ZBARIMG:-}" ] && [ -x "$ZBARIMG" ] || skip_all "zbarimg not found (Debian: zbar-tools)"
S=$T/store

as() { # as WHO ARGS...
	who=$1
	shift
	"$M" --store "$S" --key "$T/$who.key" "$@"
}
q() { "$M" --store "$S" "$@"; }
size() { q log checkpoint | sed -n 2p; }
state() { q --json asset show "$1" | sed 's/.*"state":"\([a-z_]*\)".*/\1/'; }
field() { # field ASSET NAME: a string field of the asset's JSON
	q --json asset show "$1" | sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p"
}
refused() { # refused DESC WANT-SUBSTRING CMD...: exit 2, one stderr line, log unchanged
	desc=$1 want=$2
	shift 2
	before=$(size)
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	is "$rc $(wc -l <"$T/err" | tr -d ' ') $(size)" "2 1 $before" "$desc: exit 2, one line, nothing written"
	like "$(cat "$T/err")" "$want" "$desc: the message says why"
}

# ---- the site, its teams, depots and keepers ---------------------------------------------
"$M" --store "$S" init --origin muster.test/shanxi --admin-key "$T/admin.key" --holder '张伟' --kdf min \
	--base-url https://muster.example.cn/sx >/dev/null
ok $? "a site with a label base URL"
new_key keeper && new_key keeper2
as admin key enrol "$T/keeper.key.pub" --role keeper --holder '李娜' >/dev/null &&
	as admin key enrol "$T/keeper2.key.pub" --role keeper --holder '赵强' >/dev/null
ok $? "two keepers enrolled"

as admin team add KS-SX-01 --name 国家矿山应急救援太原队 --specialty mine --province 140000 \
	--host 山西焦煤集团有限责任公司 --host-code 91110000600037341L >/dev/null
ok $? "team with a valid credit code"
refused "bad credit code" "GB 32100" as admin team add KS-SX-02 --name 国家矿山应急救援大同队 --specialty mine \
	--province 140000 --host 晋能控股集团 --host-code 91350100M0001TGQXM
as admin team add KS-SX-02 --name 国家矿山应急救援大同队 --specialty 矿山 --province 140000 \
	--host 晋能控股集团 --host-code 91350100M0001TGQXM --override '早期赋码，工商登记核实' >/dev/null
ok $? "a real legacy credit code is accepted with a logged override"
like "$(q --json log show --from 5 --count 1)" '"override":"早期赋码，工商登记核实"' "the override is in the log"
refused "province not a province" "province" as admin team add WH-X --name x --specialty hazchem --province 140100 \
	--host y --host-code 91110000600037341L
refused "unknown specialty" "specialty" as admin team add WH-X --name x --specialty fire --province 140000 \
	--host y --host-code 91110000600037341L
as keeper depot add TY-D1 --team KS-SX-01 --name 太原一号装备库 --location 太原市万柏林区 >/dev/null &&
	as keeper depot add TY-D2 --team KS-SX-01 --name 太原二号装备库 >/dev/null &&
	as keeper2 depot add DT-D1 --team KS-SX-02 --name 大同装备库 >/dev/null
ok $? "three depots"

# ---- registering equipment ---------------------------------------------------------------
add() { as keeper asset add "$@" >/dev/null; }
add BA-001 --category 2030101 --type 正压氧气呼吸器 --model HY4 --serial 2301 --maker 某安全设备公司 \
	--funding host --depot TY-D1 --acquired 2025-03-01 --value 18500.00 --attr 额定压力=20MPa --attr 防护时间=4h &&
	add BA-002 --category 2030101 --type 正压氧气呼吸器 --model HY4 --serial 2302 --funding host --depot TY-D1 &&
	add GD-001 --category 2040201 --type 四合一气体检测仪 --model MX4 --serial G77 --funding other --depot TY-D1 &&
	add GD-002 --category 2040201 --type 四合一气体检测仪 --model MX4 --serial G78 --funding other --depot TY-D2 &&
	add RIG-01 --category 3010101 --type 定向钻机 --model ZDY6000LD --serial 0009 --funding national \
		--team KS-SX-01 --depot TY-D1 --agreement 国投托管〔2024〕07号 --custody-from 2024-01-01 \
		--custody-to 2034-12-31 --value 3580000.00 &&
	add EX-01 --category 3020199 --type 挖掘机 --model PC200 --funding other --external --owner 太原某建筑公司
ok $? "six assets: breathing apparatus, gas detectors, a national-investment drilling rig, outside equipment"
is "$(state RIG-01) $(state EX-01)" "in_depot released" "own equipment starts in depot, outside equipment with its owner"
is "$(q --json asset show BA-001 | sed 's/.*"attr":\({[^}]*}\).*/\1/')" '{"防护时间":"4h","额定压力":"20MPa"}' \
	"free attributes are kept, in key order"
is "$(q --json asset show BA-001 | sed 's/.*"value":\([0-9]*\).*/\1/')" "1850000" \
	"the value is kept in fen"

refused "unknown category format" "GB/T 38565" add BA-003 --category 20301 --type 正压氧气呼吸器 --model HY4 \
	--funding host --depot TY-D1
refused "duplicate serial for the same model" "already asset BA-001" add BA-003 --category 2030101 \
	--type 正压氧气呼吸器 --model HY4 --serial 2301 --funding host --depot TY-D1
refused "national investment without a custodian" "custodian team" add RIG-02 --category 3010101 --type 定向钻机 \
	--model ZDY6000LD --serial 0010 --funding national --custody-from 2024-01-01
refused "national investment without an open custody period" "custody period" add RIG-02 --category 3010101 \
	--type 定向钻机 --model ZDY6000LD --serial 0010 --funding national --depot TY-D1 --custody-from 2020-01-01 \
	--custody-to 2023-12-31
refused "depot of another team" "belongs to team" add BA-003 --category 2030101 --type 正压氧气呼吸器 --model HY4 \
	--funding host --team KS-SX-02 --depot TY-D1
refused "an option the command does not take" "does not apply" as keeper asset add BA-003 --category 2030101 \
	--type x --model y --funding host --depot TY-D1 --vendor z
refused "a date that is not a date" "YYYY-MM-DD" add BA-003 --category 2030101 --type x --model y --funding host \
	--depot TY-D1 --acquired 2025-02-30
before=$(size)
as auditor asset add BA-009 --category 2030101 --type x --model y --funding host --depot TY-D1 >/dev/null 2>&1
is "$? $(size)" "5 $before" "a missing key file is refused before anything is written"

# ---- labels and scanning: a drill -----------------------------------------------------------
q label BA-001 BA-002 GD-001 RIG-01 --format png --out "$T/png" >/dev/null
ok $? "labels printed as PNG"
for a in BA-001 BA-002 GD-001 RIG-01; do
	"$ZBARIMG" -Sdisable -Sqrcode.enable --raw -q "$T/png/$a.png" 2>/dev/null >"$T/$a.payload"
done
like "$(cat "$T/BA-001.payload")" "https://muster.example.cn/sx/t/" "a label's payload is the site URL and a tag"
cat "$T/BA-001.payload" "$T/BA-002.payload" |
	as keeper --json scan --action checkout --holder '第一小队' --purpose drill >"$T/scan" 2>"$T/err"
is "$? $(grep -c '"ok":true' "$T/scan")" "0 2" "two scans, two checkouts for a drill"
is "$(state BA-001) $(field BA-002 holder)" "checked_out 第一小队" "checked out to the squad"
refused "checkout of a checked-out asset" "checked_out" as keeper asset checkout BA-001 --holder x --purpose drill
refused "a mission without its deployment id" "deployment" as keeper asset checkout GD-001 --holder x --purpose mission
cat "$T/BA-001.payload" "$T/BA-002.payload" | as keeper scan --action return >"$T/scan" 2>/dev/null
is "$? $(state BA-001) $(state BA-002)" "0 in_depot in_depot" "both returned by scanning again"
refused "return of an asset in depot" "in_depot" as keeper asset return BA-001

# ---- inspections: due, overdue, done -------------------------------------------------------
as keeper inspect rule --type 正压氧气呼吸器 --kind 月检 --interval 30 >/dev/null &&
	as keeper inspect rule --type 四合一气体检测仪 --kind 标定 --interval 365 >/dev/null
ok $? "inspection rules are data: type, kind, interval"
like "$(q --json inspect due)" '"id":"BA-001","kind":"月检","due":"2025-03-31","status":"overdue"' \
	"never inspected: due from its acquisition date, and overdue"
like "$(q --json asset ready)" '"id":"BA-001","why":["overdue"]' "an overdue asset is not ready"
today=$(date -u -d '+8 hours' +%Y-%m-%d)
as keeper asset show "$(cat "$T/BA-001.payload")" >/dev/null
ok $? "asset show takes a scanned payload"
echo "$(cat "$T/BA-001.payload")" | as keeper scan --action inspect --kind 月检 --result pass --inspector 王磊 >/dev/null 2>&1
ok $? "an inspection recorded by scanning the label"
as keeper inspect record BA-002 --kind 月检 --result fail --inspector 王磊 --notes 面罩漏气 >/dev/null
ok $? "a failed inspection recorded"
is "$(q --json asset show BA-001 | sed 's/.*"last":"\([0-9-]*\)".*"ready":\([a-z]*\).*/\1 \2/')" "$today true" \
	"inspected today: ready again"
like "$(q --json asset ready --depot TY-D1)" '"id":"BA-002","why":["failed"]' "a failed last inspection: not ready"
like "$(q --json asset ready)" '{"team":"KS-SX-01","total":5,' "readiness counts the team's five own assets"
refused "inspection dated in the future" "future" as keeper inspect record GD-001 --kind 标定 --result pass \
	--inspector x --date 2099-01-01
as admin inspect rule --type 正压氧气呼吸器 --kind 月检 --interval 400 >/dev/null
like "$(q --json asset show BA-002)" '"interval":400' "a changed interval applies to every asset of the type"

# ---- repair round trip ----------------------------------------------------------------------
as keeper asset repair-out BA-002 --vendor 某呼吸器维修中心 >/dev/null
is "$(state BA-002) $(field BA-002 vendor)" "in_repair 某呼吸器维修中心" "out for repair at the vendor"
refused "checkout while in repair" "in_repair" as keeper asset checkout BA-002 --holder x --purpose drill
as keeper asset repair-back BA-002 >/dev/null && as keeper inspect record BA-002 --kind 月检 --result adjusted \
	--inspector 王磊 >/dev/null
is "$(state BA-002)" "in_depot" "back from repair and adjusted"

# ---- transfer of custody between teams ---------------------------------------------------------
as keeper asset handover "$(cat "$T/RIG-01.payload")" --to-team KS-SX-02 >/dev/null
is "$(state RIG-01) $(field RIG-01 to_team)" "transfer_pending KS-SX-02" "handed over: pending until accepted"
refused "checkout while a transfer is pending" "transfer_pending" as keeper asset checkout RIG-01 --holder x \
	--purpose drill
before=$(size)
as keeper asset accept RIG-01 --depot DT-D1 >/dev/null 2>"$T/err"
is "$? $(size)" "4 $before" "the giving keeper cannot accept its own handover"
refused "accepting into the giving team's depot" "belongs to team" as keeper2 asset accept RIG-01 --depot TY-D1
as keeper2 asset accept RIG-01 --depot DT-D1 >/dev/null
is "$(state RIG-01) $(field RIG-01 team) $(field RIG-01 depot)" "in_depot KS-SX-02 DT-D1" \
	"accepted by the receiving keeper: new custodian team and depot"
as keeper asset handover GD-002 --to-team KS-SX-02 >/dev/null && as keeper asset cancel GD-002 --reason 任务调整 >/dev/null
is "$(state GD-002) $(field GD-002 team)" "in_depot KS-SX-01" "a cancelled handover leaves custody as it was"

# ---- requisition of outside equipment ---------------------------------------------------------
refused "requisition of our own equipment" "outside equipment" as keeper asset requisition GD-001 --order x
before=$(size)
as keeper asset requisition EX-01 --order 晋应急征〔2026〕3号 --purpose mission --deployment CD-2026-0137 2>"$T/err"
is "$? $(size)" "3 $before" "a requisition for a deployment never opened: exit 3 (not found), nothing written"
like "$(cat "$T/err")" "deploy open" "the message says how to open it"
as keeper deploy open CD-2026-0137 --source province --ordered-by 山西省应急管理厅 --incident 煤矿透水 \
	--location 古交市 >/dev/null &&
	as keeper asset requisition EX-01 --order 晋应急征〔2026〕3号 --purpose mission --deployment CD-2026-0137 >/dev/null
is "$(state EX-01)" "requisitioned" "outside equipment requisitioned for an open deployment"
as keeper asset release EX-01 >/dev/null
is "$(state EX-01)" "released" "and returned to its owner"
refused "scrapping outside equipment" "owner" as keeper asset scrap EX-01 --reason x

# ---- physical inventory of TY-D1 --------------------------------------------------------------
# The ledger of TY-D1: BA-001, BA-002, GD-001 (RIG-01 left for DT-D1).  BA-002 is not on the
# shelf; GD-002 (TY-D2's) is.
as keeper count start PD-2026-11 --depot TY-D1 >/dev/null
ok $? "a count of TY-D1 started"
printf '%s\nGD-001\n' "$(cat "$T/BA-001.payload")" | as keeper scan --action count --count PD-2026-11 >/dev/null 2>&1 &&
	as keeper count scan PD-2026-11 GD-002 >/dev/null
ok $? "present assets scanned, by label and by id"
refused "the same asset counted twice" "already counted" as keeper count scan PD-2026-11 GD-001
as keeper --json count close PD-2026-11 >"$T/count"
ok $? "the count is closed and its result signed"
like "$(cat "$T/count")" '"missing":["BA-002"],"unexpected":["GD-002"],"matched":2' \
	"one missing, one unexpected, two matched"
like "$(q --json count show PD-2026-11)" '"missing":["BA-002"]' "the closed count keeps its result"
refused "scanning into a closed count" "closed" as keeper count scan PD-2026-11 BA-002

# ---- scrap ---------------------------------------------------------------------------------------
as keeper asset scrap GD-002 --reason 传感器失效超过使用年限 >/dev/null
is "$(state GD-002)" "scrapped" "scrapped"
refused "anything after scrapping" "scrapped" as keeper asset checkout GD-002 --holder x --purpose drill
refused "repair after scrapping" "final" as keeper asset repair-out GD-002 --vendor y

# ---- every step is in the log ---------------------------------------------------------------------
q asset history RIG-01 >"$T/hist"
ok $? "the rig's history: every signature re-verified"
is "$(awk '{print $4}' "$T/hist" | tr '\n' ' ')" "asset.add custody.handover custody.accept " \
	"registered, handed over, accepted"
like "$(sed -n 3p "$T/hist")" "赵强" "the acceptance shows who signed it"
is "$(q --json asset history BA-001 | grep -c '"signature_ok":true')" "5" \
	"BA-001: registered, checked out, returned, inspected, counted: each entry listed, each signature verified"
q log verify >/dev/null
ok $? "log verify passes"

# ---- reindex reproduces the same state --------------------------------------------------------------
DBS="meta keys journal team depot asset serial history rule inspect count scan person roster cert cert_kind exam health_rule deployment crew owed"
"$PY" "$top_srcdir/tests/interop/tamper.py" dump "$S" $DBS >"$T/p0"
q --json asset list >"$T/a0"
q reindex >/dev/null
ok $? "reindex succeeds"
"$PY" "$top_srcdir/tests/interop/tamper.py" dump "$S" $DBS >"$T/p1"
cmp -s "$T/p0" "$T/p1"
ok $? "reindex rebuilds every equipment projection byte for byte"
is "$(grep -c '^asset ' "$T/p1")" "6" "six assets in the projection"
q --json asset list >"$T/a1"
cmp -s "$T/a0" "$T/a1"
ok $? "the asset list is the same after reindex"
q log verify >/dev/null
ok $? "log verify still passes"

done_testing
