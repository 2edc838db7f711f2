"""The feed server over real HTTP: uvicorn on 127.0.0.1 (a free port), a real database behind it."""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from feed_seed import seed_year, tokyo
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from council.feeds.config import FeedConfig
from council.feeds.publish import publish_feeds
from council.feeds.tokens import create_token, revoke_token
from council.web import create_app
from council.web.app import RedactTokens
from council.web.conditional import not_modified
from council.web.feed_store import FeedStore
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


@pytest.fixture
def feed_server(engine: Engine, council_home: Path) -> Iterator[Running]:
    feeds_dir = council_home / "feeds"
    with Session(engine) as session:
        seed_year(session)
        publish_feeds(session, today=TODAY, now=PUBLISHED, config=CONFIG, feeds_dir=feeds_dir)
        issued = create_token(session, feed="org-062014", label="山形市", now=PUBLISHED, config=CONFIG, actor="t")
        other = create_token(session, feed="org-062049", label="酒田市", now=PUBLISHED, config=CONFIG, actor="t")
        token_id = issued.token.id or 0
        session.commit()
    # refresh_seconds=0: every request sees what was just committed (revocations, republished feeds).
    app = create_app(engine, config=CONFIG, refresh_seconds=0)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "server stopped while starting"
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            yield Running(url, engine, issued.secret, token_id, other.secret, client, feeds_dir)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


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
            session, today=TODAY, now=PUBLISHED + timedelta(days=2), config=CONFIG, feeds_dir=feed_server.feeds_dir
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


def test_subscribe_page_lists_public_feeds_with_links_for_the_request_scheme(feed_server: Running) -> None:
    page = feed_server.client.get("/feeds/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    host = feed_server.url.removeprefix("http://")
    assert '<html lang="ja">' in page.text
    assert f'href="webcal://{host}/feeds/council.ics"' in page.text
    assert f'href="http://{host}/feeds/council.ics"' in page.text
    assert "県・市町村連携推進会議" in page.text
    assert "secretariat" not in page.text
    assert "org-" not in page.text
    # Behind a TLS-terminating proxy on the loopback (trusted by uvicorn), links follow the original scheme.
    proxied = feed_server.client.get("/feeds/", headers={"X-Forwarded-Proto": "https"})
    assert f'href="https://{host}/feeds/council.ics"' in proxied.text
    assert feed_server.client.get("/", follow_redirects=False).headers["location"] == "/feeds/"


def test_store_refreshes_only_when_due(engine: Engine, council_home: Path) -> None:
    with Session(engine) as session:
        seed_year(session)
        publish_feeds(session, today=TODAY, now=PUBLISHED, config=CONFIG, feeds_dir=council_home / "feeds")
        session.commit()
    now = [100.0]
    store = FeedStore(engine, refresh_seconds=5, clock=lambda: now[0])
    assert store.due()
    store.refresh()
    before = store.feeds()["council"]
    with Session(engine) as session:
        session.exec(select(Meeting).where(Meeting.key == "council-1")).one().venue = "山形市役所"
        publish_feeds(
            session, today=TODAY, now=PUBLISHED + timedelta(days=1), config=CONFIG, feeds_dir=council_home / "feeds"
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
    ],
)
def test_not_modified_rules(headers: dict[str, str], expected: bool) -> None:
    last_modified = datetime(2026, 4, 1, 0, 30, 15, tzinfo=UTC)
    assert not_modified(headers, etag='"abc"', last_modified=last_modified) is expected


def test_tokens_are_kept_out_of_access_logs() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/feeds/x.ics?token=s3cr3t&a=1", "1.1", 200),
        None,
    )
    RedactTokens().filter(record)
    assert "s3cr3t" not in record.getMessage()
    assert "/feeds/x.ics?token=…&a=1" in record.getMessage()


def test_store_keeps_serving_when_the_database_fails(sqlite_engine: Engine, council_home: Path) -> None:
    with Session(sqlite_engine) as session:
        seed_year(session)
        publish_feeds(session, today=TODAY, now=PUBLISHED, config=CONFIG, feeds_dir=council_home / "feeds")
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
