"""Every Japanese label of a status or kind, defined once: documents, the CLI, status pages and artifacts use these."""

from __future__ import annotations

from collections.abc import Mapping

from council.survey.store import Audience
from models.enums import (
    Body,
    CaseScope,
    DecisionOutcome,
    DeliveryStatus,
    DocumentKind,
    InitiativeKind,
    MeetingStatus,
    TaskStatus,
    TeamRole,
    TeamStatus,
    ThemeStatus,
)
from models.survey import ResponseStatus

OVERDUE = "overdue"  # not stored: an open task past its due date (council.tasks.tracking)

THEME_STATUS: Mapping[ThemeStatus, str] = {
    ThemeStatus.candidate: "候補",
    ThemeStatus.adopted: "採択",
    ThemeStatus.under_study: "検討中",
    ThemeStatus.reported: "報告済",
    ThemeStatus.budgeted: "予算計上",
    ThemeStatus.decided: "決定",
    ThemeStatus.deferred: "継続検討",
    ThemeStatus.dropped: "見送り",
}
INITIATIVE_KIND: Mapping[InitiativeKind, str] = {InitiativeKind.new: "新規", InitiativeKind.enhanced: "充実"}
DECISION_OUTCOME: Mapping[DecisionOutcome, str] = {
    DecisionOutcome.endorsed: "了承",
    DecisionOutcome.adopted: "採択",
    DecisionOutcome.reported: "報告",
    DecisionOutcome.decided: "決定",
}
TASK_STATUS: Mapping[str, str] = {
    TaskStatus.pending.value: "未着手",
    TaskStatus.in_progress.value: "対応中",
    TaskStatus.done.value: "完了",
    TaskStatus.cancelled.value: "取消",
    OVERDUE: "期限超過",
}
RESPONSE_STATUS: Mapping[ResponseStatus, str] = {
    ResponseStatus.not_sent: "未送付",
    ResponseStatus.sent: "未回答",
    ResponseStatus.answered: "回答済",
    ResponseStatus.late: "期限後回答",
}
AUDIENCE_LABELS: Mapping[Audience, str] = {
    Audience.municipalities: "市町村",
    Audience.departments: "県庁内各部局等・各総合支庁",
}
MEETING_STATUS: Mapping[MeetingStatus, str] = {
    MeetingStatus.planned: "予定",
    MeetingStatus.confirmed: "通知済",
    MeetingStatus.held: "開催済",
    MeetingStatus.cancelled: "中止",
}
DELIVERY_STATUS: Mapping[DeliveryStatus, str] = {
    DeliveryStatus.queued: "送信待ち",
    DeliveryStatus.sent: "送信済",
    DeliveryStatus.failed: "送信失敗",
    DeliveryStatus.undeliverable: "宛先なし",
}
DOCUMENT_KIND: Mapping[DocumentKind, str] = {
    DocumentKind.advance_notice: "日程確保のお願い（予告）",
    DocumentKind.notice: "開催通知",
    DocumentKind.agenda: "次第",
    DocumentKind.survey_request: "調査依頼",
    DocumentKind.survey_reminder: "督促",
    DocumentKind.survey_summary: "調査結果概要",
    DocumentKind.minutes: "議事概要",
    DocumentKind.annual_schedule: "年間スケジュール",
    DocumentKind.cancellation: "中止のお知らせ",
    DocumentKind.postponement: "延期のお知らせ",
    DocumentKind.regional_initiatives: "地域における主な連携の取組み",
    DocumentKind.case_handout: "県内外の先進事例",
}
TEAM_STATUS: Mapping[TeamStatus, str] = {TeamStatus.formed: "設置", TeamStatus.reported: "検討結果報告済"}
TEAM_ROLE: Mapping[TeamRole, str] = {
    TeamRole.lead: "主担当部局",
    TeamRole.department: "関係部局",
    TeamRole.municipality: "関係市町村",
    TeamRole.regional_office: "関係総合支庁",
}
# Why an organisation is proposed for a working team (stored with the member).
TEAM_REASON_SURVEY = "調査回答{count}件"
TEAM_REASON_THEME_LEAD = "テーマの関係部局"
TEAM_REASON_THEME_RELATED = "テーマの関係市町村"
TEAM_REASON_NAMED = "事務局指定"
# The council's own bodies, as `council meeting add` names them in a title.
BODY: Mapping[Body, str] = {
    Body.council: "県・市町村連携推進会議",
    Body.secretariat_meeting: "幹事会",
    Body.mayors_meeting: "市町村長会議",
    Body.roundtable: "県・市町村行政懇談会",
}
CASE_SCOPE: Mapping[CaseScope, str] = {CaseScope.in_prefecture: "県内", CaseScope.out_of_prefecture: "県外"}
