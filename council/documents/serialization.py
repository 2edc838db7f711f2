"""A context as plain JSON data and back: an issued version keeps what it says (its facts) in the database, so its
files can be rendered again byte for byte, years later, whatever the state of the council then."""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, Union

from council.documents.contexts import (
    AdvanceNoticeContext,
    AgendaContext,
    CancellationContext,
    CaseHandoutContext,
    DocumentContext,
    Issue,
    MinutesContext,
    NoticeContext,
    PostponementContext,
    RegionalInitiativesContext,
    ReminderContext,
    ScheduleContext,
    SurveyRequestContext,
    SurveySummaryContext,
)
from models.enums import DocumentKind

CONTEXT_TYPES: dict[DocumentKind, type[Any]] = {
    DocumentKind.advance_notice: AdvanceNoticeContext,
    DocumentKind.notice: NoticeContext,
    DocumentKind.agenda: AgendaContext,
    DocumentKind.survey_request: SurveyRequestContext,
    DocumentKind.survey_reminder: ReminderContext,
    DocumentKind.survey_summary: SurveySummaryContext,
    DocumentKind.minutes: MinutesContext,
    DocumentKind.annual_schedule: ScheduleContext,
    DocumentKind.cancellation: CancellationContext,
    DocumentKind.postponement: PostponementContext,
    DocumentKind.regional_initiatives: RegionalInitiativesContext,
    DocumentKind.case_handout: CaseHandoutContext,
}


def facts_of(context: DocumentContext) -> dict[str, Any]:
    """Everything the context says but its issue (number, date, marks: those are the version's own columns)."""
    plain = _plain(context)
    assert isinstance(plain, dict)
    plain.pop("issue")
    return plain


def context_from(kind: DocumentKind, facts: dict[str, Any], issue: Issue) -> DocumentContext:
    context_type = CONTEXT_TYPES[kind]
    built = _build(context_type, {**facts, "issue": None})
    return typing.cast(DocumentContext, dataclasses.replace(built, issue=issue))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"a document context holds only text, numbers, tuples and dataclasses, not {type(value)}")


@cache
def _hints(cls: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(annotation: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _build(options[0], value)
    if origin is tuple:
        (item_type, _) = typing.get_args(annotation)
        return tuple(_build(item_type, item) for item in value)
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        hints = _hints(annotation)
        names = [field.name for field in dataclasses.fields(annotation) if field.init]
        return annotation(**{name: _build(hints[name], value.get(name)) for name in names})
    return value
