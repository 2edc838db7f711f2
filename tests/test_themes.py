"""Themes: the lifecycle (legal and illegal steps), history, organisations, candidates from the tally, carry-over."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from survey_support import COUNCIL_CODE, FY, ON_TIME, Row, csv_bytes, intake, open_small_survey, taxonomy, write

from council.clock import TOKYO
from council.errors import InputError
from council.labels import THEME_STATUS
from council.survey.intake import import_file
from council.survey.service import survey_tally
from council.survey.store import get_survey
from council.themes.candidates import create_theme_candidates
from council.themes.carry_over import carry_over
from council.themes.catalogue import (
    add_theme,
    allowed_transitions,
    check_transition,
    decide_theme,
    defer_theme,
    drop_theme,
    update_theme,
)
from council.themes.history import themes_as_of
from council.themes.lifecycle import (
    MEETING_MOVES,
    STAGE_MOVES,
    TRANSITIONS,
    ThemeSelection,
    meeting_move,
    path_to,
    selects,
)
from council.themes.views import initiatives_decided_in, initiatives_of_year, list_themes, theme_history
from models import DecisionOutcome, InitiativeKind, MeetingKind, SurveySection, ThemeStatus
from models.db import session_scope
from models.survey import ThemeSource
from models.themes import Theme

S = ThemeStatus
NOW = datetime(2026, 7, 8, 15, 0, tzinfo=TOKYO)
# The lifecycle of the source's annual schedule, written out: every legal step.
LEGAL = {
    (S.candidate, S.adopted),
    (S.adopted, S.under_study),
    (S.under_study, S.reported),
    (S.reported, S.budgeted),
    (S.budgeted, S.decided),
    (S.reported, S.decided),
    (S.deferred, S.candidate),
    (S.deferred, S.dropped),
    *((status, S.deferred) for status in (S.candidate, S.adopted, S.under_study, S.reported, S.budgeted)),
    *((status, S.dropped) for status in (S.candidate, S.adopted, S.under_study, S.reported, S.budgeted)),
}


@pytest.mark.parametrize("current", list(ThemeStatus))
@pytest.mark.parametrize("target", list(ThemeStatus))
def test_exactly_the_lifecycle_steps_are_allowed(current: ThemeStatus, target: ThemeStatus) -> None:
    if (current, target) in LEGAL:
        check_transition("T", current, target)
    else:
        with pytest.raises(InputError):
            check_transition("T", current, target)
    assert set(TRANSITIONS[current]) == {t for c, t in LEGAL if c == current}


def test_an_illegal_step_lists_the_allowed_ones() -> None:
    with pytest.raises(InputError) as error:
        check_transition("T2026-01", S.candidate, S.decided)
    assert str(error.value) == (
        "theme T2026-01 cannot go from candidate (候補) to decided (決定); allowed: adopted (採択), "
        "deferred (継続検討), dropped (見送り)"
    )
    with pytest.raises(InputError, match=r"allowed: none, decided is final$"):
        check_transition("T2026-01", S.decided, S.dropped)
    assert allowed_transitions(S.reported) == (S.budgeted, S.decided, S.deferred, S.dropped)


def test_one_set_of_status_labels() -> None:
    """The labels every output uses (documents, CLI, status), as the source names the stages."""
    labels = dict(THEME_STATUS)
    assert labels == {
        S.candidate: "候補",
        S.adopted: "採択",
        S.under_study: "検討中",
        S.reported: "報告済",
        S.budgeted: "予算計上",
        S.decided: "決定",
        S.deferred: "継続検討",
        S.dropped: "見送り",
    }


def test_what_meetings_and_stages_move_follows_the_lifecycle() -> None:
    first = meeting_move(MeetingKind.council_meeting, 1)
    assert first is not None
    assert (first.sources, first.target, first.outcome) == ((S.candidate,), S.adopted, DecisionOutcome.adopted)
    second = meeting_move(MeetingKind.council_meeting, 2)
    assert second is not None
    assert (second.sources, second.target, second.outcome) == (
        (S.reported, S.budgeted),
        S.decided,
        DecisionOutcome.decided,
    )
    assert meeting_move(MeetingKind.roundtable, None) == meeting_move(MeetingKind.roundtable, 7)
    assert meeting_move(MeetingKind.secretariat_meeting, 1) is None  # a 幹事会 moves nothing by itself
    assert meeting_move(MeetingKind.mayors_meeting, None) is None
    for move in MEETING_MOVES.values():
        for source in move.sources:
            if source == move.target:  # heard, not moved: the roundtable hears a theme its team already reported
                continue
            path = path_to(source, move.target)
            assert path, (source, move.target)
            assert path[-1] == move.target
            for before, after in zip((source, *path), path, strict=False):
                assert after in TRANSITIONS[before]
    for source, target in STAGE_MOVES.values():
        assert target in TRANSITIONS[source]
    assert path_to(S.adopted, S.reported) == (S.under_study, S.reported)
    assert path_to(S.reported, S.decided) == (S.decided,)
    assert path_to(S.candidate, S.decided) == (S.adopted, S.under_study, S.reported, S.decided)
    assert path_to(S.decided, S.adopted) == ()


def add(session: Session, title: str = "買い物支援推進事業", **kwargs: object) -> str:
    theme = add_theme(
        session,
        fiscal_year=FY,
        title=title,
        section=SurveySection.policy,
        category="shopping",
        now=ON_TIME,
        actor="事務局",
        taxonomy=taxonomy(),
        council_code=COUNCIL_CODE,
        **kwargs,  # type: ignore[arg-type]
    )
    return theme.code


def test_a_theme_goes_through_the_year_and_keeps_its_history(engine: Engine) -> None:
    open_small_survey(engine)
    with session_scope(engine) as session:
        code = add(session, leads=["企画", "dept-kendo", "農林水産部"], related=["山形市"])
        assert code == "T2026-01"
        for step in (S.adopted, S.under_study, S.reported, S.budgeted):
            update_theme(
                session,
                code,
                status=step,
                now=NOW,
                actor="事務局",
                comment=f"to {step.value}",
                taxonomy=taxonomy(),
                council_code=COUNCIL_CODE,
            )
        decide_theme(
            session, code, InitiativeKind.new, council_code=COUNCIL_CODE, now=NOW, actor="事務局", comment="第2回会議"
        )
    with session_scope(engine) as session:
        [view] = list_themes(session, fiscal_year=FY, council_code=COUNCIL_CODE)
        assert (view.status, view.initiative_kind, view.decided_in_year) == (S.decided, InitiativeKind.new, FY)
        assert view.lead_label == "〔企画、県土、農林〕"
        assert view.related == ("山形市",)
        assert view.status_label == "決定〔新規〕"
        history = [
            (e.from_status, e.to_status, e.comment) for e in theme_history(session, code, council_code=COUNCIL_CODE)
        ]
    assert history == [
        (None, S.candidate, "added"),
        (S.candidate, S.adopted, "to adopted"),
        (S.adopted, S.under_study, "to under_study"),
        (S.under_study, S.reported, "to reported"),
        (S.reported, S.budgeted, "to budgeted"),
        (S.budgeted, S.decided, "第2回会議"),
    ]


def test_illegal_steps_are_rejected_and_change_nothing(engine: Engine) -> None:
    open_small_survey(engine)
    with session_scope(engine) as session:
        code = add(session)
    with pytest.raises(InputError, match="cannot go from candidate"), session_scope(engine) as session:
        decide_theme(session, code, InitiativeKind.new, council_code=COUNCIL_CODE, now=NOW, actor="x")

    def edit_then_decide_in_one_transaction() -> None:
        with session_scope(engine) as session:
            update_theme(
                session,
                code,
                status=S.adopted,
                now=NOW,
                actor="x",
                title="変更",
                taxonomy=taxonomy(),
                council_code=COUNCIL_CODE,
            )
            update_theme(
                session, code, status=S.under_study, now=NOW, actor="x", taxonomy=taxonomy(), council_code=COUNCIL_CODE
            )
            update_theme(
                session, code, status=S.reported, now=NOW, actor="x", taxonomy=taxonomy(), council_code=COUNCIL_CODE
            )
            update_theme(
                session, code, status=S.decided, now=NOW, actor="x", taxonomy=taxonomy(), council_code=COUNCIL_CODE
            )

    with pytest.raises(InputError, match="use `council themes decide` to set decided"):
        edit_then_decide_in_one_transaction()
    with pytest.raises(InputError, match="defer it to a fiscal year after 2026, not 2026"), session_scope(engine) as s:
        defer_theme(s, code, 2026, council_code=COUNCIL_CODE, now=NOW, actor="x")
    with session_scope(engine) as session:
        [view] = list_themes(session, council_code=COUNCIL_CODE)
        assert (view.status, view.title) == (S.candidate, "買い物支援推進事業")  # the failed block was rolled back
        assert len(theme_history(session, code, council_code=COUNCIL_CODE)) == 1
        drop_theme(session, code, council_code=COUNCIL_CODE, now=NOW, actor="x", comment="重複")
    with pytest.raises(InputError, match="allowed: none, dropped is final"), session_scope(engine) as session:
        update_theme(
            session, code, status=S.candidate, now=NOW, actor="x", taxonomy=taxonomy(), council_code=COUNCIL_CODE
        )


def test_bad_references_are_input_errors(engine: Engine) -> None:
    open_small_survey(engine)
    with pytest.raises(InputError, match="field lead: no organisation '土木'"), session_scope(engine) as session:
        add(session, leads=["土木"])
    with pytest.raises(InputError, match="'water' is not a category of section policy"), session_scope(engine) as s:
        add_theme(
            s,
            fiscal_year=FY,
            title="x",
            section=SurveySection.policy,
            category="water",
            now=NOW,
            actor="x",
            taxonomy=taxonomy(),
            council_code=COUNCIL_CODE,
        )
    with pytest.raises(InputError, match="no theme 'T2099-01'"), session_scope(engine) as session:
        drop_theme(session, "T2099-01", council_code=COUNCIL_CODE, now=NOW, actor="x")


def test_edits_are_kept_in_the_history(engine: Engine) -> None:
    open_small_survey(engine)
    with session_scope(engine) as session:
        code = add(session, leads=["企画"])
        update_theme(
            session,
            code,
            now=NOW,
            actor="x",
            title="買い物支援",
            add_leads=["庄内"],
            remove_leads=["企画"],
            add_related=["062031"],
            comment="幹事会で修正",
            taxonomy=taxonomy(),
            council_code=COUNCIL_CODE,
        )
        [view] = list_themes(session, council_code=COUNCIL_CODE)
        assert (view.title, view.leads, view.related) == ("買い物支援", ("庄内",), ("鶴岡市",))
        last = theme_history(session, code, council_code=COUNCIL_CODE)[-1]
        assert (last.from_status, last.to_status, last.comment) == (S.candidate, S.candidate, "幹事会で修正")
        assert last.detail == {
            "changed": {
                "title": ["買い物支援推進事業", "買い物支援"],
                "leads_added": ["ro-shonai"],
                "leads_removed": ["dept-kikaku"],
                "related_added": ["062031"],
            }
        }


def test_candidates_come_from_the_tally_once(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    policy, operations = SurveySection.policy, SurveySection.operations
    answers = {
        "062014": [Row(policy, "shopping"), Row(policy, "youth"), Row(operations, "specialist")],
        "062022": [Row(policy, "shopping"), Row(operations, "specialist")],
        "dept-kikaku": [Row(policy, "shopping"), Row(policy, "policy-other")],
    }
    for code, rows in answers.items():
        import_file(write(tmp_path / f"{code}.csv", csv_bytes(FY, code, rows)), now=ON_TIME, setup=intake(engine))
    with session_scope(engine) as session:
        tally = survey_tally(session, get_survey(session, FY, COUNCIL_CODE), taxonomy=taxonomy())

        def candidates() -> list[Theme]:
            return create_theme_candidates(
                session,
                tally,
                council_code=COUNCIL_CODE,
                now=NOW,
                actor="x",
                min_municipal_answers=2,
                taxonomy=taxonomy(),
            )

        themes = candidates()
        assert [t.code for t in themes] == ["T2026-shopping", "T2026-specialist"]  # marked, and ≥ 2 municipal answers
        again = candidates()
        assert [t.id for t in again] == [t.id for t in themes]
        views = {v.code: v for v in list_themes(session, fiscal_year=FY, council_code=COUNCIL_CODE)}
        sources = session.exec(select(ThemeSource)).all()
    assert len(views) == 2
    assert views["T2026-shopping"].title == "買い物支援"
    assert (views["T2026-shopping"].leads, views["T2026-shopping"].related) == (("企画",), ("山形市", "米沢市"))
    assert views["T2026-shopping"].source_count == 3
    assert views["T2026-specialist"].leads == ()
    assert len(sources) == 5


def test_carry_over_brings_initiatives_and_deferred_themes_into_the_next_year(engine: Engine) -> None:
    open_small_survey(engine)
    with session_scope(engine) as session:
        decided = add(session, "買い物支援推進事業")
        later = add(session, "生活排水処理の連携")
        much_later = add(session, "OB人材の活用")
        still = add(session, "ICTの活用促進")
        for step in (S.adopted, S.under_study, S.reported):
            update_theme(
                session, decided, status=step, now=NOW, actor="x", taxonomy=taxonomy(), council_code=COUNCIL_CODE
            )
        decide_theme(session, decided, InitiativeKind.enhanced, council_code=COUNCIL_CODE, now=NOW, actor="x")
        defer_theme(session, later, 2027, council_code=COUNCIL_CODE, now=NOW, actor="x")
        defer_theme(session, much_later, 2028, council_code=COUNCIL_CODE, now=NOW, actor="x")
        assert [v.code for v in initiatives_decided_in(session, FY, council_code=COUNCIL_CODE)] == [decided]

    reports = []
    for _ in range(2):  # idempotent
        with session_scope(engine) as session:
            reports.append(carry_over(session, 2026, 2027, now=NOW, actor="x", council_code=COUNCIL_CODE))
            views = {v.code: v for v in list_themes(session, fiscal_year=2027, council_code=COUNCIL_CODE)}
            assert set(views) == {decided, later}
            assert (views[decided].status, views[decided].initiative_kind) == (S.decided, InitiativeKind.enhanced)
            assert (views[later].status, views[later].deferred_to_year) == (S.candidate, None)
            assert [v.code for v in initiatives_of_year(session, 2027, council_code=COUNCIL_CODE)] == [decided]
            assert [v.code for v in list_themes(session, fiscal_year=2026, council_code=COUNCIL_CODE)] == [
                much_later,
                still,
            ]
    assert [(r.initiatives, r.revived) for r in reports] == [((decided,), (later,)), ((), ())]

    with session_scope(engine) as session:
        report = carry_over(session, 2027, 2028, now=NOW, actor="x", council_code=COUNCIL_CODE)
        assert (report.initiatives, report.revived) == ((), (much_later,))
        assert {v.code for v in list_themes(session, fiscal_year=2028, council_code=COUNCIL_CODE)} == {much_later}
        assert {v.code for v in list_themes(session, fiscal_year=2027, council_code=COUNCIL_CODE)} == {decided, later}
    with pytest.raises(InputError, match="carry over goes forward"), session_scope(engine) as session:
        carry_over(session, 2027, 2027, now=NOW, actor="x", council_code=COUNCIL_CODE)


def test_an_initiative_carried_into_its_year_is_not_proposed_again_as_next_years(engine: Engine) -> None:
    """The 2nd meeting's agenda lists the themes it is to decide (and any the secretariat decided before it): an
    initiative decided the year before and carried into this year is running, not proposed again."""
    open_small_survey(engine)
    with session_scope(engine) as session:
        code = add(session)
        for step in (S.adopted, S.under_study, S.reported):
            update_theme(session, code, status=step, now=NOW, actor="x", taxonomy=taxonomy(), council_code=COUNCIL_CODE)
        decide_theme(session, code, InitiativeKind.new, council_code=COUNCIL_CODE, now=NOW, actor="x")
        council_id = session.exec(select(Theme.council_id).where(Theme.code == code)).one()
        [decided] = themes_as_of(session, council_id, NOW)
        carry_over(session, 2026, 2027, now=datetime(2027, 4, 1, 9, tzinfo=TOKYO), actor="x", council_code=COUNCIL_CODE)
        [running] = themes_as_of(session, council_id, datetime(2028, 2, 1, 9, tzinfo=TOKYO))
    selection = ThemeSelection.next_year_initiatives
    assert (decided.status, decided.year) == (S.decided, 2026)
    assert selects(selection, decided.status, decided.year, decided.deferred_to, 2026)  # decided by hand before it
    assert (running.status, running.initiative_kind, running.year) == (S.decided, InitiativeKind.new, 2026)
    assert not selects(selection, running.status, running.year, running.deferred_to, 2027)
