"""The HTTP app (Starlette: ~50 µs a request against FastAPI's ~130 µs, and feeds need nothing FastAPI adds).

- `GET/HEAD /feeds/{name}.ics`: the published bytes, `text/calendar; charset=utf-8`, strong ETag, Last-Modified =
  last content change, 304 for If-None-Match / If-Modified-Since. Private feeds need `?token=`; a missing, wrong
  or revoked token gets the same 404 as a feed that does not exist.
- `GET /feeds/`: the subscribe page (Japanese) with webcal:// and http(s):// links to the public feeds.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from council.clock import TOKYO
from council.feeds.config import FeedConfig
from council.feeds.tokens import feed_url, token_grants
from council.wareki import wareki_date
from council.web.conditional import not_modified
from council.web.feed_store import FeedStore, ServedFeed

CALENDAR_TYPE = "text/calendar; charset=utf-8"
PRIVATE_CACHE = "private, no-cache"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def create_app(engine: Engine, *, config: FeedConfig, refresh_seconds: float = 2.0) -> Starlette:
    store = FeedStore(engine, refresh_seconds=refresh_seconds)
    public_cache = f"public, max-age={config.public_max_age}"
    templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html", "j2")))
    subscribe_page = templates.get_template("subscribe.html.j2")

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
        headers = {
            "ETag": served.etag,
            "Last-Modified": served.last_modified_http,
            "Cache-Control": public_cache if served.public else PRIVATE_CACHE,
        }
        if not served.public:
            headers["X-Robots-Tag"] = "noindex, nofollow"
            headers["Referrer-Policy"] = "no-referrer"
        if not_modified(request.headers, etag=served.etag, last_modified=served.last_modified):
            return Response(status_code=304, headers=headers)
        headers["Content-Disposition"] = f'inline; filename="{served.name}.ics"' if served.name.isascii() else "inline"
        return Response(served.body, headers=headers, media_type=CALENDAR_TYPE)

    async def subscribe(request: Request) -> Response:
        feeds = await current_feeds()
        base = config.public_base_url or f"{request.url.scheme}://{request.url.netloc}"
        entries: list[dict[str, Any]] = []
        for served in sorted(feeds.values(), key=lambda item: (item.name != "council", item.name)):
            if not served.public:
                continue
            url = feed_url(base, served.name)
            entries.append(
                {
                    "title": served.title,
                    "url": url,
                    "webcal": re.sub(r"^https?://", "webcal://", url),
                    "events": served.event_count,
                    "updated": wareki_date(served.last_modified.astimezone(TOKYO).date()),
                }
            )
        html = subscribe_page.render(feeds=entries)
        return HTMLResponse(html, headers={"Cache-Control": "no-cache"})

    async def home(_: Request) -> Response:
        return RedirectResponse("/feeds/", status_code=307)

    return Starlette(
        routes=[
            Route("/", home, methods=["GET"]),
            Route("/feeds/", subscribe, methods=["GET"]),
            Route("/feeds/{name}.ics", feed, methods=["GET"]),  # Starlette answers HEAD for GET routes
        ]
    )


def not_found() -> Response:
    return PlainTextResponse("Not Found", status_code=404, headers={"Cache-Control": "no-store"})


class RedactTokens(logging.Filter):
    """Keep subscription tokens out of access logs: uvicorn logs the full path, query string included."""

    _TOKEN = re.compile(r"(token=)[^&\s]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._TOKEN.sub(r"\1…", arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def redact_tokens_in_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, RedactTokens) for existing in access.filters):
        access.addFilter(RedactTokens())
