#!/usr/bin/python3
# import_sheets.py DIR - the registers tests/e2e/import.sh imports, written
# the way teams keep them: with openpyxl (Excel's own format, as another
# program writes it), Chinese headings under a merged title row, a footer,
# dates typed every which way, money in 万元 and 元, full-width digits; and
# text files as Excel saves them (UTF-8 with a BOM, UTF-16 "Unicode Text";
# the GB18030 one is made from people.csv with iconv by the test).
import csv
import datetime
import io
import os
import random
import sys
import zipfile

import openpyxl
from openpyxl.styles import Font

out = sys.argv[1]


def rid(birth, seq):
    """A GB 11643 resident ID of division 140105."""
    body = "140105" + birth + "%03d" % seq
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * k for c, k in zip(body, w)) % 11]


def rid_x(birth):
    """One whose check character is X."""
    return next(r for r in (rid(birth, s) for s in range(1, 999)) if r.endswith("X"))


def serial(d):
    """Excel's serial number of a date (1900 system)."""
    return (d - datetime.date(1899, 12, 30)).days


def titled(ws, title, width):
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)


# ---- teams.xlsx: a title, a blank line, the header, two teams, a signature line
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "队伍名册"
titled(ws, "国家安全生产应急救援队伍名册（2026年）", 7)
ws.append([])
ws.append(["序号", "队伍编号", "队伍名称", "专业", "省份", "依托单位", "统一社会信用代码"])
ws.append([1, "KS-SX-07", "国家矿山应急救援太原队", "矿山", "山西省", "山西焦煤集团有限责任公司", "91110000600037341L"])
ws.append([2, "WH-SX-02", "国家危险化学品应急救援山西队", "危险化学品", 140000, "某化工集团有限公司", "91110108551385082Q"])
ws.append([])
ws.append(["制表人：张伟", None, None, "审核：王敏"])
wb.save(os.path.join(out, "teams.xlsx"))

# ---- depots.csv: UTF-8 with a BOM, a team by its name, a quoted comma
with open(os.path.join(out, "depots.csv"), "w", encoding="utf-8-sig", newline="") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["装备库编号", "所属队伍", "装备库名称", "地址"])
    w.writerow(["TY-D1", "国家矿山应急救援太原队", "太原一号装备库", "太原市万柏林区"])
    w.writerow(["TY-D2", "KS-SX-07", "太原二号装备库", "太原市,小店区"])
    w.writerow(["HG-D1", "WH-SX-02", "化工队装备库", ""])

# ---- assets.xlsx: 20 pieces, dates and money in every form
acq = datetime.date(2025, 3, 1)
date_forms = [
    acq,                                 # a date cell
    "2025/3/1",
    "2025年3月1日",
    serial(acq),                          # a bare serial number
    "２０２５－０３－０１",                  # full-width digits
    "2025-03-01",
    "2025.3.1",
    "20250301",
]
money_forms = [1.85, "1.85", "1.85万元", "18500元", "18,500.00元", "１．８５"]

heading = ["序号", "资产编号", "装备名称", "分类代码", "规格型号", "出厂编号", "生产厂家", "购置日期",
           "原值（万元）", "资金来源", "队伍编号", "存放库房", "托管协议号", "托管起", "属性", "备注"]


def asset_book(path, rows, sheet_title="装备台账"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title
    titled(ws, "太原队应急救援装备台账", len(heading))
    ws.append(heading)
    for i, r in enumerate(rows):
        ws.append([i + 1] + r)
    ws.append(["合计", None, None, None, None, None, None, None, "=SUM(I3:I%d)" % (len(rows) + 2)])
    ws.append(["填表人：李娜", None, None, None, None, None, None, "填表日期：2026年11月"])
    wb.save(path)


good = []
for n in range(1, 19):
    good.append(["BA-%03d" % n, "正压氧气呼吸器", "2030101", "HY4", "HY4-23%02d" % n, "某安全装备公司",
                 date_forms[n % len(date_forms)], money_forms[n % len(money_forms)], "依托单位", None, "TY-D1",
                 None, None, None, "第%d号" % n if n % 3 == 0 else None])
good.append(["RIG-01", "定向钻机", "3010101", "ZDY4000LD", "0007", "某钻探装备公司", datetime.date(2024, 1, 5), 358,
             "国投", "KS-SX-07", "TY-D2", "国投托管〔2024〕07号", "2024/1/1", "最大钻深=1200m；功率=90kW", None])
good.append(["GD-01", "便携式气体检测仪", "2020301", "CD4", "CD4-0001", None, "2023年6月30日", "0.35",
             "其他", None, "HG-D1", None, None, None, "多气体"])
asset_book(os.path.join(out, "assets.xlsx"), good)

# ---- assets_bad.xlsx: ten rows, three of them bad (rows 5, 8 and 11 of the sheet)
bad = []
for n in range(1, 11):
    bad.append(["C-%03d" % n, "隔绝式压缩氧自救器", "2030102", "ZYX45", "ZYX45-%04d" % n, None,
                "2024-05-%02d" % n, "0.12", "依托单位", None, "TY-D1", None, None, None, None])
bad[2][6] = "2024-02-30"  # sheet row 5: no such day
bad[5][7] = "一万二"       # sheet row 8: not an amount
bad[8][10] = "NOPE"       # sheet row 11: no such depot (a rule of the store)
asset_book(os.path.join(out, "assets_bad.xlsx"), bad)

# ---- assets_changed.xlsx: assets.xlsx with one model changed
changed = [list(r) for r in good]
changed[4][3] = "HY6"
asset_book(os.path.join(out, "assets_changed.xlsx"), changed)

# ---- people.csv (the test makes people_gb.csv from it with iconv): a lower-case x, full-width digits
people = [
    ("张伟", rid("19800101", 1), "大队指挥员", "2010-03-01", "否", "煤尘、噪声"),
    ("李娜", rid("19900215", 2), "队员", "2015/7/1", "是", "煤尘"),
    ("王强", rid_x("19920808").lower(), "驾驶员", "2018年9月1日", "", ""),
    ("赵敏", "１４０１０５" + rid("19950505", 4)[6:], "医护人员", "2020-01-06", "否", "噪声；一氧化碳"),
]
with open(os.path.join(out, "people.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["序号", "姓名", "身份证号", "所属队伍", "岗位", "上岗日期", "特体队员", "职业病危害因素"])
    for i, p in enumerate(people):
        w.writerow([i + 1, p[0], p[1], "KS-SX-07", p[2], p[3], p[4], p[5]])

# ---- certs.xlsx: certificate kinds by their Chinese names, a name column checked against the ID
wb = openpyxl.Workbook()
ws = wb.active
ws.append(["身份证号", "姓名", "证书类别", "证书编号", "发证机关", "有效期起", "有效期至", "作业类别", "操作项目"])
ws.append([rid("19800101", 1), "张伟", "矿山救援培训合格证", "KJ-2024-001", "山西省应急管理厅", datetime.date(2024, 4, 1), None, None, None])
ws.append([rid("19900215", 2), "李娜", "特种作业操作证", None, "山西省应急管理厅", datetime.date(2023, 9, 1), None, "煤矿安全", "煤矿井下电气作业"])
wb.save(os.path.join(out, "certs.xlsx"))

# ---- exams.txt: Excel's "Unicode Text" (UTF-16 with a BOM, tab-separated)
with open(os.path.join(out, "exams.txt"), "w", encoding="utf-16", newline="") as f:
    f.write("身份证号\t姓名\t体检类别\t体检日期\t体检机构\t体检结论\r\n")
    f.write("%s\t张伟\t在岗期间\t2026/3/15\t太原市职业病防治院\t目前未见异常\r\n" % rid("19800101", 1))
    f.write("%s\t李娜\t上岗前\t2015年6月20日\t太原市职业病防治院\t正常\r\n" % rid("19900215", 2))

# ---- spending.csv: English headings, money with a currency sign and thousands separators
with open(os.path.join(out, "spending.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["date", "team", "spend type", "vendor", "vendor code", "invoice", "amount", "fund", "asset", "notes"])
    w.writerow(["2026-10-05", "KS-SX-07", "维修", "太原安全装备维修有限公司", "91110108551385082Q", "26142000000000012345",
                "¥1,234.50", "ZX-07", "BA-002", "面罩密封圈更换"])
    w.writerow(["2026/10/8", "KS-SX-07", "calibration", "山西计量检测中心", "91110000600037341L", "26142000000000012346",
                "860元", "ZX-07", "GD-01", ""])

# ---- bad input
src = open(os.path.join(out, "assets.xlsx"), "rb").read()
open(os.path.join(out, "truncated.xlsx"), "wb").write(src[: len(src) // 2])

with zipfile.ZipFile(os.path.join(out, "bomb.xlsx"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
    z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
               'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
               '<sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
               'Target="worksheets/sheet1.xml"/></Relationships>')
    zi = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
    zi.compress_type = zipfile.ZIP_DEFLATED
    with z.open(zi, "w", force_zip64=True) as w:
        w.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        block = b" " * (1 << 20)
        for _ in range(300):  # 300 MiB of spaces: some 300 KiB deflated
            w.write(block)
        w.write(b"</sheetData></worksheet>")

with open(os.path.join(out, "longline.csv"), "wb") as f:
    f.write("资产编号,装备名称\r\n".encode())
    f.write(b"A" * (100 * 1000 * 1000))

rnd = random.Random(9)
open(os.path.join(out, "garbage.csv"), "wb").write(bytes(rnd.getrandbits(8) for _ in range(65536)))

with open(os.path.join(out, "quotes.csv"), "w", encoding="utf-8", newline="") as f:
    f.write("资产编号,装备名称,分类代码,规格型号,资金来源,存放库房\r\n")
    f.write('Q-001,"正压氧气呼吸器,2030101,HY4,依托单位,TY-D1\r\n')
    f.write("Q-002,正压氧气呼吸器,2030101,HY4,依托单位,TY-D1\r\n")
