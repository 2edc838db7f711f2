"""Contexts from facts: pure functions of plain values (no session, no clock, no files)."""

from __future__ import annotations

from datetime import date, timedelta

from council import labels
from council.documents.contexts import (
    AdvanceNoticeContext,
    AgendaContext,
    AgendaItem,
    CancellationContext,
    ContactBlock,
    Issue,
    Letterhead,
    MeetingChangeContext,
    MinutesContext,
    MinutesItem,
    NoticeContext,
    OverviewLine,
    PostponementContext,
    ReminderContext,
    ScheduleContext,
    ScheduleMeeting,
    ScheduleMonth,
    SummaryRow,
    SummaryTable,
    SurveyRequestContext,
    SurveySummaryContext,
    ThemeLine,
)
from council.documents.facts import (
    KIND_ORDER,
    CaseFact,
    DecisionFact,
    MeetingFacts,
    Member,
    Members,
    ScheduleFacts,
    SurveyFacts,
    ThemeFact,
    Window,
)
from council.documents.office import OfficeConfig
from council.documents.text import circled, month_day, month_day_weekday
from council.documents.texts import DocumentTexts, SurveyTexts
from council.errors import InputError
from council.planning.business_days import BusinessCalendar
from council.survey.tally import CategoryCount, SurveyTally
from council.themes.lifecycle import ThemeSelection
from council.wareki import fiscal_year_label, wareki_date
from models.enums import DocumentKind, Lane, MeetingKind, OrganizationKind, SurveySection, ThemeStatus

MEETING_LANES = {
    MeetingKind.council_meeting: Lane.council,
    MeetingKind.secretariat_meeting: Lane.council,
    MeetingKind.mayors_meeting: Lane.other,
    MeetingKind.roundtable: Lane.other,
}
SECTION_NUMBERS = ("（1）", "（2）", "（3）", "（4）", "（5）")


def addressee_groups(members: Members, office: OfficeConfig) -> list[tuple[str, int]]:
    """(label, how many) per addressee line: several members of one kind and role are addressed together — all of
    the body's (各市町村企画担当課長) or some of them (関係市町村企画担当課長) — and a member alone by its title (e.g. a
    deputy director general, 次長, or the one municipality a reminder goes to).

    The secretariat is the sender, so it is never addressed."""
    groups: dict[tuple[OrganizationKind, str], list[Member]] = {}
    for member in members.addressed:
        if member.kind != OrganizationKind.secretariat:
            groups.setdefault((member.kind, member.role), []).append(member)
    lines: list[tuple[str, int]] = []
    # Within a kind, named posts (a 次長) come before groups (各部局主幹課長), as the source lists them.
    ordered = sorted(groups.items(), key=lambda entry: (KIND_ORDER[entry[0][0]], len(entry[1]) > 1))
    for (kind, role), group in ordered:
        complete = len(group) >= members.group_sizes.get((kind, role), 0)
        label = office.group_label(kind, role, complete=complete) if len(group) > 1 else None
        if label:
            lines.append((label, len(group)))
        else:
            lines.extend((member.title, 1) for member in group)
    return lines


def addressees(members: Members, office: OfficeConfig) -> tuple[str, ...]:
    """'各市町村企画担当課長　様' …, or the fallback (関係各位) when nobody is on the roster."""
    lines = [label for label, _ in addressee_groups(members, office)]
    if not lines:
        return (office.fallback_addressee,)
    suffix = f"　{office.honorific}" if office.honorific else ""
    return tuple(f"{line}{suffix}" for line in lines)


def contact_block(office: OfficeConfig) -> ContactBlock:
    contact = office.contact
    lines = [f"担当：{' '.join(part for part in (contact.unit, contact.team) if part)}"]
    if contact.person:
        lines.append(f"担当者：{contact.person}")
    if contact.phone:
        lines.append(f"電話：{contact.phone}")
    if contact.email:
        lines.append(f"e-mail：{contact.email}")
    return ContactBlock(lines=tuple(lines))


def letterhead(kind: DocumentKind, members: Members, office: OfficeConfig) -> Letterhead:
    return Letterhead(
        addressees=addressees(members, office), sender=office.sender_for(kind), seal_note=office.seal_note
    )


def stem(subject_title: str, kind: DocumentKind, suffix: str = "") -> str:
    """'令和8年度第1回県・市町村連携推進会議_開催通知' — the readable part of every file name of a version."""
    return f"{subject_title}_{labels.DOCUMENT_KIND[kind]}{suffix}"


def theme_line(theme: ThemeFact, selection: ThemeSelection | None) -> ThemeLine:
    """A theme as an agenda lists it: its title with its state (（検討中）, （予算計上）, 〔新規〕 …) and leads."""
    tags = ""
    if selection == ThemeSelection.in_progress:
        tags += f"（{labels.THEME_STATUS[theme.status]}）"
    if theme.initiative_kind is not None:
        tags += f"〔{labels.INITIATIVE_KIND[theme.initiative_kind]}〕"
    elif theme.status in (ThemeStatus.budgeted, ThemeStatus.deferred):
        tags += f"（{labels.THEME_STATUS[theme.status]}）"
    if theme.leads:
        tags += f"〔{'、'.join(theme.leads)}〕"
    return ThemeLine(title=theme.title, tags=tags, note=theme.findings)


def decision_line(decision: DecisionFact) -> ThemeLine:
    """A theme as the minutes record the meeting's decision: 〔新規〕/〔充実〕 for a decided one, （予算計上） when the
    meeting found it budgeted, and its leads."""
    tags = ""
    if decision.initiative_kind is not None:
        tags += f"〔{labels.INITIATIVE_KIND[decision.initiative_kind]}〕"
    if decision.theme.status == ThemeStatus.budgeted:
        tags += f"（{labels.THEME_STATUS[ThemeStatus.budgeted]}）"
    if decision.theme.leads:
        tags += f"〔{'、'.join(decision.theme.leads)}〕"
    return ThemeLine(title=decision.theme.title, tags=tags, note=decision.theme.findings)


def case_line(case: CaseFact) -> ThemeLine:
    """An advanced case as an agenda lists it: its title, （県内・its organisation）."""
    return ThemeLine(title=case.title, tags=f"（{labels.CASE_SCOPE[case.scope]}・{case.organization}）")


def agenda_items(facts: MeetingFacts) -> tuple[AgendaItem, ...]:
    return tuple(
        AgendaItem(
            title=item.title,
            themes=(
                *(theme_line(theme, item.selection) for theme in item.themes),
                *(case_line(case) for case in item.cases),
            ),
            material=item.material,
        )
        for item in facts.items
    )


def advance_notice_context(
    facts: MeetingFacts, office: OfficeConfig, texts: DocumentTexts, issue: Issue
) -> AdvanceNoticeContext:
    """日程確保のお願い（予告）: the date and place as planned, the 開催通知 to follow."""
    words = texts.letters
    return AdvanceNoticeContext(
        issue=issue,
        letterhead=letterhead(DocumentKind.advance_notice, facts.members, office),
        title=words("advance_notice", "title").fill(meeting=facts.title),
        meeting_title=facts.title,
        body=words("advance_notice", "body").lines,
        when=facts.when,
        venue=facts.venue,
        agenda=tuple(item.title for item in facts.items),
        contact=contact_block(office),
        file_stem=stem(facts.title, DocumentKind.advance_notice),
    )


def notice_context(
    facts: MeetingFacts, office: OfficeConfig, texts: DocumentTexts, issue: Issue, calendar: BusinessCalendar
) -> NoticeContext:
    words = texts.letters
    body = list(words("notice", "body").lines)
    if facts.purpose:
        body[0] += words("notice", "purpose").fill(purpose=facts.purpose)
    other = []
    if office.attendance_reply_business_days > 0:
        reply_by = calendar.add_business_days(facts.starts_at.date(), -office.attendance_reply_business_days)
        other.append(words("notice", "reply").fill(reply_by=month_day_weekday(reply_by)))
    if facts.materials_by is not None and facts.materials_by < facts.starts_at.date():
        other.append(words("notice", "materials_in_advance").fill(materials_by=month_day_weekday(facts.materials_by)))
    else:
        other.append(words("notice", "materials_on_the_day").fill())
    return NoticeContext(
        issue=issue,
        letterhead=letterhead(DocumentKind.notice, facts.members, office),
        title=words("notice", "title").fill(meeting=facts.title),
        meeting_title=facts.title,
        body=tuple(body),
        when=facts.when,
        venue=facts.venue,
        agenda=tuple(item.title for item in facts.items),
        other=tuple(other),
        contact=contact_block(office),
        file_stem=stem(facts.title, DocumentKind.notice),
    )


def agenda_context(facts: MeetingFacts, texts: DocumentTexts, issue: Issue) -> AgendaContext:
    numbered = [item.material for item in facts.items if item.material]
    materials = (*texts.common_materials, *(f"資料{index}　{name}" for index, name in enumerate(numbered, start=1)))
    is_secretariat = facts.kind == MeetingKind.secretariat_meeting
    return AgendaContext(
        issue=issue,
        title=f"{facts.title} 次第",
        meeting_title=facts.title,
        when=facts.when,
        venue=facts.venue,
        note=facts.purpose if is_secretariat and facts.purpose else None,
        items=agenda_items(facts),
        materials=materials,
        file_stem=stem(facts.title, DocumentKind.agenda),
    )


def minutes_context(facts: MeetingFacts, office: OfficeConfig, texts: DocumentTexts, issue: Issue) -> MinutesContext:
    """The 議事概要: under the item its decisions belong to, exactly the decisions recorded with the meeting."""
    words = texts.letters
    pending = words("minutes", "pending").fill()
    attendees = tuple(
        f"{label}（{count}名）" if count > 1 else label for label, count in addressee_groups(facts.members, office)
    )
    items = []
    for item in facts.items:
        decisions = facts.decisions if item.selection is not None and item.selection == facts.decided_selection else ()
        result = pending
        if decisions:
            outcome = decisions[0].outcome
            result = words("minutes", outcome.value).fill(prepared=facts.prepares or "")
        items.append(MinutesItem(title=item.title, decisions=tuple(decision_line(d) for d in decisions), result=result))
    return MinutesContext(
        issue=issue,
        title=f"{facts.title} 議事概要",
        meeting_title=facts.title,
        when=facts.when,
        venue=facts.venue,
        attendees=attendees or (pending,),
        secretariat=f"{office.department}{office.section}",
        items=tuple(items),
        pending=pending,
        file_stem=stem(facts.title, DocumentKind.minutes),
    )


def meeting_change_context(
    kind: DocumentKind,
    facts: MeetingFacts,
    office: OfficeConfig,
    texts: DocumentTexts,
    issue: Issue,
    *,
    notice_reference: str,
    notified_when: str,
    reason: str | None,
) -> MeetingChangeContext:
    """中止のお知らせ (kind cancellation) or 延期のお知らせ (postponement, `facts` carrying the new date)."""
    letter = kind.value
    context_type = CancellationContext if kind == DocumentKind.cancellation else PostponementContext
    return context_type(
        issue=issue,
        letterhead=letterhead(kind, facts.members, office),
        title=texts.letters(letter, "title").fill(meeting=facts.title),
        body=texts.letters(letter, "body").fill_lines(notice=notice_reference),
        meeting_title=facts.title,
        when=notified_when,
        new_when=facts.when if kind == DocumentKind.postponement else None,
        venue=facts.venue,
        reason=reason,
        contact=contact_block(office),
        file_stem=stem(facts.title, kind),
    )


def _window_text(window: Window, *, weekday: bool = True) -> str:
    return f"{wareki_date(window.opens_on, weekday=weekday)}～{wareki_date(window.closes_on, weekday=weekday)}"


def _per_kind(survey: SurveyFacts) -> list[tuple[str, Window]]:
    """The windows to print: one line when municipalities and departments share it, else one per kind."""
    if survey.municipal is None or survey.department is None:
        window = survey.municipal or survey.department
        return [("", window)] if window else []
    if survey.municipal == survey.department:
        return [("", survey.municipal)]
    return [("市町村：", survey.municipal), ("県庁内各部局等・各総合支庁：", survey.department)]


def survey_request_context(
    survey: SurveyFacts, texts: DocumentTexts, office: OfficeConfig, issue: Issue
) -> SurveyRequestContext:
    windows = _per_kind(survey)
    if not windows:
        raise InputError(
            f"fiscal year {survey.fiscal_year} has no survey window: open the survey or plan its 'survey' stage",
            field="survey",
        )
    label = fiscal_year_label(survey.fiscal_year)
    survey_texts = texts.survey
    return SurveyRequestContext(
        issue=issue,
        letterhead=letterhead(DocumentKind.survey_request, survey.members, office),
        title=texts.letters("survey_request", "title").fill(survey=f"{label}{survey_texts.title}"),
        body=texts.letters("survey_request", "body").lines,
        sections=tuple(survey_texts.sections[section].label for section in SurveySection),
        asked=survey_texts.asked,
        periods=tuple(f"{prefix}{_window_text(window)}" for prefix, window in windows),
        deadlines=tuple(f"{prefix}{wareki_date(window.closes_on)}" for prefix, window in windows),
        submission=survey_texts.submission,
        contact=contact_block(office),
        file_stem=stem(f"{label}{survey_texts.title}", DocumentKind.survey_request),
    )


def reminder_context(
    survey: SurveyFacts,
    texts: DocumentTexts,
    office: OfficeConfig,
    issue: Issue,
    *,
    deadline: date,
    new_deadline: date | None,
    step: str,
    request_reference: str,
) -> ReminderContext:
    """A 督促: before the deadline (`new_deadline` None) it restates the deadline; after it, it names the new one."""
    label = fiscal_year_label(survey.fiscal_year)
    letter = "reminder_before_deadline" if new_deadline is None else "reminder_after_deadline"
    words = texts.letters
    shown = new_deadline or deadline
    return ReminderContext(
        issue=issue,
        letterhead=letterhead(DocumentKind.survey_reminder, survey.members, office),
        title=words(letter, "title").fill(survey=f"{label}{texts.survey.title}"),
        body=words(letter, "body").fill_lines(
            request=request_reference,
            deadline=wareki_date(deadline),
            new_deadline=wareki_date(shown),
        ),
        deadline_label=words(letter, "deadline_label").fill(),
        deadline=wareki_date(shown),
        submission=texts.survey.submission,
        contact=contact_block(office),
        file_stem=stem(f"{label}{texts.survey.title}", DocumentKind.survey_reminder, f"_{step}"),
    )


def _is_other(row: CategoryCount) -> bool:
    return row.label == "その他" or row.code == "other" or row.code.endswith("-other")


def _row_label(prefix: str, row: CategoryCount) -> str:
    note = row.note
    if note and not note.startswith(("（", "(")):
        note = f"（{note}）"
    return f"{prefix}{row.label}{note}{'*' if row.marked else ''}"


def summary_tables(tally: SurveyTally, texts: SurveyTexts) -> tuple[SummaryTable, ...]:
    """The source's three tables: numbered categories (①…, `*` when departments answered too), その他 last."""
    tables = []
    for index, section in enumerate(SurveySection):
        rows = [row for row in tally.rows if row.section == section]
        numbered = [row for row in rows if not _is_other(row)]
        others = [row for row in rows if _is_other(row) and (row.municipal_count or row.note)]
        table_rows = [
            SummaryRow(item=_row_label(circled(number), row), count=str(row.municipal_count))
            for number, row in enumerate(numbered, start=1)
        ]
        table_rows += [
            SummaryRow(item=_row_label("○", row), count=str(row.municipal_count) if row.municipal_count else "—")
            for row in others
        ]
        heading = f"{SECTION_NUMBERS[index]}{texts.sections[section].label}について"
        tables.append(SummaryTable(heading=heading, rows=tuple(table_rows)))
    return tuple(tables)


def _counts(totals: dict[SurveySection, int], texts: SurveyTexts) -> str:
    parts = "、".join(f"{texts.sections[section].short} {totals.get(section, 0)}件" for section in SurveySection)
    return f"{sum(totals.values())}件（{parts}）"


def survey_summary_context(
    tally: SurveyTally, survey: SurveyFacts, texts: SurveyTexts, issue: Issue
) -> SurveySummaryContext:
    label = fiscal_year_label(tally.fiscal_year)
    overview = []
    if survey.municipal is not None:
        period = _window_text(survey.municipal, weekday=False)
        if survey.department is not None and survey.department != survey.municipal:
            department = survey.department
            period += (
                f"（※県庁内各部局等・各総合支庁は{month_day(department.opens_on)}～{month_day(department.closes_on)}）"
            )
        overview.append(OverviewLine("実施時期", (period,)))
    section_names = "、".join(f"「{texts.sections[section].label}」" for section in SurveySection)
    overview += [
        OverviewLine("調査対象", (texts.targets,)),
        OverviewLine("調査目的", (texts.purpose,)),
        OverviewLine("調査内容", (f"{section_names}について、それぞれ、{texts.asked}を調査",)),
        OverviewLine(
            "回答結果",
            (
                f"①市町村分 {_counts(tally.municipal_totals, texts)}",
                f"②県部局等分 {_counts(tally.department_totals, texts)}",
                f"（回答団体数：市町村 {tally.municipal_respondents}、県部局等 {tally.department_respondents}）",
            ),
        ),
    ]
    title = f"{label}{texts.title}の結果概要"
    return SurveySummaryContext(
        issue=issue,
        title=title,
        overview=tuple(overview),
        tables_heading="結果の概要（市町村の回答の主なもの）",
        tables=summary_tables(tally, texts),
        notes=(
            "※県各部局等から関連する回答があったものには「*」を付している。（その他以外）",
            "※1つの項目について複数の回答をしている市町村があることから、件数は市町村数とは異なる。",
        ),
        file_stem=stem(f"{label}{texts.title}", DocumentKind.survey_summary),
    )


def _fiscal_months(fiscal_year: int) -> list[date]:
    return [date(fiscal_year + (month < 4), month, 1) for month in (*range(4, 13), 1, 2, 3)]


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def schedule_context(facts: ScheduleFacts, issue: Issue) -> ScheduleContext:
    """The source's 年間スケジュールのイメージ, filled with this year's stages and meetings."""
    months = []
    for first in _fiscal_months(facts.fiscal_year):
        after = _next_month(first)
        cells: dict[Lane, list[tuple[date, int, str]]] = {Lane.council: [], Lane.other: []}
        for order, stage in enumerate(facts.stages):
            if stage.has_meetings:  # its meetings stand for it, with their dates
                continue
            if first <= stage.start < after:
                span = f"{month_day(stage.start)}～{month_day(stage.end)}"
                cells[stage.lane].append((stage.start, order, f"{stage.title}（{span}）"))
            elif stage.start < first <= stage.end:
                cells[stage.lane].append((first, order, f"↓（{stage.title}）"))
        for meeting in facts.meetings:
            day = meeting.starts_at.date()
            if first <= day < after:
                line = f"{meeting.title} {month_day_weekday(day)}"
                cells[MEETING_LANES[meeting.kind]].append((day, len(facts.stages), line))
        months.append(
            ScheduleMonth(
                label=f"{first.month}月",
                council=tuple(text for *_, text in sorted(cells[Lane.council])),
                other=tuple(text for *_, text in sorted(cells[Lane.other])),
            )
        )
    label = fiscal_year_label(facts.fiscal_year)
    return ScheduleContext(
        issue=issue,
        title=f"{label}{facts.council_name} 年間スケジュール",
        council_column=f"{facts.council_name} 関係",
        months=tuple(months),
        meetings=tuple(
            ScheduleMeeting(title=meeting.title, when=meeting.when, venue=meeting.venue) for meeting in facts.meetings
        ),
        notes=("※連携推進会議開催前に幹事会を開催（その他必要に応じて開催）",),
        file_stem=stem(f"{label}{facts.council_name}", DocumentKind.annual_schedule),
    )
