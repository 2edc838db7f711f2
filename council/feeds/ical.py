"""iCalendar feeds (RFC 5545 / RFC 7986): the one place that knows the format.

`build_feed` is a pure function of a FeedSpec and its FeedEvents: the same input always gives the same bytes, so
an unchanged rebuild keeps its ETag. What makes that true:
- UID is a UUIDv5 of the event's internal id (stable and opaque), DTSTAMP is the event's last change — never the
  build time, never random (icalendar's `Event.new()` would put both there);
- events are sorted, properties added in a fixed order, and the VTIMEZONE of a zone is built once per process
  (`add_missing_timezones()` costs ~20 ms, too much to pay once per organisation feed) and reused.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration, vText

PRODID = "-//council-cycle//Yamagata 県・市町村連携推進会議//JA"
# Fixed forever: changing it would change every UID, and every client would see all events deleted and re-added.
UID_NAMESPACE = uuid.UUID("6f2d0c8e-4b53-5c1e-9a57-3c0f1e3d2a11")
CANCELLED_PREFIX = "【中止】"
DEFAULT_TIMEZONE = "Asia/Tokyo"
# The VTIMEZONE covers this range; Asia/Tokyo has had no transition since 1951, other zones are exact within it.
_VTIMEZONE_FIRST = date(1970, 1, 1)
_VTIMEZONE_LAST = date(2038, 1, 1)


class _Text(vText):
    """TEXT escaped exactly by RFC 5545 §3.3.11. icalendar's vText reads a literal backslash-N in the input as a
    line break (its documented convenience), which would change text such as a Windows path; here only a real
    newline becomes \\n."""

    def to_ical(self) -> bytes:
        escaped = (
            str(self)
            .replace("\\", "\\\\")
            .replace(";", "\\;")
            .replace(",", "\\,")
            .replace("\r\n", "\n")
            .replace("\r", "\n")
            .replace("\n", "\\n")
        )
        return escaped.encode("utf-8")


class EventStatus(StrEnum):
    tentative = "TENTATIVE"
    confirmed = "CONFIRMED"
    cancelled = "CANCELLED"


@dataclass(frozen=True, slots=True)
class Organizer:
    email: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One calendar: its file name stem, what subscribers see it called, and how often clients should refresh."""

    name: str
    title: str
    description: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    refresh_interval: timedelta = timedelta(hours=6)
    organizer: Organizer | None = None

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name:
            raise ValueError(f"feed name {self.name!r} must be a non-empty file name stem")
        if self.refresh_interval <= timedelta(0):
            raise ValueError("refresh_interval must be positive")
        ZoneInfo(self.timezone)  # fail now for an unknown zone


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One event. Timed events have aware datetimes (their ZoneInfo names the TZID); all-day events have dates
    with an exclusive `end` (a one-day event ends the next day).

    `last_modified` is the event's last change: it becomes DTSTAMP and LAST-MODIFIED. `sequence` must rise
    whenever start, end, status or location changes.
    """

    internal_id: str
    summary: str
    start: date | datetime
    end: date | datetime
    last_modified: datetime
    sequence: int = 0
    status: EventStatus = EventStatus.confirmed
    location: str | None = None
    description: str | None = None
    url: str | None = None
    categories: tuple[str, ...] = ()
    busy: bool = True

    def __post_init__(self) -> None:
        timed = isinstance(self.start, datetime)
        if timed != isinstance(self.end, datetime):
            raise ValueError(f"{self.internal_id}: start and end must both be dates or both be datetimes")
        if timed:
            for moment in (self.start, self.end):
                assert isinstance(moment, datetime)
                if moment.tzinfo is None or moment.utcoffset() is None:
                    raise ValueError(f"{self.internal_id}: naive datetime {moment.isoformat()}")
        if not self.end > self.start:  # type: ignore[operator]
            raise ValueError(f"{self.internal_id}: end must be after start (all-day ends are exclusive)")
        if self.last_modified.tzinfo is None:
            raise ValueError(f"{self.internal_id}: last_modified must be timezone-aware")
        if self.sequence < 0:
            raise ValueError(f"{self.internal_id}: sequence must not be negative")

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def uid(self) -> str:
        return event_uid(self.internal_id)


@lru_cache(maxsize=16384)
def event_uid(internal_id: str) -> str:
    """The stable, opaque UID of an internal id."""
    return str(uuid.uuid5(UID_NAMESPACE, internal_id))


def build_feed(spec: FeedSpec, events: Sequence[FeedEvent]) -> bytes:
    """The feed as bytes: CRLF line ends, lines folded at 75 octets between characters, UTF-8.

    VTIMEZONEs come first (RFC 5545 allows any order, some older clients do not), one for every TZID used and
    one for X-WR-TIMEZONE. Each VEVENT is serialised once per process and reused by every feed that holds it (a
    council meeting is in ~50 organisation feeds); serialising is most of the cost of a build.
    """
    ordered = sorted(events, key=lambda event: (_sort_instant(event, spec.timezone), event.uid))
    seen: set[str] = set()
    used_zones = {spec.timezone}
    for event in ordered:
        if event.uid in seen:
            raise ValueError(f"{spec.name}: event {event.internal_id} appears twice")
        seen.add(event.uid)
        if isinstance(event.start, datetime) and isinstance(event.end, datetime):
            used_zones.update((_zone_key(event.start), _zone_key(event.end)))
    head = _calendar_head(spec, tuple(sorted(used_zones - {"UTC"})))
    vevents = (_vevent_bytes(event, spec.organizer, _zones_of(event)) for event in ordered)
    return b"".join((head, *vevents, _CALENDAR_END))


_CALENDAR_END = b"END:VCALENDAR\r\n"


def _calendar_head(spec: FeedSpec, zones: tuple[str, ...]) -> bytes:
    """Everything before the first VEVENT: the calendar's properties and its VTIMEZONEs."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", _Text(spec.title))
    calendar.add("x-wr-calname", _Text(spec.title))
    if spec.description:
        calendar.add("description", _Text(spec.description))
        calendar.add("x-wr-caldesc", _Text(spec.description))
    calendar.add("x-wr-timezone", spec.timezone)
    # icalendar's refresh_interval setter leaves out VALUE=DURATION, which RFC 7986 requires.
    calendar.add("refresh-interval", vDuration(spec.refresh_interval), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(spec.refresh_interval))
    whole: bytes = calendar.to_ical()
    if not whole.endswith(_CALENDAR_END):
        raise AssertionError("icalendar no longer ends a calendar with END:VCALENDAR")
    return b"".join((whole[: -len(_CALENDAR_END)], *(_vtimezone_bytes(zone) for zone in zones)))


@lru_cache(maxsize=16)
def _vtimezone_bytes(tzid: str) -> bytes:
    body: bytes = vtimezone(tzid).to_ical()
    return body


@lru_cache(maxsize=8192)
def _vevent_bytes(event: FeedEvent, organizer: Organizer | None, zones: tuple[str, str]) -> bytes:
    """`zones` is part of the cache key because aware datetimes compare equal across zones: 14:00 Tokyo equals
    05:00 UTC, yet they are written differently (TZID=Asia/Tokyo vs …Z)."""
    body: bytes = _vevent(event, organizer).to_ical()
    return body


def _zones_of(event: FeedEvent) -> tuple[str, str]:
    return (str(getattr(event.start, "tzinfo", "")), str(getattr(event.end, "tzinfo", "")))


@lru_cache(maxsize=16)
def vtimezone(tzid: str) -> Timezone:
    """The VTIMEZONE of a zone, built once per process by icalendar's add_missing_timezones() and shared by every
    feed (treated as read-only)."""
    scratch = Calendar()
    probe = Event()
    probe.add("dtstart", datetime(2000, 1, 1, tzinfo=ZoneInfo(tzid)))
    scratch.add_component(probe)
    scratch.add_missing_timezones(first_date=_VTIMEZONE_FIRST, last_date=_VTIMEZONE_LAST)
    (component,) = scratch.timezones
    return component


def _vevent(event: FeedEvent, organizer: Organizer | None) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    stamp = event.last_modified.astimezone(UTC).replace(microsecond=0)
    vevent.add("dtstamp", stamp)
    vevent.add("sequence", event.sequence)
    if isinstance(event.start, datetime) and isinstance(event.end, datetime):
        vevent.add("dtstart", _normalised(event.start))
        vevent.add("dtend", _normalised(event.end))
    else:
        vevent.add("dtstart", event.start, parameters={"VALUE": "DATE"})
        vevent.add("dtend", event.end, parameters={"VALUE": "DATE"})
    summary = event.summary
    if event.status is EventStatus.cancelled and not summary.startswith(CANCELLED_PREFIX):
        summary = CANCELLED_PREFIX + summary
    vevent.add("summary", _Text(summary))
    vevent.add("status", event.status.value)
    vevent.add("transp", "OPAQUE" if event.busy else "TRANSPARENT")
    if event.location:
        vevent.add("location", _Text(event.location))
    if event.description:
        vevent.add("description", _Text(event.description))
    if event.url:
        vevent.add("url", event.url)
    if event.categories:
        vevent.add("categories", list(event.categories))
    if organizer is not None:
        address = vCalAddress(f"mailto:{organizer.email}")
        if organizer.name:
            address.params["CN"] = vText(organizer.name)
        vevent.add("organizer", address)
    vevent.add("last-modified", stamp)
    return vevent


def _zone_key(moment: datetime) -> str:
    zone = moment.tzinfo
    if isinstance(zone, ZoneInfo) and zone.key != "UTC":
        return zone.key
    return "UTC"


def _normalised(moment: datetime) -> datetime:
    """A ZoneInfo datetime keeps its zone (TZID=…); any other offset is written in UTC (…Z)."""
    moment = moment.replace(microsecond=0)
    return moment if _zone_key(moment) != "UTC" else moment.astimezone(UTC)


def _sort_instant(event: FeedEvent, timezone: str) -> datetime:
    if isinstance(event.start, datetime):
        return event.start.astimezone(UTC)
    return datetime.combine(event.start, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)
