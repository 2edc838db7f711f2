"""Intake: one file, one transaction; malformed files rejected with a precise error and nothing changed; the raw
file archived and recorded whatever the outcome; resubmission, duplicates, late answers, the inbox; and the source's
2017 table reproduced through real files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from survey_bad_corpus import corpus, write_corpus
from survey_support import (
    CALENDAR,
    DEPARTMENT_2017,
    FY,
    LATE,
    MUNICIPAL_2017,
    ON_TIME,
    OPENED,
    Row,
    csv_bytes,
    form_with_rows,
    intake,
    open_small_survey,
    rows_2017,
    snapshot,
    spread,
    write,
)

from council.config import get_settings
from council.reference import load_reference
from council.resources import data_dir
from council.survey.inbox import process_inbox
from council.survey.intake import import_file
from council.survey.readers import DEFAULT_LIMITS
from council.survey.service import close_survey, open_survey
from models import Organization, OrganizationKind, SurveySection
from models.db import session_scope
from models.survey import ResponseStatus, SubmissionOutcome, SurveyAnswer, SurveyRespondent, SurveySubmission

POLICY, OPERATIONS, EXCHANGE = SurveySection.policy, SurveySection.operations, SurveySection.exchange


def respondent(engine: Engine, code: str) -> SurveyRespondent:
    with Session(engine) as session:
        return session.exec(
            select(SurveyRespondent)
            .join(Organization, col(Organization.id) == SurveyRespondent.organization_id)
            .where(Organization.code == code)
        ).one()


def answers_of(engine: Engine, code: str, *, current: bool = True) -> list[SurveyAnswer]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(SurveyAnswer)
                .join(Organization, col(Organization.id) == SurveyAnswer.organization_id)
                .where(Organization.code == code, SurveyAnswer.current == current)
                .order_by(col(SurveyAnswer.id))
            ).all()
        )


def test_the_corpus_has_at_least_15_distinct_malformed_files() -> None:
    names = [bad.name for bad in corpus()]
    assert len(names) >= 15
    assert len(set(names)) == len(names)


def test_each_malformed_file_is_rejected_precisely_and_changes_nothing_but_its_record(
    engine: Engine, tmp_path: Path
) -> None:
    open_small_survey(engine)
    accepted = import_file(
        write(tmp_path / "good.csv", csv_bytes(FY, "062022", [Row(POLICY, "youth")])),
        now=ON_TIME,
        setup=intake(engine),
    )
    assert accepted.outcome == "accepted"
    home = get_settings().home
    for path, bad in write_corpus(tmp_path / "survey_bad"):
        before = snapshot(engine)
        report = import_file(path, now=ON_TIME, setup=intake(engine), fiscal_year=bad.fiscal_year)
        after = snapshot(engine)
        assert (report.outcome, report.error) == ("rejected", bad.error), bad.name
        assert after.answers == before.answers, bad.name
        assert after.respondents == before.respondents, bad.name
        assert after.submissions == before.submissions + 1, bad.name
        with Session(engine) as session:
            record = session.get(SurveySubmission, report.submission_id)
            assert record is not None
            assert (record.outcome, record.error, record.original_name) == (
                SubmissionOutcome.rejected,
                bad.error,
                bad.name,
            )
            assert (record.sha256, record.size) == (hashlib.sha256(bad.data).hexdigest(), len(bad.data))
            if len(bad.data) > DEFAULT_LIMITS.max_bytes:
                assert record.archive_path == ""  # never read whole, not kept: it stays where it was sent
            else:
                assert (home / record.archive_path).read_bytes() == bad.data


def test_a_rejected_file_keeps_what_was_identified_on_its_record(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    bad = csv_bytes(FY, "062014", [Row(POLICY, "shopping", urgency="至急")])
    report = import_file(write(tmp_path / "a.csv", bad), now=ON_TIME, setup=intake(engine))
    assert (report.outcome, report.organization_code, report.fiscal_year) == ("rejected", "062014", FY)
    with Session(engine) as session:
        record = session.get(SurveySubmission, report.submission_id)
        assert record is not None
        assert record.survey_id is not None
        assert record.organization_id is not None


def test_an_accepted_file_records_answers_status_and_archive(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    rows = [
        Row(POLICY, "買い物支援関係", item="移動販売車の導入", urgency="高", content="移動販売", issues="担い手"),
        Row(OPERATIONS, "water", item="水道の広域化", urgency="中"),
        Row(EXCHANGE, "情報共有関係", item="県予算の情報", urgency="低"),
    ]
    path = write(tmp_path / "yamagata.xlsx", form_with_rows(FY, "062014", "山形市", rows))
    report = import_file(path, now=ON_TIME, setup=intake(engine))
    assert (report.outcome, report.answer_count, report.replaced_count, report.late) == ("accepted", 3, 0, False)
    assert report.summary() == "accepted yamagata.xlsx: 062014, 3 answer(s)"
    answers = answers_of(engine, "062014")
    assert [(a.section, a.category, a.item, a.urgency.value, a.row_number) for a in answers] == [
        (POLICY, "shopping", "移動販売車の導入", "high", 5),
        (OPERATIONS, "water", "水道の広域化", "medium", 5),
        (EXCHANGE, "information", "県予算の情報", "low", 5),
    ]
    assert (answers[0].content, answers[0].issues, answers[0].envisioned_form) == ("移動販売", "担い手", None)
    status = respondent(engine, "062014")
    assert status.status == ResponseStatus.answered
    assert status.answered_at == ON_TIME
    with Session(engine) as session:
        record = session.get(SurveySubmission, report.submission_id)
        assert record is not None
        assert record.archive_path.startswith("archive/survey/")
        assert (get_settings().home / record.archive_path).read_bytes() == path.read_bytes()


def test_resubmission_replaces_the_answers_and_keeps_the_history(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    first = import_file(
        write(tmp_path / "v1.csv", csv_bytes(FY, "dept-kikaku", [Row(POLICY, "youth"), Row(POLICY, "tourism")])),
        now=ON_TIME,
        setup=intake(engine),
    )
    second = import_file(
        write(tmp_path / "v2.csv", csv_bytes(FY, "dept-kikaku", [Row(POLICY, "shopping", item="買い物支援")])),
        now=LATE,
        setup=intake(engine),
    )
    assert (second.outcome, second.answer_count, second.replaced_count) == ("accepted", 1, 2)
    assert [(a.category, a.submission_id) for a in answers_of(engine, "dept-kikaku")] == [
        ("shopping", second.submission_id)
    ]
    history = answers_of(engine, "dept-kikaku", current=False)
    assert [(a.category, a.submission_id, a.replaced_at) for a in history] == [
        ("youth", first.submission_id, LATE),
        ("tourism", first.submission_id, LATE),
    ]
    # a correction after the deadline does not make an on-time respondent late
    status = respondent(engine, "dept-kikaku")
    assert (status.status, status.answered_at) == (ResponseStatus.answered, ON_TIME)


def test_the_same_file_again_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    path = write(tmp_path / "a.csv", csv_bytes(FY, "062014", [Row(POLICY, "youth")]))
    first = import_file(path, now=ON_TIME, setup=intake(engine))
    before = snapshot(engine)
    again = import_file(path, now=LATE, setup=intake(engine))
    assert (again.outcome, again.submission_id, again.answer_count) == ("duplicate", first.submission_id, 1)
    assert snapshot(engine) == before


def test_answers_after_the_deadline_are_accepted_as_late_even_once_closed(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    with session_scope(engine) as session:
        close_survey(session, FY, now=LATE)
    report = import_file(
        write(tmp_path / "late.csv", csv_bytes(FY, "ro-shonai", [Row(OPERATIONS, "disaster")])),
        now=LATE,
        setup=intake(engine),
    )
    assert (report.outcome, report.late) == ("accepted", True)
    assert report.summary().endswith("(late)")
    assert respondent(engine, "ro-shonai").status == ResponseStatus.late


def test_an_answer_with_no_needs_counts_as_answered(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    report = import_file(
        write(tmp_path / "none.csv", csv_bytes(FY, "062031", [], name="鶴岡市")),
        now=ON_TIME,
        setup=intake(engine),
    )
    assert (report.outcome, report.answer_count) == ("accepted", 0)
    assert respondent(engine, "062031").status == ResponseStatus.answered


def test_the_inbox_moves_files_to_processed_and_rejected(engine: Engine) -> None:
    open_small_survey(engine)
    inbox = get_settings().inbox_dir
    write(inbox / "a.csv", csv_bytes(FY, "062014", [Row(POLICY, "youth")]))
    write(inbox / "b.csv", csv_bytes(FY, "062014", [Row(POLICY, "youth", urgency="至急")]))
    write(inbox / "~$a.xlsx", b"excel lock file")
    reports = process_inbox(inbox, now=ON_TIME, setup=intake(engine), fiscal_year=FY)
    assert [(r.original_name, r.outcome) for r in reports] == [("a.csv", "accepted"), ("b.csv", "rejected")]
    assert (inbox / "processed" / "a.csv").exists()
    assert (inbox / "rejected" / "b.csv").exists()
    assert (inbox / "rejected" / "b.csv.error.txt").read_text(encoding="utf-8") == (
        "b.csv: line 2, field 緊急性: '至急' is not one of 高/中/低\n"
    )
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == [".lock", "~$a.xlsx"]  # the runs' lock stays
    assert process_inbox(inbox, now=ON_TIME, setup=intake(engine)) == []
    # the same file dropped again (e.g. a crash before the move) changes nothing
    write(inbox / "a.csv", csv_bytes(FY, "062014", [Row(POLICY, "youth")]))
    [again] = process_inbox(inbox, now=ON_TIME, setup=intake(engine))
    assert again.outcome == "duplicate"
    assert len(list((inbox / "processed").iterdir())) == 2


def test_the_2017_answers_through_real_files_give_the_source_table(engine: Engine, tmp_path: Path) -> None:
    """Every organisation answers by CSV except one municipality and one department, on the Excel form."""
    with session_scope(engine) as session:
        load_reference(session, data_dir("reference"), now=OPENED, actor="test")
        open_survey(session, fiscal_year=2017, now=OPENED, calendar=CALENDAR)
        municipalities = session.exec(
            select(Organization)
            .where(Organization.kind == OrganizationKind.municipality)
            .order_by(Organization.sort_order)
        ).all()
        departments = session.exec(
            select(Organization)
            .where(col(Organization.kind).in_([OrganizationKind.department, OrganizationKind.regional_office]))
            .order_by(Organization.sort_order)
        ).all()
        names = {o.code: o.name for o in [*municipalities, *departments]}
    assert len(municipalities) == 35
    dealt = spread(rows_2017(MUNICIPAL_2017), [o.code for o in municipalities])
    dealt |= spread(rows_2017(DEPARTMENT_2017), [o.code for o in departments])
    on_forms = {municipalities[0].code, departments[0].code}
    for code, rows in dealt.items():
        fmt = "xlsx" if code in on_forms else "csv"
        data = form_with_rows(2017, code, names[code], rows) if fmt == "xlsx" else csv_bytes(2017, code, rows)
        report = import_file(
            write(tmp_path / f"{code}.{fmt}", data),
            now=ON_TIME.replace(year=2017),
            setup=intake(engine),
            fiscal_year=2017,
        )
        assert report.outcome == "accepted", report.error
    with session_scope(engine) as session:
        tally = close_survey(session, 2017, now=ON_TIME.replace(year=2017))
    expected = {
        POLICY: [(17, True), (8, True), (6, True), (1, True), (16, True), (4, True), (4, False)],
        OPERATIONS: [(11, False), (5, True), (4, True), (17, True)],
        EXCHANGE: [(10, False), (8, True)],
    }
    for section, rows in expected.items():
        assert [(r.municipal_count, r.marked) for r in tally.rows_in(section) if r.label != "その他"] == rows
    assert (tally.municipal_total, tally.department_total) == (173, 40)
    assert tally.municipal_totals == {POLICY: 87, OPERATIONS: 68, EXCHANGE: 18}
    assert tally.department_totals == {POLICY: 32, OPERATIONS: 6, EXCHANGE: 2}
