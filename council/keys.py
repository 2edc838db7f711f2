"""Stage and task keys, defined once. They name rows of the plan (calendar/cycle.yaml derives them) and the code
finds those rows by them: a key changed here must be changed in cycle.yaml too (council.planning.rules checks that
the rules derive every key below)."""

from __future__ import annotations

SURVEY_STAGE = "survey"
THEME_CANDIDATES_STAGE = "theme_candidates"
WORKING_GROUPS_STAGE = "working_groups"
BUDGETING_STAGE = "budgeting"

SURVEY_OPEN_TASK = "survey:open"  # 調査依頼（調査開始）
SURVEY_DEADLINE_TASK = "survey:deadline"  # 回答期限
SURVEY_SUMMARY_TASK = "survey:summary"  # 結果概要
THEME_CANDIDATES_TASK = "themes:candidates"
WORKING_GROUPS_REPORT_TASK = "working_groups:report"
BUDGET_STATUS_TASK = "budgeting:status"  # 予算計上状況の確認: the secretariat records the budgeted themes

# Meeting tasks are '<prefix>:<meeting key>'.
ADVANCE_NOTICE_PREFIX = "advance_notice"  # 日程確保のお願い（予告）, for the meetings whose rules ask for one
NOTICE_PREFIX = "notice"
AGENDA_PREFIX = "agenda"
MINUTES_PREFIX = "minutes"
REPORT_PREFIX = "report"
# The documents sent before a meeting, in the order they go out (each a task '<prefix>:<meeting key>' the plan
# derives for the meetings that need it).
PREPARATION_PREFIXES = (ADVANCE_NOTICE_PREFIX, NOTICE_PREFIX, AGENDA_PREFIX)
MEETING_DOCUMENT_PREFIXES = (*PREPARATION_PREFIXES, MINUTES_PREFIX)

RESPONSE_TASK_PREFIX = "survey-response:"  # one per respondent, made by the survey kickoff


def meeting_task_key(prefix: str, meeting_key: str) -> str:
    """'notice', 'council-1' → 'notice:council-1'."""
    return f"{prefix}:{meeting_key}"


def response_task_key(organization_code: str) -> str:
    return f"{RESPONSE_TASK_PREFIX}{organization_code}"
