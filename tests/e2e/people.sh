#!/bin/sh
# people.sh - a rescue team's people through the real binary: twenty-one
# rescuers with planted states (an expired special-operation certificate, a
# review inside its 60-day window, an overdue periodic exam, a
# contraindication, a recheck pending and one overdue, a leaver, someone
# over the age norm), 'muster ready --json' returning exactly the deployable
# set with the right reasons, 'muster due' and its iCalendar file (parsed by
# python3-icalendar), and a deployment from order to return (归建) that
# leaves exactly the owed emergency exams and post-use inspections, which
# recording them clears.  Bad input: one line, the right exit code, nothing
# written.
. "$top_srcdir/tests/lib.sh"

"$PY" -c 'import icalendar' 2>/dev/null || skip_all "$PY has no icalendar module (Debian: python3-icalendar)"
"$PY" -c 'import lmdb' 2>/dev/null || skip_all "$PY has no lmdb module (Debian: python3-lmdb)"
S=$T/store

# Dates and times relative to today in Beijing, so the planted states hold on any day.

years_ago() { "$PY" -c 'import datetime,sys; t=(datetime.datetime.utcnow()+datetime.timedelta(hours=8)).date(); y=int(sys.argv[1]); print(t.replace(year=t.year-y, day=min(t.day,28)).isoformat())' "$1"; }
# Times are minutes from one moment taken once, so that differences between them never straddle a clock tick.
now=$(date +%s)
day() { "$PY" -c 'import datetime,sys; t=datetime.datetime.utcfromtimestamp(int(sys.argv[2]))+datetime.timedelta(hours=8); print((t.date()+datetime.timedelta(days=int(sys.argv[1]))).isoformat())' "$1" "$now"; }
at() { "$PY" -c 'import datetime,sys; t=datetime.datetime.utcfromtimestamp(int(sys.argv[2]))+datetime.timedelta(hours=8, minutes=int(sys.argv[1])); print(t.strftime("%Y-%m-%d %H:%M"))' "$1" "$now"; }
# rid YYYYMMDD SEQ: a GB 11643 resident ID of division 140105 with its check character.
rid() {
	"$PY" -c '
import sys
b = "140105" + sys.argv[1] + "%03d" % int(sys.argv[2])
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
print(b + "10X98765432"[sum(int(c) * k for c, k in zip(b, w)) % 11])' "$1" "$2"
}

# ---- site, team, keys -------------------------------------------------------------------
new_store "$S" muster.test/shanxi
new_key hr && new_key keeper
as admin key enrol "$T/hr.key.pub" --role hr --holder '人事 刘芳' >/dev/null &&
	as admin key enrol "$T/keeper.key.pub" --role keeper --holder '库管 李娜' >/dev/null
ok $? "an hr key and a keeper key"
as admin team add KS-SX-01 --name 国家矿山应急救援太原队 --specialty mine --province 140000 \
	--host 山西焦煤集团有限责任公司 --host-code 91110000600037341L >/dev/null &&
	as admin team add KS-SX-02 --name 国家矿山应急救援大同队 --specialty mine --province 140000 \
		--host 山西焦煤集团有限责任公司 --host-code 91110000600037341L >/dev/null &&
	as keeper depot add TY-D1 --team KS-SX-01 --name 太原队一号库 >/dev/null
ok $? "two teams and a depot"
for a in BA-01 GD-01; do
	as keeper asset add $a --category 2030101 --type 正压氧气呼吸器 --model HYZ4 --funding host --depot TY-D1 >/dev/null || break
done
ok $? "two assets"
as hr health rule 煤尘 --interval 730 >/dev/null && as hr health rule 硫化氢 --interval 1095 >/dev/null
ok $? "hazard rules are data: 煤尘 every 730 days, 硫化氢 every 1095"

# ---- twenty-one people ------------------------------------------------------------------
hired=$(years_ago 5)
pre=$(day -1900)
periodic=$(day -100)
n=0
person() { # person VAR BIRTH POSITION [options...]: enrols, pre-placement and periodic exams
	var=$1 birth=$2 pos=$3
	shift 3
	n=$((n + 1))
	id=$(rid "$birth" $((n * 2 + 1)))
	eval "$var=$id"
	as hr person add "$id" --name "队员$n" --team KS-SX-01 --position "$pos" --hired "$hired" "$@" >/dev/null &&
		as hr exam record "$id" --exam pre_placement --institution 太原市职业病防治院 --date "$(day -1830)" \
			--conclusion normal >/dev/null &&
		as hr exam record "$id" --exam periodic --institution 太原市职业病防治院 --date "$periodic" \
			--conclusion normal >/dev/null
}
special() { # special ID [VALID-FROM]: a special-operation certificate, number T + ID
	as hr cert add "$1" --kind special_op --op-category 5 --item 瓦斯检查作业 --issuer 山西省应急管理厅 \
		--valid-from "${2:-$(day -400)}" >/dev/null
}
person P01 19900305 squad_leader --special && special "$P01" &&
	person P02 19920611 member --special --hazards 煤尘 && special "$P02" &&
	person P03 19880102 squadron_commander && special "$P03" &&
	person P04 19950808 member && special "$P04" &&
	person P05 19930415 driver && special "$P05" &&
	person P06 19911120 technician && special "$P06" &&
	person P07 19970707 medic &&
	person P08 19960217 member &&
	person P09 19850930 brigade_commander &&
	person P10 19940101 member &&
	person P11 19980312 member &&
	person P12 19890625 member
ok $? "twelve rescuers in good standing"
as hr cert add "$P07" --kind first_aid --number 红十字2024-0007 --issuer 山西省红十字会 --valid-from "$(day -300)" >/dev/null
ok $? "a first-aid certificate with its own number"

person P13 19870214 member && special "$P13" "$(years_ago 7)"
ok $? "P13: a special-operation certificate issued seven years ago (valid six)"
person P14 19900101 member && special "$P14" "$(day $((30 - 1095)))"
ok $? "P14: a special-operation certificate whose three-year review falls due in 30 days"
person P15 19910303 member && as hr exam record "$P15" --exam periodic --institution 太原市职业病防治院 \
	--date "$(day -400)" --conclusion normal >/dev/null
ok $? "P15: enrolled (the periodic exam below is older than the one above: it changes nothing)"
person P16 19920404 member && as hr exam record "$P16" --exam periodic --institution 太原市职业病防治院 \
	--date "$(day -20)" --conclusion contraindication --contraindication 高血压 >/dev/null
ok $? "P16: a contraindication (高血压) at the latest exam"
person P17 19930505 member && as hr exam record "$P17" --exam periodic --institution 太原市职业病防治院 \
	--date "$(day -20)" --conclusion recheck --items 血常规 --items 肺功能 --due "$(day 10)" >/dev/null
ok $? "P17: a recheck due in 10 days"
person P18 19940606 member && as hr exam record "$P18" --exam periodic --institution 太原市职业病防治院 \
	--date "$(day -40)" --conclusion recheck --items 听力 --due "$(day -5)" >/dev/null
ok $? "P18: a recheck that fell due five days ago"
person P19 19950707 member && as hr person update "$P19" --status left --reason 调离救援队 >/dev/null
ok $? "P19: left the team today, 100 days after the last periodic exam"
person P20 19760808 member
ok $? "P20: a member aged 50, over the norm of 45"
person P21 19830909 squad_leader
ok $? "P21: a squad leader aged 43, under the norm"
as hr person add "$(rid 19900101 901)" --name 大同队员 --team KS-SX-02 --position member --hired "$hired" >/dev/null
ok $? "one person of the other team"

# P15's periodic exam is overdue: its last one before the older record above was 100 days ago, so move
# it past the interval by making P15's post carry a 90-day hazard.
as hr health rule 噪声 --interval 90 >/dev/null && as hr person update "$P15" --hazards 噪声 --reason 调整岗位 >/dev/null
ok $? "P15's post now carries 噪声, examined every 90 days"

kid=$(q --json key list | "$PY" -c 'import json,sys; print([k["key_id"] for k in json.load(sys.stdin) if k["holder"]=="库管 李娜"][0])')
as hr person update "$P09" --signer "$kid" --reason 大队指挥员持有签名密钥 >/dev/null
ok $? "a person may hold a signing key"
is "$(q --json person show "$P09" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["person"]["signer"])')" "$kid" "bound by its key id"
refuses 3 "a key id nobody enrolled" "enrolled key" as hr person update "$P09" --signer 0011223344556677 --reason x

# ---- ready --------------------------------------------------------------------------------
succeeds "muster ready --team KS-SX-01 --json" --store "$S" --json ready --team KS-SX-01
set_is() { # set_is JSON-LIST-EXPR "ID ID..." DESC: the ids the expression lists are exactly these
	is "$(py "sorted($1) == sorted('$2'.split()) or sorted($1)")" "True" "$3"
}
set_is '[p["person"] for p in d["deployable"]]' "$P01 $P02 $P03 $P04 $P05 $P06 $P07 $P08 $P09 $P10 $P11 $P12 $P14 $P17 $P20 $P21" \
	"exactly the sixteen deployable people"
is "$(py 'd["people"], d["deployable_count"], len(d["not_deployable"])')" "(21, 16, 5)" "21 people, 16 deployable, 5 not"
reasons() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(r["code"] for p in d["not_deployable"]+d["deployable"] if p["person"]==sys.argv[2] for r in p.get("reasons", [])))' "$T/out" "$1"; }
warnings() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(r["code"] for p in d["not_deployable"]+d["deployable"] if p["person"]==sys.argv[2] for r in p["warnings"]))' "$T/out" "$1"; }
is "$(reasons "$P13")" "cert_expired" "P13: the expired special-operation certificate"
like "$(py '[r["text"] for p in d["not_deployable"] for r in p["reasons"] if p["person"]=="'"$P13"'"][0]')" "T$P13" "P13: the reason names the certificate number"
is "$(reasons "$P15")" "exam_overdue" "P15: the periodic exam is overdue"
is "$(py '[r["interval"] for p in d["not_deployable"] for r in p["reasons"] if p["person"]=="'"$P15"'"][0]')" "90" "P15: the interval is the shortest hazard's"
is "$(reasons "$P16")" "contraindication" "P16: the contraindication"
is "$(py '[r["contraindication"] for p in d["not_deployable"] for r in p["reasons"] if p["person"]=="'"$P16"'"][0]')" "高血压" "P16: named"
is "$(reasons "$P18")" "recheck_overdue" "P18: the recheck is overdue"
is "$(reasons "$P19")" "left" "P19: left the team"
is "$(warnings "$P14")" "cert_review_due" "P14: deployable, with the review window open"
is "$(warnings "$P17")" "recheck_pending" "P17: deployable, with the recheck pending"
is "$(warnings "$P20")" "age" "P20: deployable, with the age warning"
is "$(py '[(r["age"], r["limit"]) for p in d["deployable"] for r in p["warnings"] if p["person"]=="'"$P20"'"][0]')" "(50, 45)" "P20: age 50 over 45"
is "$(warnings "$P21")" "" "P21: a squad leader of 43 draws no warning"
is "$(warnings "$P01")" "" "P01: no warnings"

succeeds "muster ready --needs special_op" --store "$S" --json ready --team KS-SX-01 --needs special_op
set_is '[p["person"] for p in d["deployable"]]' "$P01 $P02 $P03 $P04 $P05 $P06 $P14" \
	"--needs special_op: the seven holders of a valid certificate"
is "$(reasons "$P07")" "needs" "P07 holds no special-operation certificate"
succeeds "--needs special first_aid (operands)" --store "$S" --json ready --team KS-SX-01 --needs special first_aid
is "$(py 'len(d["deployable"])')" "0" "nobody is both special-build and a first-aider"
succeeds "--needs special" --store "$S" --json ready --needs special
set_is '[p["person"] for p in d["deployable"]]' "$P01 $P02" "--needs special: the two 特体队员"
succeeds "ready in 40 days" --store "$S" --json ready --team KS-SX-01 --date "$(day 40)"
is "$(reasons "$P14") / $(reasons "$P17")" "cert_review_overdue / recheck_overdue" "in 40 days P14's review and P17's recheck are overdue"
succeeds "ready for the other team" --store "$S" --json ready --team KS-SX-02
is "$(py 'd["people"], d["not_deployable"][0]["reasons"][0]["code"]')" "(1, 'no_exam')" "the other team: one person, no exam on record"
succeeds "ready, the whole country" --store "$S" --json ready
is "$(py 'd["people"]')" "22" "everyone in the store"
LC_ALL=zh_CN.UTF-8 q ready --team KS-SX-01 >"$T/zh" 2>&1
like "$(cat "$T/zh")" "可出动" "the summary in Chinese"
fails 3 "--team of no team" --store "$S" ready --team NOPE
fails 2 "--needs of no kind" --store "$S" ready --needs forklift
fails 2 "--date not a date" --store "$S" ready --date 2026-02-30

# ---- due and the calendar -------------------------------------------------------------------
succeeds "muster due --within 60 --json" --store "$S" --json due --within 60 --team KS-SX-01
what() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(sorted(i["what"] for i in d["items"] if i["person"]==sys.argv[2])))' "$T/out" "$1"; }
is "$(what "$P14")" "cert_review" "P14's review is due"
is "$(what "$P13")" "cert_expiry" "P13's certificate expiry is listed (overdue)"
is "$(what "$P15")" "periodic_exam" "P15's periodic exam"
is "$(what "$P17") $(what "$P18")" "recheck recheck" "both rechecks"
is "$(what "$P19")" "exit_exam" "the leaver owes an exit exam"
is "$(what "$P01")" "" "nothing for P01"
is "$(py '[i["items"] for i in d["items"] if i["what"]=="recheck" and i["person"]=="'"$P17"'"][0]')" "['血常规', '肺功能']" "the recheck items"
is "$(py 'all(i["overdue"] == (i["days"] < 0) for i in d["items"]) and any(i["overdue"] for i in d["items"])')" "True" "overdue items are marked"
items=$(py 'len(d["items"])')
succeeds "muster due --ics" --store "$S" due --within 60 --team KS-SX-01 --ics "$T/due.ics"
is "$("$PY" -c '
import icalendar, sys
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
ev = [c for c in cal.walk() if c.name == "VEVENT"]
print(len(ev), all(type(e.decoded("dtstart")).__name__ == "date" for e in ev), len(set(str(e["uid"]) for e in ev)))' "$T/due.ics")" \
	"$items True $items" "the calendar parses: one all-day event per item, unique UIDs"
like "$("$PY" -c '
import icalendar, sys
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
print([str(c["summary"]) for c in cal.walk() if c.name == "VEVENT"])' "$T/due.ics")" "队员14" "summaries name the person in Chinese"
fails 5 "--ics into a missing directory" --store "$S" due --ics "$T/no/such/dir.ics"
fails 2 "--within not a number" --store "$S" due --within soon

# An exit exam clears the leaver's item; a review in the window clears P14's.
as hr exam record "$P19" --exam exit --institution 太原市职业病防治院 --date "$(day -31)" --conclusion normal >/dev/null
ok $? "P19's exit exam"
refuses 2 "a review without the training hours" "8 hours" as hr cert review "$P14" --kind special_op --hours 4
as hr cert review "$P14" --kind special_op --hours 8 >/dev/null
ok $? "P14's review, with 8 hours of training, inside the window"
succeeds "due again" --store "$S" --json due --within 60 --team KS-SX-01
is "$(what "$P19")/$(what "$P14")" "/" "the exit exam and the review are no longer due"
q --json cert list --person "$P14" >"$T/out"
is "$(py 'd[0]["status"], d[0]["reviewed"]')" "('valid', '$(day 0)')" "P14's certificate is valid, reviewed today"

# ---- bad input ------------------------------------------------------------------------------
refuses 2 "a wrong check digit" "GB 11643" as hr person add 340524198001010013 --name 错号 --team KS-SX-01 \
	--position member --hired "$hired"
bad_birth=$("$PY" -c '
b = "14010519800230123"
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
print(b + "10X98765432"[sum(int(c) * k for c, k in zip(b, w)) % 11])')
refuses 2 "an impossible birth date (1980-02-30) with a right check digit" "GB 11643" as hr person add "$bad_birth" \
	--name 错日 --team KS-SX-01 --position member --hired "$hired"
refuses 2 "a special-operation number that is not T + ID" "T$P08" as hr cert add "$P08" --kind special_op \
	--number "T$P09" --op-category 5 --item 瓦斯检查作业 --issuer 山西省应急管理厅 --valid-from "$(day -10)"
refuses 2 "an exit exam before hire" "before" as hr exam record "$P12" --exam exit --institution 医院 \
	--date "$(years_ago 6)" --conclusion normal
refuses 2 "a leaver suspended" "return to active" as hr person update "$P19" --status suspended --reason x
refuses 2 "a hazard factor given twice" "repeated" as hr person update "$P12" --hazards 煤尘 --hazards 噪声 \
	--hazards 煤尘 --reason x
refuses 2 "an arrival target of zero" "target" as keeper deploy open CD-X --source self --ordered-by x \
	--incident y --location z --target 0
refuses 2 "a recheck without its items" "items" as hr exam record "$P12" --exam periodic --institution 医院 \
	--date "$(day -1)" --conclusion recheck
refuses 4 "a keeper recording a health exam" "hr" as keeper exam record "$P12" --exam periodic --institution 医院 \
	--date "$(day -1)" --conclusion normal
refuses 2 "a review outside its window" "too early" as hr cert review "$P01" --kind special_op --hours 8
refuses 3 "a certificate of someone not enrolled" "not enrolled" as hr cert add "$(rid 19900101 999)" \
	--kind first_aid --number x --issuer y --valid-from "$(day -1)"

# ---- a deployment: 出动 -> 救援 -> 归建 -------------------------------------------------------
as keeper deploy open CD-2026-0137 --source province --ordered-by 山西省应急管理厅指挥中心 --incident 煤矿透水 \
	--location 山西省太原市古交市 --ordered "$(at -400)" --team KS-SX-01 >/dev/null
ok $? "a deployment ordered by the province"
as keeper deploy person CD-2026-0137 --person "$P01" >/dev/null && as keeper deploy person CD-2026-0137 --person "$P02" >/dev/null
ok $? "two ready people go"
refuses 2 "someone not ready, without an override" "not ready" as keeper deploy person CD-2026-0137 --person "$P16"
as keeper deploy person CD-2026-0137 --person "$P16" --reason 现场急需排水专业人员，指挥部批准 >/dev/null
ok $? "the same person with an override and its reason"
refuses 2 "a leaver" "left" as keeper deploy person CD-2026-0137 --person "$P19" --reason x
as keeper deploy asset CD-2026-0137 BA-01 GD-01 >/dev/null
ok $? "two assets checked out to the deployment in one commit"
is "$(q --json asset show BA-01 | "$PY" -c 'import json,sys; a=json.load(sys.stdin); a=a.get("asset", a); print(a["state"], a["deployment"])')" \
	"checked_out CD-2026-0137" "the asset is out on the deployment"
as keeper deploy time CD-2026-0137 --departed "$(at -380)" >/dev/null
ok $? "departed"
refuses 2 "arrival before departure" "before" as keeper deploy time CD-2026-0137 --arrived "$(at -390)"
refuses 2 "a time in the future" "future" as keeper deploy time CD-2026-0137 --arrived "$(at 120)"
as keeper deploy time CD-2026-0137 --arrived "$(at -200)" --ended "$(at -60)" >/dev/null
ok $? "arrived and ended"
refuses 2 "departed twice" "already" as keeper deploy time CD-2026-0137 --departed "$(at -300)"
refuses 2 "a report before the return" "return" as keeper deploy report CD-2026-0137 --reported "$(at -50)"
refuses 2 "a return before the rescue ended" "before" as keeper deploy return CD-2026-0137 --returned "$(at -90)"
succeeds "归建" --store "$S" --key "$T/keeper.key" --json deploy return CD-2026-0137 --returned "$(at -10)"
is "$(py 'd["owed"]')" "{'emergency_exams': 3, 'post_use_inspections': 2}" "the return leaves 3 emergency exams and 2 post-use inspections owed"
refuses 2 "a returned deployment takes nobody" "returned" as keeper deploy person CD-2026-0137 --person "$P03"
succeeds "ready after the return" --store "$S" --json ready --team KS-SX-01
is "$(reasons "$P01") / $(reasons "$P02") / $(reasons "$P16")" \
	"emergency_exam_owed / emergency_exam_owed / contraindication emergency_exam_owed" "the three who went owe the emergency exam"
is "$(py 'd["deployable_count"]')" "14" "two fewer deployable"
succeeds "due after the return" --store "$S" --json due --within 60 --team KS-SX-01
set_is '[i["person"] for i in d["items"] if i["what"]=="emergency_exam"]' "$P01 $P02 $P16" "exactly three emergency exams are due"
is "$(py '{i["deployment"] for i in d["items"] if i["what"]=="emergency_exam"}')" "{'CD-2026-0137'}" "naming the deployment"
as keeper asset return BA-01 >/dev/null && as keeper asset return GD-01 >/dev/null
ok $? "the assets come back to the depot"
succeeds "asset readiness" --store "$S" --json asset ready --team KS-SX-01
like "$(cat "$T/out")" "post_use_inspection_owed" "the returned assets owe their post-use inspection"
as keeper inspect record BA-01 --kind 出动后检查 --result pass --inspector 李娜 >/dev/null
ok $? "BA-01 inspected after use"
as hr exam record "$P01" --exam emergency --institution 太原市职业病防治院 --date "$(day 0)" --conclusion normal \
	--deployment CD-2026-0137 >/dev/null
ok $? "P01's emergency exam"
succeeds "ready once more" --store "$S" --json ready --team KS-SX-01
is "$(reasons "$P01")/$(reasons "$P02")" "/emergency_exam_owed" "P01 is deployable again; P02 still owes the exam"
succeeds "deploy show" --store "$S" --json deploy show CD-2026-0137
set_is '[p["person"] for p in d["people"] if p["owes"]]' "$P02 $P16" "the crew: P02 and P16 still owe the exam"
set_is '[p["person"] for p in d["people"]]' "$P01 $P02 $P16" "the crew is the three who went"
is "$(py '[(a["id"], a["owes"]) for a in d["assets"]]')" "[('BA-01', False), ('GD-01', True)]" "BA-01 cleared, GD-01 still owes"
is "$(py 'd["status"], d["response_minutes"], d["travel_minutes"], d["on_time"], d["target_minutes"]')" \
	"('returned', 200, 180, True, 300)" "arrived 3 h 20 min after the order against the 5 h target"
is "$(py '[p.get("override") for p in d["people"] if p["person"]=="'"$P16"'"][0]')" "现场急需排水专业人员，指挥部批准" "the override and its reason are kept"
as keeper deploy report CD-2026-0137 --reported "$(at -5)" >/dev/null
ok $? "the deployment report is filed"
q --json deploy show CD-2026-0137 >"$T/out"
is "$(py 'd["report_minutes"]')" "5" "the report took 5 minutes after the return"
q --json deploy list >"$T/out"
is "$(py '[(x["deployment"], x["status"], x["people"], x["assets"]) for x in d]')" "[('CD-2026-0137', 'returned', 3, 2)]" \
	"deploy list: one returned deployment with three people and two assets"
q --json health rules >"$T/out"
is "$(py 'sorted((x["hazard"], x["interval"]) for x in d)')" "[('噪声', 90), ('煤尘', 730), ('硫化氢', 1095)]" "health rules lists the rules"
q --json cert kinds >"$T/out"
is "$(py '[(k["kind"], k["validity"], k["review"], k["t_number"]) for k in d if k["kind"]=="special_op"]')" \
	"[('special_op', 72, 36, True)]" "cert kinds: special operation, 72 months, reviewed every 36"
as admin site policy --target 180 >/dev/null
q --json deploy show CD-2026-0137 >"$T/out"
is "$(py 'd["target_minutes"], d["on_time"]')" "(180, False)" "against a 3 h target the same arrival is late"
refuses 4 "a keeper setting site policy" "admin" as keeper site policy --exam-days 15

# ---- the record holds --------------------------------------------------------------------------
DBS="meta asset inspect person roster cert cert_kind exam health_rule deployment crew owed"
"$PY" "$top_srcdir/tests/interop/tamper.py" dump "$S" $DBS >"$T/p0"
q --json ready >"$T/before"
succeeds "log verify" --store "$S" log verify
succeeds "reindex" --store "$S" reindex
"$PY" "$top_srcdir/tests/interop/tamper.py" dump "$S" $DBS >"$T/p1"
cmp -s "$T/p0" "$T/p1"
ok $? "reindex rebuilds every people projection byte for byte (python3-lmdb)"
q --json ready >"$T/after"
cmp -s "$T/before" "$T/after"
ok $? "and the same readiness"

done_testing
