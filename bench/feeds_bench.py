"""Feed benchmark: build time per feed and per event, publish time, and per-request latency of `council serve`.

Run: .venv/bin/python bench/feeds_bench.py [--requests 1000]

A realistic installation (35 municipalities, 12 departments, 4 regional offices, the secretariat; three fiscal
years of stages, meetings and deadlines) in a temporary SQLite database; the server runs in its own process
(uvicorn[standard], as `council serve` does) and is measured over one keep-alive connection. Prints tables; it
asserts nothing (speed targets do not belong in tests).
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from council import ical
from council.feeds.config import FeedConfig
from council.feeds.publish import publish_feeds
from council.feeds.selection import feed_definitions, feed_items, select_events
from council.feeds.source import load_directory, load_schedule
from council.feeds.tokens import create_token
from council.resources import data_dir
from models import (
    Body,
    Contact,
    Council,
    Cycle,
    Lane,
    Meeting,
    MeetingKind,
    Membership,
    Organization,
    OrganizationKind,
    Stage,
    Task,
)
from models.db import make_engine, upgrade_to_head

TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
DEPARTMENTS = [
    "kikaku",
    "somu",
    "kiki",
    "kanene",
    "kosodate",
    "kenfuku",
    "shoko",
    "kanbun",
    "norin",
    "kendo",
    "kigyo",
    "byoin",
]
REGIONS = {"村山": "murayama", "最上": "mogami", "置賜": "okitama", "庄内": "shonai"}
STAGES = [
    ("survey", "連携課題・ニーズ調査", (4, 6), (4, 30)),
    ("theme_candidates", "新たな連携テーマ候補の検討・調整", (5, 1), (5, 29)),
    ("first_meeting", "第1回会議", (6, 1), (7, 31)),
    ("working_groups", "具体的な連携方策の検討", (8, 3), (9, 30)),
    ("roundtable", "県・市町村行政懇談会", (10, 1), (10, 30)),
    ("budgeting", "予算計上", (11, 2), (1, 29)),
    ("second_meeting", "第2回会議", (2, 1), (3, 19)),
]
MEETINGS = [
    ("secretariat-1", MeetingKind.secretariat_meeting, "第1回県・市町村連携推進会議幹事会", (6, 24, 10)),
    ("council-1", MeetingKind.council_meeting, "第1回県・市町村連携推進会議", (7, 8, 14)),
    ("mayors-meeting", MeetingKind.mayors_meeting, "市町村長会議", (5, 20, 13)),
    ("roundtable", MeetingKind.roundtable, "県・市町村行政懇談会", (10, 21, 15)),
    ("secretariat-2", MeetingKind.secretariat_meeting, "第2回県・市町村連携推進会議幹事会", (2, 3, 10)),
    ("council-2", MeetingKind.council_meeting, "第2回県・市町村連携推進会議", (2, 17, 14)),
]


def in_fy(fiscal_year: int, month: int, day: int) -> date:
    return date(fiscal_year if month >= 4 else fiscal_year + 1, month, day)


def seed(session: Session) -> None:
    council = Council(code="yamagata", name="県・市町村連携推進会議", prefecture="山形県")
    session.add(council)
    session.flush()
    orgs: list[tuple[Organization, list[tuple[str, list[Body]]]]] = [
        (
            Organization(code="secretariat", kind=OrganizationKind.secretariat, name="市町村課"),
            [("事務局担当", list(Body))],
        )
    ]
    with (data_dir("reference") / "municipalities.csv").open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            municipality = Organization(
                code=row["code"], kind=OrganizationKind.municipality, name=row["name"], region=row["region"]
            )
            orgs.append(
                (municipality, [("企画担当課長", [Body.council]), ("市町村長", [Body.mayors_meeting, Body.roundtable])])
            )
    for code in DEPARTMENTS:
        orgs.append(
            (
                Organization(code=f"dept-{code}", kind=OrganizationKind.department, name=f"{code}部"),
                [("主幹課長", [Body.council])],
            )
        )
    for region, slug in REGIONS.items():
        office = Organization(
            code=f"ro-{slug}", kind=OrganizationKind.regional_office, name=f"{region}総合支庁", region=region
        )
        orgs.append((office, [("連携支援室長", [Body.council, Body.secretariat_meeting])]))
    for organization, roles in orgs:
        session.add(organization)
        session.flush()
        for role, bodies in roles:
            contact = Contact(organization_id=organization.id or 0, role=role, email=f"{organization.code}@example.jp")
            session.add(contact)
            session.flush()
            for body in bodies:
                session.add(Membership(council_id=council.id or 0, body=body, contact_id=contact.id or 0))
    for fiscal_year in (2025, 2026, 2027):
        cycle = Cycle(council_id=council.id or 0, fiscal_year=fiscal_year, rules_digest="0" * 64, planned_at=NOW)
        session.add(cycle)
        session.flush()
        for order, (key, title, start, end) in enumerate(STAGES):
            session.add(
                Stage(
                    cycle_id=cycle.id or 0,
                    key=key,
                    title=title,
                    lane=Lane.council,
                    sort_order=order,
                    start_date=in_fy(fiscal_year, *start),
                    end_date=in_fy(fiscal_year, *end),
                )
            )
        for key, kind, title, (month, day, hour) in MEETINGS:
            start = datetime.combine(in_fy(fiscal_year, month, day), datetime.min.time(), tzinfo=TOKYO) + timedelta(
                hours=hour
            )
            meeting = Meeting(
                cycle_id=cycle.id or 0,
                key=key,
                kind=kind,
                title=title,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                venue="山形県庁 2階 講堂（山形市松波二丁目8番1号）",
                updated_at=NOW,
            )
            session.add(meeting)
            session.flush()
            for prefix, lead in (("notice", 21), ("agenda", 7)):
                session.add(
                    Task(
                        cycle_id=cycle.id or 0,
                        key=f"{prefix}:{key}",
                        title=f"{title}の{'開催通知' if prefix == 'notice' else '次第'}",
                        due_date=start.date() - timedelta(days=lead),
                        meeting_id=meeting.id,
                        updated_at=NOW,
                    )
                )
        for organization, _ in orgs[1:]:
            session.add(
                Task(
                    cycle_id=cycle.id or 0,
                    key=f"survey-response:{organization.code}",
                    title=f"連携課題・ニーズ調査の回答（{organization.name}）",
                    due_date=in_fy(fiscal_year, 4, 30),
                    owner_id=organization.id,
                    updated_at=NOW,
                )
            )
    session.commit()


def table(title: str, header: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  ".join(str(cell).ljust(width) for cell, width in zip(header, widths, strict=True)))
    print("  ".join("-" * width for width in widths))
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


def measure_builds(session: Session, config: FeedConfig) -> None:
    directory = load_directory(session, config)
    schedule = load_schedule(session, config, today=TODAY)
    items = feed_items(directory, schedule, today=TODAY, config=config)
    definitions = feed_definitions(directory, config)
    selected = [(d, select_events(d, items)) for d in definitions]

    ical.vtimezone.cache_clear()
    started = time.perf_counter()
    ical.vtimezone("Asia/Tokyo")
    vtimezone_ms = (time.perf_counter() - started) * 1000

    def build_all() -> list[float]:
        times = []
        for definition, events in selected:
            started = time.perf_counter()
            ical.build_feed(definition.spec, events)
            times.append(time.perf_counter() - started)
        return times

    ical._vevent_bytes.cache_clear()
    cold = build_all()
    warm = build_all()
    events_total = sum(len(events) for _, events in selected)
    kinds: dict[str, list[int]] = {}
    for index, (definition, _) in enumerate(selected):
        kinds.setdefault(definition.kind.value, []).append(index)
    rows = []
    for kind, indexes in kinds.items():
        n_events = [len(selected[i][1]) for i in indexes]
        rows.append(
            (
                kind,
                len(indexes),
                f"{statistics.mean(n_events):.1f}",
                f"{statistics.mean(cold[i] for i in indexes) * 1000:.2f}",
                f"{statistics.mean(warm[i] for i in indexes) * 1000:.2f}",
            )
        )
    table(
        f"build_feed ({len(items)} distinct events, {events_total} event placements; "
        f"VTIMEZONE Asia/Tokyo built once: {vtimezone_ms:.1f} ms)",
        ("feed kind", "feeds", "events/feed", "ms/feed (events unserialised)", "ms/feed (events cached)"),
        rows,
    )
    print(
        f"per event placement: {sum(cold) / events_total * 1e6:.0f} µs uncached, "
        f"{sum(warm) / events_total * 1e6:.0f} µs cached; "
        f"all {len(selected)} feeds: {sum(cold) * 1000:.1f} ms uncached, {sum(warm) * 1000:.1f} ms cached"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def measure_server(home: Path, url: str, secret: str, requests: int) -> None:
    port = free_port()
    env = {**os.environ, "COUNCIL_HOME": str(home), "COUNCIL_DATABASE_URL": url}
    code = (  # what `council serve` runs: the guarded protocol, the app's own Date header
        "import uvicorn; from council.web import ServerLimits, create_app, server_config; "
        f"uvicorn.Server(server_config(create_app(refresh_seconds=2.0), host='127.0.0.1', port={port}, "
        "limits=ServerLimits(), log_level='warning', access_log=False)).run()"
    )
    server = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=Path(__file__).resolve().parents[1])
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=5) as client:
            for _ in range(200):
                try:
                    client.get("/feeds/council.ics")
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            council = client.get("/feeds/council.ics")
            private = client.get("/feeds/org-062014.ics", params={"token": secret})
            cases = [
                ("GET council.ics → 200", "/feeds/council.ics", {}, {}, len(council.content)),
                (
                    "GET council.ics If-None-Match → 304",
                    "/feeds/council.ics",
                    {},
                    {"If-None-Match": council.headers["etag"]},
                    0,
                ),
                (
                    "GET council.ics If-Modified-Since → 304",
                    "/feeds/council.ics",
                    {},
                    {"If-Modified-Since": council.headers["last-modified"]},
                    0,
                ),
                ("GET org feed with token → 200", "/feeds/org-062014.ics", {"token": secret}, {}, len(private.content)),
                ("GET org feed wrong token → 404", "/feeds/org-062014.ics", {"token": "x" * 43}, {}, 9),
                ("HEAD council.ics → 200", "/feeds/council.ics", {}, {}, 0),
            ]
            rows = []
            for label, path, params, headers, size in cases:
                method = "HEAD" if label.startswith("HEAD") else "GET"
                samples = []
                for _ in range(requests):
                    started = time.perf_counter()
                    client.request(method, path, params=params, headers=headers)
                    samples.append(time.perf_counter() - started)
                samples.sort()
                rows.append(
                    (
                        label,
                        size,
                        f"{statistics.mean(samples) * 1e6:.0f}",
                        f"{samples[len(samples) // 2] * 1e6:.0f}",
                        f"{samples[int(len(samples) * 0.95)] * 1e6:.0f}",
                        f"{samples[int(len(samples) * 0.99)] * 1e6:.0f}",
                    )
                )
        table(
            f"server latency over one keep-alive connection ({requests} requests each; client is httpx, same host)",
            ("request", "body bytes", "mean µs", "p50 µs", "p95 µs", "p99 µs"),
            rows,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        home = Path(temporary)
        os.environ["COUNCIL_HOME"] = str(home)
        url = f"sqlite:///{home / 'council.db'}"
        engine = make_engine(url)
        upgrade_to_head(engine)
        config = FeedConfig(public_base_url="https://council.example.jp")
        with Session(engine) as session:
            seed(session)
            measure_builds(session, config)
            rows = []
            for label, day in (("first publish", 0), ("unchanged republish", 1)):
                started = time.perf_counter()
                report = publish_feeds(
                    session,
                    today=TODAY,
                    now=NOW + timedelta(days=day),
                    wall_clock=NOW + timedelta(days=day),
                    config=config,
                    feeds_dir=home / "feeds",
                )
                session.commit()
                rows.append(
                    (label, len(report.feeds), len(report.changed), f"{(time.perf_counter() - started) * 1000:.1f}")
                )
            table(
                "publish_feeds (load + stamp + build + store + write files, SQLite)",
                ("run", "feeds", "changed", "ms"),
                rows,
            )
            issued = create_token(session, feed="org-062014", label="bench", now=NOW, config=config, actor="bench")
            session.commit()
        engine.dispose()
        measure_server(home, url, issued.secret, args.requests)


if __name__ == "__main__":
    main()
