"""What each document says from the current state, and when it is due to be issued: the makers that
council.documents.lifecycle drafts from. Subjects: a meeting's key for its 開催通知 / 次第 / 議事概要 and its
中止・延期のお知らせ; `survey` for the 調査依頼 and the 調査結果概要; `survey-reminder-<step>-<yyyymmdd>` for a 督促;
`year` for the 年間スケジュール."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from council.bodies.membership import body_of, letterhead_office
from council.documents import builders
from council.documents.contexts import DocumentContext, Issue
from council.documents.facts import (
    check_documented,
    meeting_facts,
    schedule_facts,
    survey_facts,
)
from council.documents.lifecycle import ContextFactory, latest_issued, reference_of
from council.documents.stationery import Stationery
from council.errors import InputError
from council.keys import meeting_task_key
from council.planning.cycles import find_task
from council.survey.store import Audience
from council.survey.tally import SurveyTally
from models import Council, Cycle, DocumentKind, Meeting

SURVEY_SUBJECT = "survey"
SCHEDULE_SUBJECT = "year"
MEETING_DOCUMENT_KINDS = (DocumentKind.advance_notice, DocumentKind.notice, DocumentKind.agenda, DocumentKind.minutes)
STEP_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


@dataclass(frozen=True)
class DocumentPlan:
    """One document to draft: its subject, how to render it, and the day it is planned to be issued."""

    subject: str
    make: ContextFactory
    planned_issue_on: date | None


def meeting_document(
    session: Session,
    stationery: Stationery,
    council: Council,
    cycle: Cycle,
    meeting: Meeting,
    kind: DocumentKind,
    *,
    now: datetime,
) -> DocumentPlan:
    """A meeting's 日程確保のお願い（予告）, 開催通知, 次第 or 議事概要, planned for its task's due day."""
    check_documented(meeting)
    if kind not in MEETING_DOCUMENT_KINDS:
        raise InputError(f"{kind.value} is not a meeting document", field="kind")
    facts = meeting_facts(session, council, cycle, meeting, stationery.texts, as_of=now)
    office = letterhead_office(stationery.office, body_of(session, meeting))
    texts, calendar = stationery.texts, stationery.calendar

    def make(issue: Issue) -> DocumentContext:
        if kind == DocumentKind.advance_notice:
            return builders.advance_notice_context(facts, office, texts, issue)
        if kind == DocumentKind.notice:
            return builders.notice_context(facts, office, texts, issue, calendar)
        if kind == DocumentKind.agenda:
            return builders.agenda_context(facts, texts, issue)
        return builders.minutes_context(facts, office, texts, issue)

    task = find_task(session, cycle, meeting_task_key(kind.value, meeting.key))  # notice:, agenda:, minutes:
    return DocumentPlan(meeting.key, make, task.due_date if task is not None else None)


def meeting_change_document(
    session: Session,
    stationery: Stationery,
    council: Council,
    cycle: Cycle,
    meeting: Meeting,
    kind: DocumentKind,
    *,
    notified_when: str,
    reason: str | None,
    now: datetime,
) -> DocumentPlan:
    """A 中止のお知らせ or 延期のお知らせ, referring to the meeting's issued 開催通知."""
    notice = latest_issued(session, cycle.id or 0, DocumentKind.notice, meeting.key)
    if notice is None:
        raise InputError(f"{meeting.key}: no notice was issued, so there is nobody to tell", field="meeting")
    facts = meeting_facts(session, council, cycle, meeting, stationery.texts, as_of=now)
    reference = reference_of(session, notice, stationery)
    office = letterhead_office(stationery.office, body_of(session, meeting))

    def make(issue: Issue) -> DocumentContext:
        return builders.meeting_change_context(
            kind,
            facts,
            office,
            stationery.texts,
            issue,
            notice_reference=reference,
            notified_when=notified_when,
            reason=reason,
        )

    return DocumentPlan(meeting.key, make, None)


def request_subject(audience: Audience) -> str:
    """'survey' for the municipalities' 調査依頼 (the survey's first letter), 'survey-departments' for theirs."""
    return SURVEY_SUBJECT if audience is Audience.municipalities else f"{SURVEY_SUBJECT}-{audience.value}"


def survey_request_document(
    session: Session, stationery: Stationery, council: Council, cycle: Cycle, audience: Audience
) -> DocumentPlan:
    """The 調査依頼 to one audience — the municipalities, or the departments and regional offices — with its own
    window, planned for the day that window opens."""
    survey = survey_facts(session, council, cycle, audience=audience)

    def make(issue: Issue) -> DocumentContext:
        return builders.survey_request_context(survey, stationery.texts, stationery.office, issue)

    window = survey.municipal or survey.department
    return DocumentPlan(request_subject(audience), make, window.opens_on if window is not None else None)


def reminder_document(
    session: Session,
    stationery: Stationery,
    council: Council,
    cycle: Cycle,
    *,
    organization_ids: Sequence[int],
    audience: Audience,
    step: str,
    deadline: date,
    new_deadline: date | None,
) -> DocumentPlan:
    """The 督促 of reminder `step` to the organisations that have not answered: before the deadline it restates it,
    after it (`new_deadline`) it sets the new one."""
    if not step or not set(step) <= STEP_CHARACTERS:
        raise InputError(f"{step!r} is not a reminder step name (lower-case letters, digits and '-')", field="step")
    if not organization_ids:
        raise InputError("a reminder needs at least one respondent", field="respondents")
    survey = survey_facts(session, council, cycle, organization_ids=organization_ids)
    request = latest_issued(session, cycle.id or 0, DocumentKind.survey_request, request_subject(audience))
    reference = reference_of(session, request, stationery) if request is not None else "先に文書"

    def make(issue: Issue) -> DocumentContext:
        return builders.reminder_context(
            survey,
            stationery.texts,
            stationery.office,
            issue,
            deadline=deadline,
            new_deadline=new_deadline,
            step=step,
            request_reference=reference,
        )

    suffix = "" if audience is Audience.municipalities else f"-{audience.value}"
    return DocumentPlan(f"survey-reminder-{step}-{deadline:%Y%m%d}{suffix}", make, None)


def summary_document(
    session: Session, stationery: Stationery, council: Council, cycle: Cycle, tally: SurveyTally
) -> DocumentPlan:
    """The 調査結果概要 from the survey's tally."""
    if tally.fiscal_year != cycle.fiscal_year:
        raise InputError(f"the tally is of fiscal year {tally.fiscal_year}, not {cycle.fiscal_year}", field="tally")
    survey = survey_facts(session, council, cycle)

    def make(issue: Issue) -> DocumentContext:
        return builders.survey_summary_context(tally, survey, stationery.texts.survey, issue)

    return DocumentPlan(SURVEY_SUBJECT, make, None)


def schedule_document(
    session: Session, stationery: Stationery, council: Council, cycle: Cycle, *, planned_issue_on: date | None
) -> DocumentPlan:
    """The 年間スケジュール: the year's stages and meetings as the source's two-column month table."""
    facts = schedule_facts(session, council, cycle)

    def make(issue: Issue) -> DocumentContext:
        return builders.schedule_context(facts, issue)

    return DocumentPlan(SCHEDULE_SUBJECT, make, planned_issue_on)
