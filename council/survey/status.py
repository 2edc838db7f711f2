"""Who answered, who did not, and who gets a reminder (督促) today.

`select_reminders` is pure: respondents, the reminder steps, what was already sent, a day and a business calendar in;
the reminders due out. `record_reminders` stores them (unique per survey × organisation × step), so a step is never
sent twice whatever re-runs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, func, select

from council.clock import TOKYO
from council.planning.business_days import BusinessCalendar
from council.survey.rules import ReminderStep, SurveyRules
from council.survey.store import get_survey, window_for
from models.enums import OrganizationKind
from models.organizations import Organization
from models.survey import ANSWERED_STATUSES, ReminderSent, ResponseStatus, Survey, SurveyAnswer, SurveyRespondent


@dataclass(frozen=True)
class RespondentStatus:
    organization_id: int
    organization_code: str
    organization_name: str
    kind: OrganizationKind
    status: ResponseStatus  # not_sent / sent / answered / late (= answered after the deadline)
    opens_on: date
    deadline: date
    sent_at: datetime | None
    answered_at: datetime | None
    answer_count: int  # current answers
    reminders: tuple[str, ...]  # reminder steps already sent
    overdue: bool  # not answered and the deadline has passed

    @property
    def has_answered(self) -> bool:
        return self.status in ANSWERED_STATUSES


@dataclass(frozen=True)
class ReminderDue:
    organization_id: int
    organization_code: str
    organization_name: str
    kind: OrganizationKind
    step: str
    due_on: date
    deadline: date  # the respondent's deadline
    new_deadline: date | None  # after the deadline: the new one this reminder sets

    @property
    def letter_deadline(self) -> date:
        """The deadline the reminder names (and records)."""
        return self.new_deadline or self.deadline


def reminder_due_on(step: ReminderStep, deadline: date, calendar: BusinessCalendar) -> date:
    """The day a step goes out: `business_days` business days from the deadline (before it when negative)."""
    return calendar.add_business_days(deadline, step.business_days)


def select_reminders(
    respondents: Iterable[RespondentStatus],
    steps: Sequence[ReminderStep],
    already_sent: Collection[tuple[int, str]],
    today: date,
    calendar: BusinessCalendar,
    *,
    new_deadline_business_days: int,
) -> list[ReminderDue]:
    """The reminders to send on `today`: to each respondent that was sent the request and has not answered, the
    latest step whose day has come — unless that step was already sent to it. Earlier steps missed (days without a
    run) are not sent late: one reminder, the current one, is enough. A step whose day came before the request
    reached the respondent (a request sent late, on a catch-up day) is not sent: the request states the deadline."""
    due: list[ReminderDue] = []
    ordered = sorted(steps, key=lambda step: step.business_days)
    for respondent in respondents:
        if respondent.status != ResponseStatus.sent:
            continue
        received_on = respondent.sent_at.astimezone(TOKYO).date() if respondent.sent_at is not None else date.min
        current = None
        for step in ordered:
            due_on = reminder_due_on(step, respondent.deadline, calendar)
            if due_on <= today:
                current = (step, due_on) if due_on > received_on else None
        if current is None:
            continue
        step, due_on = current
        if (respondent.organization_id, step.step) in already_sent:
            continue
        due.append(
            ReminderDue(
                organization_id=respondent.organization_id,
                organization_code=respondent.organization_code,
                organization_name=respondent.organization_name,
                kind=respondent.kind,
                step=step.step,
                due_on=due_on,
                deadline=respondent.deadline,
                new_deadline=(
                    calendar.add_business_days(today, new_deadline_business_days) if step.business_days > 0 else None
                ),
            )
        )
    return due


def respondent_statuses(session: Session, survey: Survey, today: date) -> list[RespondentStatus]:
    answer_counts = dict(
        session.exec(
            select(SurveyAnswer.organization_id, func.count())
            .where(SurveyAnswer.survey_id == survey.id, col(SurveyAnswer.current).is_(True))
            .group_by(col(SurveyAnswer.organization_id))
        ).all()
    )
    reminders: dict[int, list[str]] = {}
    for organization_id, step in session.exec(
        select(ReminderSent.organization_id, ReminderSent.step)
        .where(ReminderSent.survey_id == survey.id)
        .order_by(col(ReminderSent.due_on), col(ReminderSent.id))
    ).all():
        reminders.setdefault(organization_id, []).append(step)
    rows = session.exec(
        select(SurveyRespondent, Organization)
        .join(Organization, col(Organization.id) == SurveyRespondent.organization_id)
        .where(SurveyRespondent.survey_id == survey.id)
        .order_by(col(Organization.sort_order), col(Organization.code))
    ).all()
    statuses = []
    for respondent, organization in rows:
        assert organization.id is not None
        opens_on, deadline = window_for(survey, organization.kind)
        answered = respondent.status in ANSWERED_STATUSES
        statuses.append(
            RespondentStatus(
                organization_id=organization.id,
                organization_code=organization.code,
                organization_name=organization.name,
                kind=organization.kind,
                status=respondent.status,
                opens_on=opens_on,
                deadline=deadline,
                sent_at=respondent.sent_at,
                answered_at=respondent.answered_at,
                answer_count=answer_counts.get(organization.id, 0),
                reminders=tuple(reminders.get(organization.id, ())),
                overdue=not answered and today > deadline,
            )
        )
    return statuses


def survey_status(session: Session, fiscal_year: int, today: date, *, council_code: str) -> list[RespondentStatus]:
    """The status of every respondent of the year's survey, municipalities first, in roster order."""
    return respondent_statuses(session, get_survey(session, fiscal_year, council_code), today)


def sent_reminders(session: Session, survey: Survey) -> set[tuple[int, str]]:
    return {
        (organization_id, step)
        for organization_id, step in session.exec(
            select(ReminderSent.organization_id, ReminderSent.step).where(ReminderSent.survey_id == survey.id)
        ).all()
    }


def due_reminders(
    session: Session, survey: Survey, today: date, calendar: BusinessCalendar, rules: SurveyRules
) -> list[ReminderDue]:
    """What `select_reminders` picks today for the survey; nothing once it is closed, nothing on a closed day."""
    if survey.closed_at is not None or not calendar.is_business_day(today):
        return []
    return select_reminders(
        respondent_statuses(session, survey, today),
        rules.reminders,
        sent_reminders(session, survey),
        today,
        calendar,
        new_deadline_business_days=rules.new_deadline_business_days,
    )


def record_reminders(
    session: Session, survey: Survey, reminders: Iterable[ReminderDue], *, now: datetime
) -> list[ReminderSent]:
    """Record reminders as sent; one already recorded for the same step is skipped (returned are the new ones)."""
    assert survey.id is not None
    existing = sent_reminders(session, survey)
    recorded = []
    for reminder in reminders:
        key = (reminder.organization_id, reminder.step)
        if key in existing:
            continue
        existing.add(key)
        row = ReminderSent(
            survey_id=survey.id,
            organization_id=reminder.organization_id,
            step=reminder.step,
            due_on=reminder.due_on,
            deadline=reminder.letter_deadline,
            sent_at=now,
        )
        session.add(row)
        recorded.append(row)
    session.flush()
    return recorded
