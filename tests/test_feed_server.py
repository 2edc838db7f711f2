"""The feed server over real HTTP: uvicorn on 127.0.0.1 (a free port), a real database behind it."""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from feed_seed import seed_year, tokyo
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select
from starlette.applications import Starlette

from council.feeds.config import FeedConfig
from council.feeds.publish import publish_feeds
from council.feeds.tokens import create_token, revoke_token
from council.web import ServerLimits, create_app, server_config
from council.web.conditional import not_modified
from council.web.feed_store import FeedStore
from council.web.server import DropQueryStrings
from models import FeedSnapshot, Meeting

TODAY = date(2026, 4, 1)
PUBLISHED = datetime(2026, 4, 1, 0, 30, 15, 123456, tzinfo=UTC)
CONFIG = FeedConfig()
CALENDAR_TYPE = "text/calendar; charset=utf-8"


@dataclass
class Running:
    url: str
    engine: Engine
    secret: str
    token_id: int
    other_secret: str
    client: httpx.Client
    feeds_dir: Path


@contextmanager
def running(app: Starlette) -> Iterator[str]:
    """`app` under uvicorn in a thread, configured as `council serve` does (limits, Date header, access log)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(server_config(app, host="127.0.0.1", port=port, limits=ServerLimits(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "server stopped while starting"
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture
def feed_server(engine: Engine, council_home: Path) -> Iterator[Running]:
    feeds_dir = council_home / "feeds"
    with Session(engine) as session:
        seed_year(session)
        publish_feeds(session, today=TODAY, now=PUBLISHED, wall_clock=PUBLISHED, config=CONFIG, feeds_dir=feeds_dir)
        issued = create_token(session, feed="org-062014", label="山形市", now=PUBLISHED, config=CONFIG, actor="t")
        other = create_token(session, feed="org-062049", label="酒田市", now=PUBLISHED, config=CONFIG, actor="t")
        token_id = issued.token.id or 0
        session.commit()
    # refresh_seconds=0: every request sees what was just committed (revocations, republished feeds).
    with (
        running(create_app(engine, config=CONFIG, refresh_seconds=0)) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        yield Running(url, engine, issued.secret, token_id, other.secret, client, feeds_dir)


def snapshot_body(engine: Engine, name: str) -> bytes:
    with Session(engine) as session:
        return session.exec(select(FeedSnapshot).where(FeedSnapshot.name == name)).one().body


def test_public_feed_is_served_with_validators(feed_server: Running) -> None:
    response = feed_server.client.get("/feeds/council.ics")
    assert response.status_code == 200
    assert response.content == snapshot_body(feed_server.engine, "council")
    assert response.headers["content-type"] == CALENDAR_TYPE
    assert response.headers["etag"] == f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
    assert response.headers["last-modified"] == format_datetime(PUBLISHED.replace(microsecond=0), usegmt=True)
    assert response.headers["cache-control"] == "public, max-age=300"
    assert int(response.headers["content-length"]) == len(response.content)

    head = feed_server.client.head("/feeds/council.ics")
    assert head.status_code == 200
    assert head.content == b""
    for header in ("content-type", "etag", "last-modified", "cache-control", "content-length"):
        assert head.headers[header] == response.headers[header], header


def test_conditional_requests_get_304(feed_server: Running) -> None:
    url = "/feeds/council.ics"
    first = feed_server.client.get(url)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]

    def status(**headers: str) -> int:
        response = feed_server.client.get(url, headers=headers)
        if response.status_code == 304:
            assert response.content == b""
            assert response.headers["etag"] == etag
            assert response.headers["last-modified"] == last_modified
            assert "public" in response.headers["cache-control"]
        return response.status_code

    assert status(**{"If-None-Match": etag}) == 304
    assert status(**{"If-None-Match": f'"other", W/{etag}'}) == 304
    assert status(**{"If-None-Match": "*"}) == 304
    assert status(**{"If-None-Match": '"something-else"'}) == 200
    assert status(**{"If-Modified-Since": last_modified}) == 304
    assert status(**{"If-Modified-Since": format_datetime(PUBLISHED + timedelta(days=1), usegmt=True)}) == 304
    assert status(**{"If-Modified-Since": format_datetime(PUBLISHED - timedelta(seconds=1), usegmt=True)}) == 200
    assert status(**{"If-Modified-Since": "not a date"}) == 200
    # If-None-Match takes precedence: a stale ETag gets the body even when the date would say "not modified".
    assert status(**{"If-None-Match": '"stale"', "If-Modified-Since": last_modified}) == 200
    assert feed_server.client.head(url, headers={"If-None-Match": etag}).status_code == 304


def test_republished_feed_gets_a_new_etag_and_date(feed_server: Running) -> None:
    url = "/feeds/council.ics"
    old = feed_server.client.get(url)
    with Session(feed_server.engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.key == "council-1")).one()
        meeting.starts_at, meeting.ends_at = tokyo(2026, 7, 15, 10), tokyo(2026, 7, 15, 12)
        meeting.revision += 1
        meeting.updated_at = PUBLISHED + timedelta(days=1)
        session.add(meeting)
        publish_feeds(
            session,
            today=TODAY,
            now=PUBLISHED + timedelta(days=2),
            wall_clock=PUBLISHED + timedelta(days=2),
            config=CONFIG,
            feeds_dir=feed_server.feeds_dir,
        )
        session.commit()
    new = feed_server.client.get(url, headers={"If-None-Match": old.headers["etag"]})
    assert new.status_code == 200
    assert new.headers["etag"] != old.headers["etag"]
    assert b"DTSTART;TZID=Asia/Tokyo:20260715T100000" in new.content
    assert feed_server.client.get(url, headers={"If-Modified-Since": old.headers["last-modified"]}).status_code == 200


def test_private_feeds_need_their_own_valid_token(feed_server: Running) -> None:
    url = "/feeds/org-062014.ics"
    missing = feed_server.client.get(url)
    assert missing.status_code == 404
    assert feed_server.client.get(url, params={"token": feed_server.secret + "x"}).status_code == 404
    assert (
        feed_server.client.get(url, params={"token": feed_server.other_secret}).status_code == 404
    )  # another feed's token
    assert feed_server.client.get("/feeds/no-such-feed.ics").content == missing.content
    assert (
        feed_server.client.get(url, headers={"If-None-Match": "*"}).status_code == 404
    )  # no 304 without a token either

    granted = feed_server.client.get(url, params={"token": feed_server.secret})
    assert granted.status_code == 200
    assert granted.content == snapshot_body(feed_server.engine, "org-062014")
    assert granted.headers["content-type"] == CALENDAR_TYPE
    assert granted.headers["cache-control"].startswith("private")
    assert feed_server.client.head(url, params={"token": feed_server.secret}).status_code == 200
    revalidated = feed_server.client.get(
        url, params={"token": feed_server.secret}, headers={"If-None-Match": granted.headers["etag"]}
    )
    assert revalidated.status_code == 304
    assert revalidated.headers["cache-control"].startswith("private")

    with Session(feed_server.engine) as session:
        revoke_token(session, token_id=feed_server.token_id, now=PUBLISHED + timedelta(hours=1), actor="t")
        session.commit()
    assert feed_server.client.get(url, params={"token": feed_server.secret}).status_code == 404
    assert (
        feed_server.client.get("/feeds/org-062049.ics", params={"token": feed_server.other_secret}).status_code == 200
    )


def test_subscribe_page_without_a_base_url_has_relative_links_and_ignores_the_host(feed_server: Running) -> None:
    page = feed_server.client.get("/feeds/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="ja">' in page.text
    assert 'href="/feeds/council.ics"' in page.text
    assert "webcal:" not in page.text  # webcal:// needs an absolute URL, which only the configuration can give
    assert "県・市町村連携推進会議" in page.text
    assert "secretariat" not in page.text
    assert "org-" not in page.text
    hostile = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    for path in ("/feeds/", "/feeds", "/", "/feeds/council.ics/"):
        response = feed_server.client.get(path, headers=hostile, follow_redirects=False)
        assert "evil.example" not in response.text, path
        assert "evil.example" not in response.headers.get("location", ""), path
    assert feed_server.client.get("/", follow_redirects=False).headers["location"] == "/feeds/"
    assert feed_server.client.get("/feeds", follow_redirects=False).headers["location"] == "/feeds/"
    assert feed_server.client.get("/feeds/council.ics/", follow_redirects=False).status_code == 404


def test_subscribe_page_with_a_base_url_links_there_and_offers_webcal(engine: Engine, council_home: Path) -> None:
    with Session(engine) as session:
        seed_year(session)
        publish_feeds(
            session, today=TODAY, now=PUBLISHED, wall_clock=PUBLISHED, config=CONFIG, feeds_dir=council_home / "feeds"
        )
        session.commit()
    config = replace(CONFIG, public_base_url="https://council.example.jp")
    with running(create_app(engine, config=config, refresh_seconds=0)) as url:
        page = httpx.get(f"{url}/feeds/", headers={"Host": "evil.example"}, timeout=10)
    assert page.status_code == 200
    assert 'href="webcal://council.example.jp/feeds/council.ics"' in page.text
    assert 'href="https://council.example.jp/feeds/council.ics"' in page.text
    assert "evil.example" not in page.text


def test_store_refreshes_only_when_due(engine: Engine, council_home: Path) -> None:
    with Session(engine) as session:
        seed_year(session)
        publish_feeds(
            session, today=TODAY, now=PUBLISHED, wall_clock=PUBLISHED, config=CONFIG, feeds_dir=council_home / "feeds"
        )
        session.commit()
    now = [100.0]
    store = FeedStore(engine, refresh_seconds=5, clock=lambda: now[0])
    assert store.due()
    store.refresh()
    before = store.feeds()["council"]
    with Session(engine) as session:
        session.exec(select(Meeting).where(Meeting.key == "council-1")).one().venue = "山形市役所"
        publish_feeds(
            session,
            today=TODAY,
            now=PUBLISHED + timedelta(days=1),
            wall_clock=PUBLISHED + timedelta(days=1),
            config=CONFIG,
            feeds_dir=council_home / "feeds",
        )
        session.commit()
    now[0] = 104.9
    assert not store.due()
    now[0] = 105.0
    assert store.due()
    store.refresh()
    after = store.feeds()["council"]
    assert after.etag != before.etag
    assert "山形市役所".encode() in after.body
    assert store.feeds()["secretariat"].body is not None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, False),
        ({"if-none-match": '"abc"'}, True),
        ({"if-none-match": 'W/"abc"'}, True),
        ({"if-none-match": '"x", "abc"'}, True),
        ({"if-none-match": '"x"', "if-modified-since": "Wed, 01 Apr 2026 00:30:15 GMT"}, False),
        ({"if-modified-since": "Wed, 01 Apr 2026 00:30:15 GMT"}, True),
        ({"if-modified-since": "Wed, 01 Apr 2026 00:30:14 GMT"}, False),
        ({"if-modified-since": "2026-04-01"}, False),
        ({"if-modified-since": "Wed, 01 Apr 2026 12:00:00 GMT"}, True),  # the response's Date: fine
        ({"if-modified-since": "Wed, 01 Apr 2026 12:00:01 GMT"}, False),  # ahead of the clock: ignored
        ({"if-modified-since": "Wed, 17 Feb 2027 00:30:00 GMT"}, False),
        ({"if-none-match": '"abc"', "if-modified-since": "Wed, 17 Feb 2027 00:30:00 GMT"}, True),
    ],
)
def test_not_modified_rules(headers: dict[str, str], expected: bool) -> None:
    last_modified = datetime(2026, 4, 1, 0, 30, 15, tzinfo=UTC)
    now = datetime(2026, 4, 1, 12, 0, 0, tzinfo=UTC)
    assert not_modified(headers, etag='"abc"', last_modified=last_modified, now=now) is expected


def test_last_modified_is_never_after_the_date_and_a_future_one_gives_no_wrong_304(feed_server: Running) -> None:
    """A snapshot dated 17 Feb 2027 by a simulation before the fix: the server serves it dated no later than its
    Date, ignores If-Modified-Since ahead of its clock, and a real change is never answered 304."""
    url = "/feeds/council.ics"
    future = datetime(2027, 2, 17, 0, 30, tzinfo=UTC)
    with Session(feed_server.engine) as session:
        snapshot = session.exec(select(FeedSnapshot).where(FeedSnapshot.name == "council")).one()
        snapshot.changed_at = future
        session.add(snapshot)
        session.commit()
    first = feed_server.client.get(url)
    assert first.status_code == 200
    date_header = parsedate_to_datetime(first.headers["date"])
    assert parsedate_to_datetime(first.headers["last-modified"]) <= date_header
    assert len(first.headers.get_list("date")) == 1
    assert abs((date_header - datetime.now(UTC)).total_seconds()) < 60
    stale_client = format_datetime(future, usegmt=True)  # what the server used to send
    assert feed_server.client.get(url, headers={"If-Modified-Since": stale_client}).status_code == 200

    with Session(feed_server.engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.key == "council-1")).one()
        meeting.venue = "山形県庁講堂"
        session.add(meeting)
        real = datetime.now(UTC)
        publish_feeds(session, today=TODAY, now=future, wall_clock=real, config=CONFIG, feeds_dir=feed_server.feeds_dir)
        session.commit()
    changed = feed_server.client.get(url, headers={"If-Modified-Since": stale_client})
    assert changed.status_code == 200
    assert "山形県庁講堂".encode() in changed.content
    assert parsedate_to_datetime(changed.headers["last-modified"]) == real.replace(microsecond=0)
    assert parsedate_to_datetime(changed.headers["last-modified"]) <= parsedate_to_datetime(changed.headers["date"])
    # If-None-Match wins over If-Modified-Since both ways.
    fresh_date = changed.headers["last-modified"]
    assert (
        feed_server.client.get(
            url, headers={"If-None-Match": first.headers["etag"], "If-Modified-Since": fresh_date}
        ).status_code
        == 200
    )
    assert (
        feed_server.client.get(
            url, headers={"If-None-Match": changed.headers["etag"], "If-Modified-Since": stale_client}
        ).status_code
        == 304
    )


def test_every_response_has_one_date_header(feed_server: Running) -> None:
    for path in ("/feeds/", "/feeds/council.ics", "/feeds/nothing.ics", "/"):
        response = feed_server.client.get(path, follow_redirects=False)
        assert len(response.headers.get_list("date")) == 1, path
        assert abs((parsedate_to_datetime(response.headers["date"]) - datetime.now(UTC)).total_seconds()) < 60


def test_query_strings_are_dropped_from_access_log_records() -> None:
    for path in ("/feeds/x.ics?token=s3cr3t&a=1", "/feeds/x.ics?%74oken=s3cr3t", "/feeds/x.ics?tok%65n=s3cr3t"):
        record = logging.LogRecord(
            "uvicorn.access",
            logging.INFO,
            __file__,
            1,
            '%s - "%s %s HTTP/%s" %d',
            ("127.0.0.1:5", "GET", path, "1.1", 200),
            None,
        )
        assert DropQueryStrings().filter(record)
        assert record.getMessage() == '127.0.0.1:5 - "GET /feeds/x.ics HTTP/1.1" 200'


def test_store_keeps_serving_when_the_database_fails(sqlite_engine: Engine, council_home: Path) -> None:
    with Session(sqlite_engine) as session:
        seed_year(session)
        publish_feeds(
            session, today=TODAY, now=PUBLISHED, wall_clock=PUBLISHED, config=CONFIG, feeds_dir=council_home / "feeds"
        )
        session.commit()
    store = FeedStore(sqlite_engine, refresh_seconds=0)
    store.refresh()
    served = store.feeds()["council"]
    with sqlite_engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE feedsnapshot RENAME TO feedsnapshot_gone")
    store.refresh()  # logged, not raised: the last good copy stays
    assert store.feeds()["council"] == served
    fresh = FeedStore(sqlite_engine, refresh_seconds=0)
    with pytest.raises(OperationalError):
        fresh.refresh()  # nothing loaded yet: nothing to fall back on
