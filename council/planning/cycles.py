"""The one way to look up a council's fiscal year, its meetings and its tasks."""

from __future__ import annotations

from sqlmodel import Session, col, select

from council.errors import NotFoundError
from council.reference import get_council
from council.wareki import fiscal_year_label
from models import Council, Cycle, Meeting, Task


def find_cycle(session: Session, council_id: int, fiscal_year: int) -> Cycle | None:
    return session.exec(select(Cycle).where(Cycle.council_id == council_id, Cycle.fiscal_year == fiscal_year)).first()


def council_and_cycle(session: Session, council_code: str, fiscal_year: int) -> tuple[Council, Cycle]:
    """The council `council_code` and its cycle of `fiscal_year`; NotFoundError when the year is not planned."""
    council = get_council(session, council_code)
    assert council.id is not None
    cycle = find_cycle(session, council.id, fiscal_year)
    if cycle is None:
        raise NotFoundError(
            f"fiscal year {fiscal_year} ({fiscal_year_label(fiscal_year)}) has not been planned: "
            f"run `council plan --fy {fiscal_year}`"
        )
    return council, cycle


def require_cycle(session: Session, council_code: str, fiscal_year: int) -> Cycle:
    return council_and_cycle(session, council_code, fiscal_year)[1]


def meetings_of(session: Session, cycle: Cycle) -> list[Meeting]:
    return list(session.exec(select(Meeting).where(Meeting.cycle_id == cycle.id).order_by(col(Meeting.starts_at))))


def find_meeting(session: Session, cycle: Cycle, reference: str) -> Meeting:
    """A meeting of `cycle` by key ('council-1') or by numeric id."""
    query = select(Meeting).where(Meeting.cycle_id == cycle.id)
    if reference.isdigit():
        meeting = session.exec(query.where(Meeting.id == int(reference))).first()
    else:
        meeting = session.exec(query.where(Meeting.key == reference)).first()
    if meeting is None:
        raise NotFoundError(f"no meeting {reference!r} in fiscal year {cycle.fiscal_year}", field="meeting")
    return meeting


def require_meeting(session: Session, council_code: str, fiscal_year: int, reference: str) -> Meeting:
    return find_meeting(session, require_cycle(session, council_code, fiscal_year), reference)


def find_task(session: Session, cycle: Cycle, key: str) -> Task | None:
    return session.exec(select(Task).where(Task.cycle_id == cycle.id, Task.key == key)).first()
