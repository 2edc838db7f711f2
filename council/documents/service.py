"""The documents API that the CLI, the flows and the other services call.

Every function takes the caller's session (the caller commits) and `now`; it loads facts, builds contexts, and keeps
versions through the store. All are idempotent: unchanged content returns the stored version (`created=False`).

Subjects: a meeting's key for its 開催通知 / 次第 / 議事概要; `survey` for the 調査依頼 and the 調査結果概要;
`survey-reminder-<step>-<deadline yyyymmdd>` for a 督促; `year` for the 年間スケジュール.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlmodel import Session

from council.documents import builders
from council.documents.contexts import Issue, ReminderContext, SurveyRequestContext, SurveySummaryContext
from council.documents.facts import (
    DOCUMENTED_MEETING_KINDS,
    check_documented,
    find_meeting,
    load_cycle,
    load_members,
    meeting_facts,
    meetings_of,
    schedule_facts,
    survey_facts,
)
from council.documents.office import OfficeConfig, load_office
from council.documents.store import (
    FORMATS,
    ContextFactory,
    RenderedDocument,
    issue_of,
    latest_version,
    require_aware,
    save_document,
)
from council.documents.texts import DocumentTexts, load_texts
from council.errors import InputError
from council.planning.business_days import BusinessCalendar
from council.survey.tally import SurveyTally
from models.cycle import Cycle, Meeting
from models.enums import Body, DocumentKind, DocumentStatus, MeetingStatus
from models.organizations import Council, Organization

SURVEY_SUBJECT = "survey"
SCHEDULE_SUBJECT = "year"
MEETING_DOCUMENT_KINDS = (DocumentKind.notice, DocumentKind.agenda, DocumentKind.minutes)
STEP_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")

__all__ = [
    "FORMATS",
    "RenderedDocument",
    "render_annual_schedule",
    "render_documents",
    "render_meeting_documents",
    "render_minutes",
    "render_survey_reminder",
    "render_survey_request",
    "render_survey_summary",
]


def render_documents(
    session: Session,
    *,
    fiscal_year: int,
    kinds: Sequence[DocumentKind] | None = None,
    meeting_key: str | None = None,
    formats: Sequence[str] = FORMATS,
    now: datetime,
    calendar: BusinessCalendar | None = None,
) -> list[RenderedDocument]:
    """Render the year's documents (or those of one meeting, or of some kinds), keeping versions.

    Without `kinds`: the 開催通知 and 次第 of every meeting the secretariat convenes (not cancelled), the 議事概要 of
    those already held, the 調査依頼 when the survey has a window, and the 年間スケジュール. The 調査結果概要 needs the
    survey's tally and the 督促 its respondents: `render_survey_summary` and `render_survey_reminder` render them.
    """
    require_aware(now)
    wanted = set(kinds) if kinds else None
    needs_input = (wanted or set()) & {DocumentKind.survey_summary, DocumentKind.survey_reminder}
    if needs_input:
        kind = sorted(needs_input)[0]
        raise InputError(
            f"{kind.value} is rendered by the survey (it needs the tally or the respondents)", field="kind"
        )
    council, cycle = load_cycle(session, fiscal_year)
    office, texts = load_office(), load_texts()
    calendar = calendar or BusinessCalendar()
    results: list[RenderedDocument] = []
    if meeting_key is not None:
        meeting = find_meeting(session, cycle, meeting_key)
        check_documented(meeting)
        if wanted is not None and not wanted & set(MEETING_DOCUMENT_KINDS):
            raise InputError("a meeting has only notice, agenda and minutes documents", field="kind")
        meeting_kinds = _meeting_kinds(meeting, wanted, now)
        return _meeting_documents(
            session, council, cycle, meeting, meeting_kinds, office, texts, formats, now, calendar
        )
    if wanted is None or wanted & set(MEETING_DOCUMENT_KINDS):
        for meeting in meetings_of(session, cycle):
            if meeting.kind in DOCUMENTED_MEETING_KINDS and meeting.status != MeetingStatus.cancelled:
                meeting_kinds = _meeting_kinds(meeting, wanted, now)
                results += _meeting_documents(
                    session, council, cycle, meeting, meeting_kinds, office, texts, formats, now, calendar
                )
    if wanted is None or DocumentKind.survey_request in wanted:
        survey = survey_facts(session, council, cycle)
        if wanted is not None or survey.municipal is not None:
            results.append(_survey_request(session, council, cycle, office, texts, formats, now, deadline=None))
    if wanted is None or DocumentKind.annual_schedule in wanted:
        results.append(_annual_schedule(session, council, cycle, office, formats, now))
    return results


def render_meeting_documents(
    session: Session,
    *,
    meeting_key: str,
    fiscal_year: int,
    now: datetime,
    kinds: Sequence[DocumentKind] = (DocumentKind.notice, DocumentKind.agenda),
    formats: Sequence[str] = FORMATS,
    calendar: BusinessCalendar | None = None,
) -> list[RenderedDocument]:
    """The 開催通知 and 次第 (or the given kinds of MEETING_DOCUMENT_KINDS) of one meeting."""
    require_aware(now)
    unknown = [kind for kind in kinds if kind not in MEETING_DOCUMENT_KINDS]
    if unknown:
        raise InputError(f"{unknown[0].value} is not a meeting document", field="kind")
    council, cycle = load_cycle(session, fiscal_year)
    meeting = find_meeting(session, cycle, meeting_key)
    check_documented(meeting)
    return _meeting_documents(
        session,
        council,
        cycle,
        meeting,
        tuple(kinds),
        load_office(),
        load_texts(),
        formats,
        now,
        calendar or BusinessCalendar(),
    )


def render_minutes(
    session: Session, *, meeting_key: str, fiscal_year: int, now: datetime, formats: Sequence[str] = FORMATS
) -> RenderedDocument:
    """The 議事概要 skeleton of one meeting (usually after it was held)."""
    (result,) = render_meeting_documents(
        session,
        meeting_key=meeting_key,
        fiscal_year=fiscal_year,
        now=now,
        kinds=(DocumentKind.minutes,),
        formats=formats,
    )
    return result


def render_survey_request(
    session: Session,
    *,
    fiscal_year: int,
    now: datetime,
    deadline: date | None = None,
    formats: Sequence[str] = FORMATS,
) -> RenderedDocument:
    """The 調査依頼 to every council member, with the survey's windows (the Survey row, else the `survey` stage);
    `deadline` replaces the per-kind deadlines with one date."""
    require_aware(now)
    council, cycle = load_cycle(session, fiscal_year)
    return _survey_request(session, council, cycle, load_office(), load_texts(), formats, now, deadline=deadline)


def render_survey_reminder(
    session: Session,
    *,
    fiscal_year: int,
    respondents: Sequence[Organization | int],
    deadline: date,
    step: str,
    now: datetime,
    formats: Sequence[str] = FORMATS,
) -> RenderedDocument:
    """The 督促 of reminder `step` (e.g. 'after-1') to the council members of `respondents` (organisations or their
    ids) who have not answered; one document per step and deadline, addressed to them as groups."""
    require_aware(now)
    if not STEP_PATTERN.match(step):
        raise InputError(f"{step!r} is not a reminder step name (lower-case letters, digits and '-')", field="step")
    organization_ids = [item if isinstance(item, int) else item.id for item in respondents]
    ids = [value for value in organization_ids if value is not None]
    if not ids:
        raise InputError("a reminder needs at least one respondent", field="respondents")
    council, cycle = load_cycle(session, fiscal_year)
    assert council.id is not None
    assert cycle.id is not None
    office, texts = load_office(), load_texts()
    members = load_members(session, council.id, Body.council, organization_ids=ids)
    request = latest_version(session, cycle.id, DocumentKind.survey_request, SURVEY_SUBJECT)
    reference = None
    if request is not None and request.status == DocumentStatus.current:
        issued = issue_of(session, request)
        reference = f"{issued.date}付け{issued.number}" if issued.number else f"{issued.date}付け"

    def make(issue: Issue) -> ReminderContext:
        return builders.reminder_context(
            fiscal_year, members, texts.survey, office, issue, deadline=deadline, step=step, request_reference=reference
        )

    subject = f"survey-reminder-{step}-{deadline:%Y%m%d}"
    return save_document(
        session, cycle=cycle, subject=subject, make_context=make, office=office, formats=formats, now=now
    )


def render_survey_summary(
    session: Session, *, fiscal_year: int, tally: SurveyTally, now: datetime, formats: Sequence[str] = FORMATS
) -> RenderedDocument:
    """The 調査結果概要 from the survey's tally (council.survey.tally.SurveyTally)."""
    require_aware(now)
    if tally.fiscal_year != fiscal_year:
        raise InputError(f"the tally is of fiscal year {tally.fiscal_year}, not {fiscal_year}", field="tally")
    council, cycle = load_cycle(session, fiscal_year)
    office, texts = load_office(), load_texts()
    survey = survey_facts(session, council, cycle)

    def make(issue: Issue) -> SurveySummaryContext:
        return builders.survey_summary_context(tally, survey, texts.survey, issue)

    return save_document(
        session, cycle=cycle, subject=SURVEY_SUBJECT, make_context=make, office=office, formats=formats, now=now
    )


def render_annual_schedule(
    session: Session, *, fiscal_year: int, now: datetime, formats: Sequence[str] = FORMATS
) -> RenderedDocument:
    """The 年間スケジュール: the year's stages and meetings as the source's two-column month table."""
    require_aware(now)
    council, cycle = load_cycle(session, fiscal_year)
    return _annual_schedule(session, council, cycle, load_office(), formats, now)


def _meeting_kinds(meeting: Meeting, wanted: set[DocumentKind] | None, now: datetime) -> tuple[DocumentKind, ...]:
    if wanted is not None:
        return tuple(kind for kind in MEETING_DOCUMENT_KINDS if kind in wanted)
    held = meeting.status == MeetingStatus.held or meeting.ends_at <= now
    return (DocumentKind.notice, DocumentKind.agenda, *((DocumentKind.minutes,) if held else ()))


def _meeting_documents(
    session: Session,
    council: Council,
    cycle: Cycle,
    meeting: Meeting,
    kinds: Iterable[DocumentKind],
    office: OfficeConfig,
    texts: DocumentTexts,
    formats: Sequence[str],
    now: datetime,
    calendar: BusinessCalendar,
) -> list[RenderedDocument]:
    facts = meeting_facts(session, council, cycle, meeting, texts)
    factories: dict[DocumentKind, ContextFactory] = {
        DocumentKind.notice: lambda issue: builders.notice_context(facts, office, issue, calendar),
        DocumentKind.agenda: lambda issue: builders.agenda_context(facts, texts, issue),
        DocumentKind.minutes: lambda issue: builders.minutes_context(facts, office, issue),
    }
    return [
        save_document(
            session,
            cycle=cycle,
            subject=meeting.key,
            make_context=factories[kind],
            office=office,
            formats=formats,
            now=now,
        )
        for kind in kinds
    ]


def _survey_request(
    session: Session,
    council: Council,
    cycle: Cycle,
    office: OfficeConfig,
    texts: DocumentTexts,
    formats: Sequence[str],
    now: datetime,
    *,
    deadline: date | None,
) -> RenderedDocument:
    survey = survey_facts(session, council, cycle)

    def make(issue: Issue) -> SurveyRequestContext:
        return builders.survey_request_context(survey, texts.survey, office, issue, deadline=deadline)

    return save_document(
        session, cycle=cycle, subject=SURVEY_SUBJECT, make_context=make, office=office, formats=formats, now=now
    )


def _annual_schedule(
    session: Session, council: Council, cycle: Cycle, office: OfficeConfig, formats: Sequence[str], now: datetime
) -> RenderedDocument:
    facts = schedule_facts(session, council, cycle)
    return save_document(
        session,
        cycle=cycle,
        subject=SCHEDULE_SUBJECT,
        make_context=lambda issue: builders.schedule_context(facts, issue),
        office=office,
        formats=formats,
        now=now,
    )
