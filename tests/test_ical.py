from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import ics
import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from council.feeds.ical import (
    CANCELLED_PREFIX,
    PRODID,
    UID_NAMESPACE,
    EventStatus,
    FeedEvent,
    FeedSpec,
    Organizer,
    build_feed,
    event_uid,
    vtimezone,
)

TOKYO = ZoneInfo("Asia/Tokyo")
CHANGED = datetime(2026, 5, 1, 3, 4, 5, tzinfo=UTC)
# Long Japanese text with 3-byte characters, a 4-byte one (𠮷), and characters that TEXT must escape.
LONG_TITLE = "第1回県・市町村連携推進会議（新たな連携テーマ「若者の定着・回帰」「𠮷野川流域の買い物支援」に係る協議）"
LONG_DESCRIPTION = (
    "日時：令和8年7月8日（水）14時00分～16時00分\n"
    "場所：山形県庁 2階 講堂; 駐車場は北側, 来庁者用\\をご利用ください\n"
    "議題：(1) 新たな連携テーマについて (2) 県内外の先進事例の紹介（「見える化」） (3) その他\n" * 3
)

SPEC = FeedSpec(
    name="council",
    title="県・市町村連携推進会議",
    description="山形県と県内35市町村による連携推進会議の日程（公開）",
    organizer=Organizer("shichoson@pref.example.jp", "山形県市町村課"),
)


def meeting(internal_id: str = "yamagata/2026/meeting/council-1", **changes: object) -> FeedEvent:
    fields: dict[str, object] = {
        "internal_id": internal_id,
        "summary": LONG_TITLE,
        "start": datetime(2026, 7, 8, 14, 0, tzinfo=TOKYO),
        "end": datetime(2026, 7, 8, 16, 0, tzinfo=TOKYO),
        "last_modified": CHANGED,
        "sequence": 1,
        "location": "山形県庁 2階 講堂（山形市松波二丁目8番1号）",
        "description": LONG_DESCRIPTION,
        "url": "https://council.example.jp/documents/2026/council-1/agenda/v1/",
        "categories": ("連携推進会議",),
    }
    fields.update(changes)
    return FeedEvent(**fields)  # type: ignore[arg-type]


def survey_window() -> FeedEvent:
    return FeedEvent(
        internal_id="yamagata/2026/stage/survey",
        summary="連携課題・ニーズ調査",
        start=date(2026, 4, 6),
        end=date(2026, 5, 1),
        last_modified=CHANGED,
        busy=False,
    )


def events() -> list[FeedEvent]:
    return [
        meeting(),
        survey_window(),
        meeting(
            "yamagata/2026/meeting/council-2",
            start=datetime(2027, 2, 17, 10, tzinfo=TOKYO),
            end=datetime(2027, 2, 17, 12, tzinfo=TOKYO),
        ),
    ]


def unfolded(body: bytes) -> str:
    return body.decode("utf-8").replace("\r\n ", "")


def assert_wire_format(body: bytes) -> None:
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b""), "bare LF"
    assert b"\r" not in body.replace(b"\r\n", b""), "bare CR"
    for number, line in enumerate(body[:-2].split(b"\r\n"), start=1):
        assert len(line) <= 75, f"line {number} has {len(line)} octets: {line!r}"
        line.decode("utf-8")  # strict: a fold inside a multibyte character raises here


def test_lines_are_crlf_at_most_75_octets_and_valid_utf8() -> None:
    body = build_feed(SPEC, events())
    assert_wire_format(body)
    assert len(body.split(b"\r\n")) > 40  # long texts really were folded
    assert LONG_TITLE.replace(",", "\\,") in unfolded(body)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    summary=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=160),
    description=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=400),
)
def test_folding_never_splits_a_character_and_round_trips(summary: str, description: str) -> None:
    description = description.replace("\r", "")
    body = build_feed(SPEC, [meeting(summary=summary, description=description or None)])
    assert_wire_format(body)
    (parsed,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(parsed["SUMMARY"]) == summary
    assert str(parsed.get("DESCRIPTION", "")) == description


def test_calendar_properties() -> None:
    text = unfolded(build_feed(SPEC, events()))
    for line in (
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "NAME:県・市町村連携推進会議",
        "X-WR-CALNAME:県・市町村連携推進会議",
        "X-WR-TIMEZONE:Asia/Tokyo",
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        "X-PUBLISHED-TTL:PT6H",
    ):
        assert f"\r\n{line}\r\n" in text, line


def test_event_properties() -> None:
    text = unfolded(build_feed(SPEC, [meeting()]))
    uid = str(uuid.uuid5(UID_NAMESPACE, "yamagata/2026/meeting/council-1"))
    for line in (
        f"UID:{uid}",
        "DTSTAMP:20260501T030405Z",
        "LAST-MODIFIED:20260501T030405Z",
        "SEQUENCE:1",
        "DTSTART;TZID=Asia/Tokyo:20260708T140000",
        "DTEND;TZID=Asia/Tokyo:20260708T160000",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "URL:https://council.example.jp/documents/2026/council-1/agenda/v1/",
        "ORGANIZER;CN=山形県市町村課:mailto:shichoson@pref.example.jp",
        "LOCATION:山形県庁 2階 講堂（山形市松波二丁目8番1号）",
    ):
        assert f"\r\n{line}\r\n" in text, line
    assert "ATTENDEE" not in text
    assert uuid.UUID(uid).version == 5


def test_all_day_events_use_dates_with_an_exclusive_end() -> None:
    text = unfolded(build_feed(SPEC, [survey_window()]))
    assert "\r\nDTSTART;VALUE=DATE:20260406\r\n" in text
    assert "\r\nDTEND;VALUE=DATE:20260501\r\n" in text
    assert "\r\nTRANSP:TRANSPARENT\r\n" in text


def test_utc_and_fixed_offsets_are_written_in_utc() -> None:
    plus_nine = timezone(timedelta(hours=9))  # no zone name: a TZID would have to be invented
    start = datetime(2026, 7, 8, 14, tzinfo=plus_nine)
    build_feed(SPEC, [meeting()])  # the same instants in Asia/Tokyo, serialised (and cached) first
    text = unfolded(build_feed(SPEC, [meeting(start=start, end=start + timedelta(hours=2))]))
    assert "\r\nDTSTART:20260708T050000Z\r\n" in text
    assert "\r\nDTEND:20260708T070000Z\r\n" in text
    assert "TZID=" not in text


def test_cancelled_event_is_marked_and_prefixed_once() -> None:
    text = unfolded(build_feed(SPEC, [meeting(status=EventStatus.cancelled, summary=f"{CANCELLED_PREFIX}会議")]))
    assert "\r\nSTATUS:CANCELLED\r\n" in text
    assert f"\r\nSUMMARY:{CANCELLED_PREFIX}会議\r\n" in text
    text = unfolded(build_feed(SPEC, [meeting(status=EventStatus.cancelled, summary="会議")]))
    assert f"\r\nSUMMARY:{CANCELLED_PREFIX}会議\r\n" in text


def test_same_input_same_bytes_whatever_the_order() -> None:
    first = build_feed(SPEC, events())
    shuffled = events()
    random.Random(4).shuffle(shuffled)
    assert build_feed(SPEC, shuffled) == first
    assert build_feed(SPEC, list(reversed(shuffled))) == first


def test_uid_is_stable_and_opaque() -> None:
    assert event_uid("yamagata/2026/meeting/council-1") == event_uid("yamagata/2026/meeting/council-1")
    assert event_uid("yamagata/2026/meeting/council-1") != event_uid("yamagata/2027/meeting/council-1")
    assert "council" not in event_uid("yamagata/2026/meeting/council-1")


def test_duplicate_events_are_refused() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        build_feed(SPEC, [meeting(), meeting()])


def test_every_tzid_has_a_vtimezone_and_it_is_built_once() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    feed = [
        meeting(),
        meeting("x/berlin", start=datetime(2026, 7, 8, 9, tzinfo=berlin), end=datetime(2026, 7, 8, 10, tzinfo=berlin)),
    ]
    build_feed(SPEC, feed)
    misses = vtimezone.cache_info().misses
    calendar = icalendar.Calendar.from_ical(build_feed(SPEC, feed))
    assert vtimezone.cache_info().misses == misses  # reused, not rebuilt
    declared = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    used = set(re.findall(r";TZID=([^:;]+)", unfolded(calendar.to_ical())))
    assert used == {"Asia/Tokyo", "Europe/Berlin"}
    assert used <= declared
    assert "BEGIN:DAYLIGHT" in calendar.to_ical().decode()  # Berlin's summer time is declared
    assert unfolded(build_feed(SPEC, [])).count("BEGIN:VTIMEZONE") == 1  # X-WR-TIMEZONE's zone, even when empty


def test_parsed_back_by_three_independent_parsers() -> None:
    body = build_feed(SPEC, events())
    text = body.decode("utf-8")

    calendar = icalendar.Calendar.from_ical(body)
    parsed = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    uid = event_uid("yamagata/2026/meeting/council-1")
    assert str(parsed[uid]["SUMMARY"]) == LONG_TITLE
    assert parsed[uid].decoded("DTSTART") == datetime(2026, 7, 8, 14, tzinfo=TOKYO)
    assert str(parsed[uid]["DESCRIPTION"]) == LONG_DESCRIPTION
    assert parsed[event_uid("yamagata/2026/stage/survey")].decoded("DTEND") == date(2026, 5, 1)

    vcalendar = vobject.readOne(text)
    by_uid = {e.uid.value: e for e in vcalendar.vevent_list}
    assert by_uid[uid].summary.value == LONG_TITLE
    assert by_uid[uid].description.value == LONG_DESCRIPTION
    assert by_uid[uid].dtstart.value == datetime(2026, 7, 8, 14, tzinfo=TOKYO)
    assert by_uid[event_uid("yamagata/2026/stage/survey")].dtstart.value == date(2026, 4, 6)

    ics_calendar = ics.Calendar(text)
    ics_events = {e.uid: e for e in ics_calendar.events}
    assert len(ics_events) == 3
    assert ics_events[uid].name == LONG_TITLE
    assert ics_events[uid].begin.datetime == datetime(2026, 7, 8, 14, tzinfo=TOKYO)
    assert ics_events[uid].location == "山形県庁 2階 講堂（山形市松波二丁目8番1号）"
    assert ics_events[event_uid("yamagata/2026/stage/survey")].all_day


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 4, 1), datetime(2026, 4, 2, tzinfo=TOKYO), "both be dates"),
        (datetime(2026, 4, 1, 10), datetime(2026, 4, 1, 11), "naive"),
        (date(2026, 4, 2), date(2026, 4, 2), "after start"),
        (datetime(2026, 4, 1, 11, tzinfo=TOKYO), datetime(2026, 4, 1, 10, tzinfo=TOKYO), "after start"),
    ],
)
def test_malformed_events_are_refused(start: date, end: date, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FeedEvent(internal_id="x", summary="x", start=start, end=end, last_modified=CHANGED)
