"""The whole-year simulation's side of the world: a simulated clock and what people would do by default.

The real flows run the year (`flows.simulation` drives them, one tick per day on which something can happen); this
module plays everyone else, reproducibly from a seed:
- the respondents: each organisation's answer file arrives on a drawn day — most within their window, some after a
  reminder, a few never;
- the secretariat: the tasks that are people's (not completed by a flow, see council.tick.decisions.is_automated)
  are done on their due day, through the same use cases as the CLI; when the budget check is done, most of the
  reported themes are recorded as budgeted.
Meeting decisions need nothing here: recording a meeting applies its default decisions (council.meetings.lifecycle).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from council.context import Context
from council.delivery.contacts import demo_contacts_file, import_contacts
from council.files import write_atomically
from council.keys import BUDGET_STATUS_TASK
from council.planning.business_days import BusinessCalendar
from council.reference import load_reference
from council.survey.inbox import inbox_files
from council.survey.status import RespondentStatus
from council.survey.synthetic import synthetic_answers
from council.survey.taxonomy import Taxonomy
from council.tasks.actions import complete_task_action
from council.themes.actions import move_theme
from council.themes.views import list_themes
from council.tick.decisions import CycleState, is_automated
from models import Organization, Survey, SurveyRespondent, ThemeStatus
from models.survey import ANSWERED_STATUSES

DEFAULT_SEED = 1
PEOPLE = "simulation:secretariat"
ON_TIME_SHARE = 0.80  # answer within their window
LATE_SHARE = 0.16  # answer after the deadline, once reminded (the rest never answer)
LATE_BUSINESS_DAYS = 5  # a late answer comes within this many business days after the deadline
BUDGETED_SHARE = 0.7  # reported themes that get a budget line
_ANSWERED = ANSWERED_STATUSES


@dataclass(frozen=True)
class Arrival:
    organization_code: str
    day: date | None  # None: never answers


def answer_arrivals(
    respondents: Sequence[RespondentStatus], *, seed: int, fiscal_year: int, calendar: BusinessCalendar
) -> list[Arrival]:
    """When each respondent's answer arrives (a business day), drawn reproducibly per organisation."""
    arrivals = []
    for respondent in respondents:
        rng = random.Random(f"{seed}:{fiscal_year}:{respondent.organization_code}:arrival")
        draw = rng.random()
        if draw < ON_TIME_SHARE:
            days = list(calendar.business_days_in(respondent.opens_on, respondent.deadline))
            day: date | None = rng.choice(days) if days else respondent.deadline
        elif draw < ON_TIME_SHARE + LATE_SHARE:
            day = calendar.add_business_days(respondent.deadline, rng.randint(1, LATE_BUSINESS_DAYS))
        else:
            day = None
        arrivals.append(Arrival(respondent.organization_code, day))
    return arrivals


def people_tasks_due(state: CycleState, today: date) -> list[str]:
    """The open tasks that are people's and due by `today`: the simulated secretariat does them on their day."""
    return sorted(
        task.key
        for task in state.tasks
        if task.is_open and task.due <= today and not is_automated(task.key, state.meetings)
    )


def budgeted(theme_codes: Sequence[str], *, seed: int) -> list[str]:
    """Which reported themes get a budget line (drawn reproducibly per theme)."""
    return [code for code in theme_codes if random.Random(f"{seed}:{code}:budget").random() < BUDGETED_SHARE]


# ------------------------------------------------------------------------------------------------- acting


def do_people_tasks(ctx: Context, fiscal_year: int, keys: Sequence[str], *, seed: int) -> list[str]:
    """Complete the given tasks as the secretariat would, through the same use case as `council tasks done`; the
    budget check also records the budgeted themes (`council themes update --status budgeted`)."""
    people = ctx.acting_as(PEOPLE)
    done = []
    for key in keys:
        result = complete_task_action(people, fiscal_year, key)
        if result.already_done:
            continue
        done.append(key)
        if key == BUDGET_STATUS_TASK:
            done += record_budgets(people, fiscal_year, seed=seed)
    return done


def record_budgets(ctx: Context, fiscal_year: int, *, seed: int) -> list[str]:
    with ctx.transaction() as session:
        reported = list_themes(
            session, fiscal_year=fiscal_year, status=ThemeStatus.reported, council_code=ctx.settings.council_code
        )
    chosen = set(budgeted(sorted(theme.code for theme in reported), seed=seed))
    moved = []
    for theme in reported:
        if theme.code in chosen:
            move_theme(ctx, theme.code, ThemeStatus.budgeted, comment="予算計上")
            moved.append(f"theme {theme.code} budgeted")
    return moved


def deliver_answers(
    session: Session,
    survey: Survey,
    arrivals: Sequence[Arrival],
    *,
    today: date,
    seed: int,
    answers_dir: Path,
    inbox: Path,
    taxonomy: Taxonomy,
) -> list[str]:
    """Put into the inbox the answer files that have arrived by `today` from organisations that have not answered
    yet (and are not already waiting there); returns their organisation codes. The files are generated once per
    year and seed, so every run drops the same bytes."""
    due = {arrival.organization_code for arrival in arrivals if arrival.day is not None and arrival.day <= today}
    answered = set(
        session.exec(
            select(Organization.code)
            .join(SurveyRespondent, col(SurveyRespondent.organization_id) == Organization.id)
            .where(SurveyRespondent.survey_id == survey.id, col(SurveyRespondent.status).in_(_ANSWERED))
        ).all()
    )
    wanted = sorted(due - answered)
    if not wanted:
        return []
    files = _answer_files(session, survey, seed=seed, answers_dir=answers_dir, taxonomy=taxonomy)
    waiting = {path.name for path in inbox_files(inbox)}
    inbox.mkdir(parents=True, exist_ok=True)
    dropped = []
    for code in wanted:
        source = files.get(code)
        if source is None or source.name in waiting:
            continue
        write_atomically(inbox / source.name, source.read_bytes())  # the inbox never sees half a file
        dropped.append(code)
    return dropped


def _answer_files(
    session: Session, survey: Survey, *, seed: int, answers_dir: Path, taxonomy: Taxonomy
) -> dict[str, Path]:
    folder = answers_dir / f"{survey.fiscal_year}-seed{seed}"
    organizations = session.exec(
        select(Organization)
        .join(SurveyRespondent, col(SurveyRespondent.organization_id) == Organization.id)
        .where(SurveyRespondent.survey_id == survey.id)
        .order_by(col(Organization.code))
    ).all()
    prefix = f"answers-{survey.fiscal_year}-"
    existing = {path.stem.removeprefix(prefix): path for path in folder.glob(f"{prefix}*")}
    if all(organization.code in existing for organization in organizations):
        return existing
    made = synthetic_answers(survey.fiscal_year, organizations, seed, folder, stamp=survey.opened_at, taxonomy=taxonomy)
    return {item.organization_code: item.path for item in made}


def install(session: Session, *, reference_dir: Path, now: datetime, actor: str) -> str:
    """What `council init` and `council contacts import --demo` do, in the caller's transaction (the schema must be
    at head): the reference data and the DEMO contact addresses. Idempotent; returns a one-line summary."""
    reference = load_reference(session, reference_dir, now=now, actor=actor)
    contacts = import_contacts(session, demo_contacts_file(), now=now, actor=actor, label="DEMO contacts")
    return f"reference data: {reference.summary()}; {contacts.summary()}"
