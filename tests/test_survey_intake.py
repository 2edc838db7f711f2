"""Intake: one file, one transaction; malformed files rejected with a precise error and nothing changed; the raw
file archived and recorded whatever the outcome; resubmission, duplicates, late answers, the inbox; and the source's
2017 table reproduced through real files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from survey_bad_corpus import corpus, form_with_numeric_code, write_corpus
from survey_support import (
    CALENDAR,
    COUNCIL_CODE,
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
    survey_rules,
    taxonomy,
    write,
)

from council.config import get_settings
from council.reference import load_reference
from council.resources import data_dir
from council.survey.inbox import process_inbox
from council.survey.intake import import_file
from council.survey.readers import DEFAULT_LIMITS, FileLimits
from council.survey.service import close_survey_record, open_survey, survey_tally
from council.survey.store import get_survey
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
        assert close_survey_record(session, get_survey(session, FY, COUNCIL_CODE), now=LATE, actor="tester")
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
        open_survey(
            session,
            fiscal_year=2017,
            now=OPENED,
            calendar=CALENDAR,
            rules=survey_rules(),
            council_code=COUNCIL_CODE,
            actor="tester",
        )
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
        survey = get_survey(session, 2017, COUNCIL_CODE)
        assert close_survey_record(session, survey, now=ON_TIME.replace(year=2017), actor="tester")
        tally = survey_tally(session, survey, taxonomy=taxonomy())
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


# ---------------------------------------------------------------------------------------------------- issue 11


def test_the_documented_ascii_urgencies_are_accepted(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    rows = [
        Row(POLICY, "youth", urgency="high"),
        Row(POLICY, "tourism", urgency="Medium"),
        Row(EXCHANGE, "personnel", urgency="LOW"),
    ]
    report = import_file(write(tmp_path / "ascii.csv", csv_bytes(FY, "062014", rows)), intake(engine), now=ON_TIME)
    assert (report.outcome, report.error) == ("accepted", None)
    assert [a.urgency.value for a in answers_of(engine, "062014")] == ["high", "medium", "low"]


def test_a_code_that_lost_its_leading_zero_reads_the_same_in_csv_and_xlsx(engine: Engine, tmp_path: Path) -> None:
    """Excel drops the zero of 062014 typed into a General cell, in the form and in a CSV it saves alike."""
    open_small_survey(engine)
    from_csv = import_file(
        write(tmp_path / "a.csv", csv_bytes(FY, "62014", [Row(POLICY, "youth")])), intake(engine), now=ON_TIME
    )
    from_form = import_file(
        write(tmp_path / "a.xlsx", form_with_numeric_code(62014, [Row(POLICY, "tourism")])), intake(engine), now=LATE
    )
    assert [(r.outcome, r.organization_code) for r in (from_csv, from_form)] == [
        ("accepted", "062014"),
        ("accepted", "062014"),
    ]
    assert [a.category for a in answers_of(engine, "062014")] == ["tourism"]


def test_what_a_file_is_comes_from_its_content_not_its_name(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    form = form_with_rows(FY, "062014", "山形市", [Row(POLICY, "youth")])
    workbook_named_csv = import_file(write(tmp_path / "answers.csv", form), intake(engine), now=ON_TIME)
    text = csv_bytes(FY, "062022", [Row(POLICY, "youth")])
    csv_named_xlsx = import_file(write(tmp_path / "answers.xlsx", text), intake(engine), now=ON_TIME)
    assert [(r.outcome, r.organization_code) for r in (workbook_named_csv, csv_named_xlsx)] == [
        ("accepted", "062014"),
        ("accepted", "062022"),
    ]
    with Session(engine) as session:
        records = [session.get(SurveySubmission, r.submission_id) for r in (workbook_named_csv, csv_named_xlsx)]
    assert [Path(record.archive_path).suffix for record in records if record] == [".xlsx", ".csv"]


def test_the_limits_are_parameters(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    three = [Row(POLICY, "youth"), Row(POLICY, "tourism"), Row(OPERATIONS, "water")]
    small = intake(engine, limits=FileLimits(max_rows=2))
    as_csv = import_file(write(tmp_path / "three.csv", csv_bytes(FY, "062014", three)), small, now=ON_TIME)
    as_form = import_file(
        write(tmp_path / "three.xlsx", form_with_rows(FY, "062014", "山形市", three)), small, now=ON_TIME
    )
    assert [r.error for r in (as_csv, as_form)] == [
        "three.csv: line 4: more than 2 answers: one file holds at most 2 answers",
        "three.xlsx: sheet 業務の連携, row 5: more than 2 answers: one file holds at most 2 answers",
    ]
    tiny = intake(engine, limits=FileLimits(max_bytes=1_000, max_unpacked_bytes=20_000))
    too_big = import_file(tmp_path / "three.xlsx", tiny, now=ON_TIME)
    size = (tmp_path / "three.xlsx").stat().st_size
    assert too_big.error == f"three.xlsx: is {size:,} bytes; an answer file may be at most 1,000 bytes"
    unpacking = intake(engine, limits=FileLimits(max_unpacked_bytes=20_000))
    unpacks = import_file(tmp_path / "three.xlsx", unpacking, now=ON_TIME)
    assert unpacks.error is not None
    assert unpacks.error.startswith("three.xlsx: unpacks to ")
    assert unpacks.error.endswith("bytes; an answer form may unpack to at most 20,000 bytes")
    assert answers_of(engine, "062014") == []


def test_a_nul_byte_in_one_inbox_file_does_not_keep_the_good_file_beside_it_out(engine: Engine) -> None:
    """On PostgreSQL the NUL reached the database (DataError) and stopped the whole inbox, every day."""
    open_small_survey(engine)
    inbox = get_settings().inbox_dir
    write(inbox / "a-nul.csv", csv_bytes(FY, "062014", [Row(POLICY, "youth", item="空き家\x00対策")]))
    write(inbox / "b-good.csv", csv_bytes(FY, "062022", [Row(POLICY, "youth")]))
    reports = process_inbox(inbox, intake(engine), now=ON_TIME, fiscal_year=FY)
    assert [(r.original_name, r.outcome) for r in reports] == [("a-nul.csv", "rejected"), ("b-good.csv", "accepted")]
    assert (inbox / "rejected" / "a-nul.csv.error.txt").read_text(encoding="utf-8") == (
        "a-nul.csv: line 2: contains a NUL character: this is not CSV text (a binary file?)\n"
    )
    assert [a.category for a in answers_of(engine, "062022")] == ["youth"]
    assert answers_of(engine, "062014") == []


def _refuse_items_named_boom(engine: Engine) -> None:
    """A fault nobody foresaw, made by the database itself: a trigger refusing one answer's text."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(
                sa.text(
                    "CREATE TRIGGER refuse_boom BEFORE INSERT ON surveyanswer WHEN NEW.item = 'boom' "
                    "BEGIN SELECT RAISE(ABORT, 'boom refused'); END"
                )
            )
        else:
            connection.execute(
                sa.text(
                    "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN IF NEW.item = 'boom' THEN RAISE EXCEPTION 'boom refused'; END IF; RETURN NEW; END $$"
                )
            )
            connection.execute(
                sa.text(
                    "CREATE TRIGGER refuse_boom BEFORE INSERT ON surveyanswer "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_boom()"
                )
            )


def _drop_refusal(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(sa.text("DROP TRIGGER IF EXISTS refuse_boom"))
        else:
            connection.execute(sa.text("DROP TRIGGER IF EXISTS refuse_boom ON surveyanswer"))
            connection.execute(sa.text("DROP FUNCTION IF EXISTS refuse_boom()"))


def test_an_unexpected_failure_on_one_inbox_file_rejects_that_file_and_the_others_go_on(engine: Engine) -> None:
    open_small_survey(engine)
    inbox = get_settings().inbox_dir
    write(inbox / "a.csv", csv_bytes(FY, "062014", [Row(POLICY, "youth", item="boom")]))
    write(inbox / "b.csv", csv_bytes(FY, "062022", [Row(POLICY, "youth")]))
    _refuse_items_named_boom(engine)
    try:
        before = snapshot(engine)
        reports = process_inbox(inbox, intake(engine), now=ON_TIME, fiscal_year=FY)
    finally:
        _drop_refusal(engine)
    assert [(r.original_name, r.outcome) for r in reports] == [("a.csv", "rejected"), ("b.csv", "accepted")]
    [error] = (inbox / "rejected" / "a.csv.error.txt").read_text(encoding="utf-8").splitlines()
    assert error.startswith("a.csv: could not be imported (")
    assert f"kept as sha256 {reports[0].sha256[:12]}…" in error
    assert answers_of(engine, "062014") == []
    assert respondent(engine, "062014").status == before.respondents[0][1]
    with Session(engine) as session:
        record = session.get(SurveySubmission, reports[0].submission_id)
        assert record is not None
        assert (record.outcome, record.error, record.current) == (SubmissionOutcome.rejected, error, False)


def test_a_file_name_with_a_line_break_still_gives_one_line(engine: Engine) -> None:
    open_small_survey(engine)
    inbox = get_settings().inbox_dir
    write(inbox / "bad\nname.csv", csv_bytes(FY, "062014", [Row(POLICY, "youth", urgency="至急")]))
    [report] = process_inbox(inbox, intake(engine), now=ON_TIME)
    assert report.error == "bad?name.csv: line 2, field 緊急性: '至急' is not one of 高/中/低"
    assert (inbox / "rejected" / "bad\nname.csv").exists()
