"""The year's 文書番号簿: every numbered letter of a council's fiscal year, in number order, with its issue date,
title, addressees, sender and version (a correction says which number it corrects). Plain rows here; text, CSV and
xlsx are the CLI's formats."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlmodel import Session, col, select

from council.documents.text import letter_date
from council.survey.forms import reproducible_xlsx
from council.wareki import fiscal_year_label
from models import Document, DocumentNumber

HEADERS = ("文書番号", "発出日", "件名", "あて先", "発信者", "版", "備考")


@dataclass(frozen=True)
class RegisterEntry:
    number: str
    sequence: int
    issued_on: date
    title: str
    addressees: tuple[str, ...]
    sender: str
    version: int
    note: str  # （訂正）: which number it corrects, and why

    def cells(self) -> tuple[str, ...]:
        return (
            self.number,
            letter_date(self.issued_on),
            self.title,
            "、".join(self.addressees),
            self.sender,
            f"v{self.version}",
            self.note,
        )


def register_entries(session: Session, *, council_id: int, fiscal_year: int) -> list[RegisterEntry]:
    """The numbers of `fiscal_year` (by issue date: a letter of April 2027 is in FY2026's register) in order."""
    rows = session.exec(
        select(DocumentNumber, Document)
        .join(Document, col(Document.number_id) == col(DocumentNumber.id))
        .where(DocumentNumber.council_id == council_id, DocumentNumber.fiscal_year == fiscal_year)
        .order_by(col(DocumentNumber.sequence))
    ).all()
    labels = {number.id: number.label for number, _ in rows}
    entries = []
    for number, document in rows:
        note = ""
        if document.revises_id is not None:
            revised = session.get(Document, document.revises_id)
            corrected = labels.get(revised.number_id) if revised is not None and revised.number_id else None
            note = f"{corrected or '前版'}の訂正（{document.correction_reason}）"
        entries.append(
            RegisterEntry(
                number=number.label,
                sequence=number.sequence,
                issued_on=number.issued_on,
                title=document.title,
                addressees=tuple(line for line in (document.addressees or "").splitlines() if line),
                sender=document.sender or "",
                version=document.version,
                note=note,
            )
        )
    return entries


def register_text(fiscal_year: int, entries: list[RegisterEntry]) -> str:
    lines = [f"{fiscal_year_label(fiscal_year)} 文書番号簿（{len(entries)}件）"]
    lines += ["\t".join(entry.cells()) for entry in entries]
    return "\n".join(lines) + "\n"


def register_csv(entries: list[RegisterEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(entry.cells() for entry in entries)
    return buffer.getvalue()


def register_xlsx(fiscal_year: int, entries: list[RegisterEntry], *, stamp: datetime) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "文書番号簿"
    sheet.append([f"{fiscal_year_label(fiscal_year)} 文書番号簿"])
    sheet.append(list(HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for entry in entries:
        sheet.append(list(entry.cells()))
    for column, width in zip("ABCDEFG", (12, 16, 60, 40, 28, 6, 40), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return reproducible_xlsx(workbook, stamp=stamp)
