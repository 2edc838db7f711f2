"""The tally in each output format: text (the source's layout), JSON, CSV and xlsx. One builder per format."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from council.survey.forms import reproducible_xlsx
from council.survey.tally import CategoryCount, SurveyTally
from council.survey.taxonomy import SECTION_LABELS
from council.wareki import fiscal_year_label
from models.enums import SurveySection

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
CSV_HEADER = ("区分", "分類コード", "項目", "例示", "市町村件数", "県部局等件数", "県部局等の回答あり")


def row_labels(tally: SurveyTally, section: SurveySection) -> list[tuple[str, CategoryCount]]:
    """Each row of a section with its printed label: ①若者の定着・回帰関係（移住定住、…）* … ○その他（…）.

    The catch-all is the row whose label is その他 (it is never marked)."""
    labelled = []
    number = 0
    for row in tally.rows_in(section):
        if row.label == "その他":
            prefix = "○"
        else:
            prefix = CIRCLED[number] if number < len(CIRCLED) else f"({number + 1})"
            number += 1
        labelled.append((f"{prefix}{row.label}{row.note}{'*' if row.marked else ''}", row))
    return labelled


def tally_text(tally: SurveyTally) -> list[str]:
    lines = [
        f"{fiscal_year_label(tally.fiscal_year)} 連携課題・ニーズ調査 集計",
        f"市町村分 {tally.municipal_total} 件（"
        + "、".join(f"{SECTION_LABELS[s]} {tally.municipal_totals[s]} 件" for s in SurveySection)
        + f"） 回答団体 {tally.municipal_respondents}",
        f"県部局等分 {tally.department_total} 件（"
        + "、".join(f"{SECTION_LABELS[s]} {tally.department_totals[s]} 件" for s in SurveySection)
        + f"） 回答団体 {tally.department_respondents}",
        "※県各部局等から関連する回答があったものには「*」を付している。（その他以外）",
    ]
    for section in SurveySection:
        lines.append(f"（{SECTION_LABELS[section]}）")
        for label, row in row_labels(tally, section):
            lines.append(f"  {label}\t{row.municipal_count}\t(県部局等 {row.department_count})")
    return lines


def tally_payload(tally: SurveyTally) -> dict[str, Any]:
    return {
        "fiscal_year": tally.fiscal_year,
        "fiscal_year_label": fiscal_year_label(tally.fiscal_year),
        "municipal": {
            "total": tally.municipal_total,
            "respondents": tally.municipal_respondents,
            "by_section": {section.value: tally.municipal_totals[section] for section in SurveySection},
        },
        "department": {
            "total": tally.department_total,
            "respondents": tally.department_respondents,
            "by_section": {section.value: tally.department_totals[section] for section in SurveySection},
        },
        "rows": [
            {
                "section": row.section.value,
                "section_label": SECTION_LABELS[row.section],
                "code": row.code,
                "label": row.label,
                "note": row.note,
                "municipal_count": row.municipal_count,
                "department_count": row.department_count,
                "marked": row.marked,
            }
            for row in tally.rows
        ],
    }


def tally_csv(tally: SurveyTally) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in tally.rows:
        writer.writerow(
            (
                SECTION_LABELS[row.section],
                row.code,
                row.label,
                row.note,
                row.municipal_count,
                row.department_count,
                "*" if row.marked else "",
            )
        )
    for section in SurveySection:
        writer.writerow(
            (
                SECTION_LABELS[section],
                "total",
                "計",
                "",
                tally.municipal_totals[section],
                tally.department_totals[section],
                "",
            )
        )
    return buffer.getvalue()


def tally_xlsx(tally: SurveyTally, *, stamp: datetime) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "集計"
    sheet.append([f"{fiscal_year_label(tally.fiscal_year)} 連携課題・ニーズ調査 集計"])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append(["※県各部局等から関連する回答があったものには「*」を付している。（その他以外）"])
    sheet.append([])
    sheet.append(["区分", "項目", "市町村", "県部局等"])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for section in SurveySection:
        for label, row in row_labels(tally, section):
            sheet.append([SECTION_LABELS[section], label, row.municipal_count, row.department_count])
        sheet.append([SECTION_LABELS[section], "計", tally.municipal_totals[section], tally.department_totals[section]])
    sheet.append(["合計", "", tally.municipal_total, tally.department_total])
    sheet.append(["回答団体数", "", tally.municipal_respondents, tally.department_respondents])
    for letter, width in (("A", 26), ("B", 60), ("C", 10), ("D", 10)):
        sheet.column_dimensions[letter].width = width
    return reproducible_xlsx(workbook, stamp=stamp)
