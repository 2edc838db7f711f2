from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
import typer
from feed_seed import PLANNED_AT, TOKYO, seed_year, tokyo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from council.cli import feeds as feeds_cli
from council.clock import today_in_tokyo
from council.config import reset_settings
from council.errors import InputError, NotFoundError
from council.feeds.config import FeedConfig
from council.feeds.ical import Organizer, event_uid
from council.feeds.publish import STATIC_MANIFEST, publish_feeds, write_static_feeds
from council.feeds.selection import (
    Directory,
    MeetingRecord,
    OrganizationRecord,
    Schedule,
    StageRecord,
    TaskRecord,
    assemble_feeds,
    feed_window,
)
from council.feeds.tokens import create_token, hash_token, list_tokens, revoke_token, token_grants
from council.wareki import fiscal_year_of
from models import (
    AuditEvent,
    Body,
    Document,
    DocumentKind,
    DocumentStatus,
    FeedSnapshot,
    FeedToken,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Organization,
    OrganizationKind,
    Stage,
    TaskStatus,
)

TODAY = date(2026, 4, 1)
NOW = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
CONFIG = FeedConfig(public_base_url="https://council.example.jp")
COUNCIL_1 = event_uid("yamagata/2026/meeting/council-1")
SECRETARIAT_1 = event_uid("yamagata/2026/meeting/secretariat-1")
PUBLIC_KINDS = {MeetingKind.council_meeting, MeetingKind.mayors_meeting, MeetingKind.roundtable}


def events_of(body: bytes) -> dict[str, Any]:
    return {str(event["UID"]): event for event in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def summaries(body: bytes) -> set[str]:
    return {str(event["SUMMARY"]) for event in events_of(body).values()}


def assert_every_tzid_declared(body: bytes) -> None:
    calendar = icalendar.Calendar.from_ical(body)
    declared = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    used = set(re.findall(r";TZID=([^:;]+)", body.decode("utf-8").replace("\r\n ", "")))
    assert used <= declared, used - declared


# --- pure selection ------------------------------------------------------------------------------------------


def org(code: str, kind: OrganizationKind, region: str | None, *bodies: Body) -> OrganizationRecord:
    return OrganizationRecord(code=code, name=f"団体{code}", kind=kind, region=region, bodies=frozenset(bodies))


DIRECTORY = Directory(
    council_code="yamagata",
    council_name="県・市町村連携推進会議",
    prefecture="山形県",
    organizations=(
        org("secretariat", OrganizationKind.secretariat, None, *Body),
        org("062014", OrganizationKind.municipality, "村山", Body.council, Body.mayors_meeting),
        org("062049", OrganizationKind.municipality, "庄内", Body.council),
        org("ro-murayama", OrganizationKind.regional_office, "村山", Body.council, Body.secretariat_meeting),
    ),
    region_slugs=(("村山", "murayama"),),
)


def meeting_record(key: str, kind: MeetingKind, start: datetime, **changes: object) -> MeetingRecord:
    record = MeetingRecord(
        fiscal_year=fiscal_year_of(start.date()),
        key=key,
        kind=kind,
        title=f"会議 {key}",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        timezone="Asia/Tokyo",
        venue="県庁",
        status=MeetingStatus.confirmed,
        revision=0,
        updated_at=PLANNED_AT,
    )
    return replace(record, **changes)  # type: ignore[arg-type]


SCHEDULE = Schedule(
    meetings=(
        meeting_record("secretariat-1", MeetingKind.secretariat_meeting, tokyo(2026, 6, 24, 10)),
        meeting_record("council-1", MeetingKind.council_meeting, tokyo(2026, 7, 8, 14)),
        meeting_record("mayors-meeting", MeetingKind.mayors_meeting, tokyo(2026, 5, 20, 13)),
    ),
    stages=(
        StageRecord(2026, "survey", "連携課題・ニーズ調査", date(2026, 4, 6), date(2026, 4, 30), PLANNED_AT),
        StageRecord(2026, "budgeting", "予算計上", date(2026, 11, 2), date(2027, 1, 29), PLANNED_AT),
    ),
    tasks=(
        TaskRecord(
            2026, "notice:council-1", "開催通知の発送", date(2026, 6, 17), TaskStatus.pending, None, "会議", PLANNED_AT
        ),
        TaskRecord(
            2026,
            "survey-response:062014",
            "調査の回答（山形市）",
            date(2026, 4, 30),
            TaskStatus.pending,
            "062014",
            None,
            PLANNED_AT,
        ),
    ),
)


def test_feed_contents_follow_kinds_memberships_and_ownership() -> None:
    feeds = {name: body for name, (_, body) in assemble_feeds(DIRECTORY, SCHEDULE, today=TODAY, config=CONFIG).items()}
    assert set(feeds) == {
        "council",
        "secretariat",
        "org-062014",
        "org-062049",
        "org-ro-murayama",
        "region-murayama",
        "region-庄内",
    }
    assert summaries(feeds["council"]) == {"会議 council-1", "会議 mayors-meeting", "連携課題・ニーズ調査"}
    assert summaries(feeds["secretariat"]) == {
        "会議 secretariat-1",
        "会議 council-1",
        "会議 mayors-meeting",
        "連携課題・ニーズ調査",
        "予算計上",
        "【締切】開催通知の発送",
    }
    assert summaries(feeds["org-062014"]) == {"会議 council-1", "会議 mayors-meeting", "【締切】調査の回答（山形市）"}
    assert summaries(feeds["org-062049"]) == {"会議 council-1"}
    assert summaries(feeds["org-ro-murayama"]) == {"会議 council-1", "会議 secretariat-1"}
    assert summaries(feeds["region-murayama"]) == summaries(feeds["org-062014"]) | summaries(feeds["org-ro-murayama"])


def test_a_public_region_feed_keeps_only_public_events() -> None:
    public = replace(CONFIG, public_regions=frozenset({"murayama"}))
    feeds = assemble_feeds(DIRECTORY, SCHEDULE, today=TODAY, config=public)
    definition, body = feeds["region-murayama"]
    assert definition.public
    assert summaries(body) == {"会議 council-1", "会議 mayors-meeting"}
    assert not feeds["region-庄内"][0].public
    by_name = replace(CONFIG, public_regions=frozenset({"庄内"}))
    assert assemble_feeds(DIRECTORY, SCHEDULE, today=TODAY, config=by_name)["region-庄内"][0].public


def test_window_is_previous_current_and_next_fiscal_year() -> None:
    assert feed_window(date(2026, 4, 1)) == (date(2025, 4, 1), date(2028, 3, 31))
    assert feed_window(date(2027, 3, 31)) == (date(2025, 4, 1), date(2028, 3, 31))
    old = meeting_record("council-2", MeetingKind.council_meeting, tokyo(2025, 3, 31, 10))
    kept = meeting_record("council-x", MeetingKind.council_meeting, tokyo(2025, 4, 1, 10))
    late = meeting_record("council-y", MeetingKind.council_meeting, tokyo(2028, 4, 1, 10))
    schedule = Schedule(meetings=(old, kept, late))
    body = assemble_feeds(DIRECTORY, schedule, today=TODAY, config=CONFIG)["council"][1]
    assert summaries(body) == {"会議 council-x"}


def test_cancelled_meetings_stay_for_the_retention_period() -> None:
    cancelled = meeting_record(
        "council-1",
        MeetingKind.council_meeting,
        tokyo(2026, 7, 8, 14),
        status=MeetingStatus.cancelled,
        updated_at=datetime(2026, 7, 20, 1, tzinfo=UTC),
    )
    schedule = Schedule(meetings=(cancelled,))
    config = replace(CONFIG, cancelled_retention=timedelta(days=10))

    def council_feed(today: date) -> dict[str, Any]:
        return events_of(assemble_feeds(DIRECTORY, schedule, today=today, config=config)["council"][1])

    shown = council_feed(date(2026, 7, 30))  # cancelled on 7/20, later than the meeting's date: 7/20 + 10 days
    assert str(shown[COUNCIL_1]["STATUS"]) == "CANCELLED"
    assert str(shown[COUNCIL_1]["SUMMARY"]) == "【中止】会議 council-1"
    assert "中止" in str(shown[COUNCIL_1]["DESCRIPTION"])
    assert council_feed(date(2026, 7, 31)) == {}


GOLDEN = Path(__file__).parent / "golden" / "feeds"


@pytest.mark.parametrize("name", ["council", "secretariat", "org-062014", "region-murayama"])
def test_feed_matches_its_golden_file(name: str) -> None:
    """A reviewer sees any change of a feed's bytes in the diff of tests/golden/feeds/.
    Regenerate after an intended change with COUNCIL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_feeds.py"""
    directory = replace(DIRECTORY, organizer=Organizer("shichoson@pref.example.jp", "山形県市町村課"))
    agenda = "https://council.example.jp/documents/2026/council-1/agenda/v1/"
    meetings = tuple(replace(m, agenda_url=agenda) if m.key == "council-1" else m for m in SCHEDULE.meetings)
    body = assemble_feeds(directory, replace(SCHEDULE, meetings=meetings), today=TODAY, config=CONFIG)[name][1]
    path = GOLDEN / f"{name}.ics"
    if os.environ.get("COUNCIL_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    assert body == path.read_bytes()


# --- property: random plans and audiences ----------------------------------------------------------------------

STAGE_KEYS = ["survey", "theme_candidates", "first_meeting", "working_groups", "budgeting", "second_meeting"]
ZONES = ["Asia/Tokyo", "Asia/Tokyo", "UTC", "America/New_York"]
REGIONS = [None, "村山", "最上", "庄内"]


@st.composite
def plans(draw: st.DrawFn) -> tuple[Directory, Schedule, FeedConfig, date]:
    kinds = [OrganizationKind.municipality, OrganizationKind.department, OrganizationKind.regional_office]
    organizations = [org("secretariat", OrganizationKind.secretariat, None, *Body)]
    for index in range(draw(st.integers(0, 5))):
        organizations.append(
            OrganizationRecord(
                code=f"o{index}",
                name=f"団体{index}",
                kind=draw(st.sampled_from(kinds)),
                region=draw(st.sampled_from(REGIONS)),
                bodies=frozenset(draw(st.sets(st.sampled_from(list(Body))))),
            )
        )
    directory = replace(DIRECTORY, organizations=tuple(organizations), region_slugs=(("村山", "murayama"),))
    day = st.integers(0, 3 * 365 + 60).map(lambda offset: date(2025, 3, 1) + timedelta(days=offset))
    meetings = []
    for index in range(draw(st.integers(0, 8))):
        zone = draw(st.sampled_from(ZONES))
        start = datetime.combine(draw(day), datetime.min.time(), tzinfo=TOKYO) + timedelta(
            hours=draw(st.integers(8, 18))
        )
        meetings.append(
            meeting_record(
                f"m{index}",
                draw(st.sampled_from(list(MeetingKind))),
                start,
                title=f"会議{index}",
                timezone=zone,
                status=draw(st.sampled_from(list(MeetingStatus))),
                revision=draw(st.integers(0, 3)),
                updated_at=datetime.combine(draw(day), datetime.min.time(), tzinfo=UTC),
            )
        )
    stages = []
    for key in draw(st.sets(st.sampled_from(STAGE_KEYS))):
        first = draw(day)
        stages.append(
            StageRecord(
                fiscal_year_of(first),
                key,
                f"段階{key}",
                first,
                first + timedelta(days=draw(st.integers(0, 60))),
                PLANNED_AT,
            )
        )
    owners = [None, *(o.code for o in organizations)]
    tasks = [
        TaskRecord(
            2026,
            f"t{index}",
            f"期限{index}",
            draw(day),
            draw(st.sampled_from(list(TaskStatus))),
            draw(st.sampled_from(owners)),
            None,
            PLANNED_AT,
        )
        for index in range(draw(st.integers(0, 6)))
    ]
    config = replace(
        CONFIG, public_regions=frozenset(draw(st.sets(st.sampled_from(["村山", "murayama", "庄内", "最上"]))))
    )
    return directory, Schedule(tuple(meetings), tuple(stages), tuple(tasks)), config, draw(day)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_no_private_event_in_a_public_feed_and_every_tzid_declared(
    plan: tuple[Directory, Schedule, FeedConfig, date],
) -> None:
    directory, schedule, config, today = plan
    public_titles = {m.title for m in schedule.meetings if m.kind in PUBLIC_KINDS} | {
        s.title for s in schedule.stages if s.key == "survey"
    }
    region_slugs = dict(directory.region_slugs)
    public_names = {"council"} | {
        f"region-{region_slugs.get(region, region)}"
        for region in {"村山", "最上", "庄内"}
        if region in config.public_regions or region_slugs.get(region) in config.public_regions
    }
    for name, (definition, body) in assemble_feeds(directory, schedule, today=today, config=config).items():
        assert definition.public == (name in public_names), name
        assert_every_tzid_declared(body)
        if definition.public:
            shown = {summary.removeprefix("【中止】") for summary in summaries(body)}
            assert shown <= public_titles, (name, shown - public_titles)


# --- publishing against the database --------------------------------------------------------------------------


@pytest.fixture
def feeds_dir(council_home: Path) -> Path:
    """Where the feeds are written (COUNCIL_HOME/feeds, as the settings say)."""
    return council_home / "feeds"


def publish(
    session: Session, feeds_dir: Path, *, today: date = TODAY, now: datetime = NOW, config: FeedConfig = CONFIG
) -> dict[str, bytes]:
    publish_feeds(session, today=today, now=now, wall_clock=now, config=config, feeds_dir=feeds_dir)
    session.commit()
    return {snapshot.name: snapshot.body for snapshot in session.exec(select(FeedSnapshot)).all()}


def test_publish_stores_snapshots_and_writes_files(engine: Engine, council_home: Path, feeds_dir: Path) -> None:
    with Session(engine) as session:
        seed_year(session)
        report = publish_feeds(session, today=TODAY, now=NOW, wall_clock=NOW, config=CONFIG, feeds_dir=feeds_dir)
        session.commit()
        snapshots = {s.name: s for s in session.exec(select(FeedSnapshot)).all()}
    assert set(report.changed) == set(snapshots) >= {"council", "secretariat", "org-062014", "region-murayama"}
    council = snapshots["council"]
    assert council.public
    assert not snapshots["secretariat"].public
    assert council.body_sha256 == hashlib.sha256(council.body).hexdigest()
    assert (feeds_dir / "council.ics").read_bytes() == council.body
    assert (feeds_dir / "council.ics").stat().st_mtime == NOW.timestamp()
    assert summaries(council.body) == {
        "第1回県・市町村連携推進会議",
        "市町村長会議",
        "県・市町村行政懇談会",
        "連携課題・ニーズ調査",
    }
    assert "幹事会" not in council.body.decode()
    assert "締切" not in council.body.decode()
    assert SECRETARIAT_1 in events_of(snapshots["secretariat"].body)
    assert "【締切】連携課題・ニーズ調査の回答（山形市）" in summaries(snapshots["org-062014"].body)
    assert "【締切】連携課題・ニーズ調査の回答（山形市）" not in summaries(snapshots["org-062049"].body)
    event = events_of(council.body)[COUNCIL_1]
    assert str(event["URL"]) == "https://council.example.jp/documents/2026/council-1/agenda/v1/"
    assert "次第：https://council.example.jp/documents/2026/council-1/agenda/v1/" in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]) == "mailto:shichoson@pref.example.jp"
    assert event["ORGANIZER"].params["CN"] == "山形県市町村課"
    assert event.decoded("DTSTAMP") == PLANNED_AT


def test_unchanged_rebuild_keeps_bytes_etag_and_last_modified(
    engine: Engine, council_home: Path, feeds_dir: Path
) -> None:
    with Session(engine) as session:
        seed_year(session)
        first = publish_feeds(session, today=TODAY, now=NOW, wall_clock=NOW, config=CONFIG, feeds_dir=feeds_dir)
        session.commit()
        second = publish_feeds(
            session,
            today=TODAY + timedelta(days=1),
            now=NOW + timedelta(days=1),
            wall_clock=NOW + timedelta(days=1),
            config=CONFIG,
            feeds_dir=feeds_dir,
        )
        session.commit()
    assert second.changed == ()
    assert [(f.name, f.etag, f.changed_at) for f in first.feeds] == [
        (f.name, f.etag, f.changed_at) for f in second.feeds
    ]
    assert (feeds_dir / "council.ics").stat().st_mtime == NOW.timestamp()


def test_last_modified_is_the_wall_clock_of_the_change_not_the_simulated_time(
    engine: Engine, council_home: Path, feeds_dir: Path
) -> None:
    """A simulation publishes on 17 Feb 2027 while it is really 30 Nov 2026: the feed is dated by the real publish."""
    simulated = datetime(2027, 2, 17, 0, 30, tzinfo=UTC)
    real = datetime(2026, 11, 30, 3, 0, 5, tzinfo=UTC)
    with Session(engine) as session:
        seed_year(session)
        report = publish_feeds(
            session, today=simulated.date(), now=simulated, wall_clock=real, config=CONFIG, feeds_dir=feeds_dir
        )
        session.commit()
        snapshot = session.exec(select(FeedSnapshot).where(FeedSnapshot.name == "council")).one()
    assert snapshot.changed_at == real
    assert snapshot.built_at == real
    assert {feed.changed_at for feed in report.feeds} == {real}
    assert (feeds_dir / "council.ics").stat().st_mtime == real.timestamp()


def test_a_last_modified_ahead_of_the_wall_clock_is_brought_back(
    engine: Engine, council_home: Path, feeds_dir: Path
) -> None:
    """Snapshots dated by a simulated clock before the two clocks were told apart: the next publish repairs them,
    even when nothing changed, and a later real change is dated after it."""
    future = datetime(2027, 2, 17, 0, 30, tzinfo=UTC)
    real = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    with Session(engine) as session:
        seeded = seed_year(session)
        publish_feeds(session, today=TODAY, now=NOW, wall_clock=future, config=CONFIG, feeds_dir=feeds_dir)
        session.commit()
        unchanged = publish_feeds(session, today=TODAY, now=NOW, wall_clock=real, config=CONFIG, feeds_dir=feeds_dir)
        session.commit()
        assert unchanged.changed == ()
        assert {feed.changed_at for feed in unchanged.feeds} == {real}
        assert (feeds_dir / "council.ics").stat().st_mtime == real.timestamp()
        meeting = session.get(Meeting, seeded.meeting_ids["council-1"])
        assert meeting is not None
        meeting.venue = "山形県庁講堂"
        session.add(meeting)
        session.commit()
        later = real + timedelta(hours=1)
        changed = publish_feeds(session, today=TODAY, now=NOW, wall_clock=later, config=CONFIG, feeds_dir=feeds_dir)
        session.commit()
    council = next(feed for feed in changed.feeds if feed.name == "council")
    assert council.changed
    assert council.changed_at == later


def test_wall_clock_needs_a_time_zone(engine: Engine, feeds_dir: Path) -> None:
    with Session(engine) as session:
        seed_year(session)
        with pytest.raises(ValueError, match="time zone"):
            publish_feeds(
                session, today=TODAY, now=NOW, wall_clock=datetime(2026, 4, 1), config=CONFIG, feeds_dir=feeds_dir
            )


def test_reschedule_keeps_uid_raises_sequence_and_moves_times(engine: Engine, feeds_dir: Path) -> None:
    with Session(engine) as session:
        seeded = seed_year(session)
        before = events_of(publish(session, feeds_dir)["council"])[COUNCIL_1]
        meeting = session.get(Meeting, seeded.meeting_ids["council-1"])
        assert meeting is not None
        meeting.starts_at, meeting.ends_at = tokyo(2026, 7, 15, 10), tokyo(2026, 7, 15, 12)
        meeting.revision += 1
        meeting.status = MeetingStatus.confirmed
        meeting.updated_at = datetime(2026, 6, 1, 2, tzinfo=UTC)
        session.add(meeting)
        session.commit()
        later = NOW + timedelta(days=60)
        after = events_of(publish(session, feeds_dir, now=later)["council"])[COUNCIL_1]
        snapshot = session.exec(select(FeedSnapshot).where(FeedSnapshot.name == "council")).one()
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART") == tokyo(2026, 7, 15, 10)
    assert after.decoded("DTEND") == tokyo(2026, 7, 15, 12)
    assert str(after["STATUS"]) == "CONFIRMED"
    assert after.decoded("DTSTAMP") == datetime(2026, 6, 1, 2, tzinfo=UTC)  # the meeting's own last change
    assert snapshot.changed_at == later


def test_cancel_marks_the_event_and_retention_removes_it(engine: Engine, feeds_dir: Path) -> None:
    with Session(engine) as session:
        seeded = seed_year(session)
        publish(session, feeds_dir)
        meeting = session.get(Meeting, seeded.meeting_ids["council-1"])
        assert meeting is not None
        meeting.status = MeetingStatus.cancelled
        meeting.revision += 1
        meeting.updated_at = datetime(2026, 6, 10, tzinfo=UTC)
        session.add(meeting)
        session.commit()
        config = replace(CONFIG, cancelled_retention=timedelta(days=30))
        event = events_of(publish(session, feeds_dir, today=date(2026, 6, 10), config=config)["council"])[COUNCIL_1]
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["SUMMARY"]) == "【中止】第1回県・市町村連携推進会議"
        assert int(event["SEQUENCE"]) == 1
        assert COUNCIL_1 in events_of(publish(session, feeds_dir, today=date(2026, 8, 7), config=config)["org-062014"])
        assert COUNCIL_1 not in events_of(
            publish(session, feeds_dir, today=date(2026, 8, 8), config=config)["org-062014"]
        )


def test_stage_change_raises_its_sequence_and_a_new_agenda_only_its_stamp(engine: Engine, feeds_dir: Path) -> None:
    survey = event_uid("yamagata/2026/stage/survey")
    with Session(engine) as session:
        seed_year(session, with_agenda=False)
        before = events_of(publish(session, feeds_dir)["council"])
        assert "URL" not in before[COUNCIL_1]
        stage = session.exec(select(Stage).where(Stage.key == "survey")).one()
        stage.end_date = date(2026, 5, 8)
        session.add(stage)
        session.commit()
        later = NOW + timedelta(days=3)
        after = events_of(publish(session, feeds_dir, now=later)["council"])
    assert int(after[survey]["SEQUENCE"]) == int(before[survey]["SEQUENCE"]) + 1
    assert after[survey].decoded("DTEND") == date(2026, 5, 9)
    assert after[survey].decoded("DTSTAMP") == later  # stages carry no timestamp: the publish that saw the change
    assert after[COUNCIL_1].to_ical() == before[COUNCIL_1].to_ical()


def test_only_an_issued_agenda_is_linked_from_its_meeting(engine: Engine, feeds_dir: Path) -> None:
    """A draft (案) may still change: the event links the agenda once it is issued, then its newest issued version."""
    issued_at = datetime(2026, 6, 24, 0, 30, tzinfo=UTC)

    def agenda(cycle_id: int, version: int, status: DocumentStatus) -> Document:
        draft = status is DocumentStatus.draft
        return Document(
            cycle_id=cycle_id,
            kind=DocumentKind.agenda,
            subject="council-1",
            version=version,
            status=status,
            title="第1回県・市町村連携推進会議 次第",
            content_hash=f"{version}" * 64,
            directory=f"documents/2026/agenda/council-1/{'draft' if draft else f'v{version}'}",
            planned_issue_on=date(2026, 6, 24),
            issued_on=None if draft else date(2026, 6, 24),
            issued_at=None if draft else issued_at,
            created_at=PLANNED_AT,
        )

    def link(session: Session) -> str | None:
        event = events_of(publish(session, feeds_dir)["council"])[COUNCIL_1]
        return str(event["URL"]) if "URL" in event else None

    with Session(engine) as session:
        seeded = seed_year(session, with_agenda=False)
        first = agenda(seeded.cycle_id, 1, DocumentStatus.draft)
        session.add(first)
        session.commit()
        assert link(session) is None
        first.status, first.issued_on, first.issued_at = DocumentStatus.issued, date(2026, 6, 24), issued_at
        first.directory = "documents/2026/agenda/council-1/v1"
        session.add(first)
        session.commit()
        assert link(session) == "https://council.example.jp/documents/2026/agenda/council-1/v1/"
        session.add(agenda(seeded.cycle_id, 2, DocumentStatus.draft))
        session.commit()
        assert link(session) == "https://council.example.jp/documents/2026/agenda/council-1/v1/"


def test_organizer_from_the_environment_and_missing_council(engine: Engine, feeds_dir: Path) -> None:
    with Session(engine) as session:
        with pytest.raises(NotFoundError, match="not set up"):
            publish_feeds(session, today=TODAY, now=NOW, wall_clock=NOW, config=CONFIG, feeds_dir=feeds_dir)
        seed_year(session)
        config = replace(CONFIG, organizer_email="jimukyoku@pref.example.jp", organizer_name="連携推進会議事務局")
        event = events_of(publish(session, feeds_dir, config=config)["council"])[COUNCIL_1]
    assert str(event["ORGANIZER"]) == "mailto:jimukyoku@pref.example.jp"
    assert event["ORGANIZER"].params["CN"] == "連携推進会議事務局"
    assert "ATTENDEE" not in event


def test_a_deactivated_organisation_loses_its_feed(engine: Engine, council_home: Path, feeds_dir: Path) -> None:
    with Session(engine) as session:
        seed_year(session)
        publish(session, feeds_dir)
        assert (feeds_dir / "org-062049.ics").exists()
        sakata = session.exec(select(Organization).where(Organization.code == "062049")).one()
        sakata.active = False
        session.add(sakata)
        session.commit()
        report = publish_feeds(session, today=TODAY, now=NOW, wall_clock=NOW, config=CONFIG, feeds_dir=feeds_dir)
        session.commit()
        names = set(session.exec(select(FeedSnapshot.name)).all())
    assert "org-062049" in report.removed
    assert "region-庄内" in report.removed
    assert "org-062049" not in names
    assert not (feeds_dir / "org-062049.ics").exists()


# --- tokens ---------------------------------------------------------------------------------------------------


def test_tokens_are_random_stored_hashed_and_revocable(engine: Engine) -> None:
    with Session(engine) as session:
        seed_year(session)
        issued = create_token(session, feed="org-062014", label="山形市 企画担当", now=NOW, config=CONFIG, actor="t")
        other = create_token(session, feed="org-062014", label="山形市 市長室", now=NOW, config=CONFIG, actor="t")
        session.commit()
        stored = session.exec(select(FeedToken).order_by(col(FeedToken.id))).all()
        assert len(issued.secret) >= 43
        assert issued.secret != other.secret
        assert [t.token_sha256 for t in stored] == [hash_token(issued.secret), hash_token(other.secret)]
        assert all(issued.secret not in (t.token_sha256, t.label) for t in stored)
        hashes = [t.token_sha256 for t in stored]
        assert token_grants(issued.secret, hashes)
        assert not token_grants(issued.secret + "x", hashes)
        assert not token_grants(None, hashes)
        assert not token_grants("", hashes)

        revoked = revoke_token(session, token_id=issued.token.id or 0, now=NOW + timedelta(hours=1), actor="t")
        again = revoke_token(session, token_id=issued.token.id or 0, now=NOW + timedelta(hours=2), actor="t")
        session.commit()
        assert revoked.revoked_at == again.revoked_at == NOW + timedelta(hours=1)
        assert [t.revoked_at is None for t in list_tokens(session)] == [False, True]
        actions = session.exec(select(AuditEvent.action).order_by(col(AuditEvent.id))).all()
        assert [a for a in actions if a.startswith("feed_token")] == [
            "feed_token.created",
            "feed_token.created",
            "feed_token.revoked",
        ]


def test_token_requests_that_cannot_be_right_are_refused(engine: Engine) -> None:
    with Session(engine) as session:
        seed_year(session)
        with pytest.raises(InputError, match="is public"):
            create_token(session, feed="council", label="誰か", now=NOW, config=CONFIG, actor="t")
        with pytest.raises(NotFoundError, match="no feed named"):
            create_token(session, feed="org-999999", label="誰か", now=NOW, config=CONFIG, actor="t")
        with pytest.raises(InputError, match="label"):
            create_token(session, feed="secretariat", label="  ", now=NOW, config=CONFIG, actor="t")
        with pytest.raises(NotFoundError, match="no feed token"):
            revoke_token(session, token_id=404, now=NOW, actor="t")
        assert list_tokens(session) == []


# --- command line ---------------------------------------------------------------------------------------------


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    feeds_cli.register(app)
    return app


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_cli_build_writes_readable_files_and_removes_feeds_that_are_no_longer_public(
    engine: Engine,
    council_home: Path,
    tmp_path: Path,
    cli: typer.Typer,
    monkeypatch: pytest.MonkeyPatch,
    umask_022: None,
) -> None:
    with Session(engine) as session:
        seed_year(session, fiscal_year=fiscal_year_of(today_in_tokyo()))
        session.commit()
    runner = CliRunner()
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("<p>our site</p>", encoding="utf-8")
    (out / "holidays.ics").write_bytes(b"BEGIN:VCALENDAR\r\nPRODID:-//someone else//EN\r\nEND:VCALENDAR\r\n")
    monkeypatch.setenv("COUNCIL_FEED_PUBLIC_REGIONS", "murayama,庄内")
    first = runner.invoke(cli, ["feeds", "build", "--out", str(out)])
    assert first.exit_code == 0, first.output
    public = {"council.ics", "region-murayama.ics", "region-庄内.ics"}
    assert public <= {path.name for path in out.iterdir()}
    for path in [out / name for name in public] + [council_home / "feeds" / "secretariat.ics"]:
        assert mode_of(path) == 0o644, path  # a web server and the other accounts can read them
    assert mode_of(out / STATIC_MANIFEST) == 0o644

    monkeypatch.setenv("COUNCIL_FEED_PUBLIC_REGIONS", "murayama")  # 庄内 goes private
    reset_settings()  # a new command reads the environment again
    second = runner.invoke(cli, ["feeds", "build", "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert f"removed {out / 'region-庄内.ics'} (no longer public)" in second.output
    assert sorted(path.name for path in out.iterdir()) == sorted(
        [STATIC_MANIFEST, "council.ics", "region-murayama.ics", "holidays.ics", "index.html"]
    )
    assert (out / "index.html").read_text(encoding="utf-8") == "<p>our site</p>"


def test_static_build_removes_only_what_it_wrote(
    engine: Engine, tmp_path: Path, umask_022: None, feeds_dir: Path
) -> None:
    with Session(engine) as session:
        seed_year(session)
        publish_feeds(session, today=TODAY, now=NOW, wall_clock=NOW, config=CONFIG, feeds_dir=feeds_dir)
        session.commit()
        snapshots = {snapshot.name: snapshot for snapshot in session.exec(select(FeedSnapshot)).all()}
    out = tmp_path / "out"
    known = set(snapshots)
    first = write_static_feeds(out, [snapshots["council"], snapshots["org-062014"]], known_feeds=known)
    assert [path.name for path in first.written] == ["council.ics", "org-062014.ics"]
    assert first.removed == ()
    # Someone replaced org-062014.ics by hand since: it is theirs now, and stays.
    (out / "org-062014.ics").write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    second = write_static_feeds(out, [snapshots["council"]], known_feeds=known)
    assert second.removed == ()
    assert (out / "org-062014.ics").exists()
    # A manifest edited to point outside the folder reaches nothing.
    victim = tmp_path / "victim.ics"
    victim.write_bytes(snapshots["council"].body)
    (out / STATIC_MANIFEST).write_text(
        json.dumps({"../victim": snapshots["council"].body_sha256, "council": snapshots["council"].body_sha256}),
        encoding="utf-8",
    )
    assert write_static_feeds(out, [snapshots["council"]], known_feeds=known).removed == ()
    assert victim.exists()
    (out / STATIC_MANIFEST).write_text("not json", encoding="utf-8")
    with pytest.raises(InputError, match="manifest"):
        write_static_feeds(out, [snapshots["council"]], known_feeds=known)


def test_static_build_in_a_folder_built_before_the_manifest(engine: Engine, tmp_path: Path, feeds_dir: Path) -> None:
    """No manifest yet: a file named after one of our feeds that is one of our calendars is ours; nothing else."""
    with Session(engine) as session:
        seed_year(session)
        publish_feeds(session, today=TODAY, now=NOW, wall_clock=NOW, config=CONFIG, feeds_dir=feeds_dir)
        session.commit()
        snapshots = {snapshot.name: snapshot for snapshot in session.exec(select(FeedSnapshot)).all()}
    out = tmp_path / "old-build"
    out.mkdir()
    (out / "council.ics").write_bytes(snapshots["council"].body)
    (out / "region-murayama.ics").write_bytes(snapshots["region-murayama"].body)  # once public, now private
    (out / "secretariat.ics").write_bytes(b"BEGIN:VCALENDAR\r\nPRODID:-//someone else//EN\r\nEND:VCALENDAR\r\n")
    (out / "other.ics").write_bytes(snapshots["org-062014"].body)  # ours by content, but not a name we know
    build = write_static_feeds(out, [snapshots["council"]], known_feeds=set(snapshots))
    assert [path.name for path in build.removed] == ["region-murayama.ics"]
    assert sorted(path.name for path in out.iterdir()) == [
        STATIC_MANIFEST,
        "council.ics",
        "other.ics",
        "secretariat.ics",
    ]


def test_cli_publish_build_and_tokens(
    engine: Engine, council_home: Path, tmp_path: Path, cli: typer.Typer, feeds_dir: Path
) -> None:
    with Session(engine) as session:
        seed_year(session, fiscal_year=fiscal_year_of(today_in_tokyo()))
        session.commit()
    runner = CliRunner()
    published = runner.invoke(cli, ["feeds", "publish"])
    assert published.exit_code == 0, published.output
    assert "1 public" in published.output
    assert "changed: council" in published.output

    out = tmp_path / "site"
    built = runner.invoke(cli, ["feeds", "build", "--out", str(out)])
    assert built.exit_code == 0, built.output
    assert sorted(p.name for p in out.iterdir()) == [STATIC_MANIFEST, "council.ics"]
    assert (out / "council.ics").read_bytes() == (feeds_dir / "council.ics").read_bytes()
    assert "0 changed" in built.output

    created = runner.invoke(
        cli,
        ["feeds", "token", "create", "--feed", "org-062014", "--label", "山形市", "--base-url", "https://c.example.jp"],
    )
    assert created.exit_code == 0, created.output
    url = re.search(r"https://c\.example\.jp/feeds/org-062014\.ics\?token=([A-Za-z0-9_-]{43})", created.output)
    assert url is not None, created.output
    listed = runner.invoke(cli, ["feeds", "token", "list"])
    assert listed.exit_code == 0
    assert "org-062014\t山形市" in listed.output
    assert url.group(1) not in listed.output
    revoked = runner.invoke(cli, ["feeds", "token", "revoke", "1"])
    assert revoked.exit_code == 0
    assert "revoked" in revoked.output

    refused = runner.invoke(cli, ["feeds", "token", "create", "--feed", "council", "--label", "x"])
    assert refused.exit_code == 2
    assert "is public" in refused.output
    missing = runner.invoke(cli, ["feeds", "token", "revoke", "99"])
    assert missing.exit_code == 2
    assert "no feed token with id 99" in missing.output
