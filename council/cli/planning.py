"""`council plan`, `council tasks` and `council tasks done` (the meetings' commands are in council.cli.meetings).

Each command is one transaction: a bad fiscal year, date, key or rules file is one line on stderr, exit 2, and
nothing written.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

import typer
from sqlmodel import Session, col, select

from council.cli.common import OutputFormat, cli_context, echo_lines, print_json
from council.clock import TOKYO, today_in_tokyo
from council.errors import InputError
from council.labels import TASK_STATUS
from council.planning.actions import plan_year
from council.planning.cycles import require_cycle
from council.tasks.actions import complete_task_action
from council.tasks.tracking import STATUS_FILTERS, list_tasks
from council.wareki import fiscal_year_label, fiscal_year_of, short_date, wareki_date, wareki_time
from models import Lane, Meeting, Organization, Stage, Task

MIN_FISCAL_YEAR, MAX_FISCAL_YEAR = 2000, 2100  # as the schema allows
MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)

FiscalYearOption = Annotated[
    int | None,
    typer.Option("--fy", help="Fiscal year (April–March), e.g. 2026 for 令和8年度. Default: the current one."),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="text or json.")]


def check_fiscal_year(fiscal_year: int | None) -> int:
    if fiscal_year is None:
        return fiscal_year_of(today_in_tokyo())
    if not MIN_FISCAL_YEAR <= fiscal_year <= MAX_FISCAL_YEAR:
        raise InputError(f"--fy {fiscal_year}: a fiscal year between {MIN_FISCAL_YEAR} and {MAX_FISCAL_YEAR}")
    return fiscal_year


# ---- text layout ----------------------------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns a terminal uses for `text` (full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _span(start: date, end: date) -> str:
    return f"{short_date(start)}～{short_date(end)}"


def _fiscal_month_index(day: date) -> int:
    return MONTHS.index(day.month)


def schedule_cells(
    fiscal_year: int, stages: Sequence[Stage], meetings: Sequence[Meeting]
) -> dict[int, dict[Lane, list[str]]]:
    """Per month (April first) and lane, the lines of the source's 年間スケジュール table."""
    label = fiscal_year_label(fiscal_year)
    lanes_by_stage = {stage.id: stage.lane for stage in stages}
    cells: dict[int, dict[Lane, list[str]]] = {month: {Lane.council: [], Lane.other: []} for month in MONTHS}
    # A stage that is just its meeting (市町村長会議, 県・市町村行政懇談会) shows as the meeting alone, like the source.
    meeting_titles = {(meeting.stage_id, meeting.title.removeprefix(label)) for meeting in meetings}
    for stage in stages:
        if (stage.id, stage.title) in meeting_titles:
            continue
        first, last = _fiscal_month_index(stage.start_date), _fiscal_month_index(stage.end_date)
        cells[MONTHS[first]][stage.lane].append(f"■{stage.title}（{_span(stage.start_date, stage.end_date)}）")
        for index in range(first + 1, last + 1):
            cells[MONTHS[index]][stage.lane].append("↓")
    for meeting in meetings:
        start, end = meeting.starts_at.astimezone(TOKYO), meeting.ends_at.astimezone(TOKYO)
        lane = lanes_by_stage.get(meeting.stage_id, Lane.council)
        title = meeting.title.removeprefix(label)
        venue = f" {meeting.venue}" if meeting.venue else ""
        when = f"{short_date(start.date())}{wareki_time(start)}～{wareki_time(end)}"
        cells[start.month][lane].append(f"◎{title} {when}{venue}")
    return cells


def render_schedule(
    fiscal_year: int,
    stages: Sequence[Stage],
    meetings: Sequence[Meeting],
    tasks: Sequence[tuple[Task, str | None]],
    *,
    explanations: dict[str, str] | None,
    summary: str | None,
) -> list[str]:
    """The year as text: the two-column month table, then the tasks by due date, then (optionally) the reasons."""
    cells = schedule_cells(fiscal_year, stages, meetings)
    left_title, right_title = "県・市町村連携推進会議 関係", "その他"
    left_width = max(
        [display_width(left_title), *(display_width(line) for c in cells.values() for line in c[Lane.council])]
    )
    right_width = max(
        [display_width(right_title), *(display_width(line) for c in cells.values() for line in c[Lane.other])]
    )
    lines = [f"{fiscal_year_label(fiscal_year)}「県・市町村連携推進会議」の年間スケジュール", ""]
    lines.append(f"{pad('', 5)}│ {pad(left_title, left_width)} │ {right_title}")
    rule = f"{'─' * 5}┼{'─' * (left_width + 2)}┼{'─' * (right_width + 1)}"
    lines.append(rule)
    for month in MONTHS:
        left, right = cells[month][Lane.council], cells[month][Lane.other]
        for row in range(max(1, len(left), len(right))):
            month_label = f"{month}月" if row == 0 else ""
            left_text = left[row] if row < len(left) else ""
            right_text = right[row] if row < len(right) else ""
            lines.append(f"{pad(month_label, 5)}│ {pad(left_text, left_width)} │ {right_text}".rstrip())
        lines.append(rule)
    lines.append("※連携推進会議開催前に幹事会を開催（その他必要に応じて開催）")
    lines += ["", "期限"]
    due_width = max((display_width(wareki_date(task.due_date)) for task, _ in tasks), default=0)
    for task, owner in tasks:
        status = TASK_STATUS[task.status.value]
        who = f"  担当: {owner}" if owner else ""
        due = pad(wareki_date(task.due_date), due_width)
        lines.append(f"  {due}  {pad(status, 8)} {task.title}  [{task.key}]{who}")
    if explanations:
        lines += ["", "日付の根拠 (--explain)"]
        lines += [f"  {item}: {reason}" for item, reason in explanations.items()]
    if summary is not None:
        lines += ["", f"保存: {summary}"]
    return lines


# ---- JSON -----------------------------------------------------------------------------------------------------------


def plan_payload(
    fiscal_year: int,
    stages: Sequence[Stage],
    meetings: Sequence[Meeting],
    tasks: Sequence[tuple[Task, str | None]],
    *,
    explanations: dict[str, str] | None,
) -> dict[str, Any]:
    """`council plan --format json`; with --explain every item also carries its 'explanation'."""

    def explained(kind: str, key: str, item: dict[str, Any]) -> dict[str, Any]:
        if explanations is not None:
            item["explanation"] = explanations.get(f"{kind}:{key}")
        return item

    return {
        "fiscal_year": fiscal_year,
        "stages": [
            explained(
                "stage",
                stage.key,
                {
                    "id": stage.key,
                    "title": stage.title,
                    "start": stage.start_date.isoformat(),
                    "end": stage.end_date.isoformat(),
                },
            )
            for stage in stages
        ],
        "meetings": [
            explained(
                "meeting",
                meeting.key,
                {
                    "id": meeting.key,
                    "kind": meeting.kind.value,
                    "title": meeting.title,
                    "start": meeting.starts_at.astimezone(TOKYO).isoformat(),
                    "end": meeting.ends_at.astimezone(TOKYO).isoformat(),
                },
            )
            for meeting in meetings
        ],
        "tasks": [
            explained(
                "task",
                task.key,
                {
                    "id": task.key,
                    "title": task.title,
                    "due": task.due_date.isoformat(),
                    "status": task.status.value,
                    "owner": owner,
                },
            )
            for task, owner in tasks
        ],
    }


def stored_year(
    session: Session, cycle_id: int, task_keys: frozenset[str]
) -> tuple[list[Stage], list[Meeting], list[tuple[Task, str | None]]]:
    """The stored stages, meetings and planner tasks of a cycle, in schedule order."""
    stages = list(session.exec(select(Stage).where(Stage.cycle_id == cycle_id).order_by(col(Stage.sort_order))))
    meetings = list(
        session.exec(
            select(Meeting).where(Meeting.cycle_id == cycle_id).order_by(col(Meeting.starts_at), col(Meeting.key))
        )
    )
    tasks: list[tuple[Task, str | None]] = [
        (task, owner)
        for task, owner in session.exec(
            select(Task, Organization.code)
            .join(Organization, col(Task.owner_id) == col(Organization.id), isouter=True)
            .where(Task.cycle_id == cycle_id, col(Task.key).in_(task_keys))
            .order_by(col(Task.due_date), col(Task.key))
        )
    ]
    return stages, meetings, tasks


# ---- commands -------------------------------------------------------------------------------------------------------


def plan(
    fiscal_year: Annotated[int, typer.Option("--fy", help="Fiscal year (April–March), e.g. 2026 for 令和8年度.")],
    output: FormatOption = OutputFormat.text,
    explain: Annotated[bool, typer.Option("--explain", help="Say why each date was chosen.")] = False,
) -> None:
    """Plan the fiscal year from calendar/cycle.yaml and the pinned meetings, store it, draft its 年間スケジュール,
    publish the feeds, and print it."""
    fiscal_year = check_fiscal_year(fiscal_year)
    ctx = cli_context()
    report = plan_year(ctx, fiscal_year)
    with ctx.transaction() as session:
        cycle = require_cycle(session, ctx.settings.council_code, fiscal_year)
        assert cycle.id is not None
        stages, meetings, tasks = stored_year(session, cycle.id, frozenset(report.planned_task_keys))
    explanations = dict(report.explanations) if explain else None
    if output == OutputFormat.json:
        print_json(plan_payload(fiscal_year, stages, meetings, tasks, explanations=explanations))
        typer.echo(f"stored: {report.summary()}", err=True)
    else:
        echo_lines(
            render_schedule(fiscal_year, stages, meetings, tasks, explanations=explanations, summary=report.summary())
        )


def task_payload(fiscal_year: int, views: Sequence[Any]) -> dict[str, Any]:
    return {
        "fiscal_year": fiscal_year,
        "tasks": [
            {
                "id": view.key,
                "number": view.id,
                "title": view.title,
                "due": view.due.isoformat(),
                "status": view.status,
                "overdue": view.overdue,
                "owner": view.owner,
                "stage": view.stage,
                "meeting": view.meeting,
                "origin": view.origin,
                "completed_at": view.completed_at.isoformat() if view.completed_at else None,
                "completed_by": view.completed_by,
            }
            for view in views
        ],
    }


def tasks(
    typer_ctx: typer.Context,
    fiscal_year: FiscalYearOption = None,
    status: Annotated[
        str | None, typer.Option("--status", help=f"Only tasks in this state: {'|'.join(STATUS_FILTERS)}.")
    ] = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """List the tasks of a planned fiscal year by due date (`council tasks done TASK` marks one done)."""
    if typer_ctx.invoked_subcommand is not None:
        return
    fiscal_year = check_fiscal_year(fiscal_year)
    ctx = cli_context()
    today = ctx.clock.today
    with ctx.transaction() as session:
        views = list_tasks(
            session, fiscal_year=fiscal_year, today=today, status=status, council_code=ctx.settings.council_code
        )
    if output == OutputFormat.json:
        print_json(task_payload(fiscal_year, views))
        return
    lines = [f"{fiscal_year_label(fiscal_year)}のタスク（{wareki_date(today)}現在、{len(views)}件）"]
    due_width = max((display_width(wareki_date(view.due)) for view in views), default=0)
    for view in views:
        state = TASK_STATUS["overdue" if view.overdue else view.status]
        owner = f"  担当: {view.owner}" if view.owner else ""
        due = pad(wareki_date(view.due), due_width)
        lines.append(f"  {view.id:>5}  {due}  {pad(state, 8)} {view.title}  [{view.key}]{owner}")
    echo_lines(lines)


def done(
    task: Annotated[str, typer.Argument(help="Task key (e.g. notice:council-1) or numeric id.")],
    fiscal_year: FiscalYearOption = None,
) -> None:
    """Mark a task done (repeating it changes nothing)."""
    fiscal_year = check_fiscal_year(fiscal_year)
    result = complete_task_action(cli_context(), fiscal_year, task)
    typer.echo(f"{result.title}（{result.key}）: {'既に完了しています' if result.already_done else '完了にしました'}")


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    tasks_app = typer.Typer(
        help="List the tasks of a planned year by due date; `council tasks done TASK` marks one done.",
        invoke_without_command=True,
    )
    tasks_app.callback()(tasks)
    tasks_app.command("done")(done)
    app.add_typer(tasks_app, name="tasks")
