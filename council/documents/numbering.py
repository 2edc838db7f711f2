"""文書番号: issued per fiscal year from 1, in the configured format, never reused.

A number is a row of its own (DocumentNumber, unique per fiscal year and sequence): a superseded document keeps its
number and the next version takes a new one. Two processes issuing at once collide on the unique key and one
transaction fails — safe to run again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from council.clock import TOKYO
from council.documents.office import OfficeConfig
from council.wareki import fiscal_year_of
from models.documents import DocumentNumber


def issue_number(session: Session, *, office: OfficeConfig, now: datetime) -> DocumentNumber:
    """The next number of the fiscal year that `now` (Asia/Tokyo) falls in."""
    fiscal_year = fiscal_year_of(now.astimezone(TOKYO).date())
    last = session.exec(
        select(func.max(DocumentNumber.sequence)).where(DocumentNumber.fiscal_year == fiscal_year)
    ).one()
    sequence = (last or 0) + 1
    number = DocumentNumber(
        fiscal_year=fiscal_year,
        sequence=sequence,
        label=office.number_label(sequence, fiscal_year),
        issued_at=now,
    )
    session.add(number)
    session.flush()
    return number
