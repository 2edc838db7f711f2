"""The documents' use cases: render the year's drafts, correct an issued version, keep the 文書番号簿.

`render_documents` never touches what was issued: a document not issued yet is drafted (案) from the current state;
an issued version is shown as it is (a format asked for later is rendered from its stored facts, byte for byte);
the 年間スケジュール, an edition document, gets its next edition drafted when the plan has changed since the last
one. Issue happens on its own day, through the preparation of a meeting, the survey, or the tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from council.context import Context, retry_conflicts
from council.delivery.actions import DeliverySummary, deliver
from council.documents.drafting import (
    MEETING_DOCUMENT_KINDS,
    DocumentPlan,
    meeting_document,
    request_subject,
    schedule_document,
    survey_request_document,
)
from council.documents.facts import check_documented
from council.documents.files import FORMATS, normalise_formats
from council.documents.lifecycle import RenderedDocument, draft, files_of, latest_issued, revise
from council.documents.register import RegisterEntry, register_entries
from council.documents.stationery import Stationery, stationery_for
from council.errors import InputError, NotFoundError
from council.keys import meeting_task_key
from council.planning.cycles import council_and_cycle, find_meeting, find_task, meetings_of
from council.reference import get_council
from council.survey.store import Audience
from models import (
    Council,
    Cycle,
    Delivery,
    DeliveryStatus,
    Document,
    DocumentKind,
    DocumentNumber,
    DocumentStatus,
    Meeting,
    MeetingStatus,
)
from models.enums import DOCUMENTED_MEETING_KINDS

# Kinds only issued by their own action (the survey's close and reminders, a meeting's cancellation or postponement):
# rendering shows the issued versions, never drafts them.
ISSUED_BY_THEIR_ACTION = (
    DocumentKind.survey_summary,
    DocumentKind.survey_reminder,
    DocumentKind.cancellation,
    DocumentKind.postponement,
    DocumentKind.regional_initiatives,  # council bodies table render
    DocumentKind.case_handout,  # council cases handout
)


def render_documents(
    ctx: Context,
    *,
    fiscal_year: int,
    kinds: Sequence[DocumentKind] | None = None,
    meeting_key: str | None = None,
    formats: Sequence[str] = FORMATS,
) -> list[RenderedDocument]:
    """The year's documents (or one meeting's, or some kinds'): drafts brought up to date, issued versions as they
    are. Without `kinds`: the notice and agenda of every meeting the secretariat convenes that is neither held nor
    cancelled (issued ones shown), the minutes of those held, the 調査依頼, the 年間スケジュール, and every version
    issued by its own action."""
    return retry_conflicts(lambda: _render(ctx, fiscal_year, kinds, meeting_key, formats))


def _render(
    ctx: Context,
    fiscal_year: int,
    kinds: Sequence[DocumentKind] | None,
    meeting_key: str | None,
    formats: Sequence[str],
) -> list[RenderedDocument]:
    wanted = set(kinds) if kinds else None
    chosen = normalise_formats(formats)
    stationery = stationery_for(ctx.settings)
    with ctx.transaction() as session:
        council, cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)
        results: list[RenderedDocument] = []
        if meeting_key is not None:
            meeting = find_meeting(session, cycle, meeting_key)
            check_documented(meeting)
            if wanted is not None and not wanted & set(MEETING_DOCUMENT_KINDS):
                raise InputError("a meeting has only notice, agenda and minutes documents", field="kind")
            meetings = [meeting]
        else:
            meetings = [m for m in meetings_of(session, cycle) if m.kind in DOCUMENTED_MEETING_KINDS]
        for meeting in meetings:
            for kind in MEETING_DOCUMENT_KINDS:
                if wanted is not None and kind not in wanted:
                    continue
                rendered = _meeting_document(ctx, session, stationery, council, cycle, meeting, kind, chosen)
                if rendered is not None:
                    results.append(rendered)
        if meeting_key is None:
            if wanted is None or DocumentKind.survey_request in wanted:
                for audience in Audience:
                    rendered = _survey_request(ctx, session, stationery, council, cycle, audience, chosen)
                    if rendered is not None:
                        results.append(rendered)
            if wanted is None or DocumentKind.annual_schedule in wanted:
                planned = stationery.calendar.next_business_day(ctx.clock.today)
                plan = schedule_document(session, stationery, council, cycle, planned_issue_on=planned)
                results.append(_draft(ctx, session, stationery, cycle, plan, chosen))
            for kind in ISSUED_BY_THEIR_ACTION:
                if wanted is None or kind in wanted:
                    results += [
                        _as_issued(session, stationery, document, chosen) for document in _issued(session, cycle, kind)
                    ]
        return results


def _as_issued(
    session: Session, stationery: Stationery, document: Document, formats: Sequence[str]
) -> RenderedDocument:
    """An issued version as it is: its files (a missing format rendered from its stored facts) and its 文書番号."""
    number = session.get(DocumentNumber, document.number_id) if document.number_id is not None else None
    return RenderedDocument(
        document, files_of(session, document, stationery, formats), False, number.label if number else None
    )


def _draft(
    ctx: Context, session: Session, stationery: Stationery, cycle: Cycle, plan: DocumentPlan, formats: Sequence[str]
) -> RenderedDocument:
    return draft(
        session,
        stationery,
        cycle=cycle,
        subject=plan.subject,
        make=plan.make,
        planned_issue_on=plan.planned_issue_on,
        formats=formats,
        now=ctx.clock.now,
    )


def _meeting_document(
    ctx: Context,
    session: Session,
    stationery: Stationery,
    council: Council,
    cycle: Cycle,
    meeting: Meeting,
    kind: DocumentKind,
    formats: Sequence[str],
) -> RenderedDocument | None:
    issued = latest_issued(session, cycle.id or 0, kind, meeting.key)
    if issued is not None:
        return _as_issued(session, stationery, issued, formats)
    held = meeting.status == MeetingStatus.held
    if meeting.status == MeetingStatus.cancelled or (kind == DocumentKind.minutes) != held:
        return None  # notices and agendas before a meeting, minutes after it; nothing for a cancelled one
    if (
        kind == DocumentKind.advance_notice
        and find_task(session, cycle, meeting_task_key(kind.value, meeting.key)) is None
    ):
        return None  # only the meetings whose rules ask for one get a 日程確保のお願い
    plan = meeting_document(session, stationery, council, cycle, meeting, kind, now=ctx.clock.now)
    return _draft(ctx, session, stationery, cycle, plan, formats)


def _survey_request(
    ctx: Context,
    session: Session,
    stationery: Stationery,
    council: Council,
    cycle: Cycle,
    audience: Audience,
    formats: Sequence[str],
) -> RenderedDocument | None:
    issued = latest_issued(session, cycle.id or 0, DocumentKind.survey_request, request_subject(audience))
    if issued is not None:
        return _as_issued(session, stationery, issued, formats)
    try:
        plan = survey_request_document(session, stationery, council, cycle, audience)
        return _draft(ctx, session, stationery, cycle, plan, formats)
    except InputError:  # no survey window planned: nothing to draft yet
        return None


def _issued(session: Session, cycle: Cycle, kind: DocumentKind) -> list[Document]:
    return list(
        session.exec(
            select(Document)
            .where(Document.cycle_id == cycle.id, Document.kind == kind, Document.status == DocumentStatus.issued)
            .order_by(col(Document.subject), col(Document.version))
        ).all()
    )


# ------------------------------------------------------------------------------------------------- corrections


@dataclass(frozen=True)
class RevisionReport:
    revised_id: int
    correction_id: int
    number: str | None
    delivery: DeliverySummary | None


def issue_correction(ctx: Context, document_id: int, reason: str) -> tuple[int, str | None, list[int]]:
    """Step: the （訂正） version issued today; returns its id, its number, and who received the revised one."""
    stationery = stationery_for(ctx.settings)
    with ctx.transaction() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFoundError(f"no document with id {document_id}", field="document")
        cycle = session.get(Cycle, document.cycle_id)
        assert cycle is not None
        council, cycle = council_and_cycle(session, ctx.settings.council_code, cycle.fiscal_year)
        plan = _current_plan(ctx, session, stationery, council, cycle, document)
        rendered = revise(
            session,
            stationery,
            document,
            cycle=cycle,
            make=plan.make,
            reason=reason,
            on=ctx.clock.today,
            now=ctx.clock.now,
            actor=ctx.actor,
            formats=FORMATS,
        )
        contacts = sorted(
            set(
                session.exec(
                    select(Delivery.contact_id).where(
                        Delivery.document_id == document.id, Delivery.status == DeliveryStatus.sent
                    )
                ).all()
            )
        )
        assert rendered.document.id is not None
        return rendered.document.id, rendered.number, contacts


def _current_plan(
    ctx: Context, session: Session, stationery: Stationery, council: Council, cycle: Cycle, document: Document
) -> DocumentPlan:
    if document.kind in MEETING_DOCUMENT_KINDS:
        meeting = find_meeting(session, cycle, document.subject)
        return meeting_document(session, stationery, council, cycle, meeting, document.kind, now=ctx.clock.now)
    if document.kind == DocumentKind.survey_request:
        audience = next(audience for audience in Audience if request_subject(audience) == document.subject)
        return survey_request_document(session, stationery, council, cycle, audience)
    if document.kind == DocumentKind.annual_schedule:
        return schedule_document(session, stationery, council, cycle, planned_issue_on=ctx.clock.today)
    raise InputError(
        f"a {document.kind.value} says what its own action decided: it is not corrected by hand", field="document"
    )


def revise_document(ctx: Context, document_id: int, *, reason: str) -> RevisionReport:
    """Correct an issued document: a （訂正） version from the current state with a new number and the reason,
    delivered to everyone who received the version it corrects."""
    correction_id, number, contacts = ctx.step("issue-correction", issue_correction, ctx, document_id, reason)
    delivery = None
    if contacts:
        delivery = ctx.step("deliver-document", deliver, ctx, correction_id, contact_ids=contacts)
    return RevisionReport(document_id, correction_id, number, delivery)


def document_register(ctx: Context, fiscal_year: int) -> list[RegisterEntry]:
    """The 文書番号簿 of `fiscal_year` (numbers by issue date's fiscal year), in number order."""
    with ctx.transaction() as session:
        council = get_council(session, ctx.settings.council_code)
        assert council.id is not None
        return register_entries(session, council_id=council.id, fiscal_year=fiscal_year)
