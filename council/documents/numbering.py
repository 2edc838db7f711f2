"""文書番号: issued per council and fiscal year of the issue date, from 1, in issue order, never reused.

A number is a row of its own (DocumentNumber): a superseded document keeps its number and a correction takes a new
one. Numbers follow the order of issue dates: a letter dated before the last numbered one is refused (the register,
文書番号簿, would otherwise run backwards). Two processes issuing at once collide on the unique key and one
transaction fails — safe to run again.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from council.documents.office import OfficeConfig
from council.documents.text import letter_date
from council.errors import InputError
from council.wareki import fiscal_year_of
from models import DocumentNumber


def last_number(session: Session, council_id: int, fiscal_year: int) -> DocumentNumber | None:
    return session.exec(
        select(DocumentNumber)
        .where(DocumentNumber.council_id == council_id, DocumentNumber.fiscal_year == fiscal_year)
        .order_by(col(DocumentNumber.sequence).desc())
    ).first()


def issue_number(
    session: Session, *, council_id: int, office: OfficeConfig, issued_on: date, now: datetime
) -> DocumentNumber:
    """The next number of the fiscal year that `issued_on` falls in."""
    fiscal_year = fiscal_year_of(issued_on)
    last = last_number(session, council_id, fiscal_year)
    if last is not None and last.issued_on > issued_on:
        raise InputError(
            f"文書番号 go in issue order: {last.label} is already dated {letter_date(last.issued_on)}, "
            f"so nothing can be issued on {letter_date(issued_on)}",
            field="issue date",
        )
    sequence = (last.sequence if last else 0) + 1
    number = DocumentNumber(
        council_id=council_id,
        fiscal_year=fiscal_year,
        sequence=sequence,
        label=office.number_label(sequence, fiscal_year),
        issued_on=issued_on,
        issued_at=now,
    )
    session.add(number)
    session.flush()
    return number
