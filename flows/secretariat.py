"""The secretariat's by-hand actions as flows, for the Prefect UI (and deployments): mark a task done, move a
theme, correct an issued document. Each runs the same use case as its CLI command."""

from __future__ import annotations

from datetime import date

from prefect import flow

from council.documents.actions import RevisionReport, revise_document
from council.tasks.actions import TaskDone, complete_task_action
from council.themes.actions import ThemeMoved, move_theme
from flows.common import flow_context
from models import InitiativeKind, ThemeStatus


@flow(name="complete-task")
def complete_task_flow(fiscal_year: int, task: str, as_of: date | None = None) -> TaskDone:
    """Mark a task (its key or id) of the year done."""
    return complete_task_action(flow_context(as_of), fiscal_year, task)


@flow(name="move-theme")
def move_theme_flow(
    code: str,
    status: ThemeStatus,
    initiative_kind: InitiativeKind | None = None,
    to_year: int | None = None,
    comment: str | None = None,
    as_of: date | None = None,
) -> ThemeMoved:
    """Move a theme one step (decided needs 新規/充実, deferred the year to study it again)."""
    return move_theme(
        flow_context(as_of), code, status, initiative_kind=initiative_kind, to_year=to_year, comment=comment
    )


@flow(name="revise-document")
def revise_document_flow(document_id: int, reason: str, as_of: date | None = None) -> RevisionReport:
    """Correct an issued document: a （訂正） version with a new number, sent to whoever received the old one."""
    return revise_document(flow_context(as_of), document_id, reason=reason)
