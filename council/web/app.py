"""The HTTP app (Starlette: ~50 µs a request against FastAPI's ~130 µs, and feeds need nothing FastAPI adds).

- `GET/HEAD /feeds/{name}.ics`: the published bytes, `text/calendar; charset=utf-8`, strong ETag, Last-Modified =
  the wall-clock time of the last content change (never later than the response's Date), 304 for If-None-Match /
  If-Modified-Since. Private feeds need `?token=`; a missing, wrong or revoked token gets the same 404 as a feed
  that does not exist.
- `GET /feeds/`: the subscribe page (Japanese). Its links are absolute (http(s):// and webcal://) only when the
  public base URL is configured (COUNCIL_PUBLIC_BASE_URL); otherwise relative, without webcal://. The Host header is
  never used to build a URL: it is whatever the client says it is.

The app sets the Date header of every response itself (from `clock`), so that Last-Modified can be held to it; run
it with the server's own Date header off (`council.web.server.server_config` does).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from council.clock import TOKYO
from council.feeds.config import FeedConfig
from council.feeds.tokens import feed_url, token_grants
from council.wareki import wareki_date
from council.web.conditional import not_modified
from council.web.feed_store import FeedStore, ServedFeed

CALENDAR_TYPE = "text/calendar; charset=utf-8"
PRIVATE_CACHE = "private, no-cache"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    engine: Engine,
    *,
    config: FeedConfig,
    refresh_seconds: float = 2.0,
    clock: Callable[[], datetime] = utc_now,
) -> Starlette:
    store = FeedStore(engine, refresh_seconds=refresh_seconds)
    public_cache = f"public, max-age={config.public_max_age}"
    templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html", "j2")))
    subscribe_page = templates.get_template("subscribe.html.j2")

    def http_now() -> datetime:
        return clock().astimezone(UTC).replace(microsecond=0)

    async def current_feeds() -> dict[str, ServedFeed]:
        if store.due():
            await run_in_threadpool(store.refresh)
        return dict(store.feeds())

    async def feed(request: Request) -> Response:
        feeds = await current_feeds()
        served = feeds.get(request.path_params["name"])
        if served is None or not (
            served.public or token_grants(request.query_params.get("token"), served.token_hashes)
        ):
            return not_found()
        now = http_now()
        last_modified = min(served.last_modified, now)  # a date ahead of the clock is never served
        headers = {
            "Date": format_datetime(now, usegmt=True),
            "ETag": served.etag,
            "Last-Modified": format_datetime(last_modified, usegmt=True),
            "Cache-Control": public_cache if served.public else PRIVATE_CACHE,
        }
        if not served.public:
            headers["X-Robots-Tag"] = "noindex, nofollow"
            headers["Referrer-Policy"] = "no-referrer"
        if not_modified(request.headers, etag=served.etag, last_modified=last_modified, now=now):
            return Response(status_code=304, headers=headers)
        headers["Content-Disposition"] = f'inline; filename="{served.name}.ics"' if served.name.isascii() else "inline"
        return Response(served.body, headers=headers, media_type=CALENDAR_TYPE)

    async def subscribe(_: Request) -> Response:
        feeds = await current_feeds()
        now = http_now()
        base = config.public_base_url  # never the request's Host: a client can send any
        entries: list[dict[str, Any]] = []
        for served in sorted(feeds.values(), key=lambda item: (item.name != "council", item.name)):
            if not served.public:
                continue
            url = feed_url(base, served.name) if base else f"/feeds/{quote(served.name)}.ics"
            entries.append(
                {
                    "title": served.title,
                    "url": url,
                    "absolute": bool(base),
                    "webcal": webcal_url(url) if base else None,
                    "events": served.event_count,
                    "updated": wareki_date(min(served.last_modified, now).astimezone(TOKYO).date()),
                }
            )
        html = subscribe_page.render(feeds=entries)
        return HTMLResponse(html, headers={"Cache-Control": "no-cache"})

    async def home(_: Request) -> Response:
        return RedirectResponse("/feeds/", status_code=307)

    app = Starlette(
        routes=[
            Route("/", home, methods=["GET"]),
            Route("/feeds", home, methods=["GET"]),
            Route("/feeds/", subscribe, methods=["GET"]),
            Route("/feeds/{name}.ics", feed, methods=["GET"]),  # Starlette answers HEAD for GET routes
        ]
    )
    # Starlette's own slash redirects build an absolute Location from the Host header: none of those.
    app.router.redirect_slashes = False
    app.add_middleware(DateHeader, clock=http_now)
    return app


def webcal_url(url: str) -> str:
    """webcal:// for an http(s):// URL (Apple's calendar apps subscribe from such links)."""
    scheme, separator, rest = url.partition("://")
    return f"webcal://{rest}" if separator and scheme in ("http", "https") else url


def not_found() -> Response:
    return PlainTextResponse("Not Found", status_code=404, headers={"Cache-Control": "no-store"})


class DateHeader:
    """Adds a Date header (RFC 9110 §6.6.1) to every response that has none; feed responses set their own, from
    the same clock as their Last-Modified."""

    def __init__(self, app: ASGIApp, *, clock: Callable[[], datetime]) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_date(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "date" not in headers:
                    headers["Date"] = format_datetime(self.clock(), usegmt=True)
            await send(message)

        await self.app(scope, receive, send_with_date)
