"""What each document says, as plain values: the templates and builders read these and nothing else.

Every text in a context is already one line (see text.one_line) and unescaped; each output format escapes for
itself (HTML autoescape, Markdown escaping, python-docx's XML). `issue` carries what is fixed when a version is
issued (文書番号 and date): the content hash is taken with placeholders there, so re-rendering an unchanged
document on another day changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from models.enums import DocumentKind

PLACEHOLDER_NUMBER = "（文書番号）"
PLACEHOLDER_DATE = "（発出日）"


@dataclass(frozen=True)
class Issue:
    """What is fixed when a version is issued — its 文書番号 (letters only) and its date line — or, for a draft, the
    draft's mark (案) and its planned date. A correction (訂正) carries the note saying what it corrects and why.
    None of this counts in the content hash (see council.documents.lifecycle)."""

    number: str | None
    date: str
    draft_mark: str | None = None
    correction_note: str | None = None
    title_suffix: str = ""


@dataclass(frozen=True)
class Letterhead:
    addressees: tuple[str, ...]  # '各市町村企画担当課長　様'
    sender: str
    seal_note: str


@dataclass(frozen=True)
class ContactBlock:
    lines: tuple[str, ...]  # 【担当】…, 電話 …, e-mail …


@dataclass(frozen=True)
class ThemeLine:
    title: str
    tags: str  # '〔新規〕〔企画、県土〕', '（検討中）〔健福〕' …
    note: str | None = None  # its working team's 検討結果, where the roundtable hears it (検討状況)


@dataclass(frozen=True)
class AgendaItem:
    title: str
    themes: tuple[ThemeLine, ...] = ()
    material: str | None = None


class DocumentContext(Protocol):
    """What the store needs of any context."""

    kind: ClassVar[DocumentKind]
    numbered: ClassVar[bool]

    @property
    def title(self) -> str: ...

    @property
    def issue(self) -> Issue: ...

    @property
    def file_stem(self) -> str: ...


@dataclass(frozen=True)
class NoticeContext:
    """開催通知."""

    kind: ClassVar[DocumentKind] = DocumentKind.notice
    numbered: ClassVar[bool] = True

    issue: Issue
    letterhead: Letterhead
    title: str  # …の開催について（通知）
    meeting_title: str
    body: tuple[str, ...]
    when: str
    venue: str
    agenda: tuple[str, ...]
    other: tuple[str, ...]
    contact: ContactBlock
    file_stem: str


@dataclass(frozen=True)
class AdvanceNoticeContext:
    """日程確保のお願い（予告）: the date set months ahead (a meeting with the mayors), the notice to follow."""

    kind: ClassVar[DocumentKind] = DocumentKind.advance_notice
    numbered: ClassVar[bool] = True

    issue: Issue
    letterhead: Letterhead
    title: str
    meeting_title: str
    body: tuple[str, ...]
    when: str
    venue: str
    agenda: tuple[str, ...]
    contact: ContactBlock
    file_stem: str


@dataclass(frozen=True)
class AgendaContext:
    """次第."""

    kind: ClassVar[DocumentKind] = DocumentKind.agenda
    numbered: ClassVar[bool] = False

    issue: Issue
    title: str
    meeting_title: str
    when: str
    venue: str
    note: str | None  # a 幹事会 says which council meeting it prepares
    items: tuple[AgendaItem, ...]
    materials: tuple[str, ...]
    file_stem: str


@dataclass(frozen=True)
class SurveyRequestContext:
    """調査依頼."""

    kind: ClassVar[DocumentKind] = DocumentKind.survey_request
    numbered: ClassVar[bool] = True

    issue: Issue
    letterhead: Letterhead
    title: str
    body: tuple[str, ...]
    sections: tuple[str, ...]  # 施策の連携, 業務の連携, 情報交換・共有／人的交流
    asked: str
    periods: tuple[str, ...]
    deadlines: tuple[str, ...]
    submission: str
    contact: ContactBlock
    file_stem: str


@dataclass(frozen=True)
class ReminderContext:
    """督促 (sent only to those who have not answered): before the deadline it restates it; after, it sets a new one."""

    kind: ClassVar[DocumentKind] = DocumentKind.survey_reminder
    numbered: ClassVar[bool] = True

    issue: Issue
    letterhead: Letterhead
    title: str
    body: tuple[str, ...]
    deadline_label: str  # 提出期限 / 新たな提出期限
    deadline: str
    submission: str
    contact: ContactBlock
    file_stem: str


@dataclass(frozen=True)
class MeetingChangeContext:
    """中止のお知らせ / 延期のお知らせ: to those who received the notice, referring to it."""

    kind: ClassVar[DocumentKind]
    numbered: ClassVar[bool] = True

    issue: Issue
    letterhead: Letterhead
    title: str
    body: tuple[str, ...]
    meeting_title: str
    when: str  # as notified
    new_when: str | None  # a postponement's new date and time
    venue: str
    reason: str | None
    contact: ContactBlock
    file_stem: str


@dataclass(frozen=True)
class CancellationContext(MeetingChangeContext):
    kind: ClassVar[DocumentKind] = DocumentKind.cancellation


@dataclass(frozen=True)
class PostponementContext(MeetingChangeContext):
    kind: ClassVar[DocumentKind] = DocumentKind.postponement


@dataclass(frozen=True)
class OverviewLine:
    label: str  # 実施時期
    lines: tuple[str, ...]


@dataclass(frozen=True)
class SummaryRow:
    item: str  # ①若者の定着・回帰関係（移住定住、空き家対策、Uターン等）*
    count: str


@dataclass(frozen=True)
class SummaryTable:
    heading: str  # （1）施策の連携について
    rows: tuple[SummaryRow, ...]


@dataclass(frozen=True)
class SurveySummaryContext:
    """調査結果概要 — the source's 「結果の概要」."""

    kind: ClassVar[DocumentKind] = DocumentKind.survey_summary
    numbered: ClassVar[bool] = False

    issue: Issue
    title: str
    overview: tuple[OverviewLine, ...]
    tables_heading: str
    tables: tuple[SummaryTable, ...]
    notes: tuple[str, ...]
    file_stem: str


@dataclass(frozen=True)
class MinutesItem:
    """One item of the 議事: what the meeting decided under it (recorded with the meeting), else a blank to fill."""

    title: str
    decisions: tuple[ThemeLine, ...]
    result: str


@dataclass(frozen=True)
class MinutesContext:
    """議事概要 — the meeting's recorded decisions, with blanks for the secretariat to fill in."""

    kind: ClassVar[DocumentKind] = DocumentKind.minutes
    numbered: ClassVar[bool] = False

    issue: Issue
    title: str
    meeting_title: str
    when: str
    venue: str
    attendees: tuple[str, ...]
    secretariat: str
    items: tuple[MinutesItem, ...]
    pending: str  # （記入）
    file_stem: str


@dataclass(frozen=True)
class ScheduleMonth:
    label: str  # 4月
    council: tuple[str, ...]  # 推進会議関係
    other: tuple[str, ...]  # その他


@dataclass(frozen=True)
class ScheduleMeeting:
    title: str
    when: str
    venue: str


@dataclass(frozen=True)
class ScheduleContext:
    """年間スケジュール — the year's plan as the source's two-column month table."""

    kind: ClassVar[DocumentKind] = DocumentKind.annual_schedule
    numbered: ClassVar[bool] = False

    issue: Issue
    title: str
    council_column: str  # 県・市町村連携推進会議 関係
    months: tuple[ScheduleMonth, ...]
    meetings: tuple[ScheduleMeeting, ...]
    notes: tuple[str, ...]
    file_stem: str


@dataclass(frozen=True)
class CaseField:
    label: str  # 実施主体
    text: str


@dataclass(frozen=True)
class CaseEntry:
    title: str
    fields: tuple[CaseField, ...]


@dataclass(frozen=True)
class SpreadLine:
    case: str  # the case's title
    municipalities: str  # 山形市（令和7年度）、鶴岡市（令和8年度）


@dataclass(frozen=True)
class CaseHandoutContext:
    """県内外の先進事例 — the handout of a meeting's 先進事例の紹介: the cases chosen for it, and which municipalities
    took up the cases introduced before (横展開)."""

    kind: ClassVar[DocumentKind] = DocumentKind.case_handout
    numbered: ClassVar[bool] = False

    issue: Issue
    title: str
    meeting_title: str
    cases: tuple[CaseEntry, ...]
    spread_heading: str
    spread: tuple[SpreadLine, ...]
    file_stem: str


@dataclass(frozen=True)
class RegionalLine:
    text: str  # what the area does
    mark: str  # 〈新規〉 / 〈充実〉


@dataclass(frozen=True)
class RegionalRow:
    area: str  # 村山, 西村山 …
    lines: tuple[RegionalLine, ...]


@dataclass(frozen=True)
class RegionalInitiativesContext:
    """【参考】地域における…の主な連携の取組み — the source's regional table: each area's initiatives of a year."""

    kind: ClassVar[DocumentKind] = DocumentKind.regional_initiatives
    numbered: ClassVar[bool] = False

    issue: Issue
    title: str
    label: str  # 【参考】
    area_column: str  # 地域
    content_column: str  # 取組内容
    rows: tuple[RegionalRow, ...]
    footer: str | None  # who compiled it (the department and section of reference/office.yaml)
    file_stem: str
