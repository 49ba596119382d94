"""HTTP benchmark: the real app under gunicorn on real PostgreSQL, against baselines in the same run.

    python -m bench.http                # full run (about 6 minutes on 2 cores), then the soak
    python -m bench.http --quick        # a smoke run: short rounds, no soak
    python -m bench.http --profile      # also profile each scenario (bench/results/profile-*.txt)
    BENCH_SOAK_SECONDS=0 python -m bench.http    # skip the soak and races

Steps: a new PostgreSQL database, schema by the real migrations, data from `bench.data`
(500 tutors, 5,000 enrollments, 100,000 sessions); gunicorn with one worker per core and the
benchmark baselines on (`webapp/baseline.py`); then load from this process on loopback,
logged in as real tutors (form login: cookie + CSRF for the HTML, Bearer tokens for the API).

Load driver: an asyncio client of our own (`bench.client`). Why not the alternatives:
- wrk (Debian) is the cheapest load generator, but its Lua hooks cannot tell which
  connection an answer belongs to, so "keep the version from the last answer" for the
  inline changes and the API's ETags means one thread per connection and parsing in Lua;
  it has no constant-rate mode either (that is wrk2, not packaged), and "half of peak
  throughput" needs one.
- locust runs on gevent with a heavy per-request path (about 1 ms of client CPU): on 2 cores
  it would take a large share of the CPU from the server it measures.
- aiohttp/httpx are general clients with several times our per-request cost.
Our client speaks minimal HTTP/1.1 over keep-alive connections (tens of microseconds a
request); the client's own CPU share is measured and printed, so its cost is visible.

Measurement: scenarios run interleaved in rounds (each a few seconds, the order repeated),
so drift hits all alike. Peak: closed loop with enough concurrent users to keep every
gunicorn thread busy. Half of peak: open loop at half the measured peak rate, each latency
taken from the request's scheduled start (no coordinated omission). Queries per request come
from the server (`X-Query-Count`, counted by a `before_cursor_execute` listener).
Results: a table on stdout and `bench/results/http.json`; PASS/MISS per target of issue 6.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from webapp import choices as C

from . import data, server, soak
from webapp.lessons.lesson import version_of

from .client import Client, Response, csrf_in, etag_of

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ITEMS_PER_SCENARIO = 8  # sessions each user writes to, per write scenario

TARGETS = {
    "list_vs_rows": 0.50,  # the list page against a plain table of the same rows from one query
    "inline_vs_update": 0.70,
    "p95_list_ms": 100.0,
    "p95_inline_ms": 50.0,
    "row_bytes": 1200,
    "inline_bytes": 2048,
    "queries": 4,
}
SAME_ROWS = "/sessions?tab=upcoming&is_recurring=false"  # what /baseline/rows/<tutor> renders plainly


# --- users and their sessions --------------------------------------------------------

@dataclass
class Item:
    id: int
    day: date | None = None  # its lesson's date (a one-time session's own)
    version: str | None = None
    status: str | None = None
    etag: str | None = None
    step: int = 0

    @property
    def lesson_path(self) -> str:
        return f"/sessions/{self.id}/lessons/{self.day.isoformat()}"


@dataclass
class User:
    tutor_id: int
    html: Client
    api: Client
    anon: Client  # not logged in: the baselines need no login (and so load no user)
    items: dict[str, list[Item]] = field(default_factory=dict)
    detail_ids: list[int] = field(default_factory=list)
    cursor: Counter = field(default_factory=Counter)

    def next_item(self, pool: str) -> Item:
        items = self.items[pool]
        self.cursor[pool] += 1
        return items[self.cursor[pool] % len(items)]


@dataclass
class Request:
    client: Client
    method: str
    path: str
    headers: dict[str, str] | None = None
    body: bytes = b""
    item: Item | None = None
    value: str | None = None


@dataclass
class Scenario:
    name: str
    label: str
    make: Callable  # async (user) -> Request; may do untimed preparation
    after: Callable[[User, Request, Response], None] = lambda user, req, resp: None
    baseline: str | None = None
    writes: bool = False
    inline: bool = False


def form(fields: dict[str, str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(fields).encode()


HTMX_FORM = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}


def htmx_post(user: User, path: str, fields: dict[str, str], client: Client | None = None) -> dict:
    client = client or user.html
    return dict(client=client, method="POST", path=path, body=form(fields),
                headers={**HTMX_FORM, "X-CSRFToken": client.csrf or ""})


def keep_version(user: User, req: Request, resp: Response) -> None:
    """Lesson answers (200 and 409 alike) carry the row, and its version as their ETag."""
    version = etag_of(resp)
    if version:
        req.item.version = version
    if resp.status == 200 and req.value in C.SESSION_STATUSES:
        req.item.status = req.value


async def make_status(user: User) -> Request:
    item = user.next_item("status")
    new = C.next_status(item.status)
    return Request(**htmx_post(user, item.lesson_path, {"view": "row", "fields": "status", "status": new,
                                                        "confirm": "1", "version": item.version or ""}),
                   item=item, value=new)


async def make_attendance(user: User) -> Request:
    item = user.next_item("attendance")
    item.step += 1
    value = C.ATTENDANCE_STATUSES[item.step % len(C.ATTENDANCE_STATUSES)]
    return Request(**htmx_post(user, item.lesson_path, {"view": "row", "fields": "tutor_attendance_status",
                                                        "tutor_attendance_status": value,
                                                        "version": item.version or ""}),
                   item=item, value=value)


async def make_update_baseline(user: User) -> Request:
    item = user.next_item("baseline")
    return Request(**htmx_post(user, f"/baseline/update/{item.id}", {}, user.anon), item=item)


async def fetch_etag(user: User, item: Item) -> None:
    answer = await user.api.get(f"/api/sessions/{item.id}")
    item.etag = answer.headers.get("etag")


async def make_patch(user: User) -> Request:
    item = user.next_item("patch")
    if item.etag is None:  # after a 412: read it again, as a client would
        await fetch_etag(user, item)
    item.step += 1
    value = C.PRIORITY_LEVELS[item.step % len(C.PRIORITY_LEVELS)]
    return Request(user.api, "PATCH", f"/api/sessions/{item.id}",
                   {"Content-Type": "application/json", "If-Match": item.etag or '"none"'},
                   json.dumps({"priority_level": value}).encode(), item=item, value=value)


def keep_etag(user: User, req: Request, resp: Response) -> None:
    req.item.etag = resp.headers.get("etag") if resp.status == 200 else None


def scenarios(filtered_path: str) -> list[Scenario]:
    def get(path_of: Callable[[User], str], client: str = "html"):
        async def make(user: User) -> Request:
            return Request(getattr(user, client), "GET", path_of(user))
        return make

    def detail_path(user: User) -> str:
        user.cursor["detail"] += 1
        return f"/sessions/{user.detail_ids[user.cursor['detail'] % len(user.detail_ids)]}"

    return [
        Scenario("fortunes", "baseline: Fortunes", get(lambda u: "/baseline/fortunes", "anon")),
        Scenario("rows", "baseline: plain table, 50 rows", get(lambda u: f"/baseline/rows/{u.tutor_id}", "anon")),
        Scenario("update", "baseline: read-update-render", make_update_baseline, writes=True),
        Scenario("list", "list page, the same 50 rows", get(lambda u: SAME_ROWS), baseline="rows"),
        Scenario("list_all", "list page with series", get(lambda u: "/sessions"), baseline="rows"),
        Scenario("filtered", "filtered list", get(lambda u: filtered_path), baseline="rows"),
        Scenario("detail", "session page", get(detail_path), baseline="fortunes"),
        Scenario("status", "inline status", make_status, keep_version, "update", True, True),
        Scenario("attendance", "inline attendance", make_attendance, keep_version, "update", True, True),
        Scenario("api_list", "API list per_page=100", get(lambda u: "/api/sessions?per_page=100", "api"),
                 baseline="fortunes"),
        Scenario("api_lessons", "API lessons, 30 days", get(lambda u: "/api/lessons?per_page=100", "api"),
                 baseline="fortunes"),
        Scenario("api_patch", "API PATCH (If-Match)", make_patch, keep_etag, "update", True),
    ]


# --- samples -------------------------------------------------------------------------

@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    bytes_ok: int = 0
    queries_ok: list[int] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    runs: list[float] = field(default_factory=list)  # ok req/s of each timed run (the spread)

    def add(self, latency: float, resp: Response | None) -> None:
        self.latencies.append(latency)
        if resp is None:
            self.errors += 1
            return
        self.statuses[resp.status] += 1
        if 200 <= resp.status < 300:
            self.bytes_ok += len(resp.body)
            if resp.query_count is not None:
                self.queries_ok.append(resp.query_count)

    def merge(self, other: Sample) -> None:
        self.latencies += other.latencies
        self.statuses.update(other.statuses)
        self.bytes_ok += other.bytes_ok
        self.queries_ok += other.queries_ok
        self.errors += other.errors
        self.seconds += other.seconds
        ok = sum(c for s, c in other.statuses.items() if 200 <= s < 300)
        self.runs.append(round(ok / other.seconds, 1) if other.seconds else 0.0)

    def summary(self) -> dict:
        n = len(self.latencies)
        ok = sum(c for s, c in self.statuses.items() if 200 <= s < 300)
        ordered = sorted(self.latencies)

        def pct(p: float) -> float | None:
            return round(ordered[min(n - 1, int(p / 100 * n))] * 1000, 2) if n else None

        return {
            "requests": n, "seconds": round(self.seconds, 2),
            "rps": round(n / self.seconds, 1) if self.seconds else 0.0,
            "ok_rps": round(ok / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "client_errors": self.errors,
            "ok_share": round(ok / n, 4) if n else 0.0,
            "queries_mean": round(sum(self.queries_ok) / len(self.queries_ok), 2) if self.queries_ok else None,
            "queries_max": max(self.queries_ok) if self.queries_ok else None,
            "bytes_mean": round(self.bytes_ok / ok) if ok else None,
            "ok_rps_per_run": self.runs,
        }


async def send(req: Request) -> Response | None:
    try:
        return await req.client.request(req.method, req.path, req.headers, req.body)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
        await req.client.close()
        return None


async def closed_loop(scenario: Scenario, users: list[User], seconds: float) -> Sample:
    """Every user sends its next request as soon as the last one is answered."""
    sample = Sample()
    start = time.perf_counter()
    deadline = start + seconds

    async def run(user: User) -> None:
        while time.perf_counter() < deadline:
            req = await scenario.make(user)
            t0 = time.perf_counter()
            resp = await send(req)
            sample.add(time.perf_counter() - t0, resp)
            if resp is not None:
                scenario.after(user, req, resp)

    await asyncio.gather(*(run(u) for u in users))
    sample.seconds = time.perf_counter() - start
    return sample


async def open_loop(scenario: Scenario, users: list[User], rate: float, seconds: float) -> Sample:
    """Requests start on a fixed schedule (`rate` a second), each on a free user; latency
    counts from the scheduled start, so time spent waiting for a free user counts too."""
    sample = Sample()
    free: asyncio.Queue[User] = asyncio.Queue()
    for user in users:
        free.put_nowait(user)
    count = max(1, int(rate * seconds))
    start = time.perf_counter() + 0.005

    async def one(user: User, scheduled: float) -> None:
        try:
            req = await scenario.make(user)
            resp = await send(req)
            sample.add(time.perf_counter() - scheduled, resp)
            if resp is not None:
                scenario.after(user, req, resp)
        finally:
            free.put_nowait(user)

    tasks = []
    for i in range(count):
        scheduled = start + i / rate
        wait = scheduled - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)  # the load's schedule, not synchronisation
        user = await free.get()
        tasks.append(asyncio.create_task(one(user, scheduled)))
    await asyncio.gather(*tasks)
    sample.seconds = time.perf_counter() - start
    return sample


# --- setup ---------------------------------------------------------------------------

def choose_items(engine: sa.Engine, tutor_ids: list[int]) -> dict[int, dict]:
    """Per tutor: past sessions in progress or completed, in disjoint sets per write
    scenario (each user writes only its own rows), and sessions to open in detail."""
    pools = ("status", "attendance", "patch", "baseline")
    picked: dict[int, dict] = {t: {"items": {p: [] for p in pools}, "detail": []} for t in tutor_ids}
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT e.tutor_id, s.id, s.status, s.session_date < current_date AS past, s.session_date, s.is_recurring "
            "FROM sessions s JOIN enrolled_students e ON e.id = s.course_enrollment_id "
            "WHERE e.tutor_id = ANY(:t) ORDER BY e.tutor_id, s.id"), {"t": tutor_ids}).all()
    for tutor_id, session_id, status, past, day, recurring in rows:
        mine = picked[tutor_id]
        if len(mine["detail"]) < 20:
            mine["detail"].append(session_id)
        if past and status in ("in-progress", "completed"):
            for pool in pools:
                if len(mine["items"][pool]) < ITEMS_PER_SCENARIO:
                    mine["items"][pool].append(Item(session_id, day))
                    break
    return picked


def refresh_versions(engine: sa.Engine, users: list[User]) -> None:
    """Current status and version of every item's lesson (a one-time session's, or a series'
    first), as the page would show them."""
    items = {i.id: i for u in users for pool in u.items.values() for i in pool}
    with engine.connect() as conn:
        for row in conn.execute(sa.text(soak.LESSON_STATE + " WHERE s.id = ANY(:ids)"), {"ids": list(items)}).mappings():
            items[row["id"]].status = row["status"]
            items[row["id"]].version = version_of(row["id"], row["session_date"], row["updated_at"],
                                                  row["record_version"])


async def make_users(host: str, port: int, engine: sa.Engine, url: str, count: int) -> list[User]:
    tutor_ids = list(range(1, count + 1))
    tokens = data.issue_tokens(url, tutor_ids)
    picked = choose_items(engine, tutor_ids)
    users = []
    for tutor_id in tutor_ids:
        html = Client(host, port)
        await html.login(data.tutor_email(tutor_id), data.PASSWORD)
        anon = Client(host, port)
        anon.csrf = csrf_in((await anon.get("/login")).text)  # an anonymous session's token
        users.append(User(tutor_id, html, Client(host, port, bearer=tokens[tutor_id]), anon,
                          items=picked[tutor_id]["items"], detail_ids=picked[tutor_id]["detail"]))
    return users


async def prepare(scenario: Scenario, users: list[User], engine: sa.Engine) -> None:
    """Before each timed run of a write scenario: versions and ETags as a client sees them."""
    if not scenario.writes:
        return
    await asyncio.to_thread(refresh_versions, engine, users)
    if scenario.name == "api_patch":
        async def etags(user: User) -> None:  # one connection per user: one at a time
            for item in user.items["patch"]:
                await fetch_etag(user, item)

        await asyncio.gather(*(etags(u) for u in users))


# --- probes (untimed, one request each) ----------------------------------------------

ROW_RE = re.compile(rb'<tr id="l\d+-\d{8}".*?</tr>', re.S)


def count_rows(page: Response) -> int:
    """Lessons shown: the lesson rows of the page."""
    return len(ROW_RE.findall(page.body))


def row_bytes(page: Response) -> float | None:
    rows = ROW_RE.findall(page.body)
    return round(sum(len(r) for r in rows) / len(rows), 1) if rows else None


async def probes(user: User, filtered_path: str) -> dict:
    """Query counts against rows shown, for the HTML list (every tab, pages, windows) and the API."""
    out = {}
    today = date.today()
    for name, client, path in (
        ("list_50", user.html, SAME_ROWS),
        ("list_all", user.html, "/sessions?tab=all"),
        ("list_past", user.html, "/sessions?tab=past"),
        ("list_to_mark", user.html, "/sessions?tab=needs-marking"),
        ("list_few", user.html, "/sessions?status=cancelled&tab=today"),
        ("list_filtered", user.html, filtered_path),
        ("list_window_day", user.html, f"/sessions?date_from={today}&date_to={today}"),
        ("list_window_all", user.html, f"/sessions?date_from=1900-01-01&date_to={today + timedelta(days=700)}"),
        ("api_100", user.api, "/api/sessions?per_page=100"),
        ("api_1", user.api, "/api/sessions?per_page=1"),
        ("api_lessons_100", user.api, "/api/lessons?per_page=100&date_to=" + str(today + timedelta(days=366))),
        ("api_lessons_1", user.api, "/api/lessons?per_page=1"),
    ):
        resp = await client.get(path)
        rows = len(resp.json()["items"]) if name.startswith("api") and resp.status == 200 else count_rows(resp)
        out[name] = {"path": path, "status": resp.status, "queries": resp.query_count,
                     "rows": rows, "bytes": len(resp.body), "row_bytes": None if name.startswith("api") else row_bytes(resp)}
    return out


# --- the run -------------------------------------------------------------------------

# The ratio targets are measured in pairs: the scenario and its baseline in alternating short
# slices, so that the machine's drift (seen here: the same scenario at 268 and 493 req/s in two
# rounds a minute apart) hits both alike.
PAIRED = (("list", "rows"), ("list_all", "rows"), ("status", "update"), ("attendance", "update"))


async def paired(scenario: Scenario, baseline: Scenario, users: list[User], engine: sa.Engine, slices: int,
                 seconds: float) -> dict:
    a, b = Sample(), Sample()
    ratios = []
    for _ in range(slices):
        await prepare(baseline, users, engine)
        one = await closed_loop(baseline, users, seconds)
        await prepare(scenario, users, engine)
        other = await closed_loop(scenario, users, seconds)
        b.merge(one)
        a.merge(other)
        base_rps = one.summary()["ok_rps"]
        ratios.append(round(other.summary()["ok_rps"] / base_rps, 3) if base_rps else None)
    rps_a, rps_b = a.summary()["ok_rps"], b.summary()["ok_rps"]
    valid = [r for r in ratios if r is not None]
    return {"rps": rps_a, "baseline_rps": rps_b, "ratio": round(rps_a / rps_b, 3) if rps_b else None,
            "median_slice_ratio": sorted(valid)[len(valid) // 2] if valid else None, "slice_ratios": ratios,
            "ok_share": a.summary()["ok_share"], "baseline_ok_share": b.summary()["ok_share"]}


async def drive(host: str, port: int, url: str, args) -> dict:
    engine = sa.create_engine(url, pool_size=2)
    users = await make_users(host, port, engine, url, args.concurrency)
    today = date.today()
    filtered_path = (f"/sessions?status=completed&session_mode=online&date_from={today - timedelta(days=70)}"
                     f"&date_to={today}")
    all_scenarios = scenarios(filtered_path)
    present, missing = [], {}
    for scenario in all_scenarios:  # warm-up, and which routes exist yet
        await prepare(scenario, users, engine)
        sample = await closed_loop(scenario, users, args.warmup)
        if sample.statuses and all(s in (404, 405) for s in sample.statuses):
            missing[scenario.name] = dict(sample.statuses)
            print(f"  ! {scenario.name}: route missing ({dict(sample.statuses)}): not measured", flush=True)
        else:
            present.append(scenario)
    usage0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    peak = {s.name: Sample() for s in present}
    for round_no in range(args.rounds):
        for scenario in present:
            await prepare(scenario, users, engine)
            peak[scenario.name].merge(await closed_loop(scenario, users, args.seconds))
        print(f"  peak round {round_no + 1}/{args.rounds} done", flush=True)
    half = {s.name: Sample() for s in present}
    rates = {name: max(1.0, sample.summary()["rps"] / 2) for name, sample in peak.items()}
    for round_no in range(args.half_rounds):
        for scenario in present:
            await prepare(scenario, users, engine)
            half[scenario.name].merge(await open_loop(scenario, users, rates[scenario.name], args.seconds))
        print(f"  half-peak round {round_no + 1}/{args.half_rounds} done", flush=True)
    by_name = {s.name: s for s in present}
    pairs = {}
    for name, base in PAIRED:
        if name in by_name and base in by_name:
            pairs[name] = await paired(by_name[name], by_name[base], users, engine, args.pair_slices, args.slice)
            print(f"  paired {name} / {base}: {pairs[name]['ratio']}", flush=True)
    usage1, wall1 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    driver_cpu = (usage1.ru_utime + usage1.ru_stime - usage0.ru_utime - usage0.ru_stime) / (wall1 - wall0)
    probe = await probes(users[0], filtered_path)
    for user in users:
        await user.html.close()
        await user.api.close()
        await user.anon.close()
    engine.dispose()
    return {
        "scenarios": {s.name: {"label": s.label, "baseline": s.baseline, "peak": peak[s.name].summary(),
                               "half": half[s.name].summary() | {"target_rps": round(rates[s.name], 1)}}
                      for s in present},
        "missing": missing, "probes": probe, "driver_cpu_share_of_one_core": round(driver_cpu, 3), "pairs": pairs,
        "labels": {s.name: s.label for s in all_scenarios},
        "baselines": {s.name: s.baseline for s in all_scenarios},
    }


def evaluate(result: dict) -> list[dict]:
    """Each target (issues 6 and 9): measured value, limit, PASS/MISS and the margin."""
    sc, missing, probe = result["scenarios"], result["missing"], result["probes"]
    checks = []

    def check(name: str, value, limit: float, higher_is_better: bool, unit: str = "") -> None:
        if value is None or isinstance(value, str):
            checks.append({"target": name, "value": None, "limit": limit, "verdict": "MISS",
                           "margin": value or "not measured"})
            return
        ok = value >= limit if higher_is_better else value <= limit
        margin = value - limit if higher_is_better else limit - value
        checks.append({"target": name, "value": round(value, 3), "limit": limit,
                       "verdict": "PASS" if ok else "MISS", "margin": f"{margin:+.3g}{unit}"})

    def unusable(name: str, phase: str) -> str | None:
        """Why a scenario's figures cannot count (errors answered fast are no throughput)."""
        if name not in sc:
            return f"{name}: route missing {missing.get(name, '')}".strip()
        share = sc[name][phase]["ok_share"]
        if share < 0.95:
            return f"{name}: only {share:.0%} of answers succeeded ({sc[name][phase]['statuses']})"
        return None

    def ratio(name: str, base: str):
        """The paired measurement where there is one, else the rounds' totals."""
        problem = unusable(name, "peak") or unusable(base, "peak")
        pair = result.get("pairs", {}).get(name)
        if not problem and pair and pair["ratio"] is not None:
            if min(pair["ok_share"], pair["baseline_ok_share"]) < 0.95:
                return f"{name}: only {pair['ok_share']:.0%} of paired answers succeeded"
            return pair["ratio"]
        return problem or sc[name]["peak"]["ok_rps"] / sc[base]["peak"]["ok_rps"]

    def p95(name: str):
        return unusable(name, "half") or sc[name]["half"]["p95_ms"]

    check("list rps ≥ 50% of a plain table of the same rows", ratio("list", "rows"), TARGETS["list_vs_rows"], True)
    for name in ("status", "attendance"):
        check(f"inline {name} rps ≥ 70% of read-update-render", ratio(name, "update"),
              TARGETS["inline_vs_update"], True)
    check("list p95 at half peak ≤ 100 ms", p95("list"), TARGETS["p95_list_ms"], False, " ms")
    for name in ("status", "attendance"):
        check(f"inline {name} p95 at half peak ≤ 50 ms", p95(name), TARGETS["p95_inline_ms"], False, " ms")
    for name, found in probe.items():
        ok = found.get("status") == 200 and found.get("queries") is not None
        check(f"{name}: SQL per request ≤ {TARGETS['queries']} ({found.get('rows')} rows)",
              found["queries"] if ok else f"answer {found.get('status')}", TARGETS["queries"], False)
    for pair in (("list_50", "list_window_day"), ("api_100", "api_1"), ("api_lessons_100", "api_lessons_1"),
                 ("list_window_all", "list_window_day")):
        a, b = probe.get(pair[0], {}), probe.get(pair[1], {})
        unknown = a.get("queries") is None or b.get("queries") is None
        check(f"queries flat: {pair[0]} ({a.get('rows')} rows) vs {pair[1]} ({b.get('rows')} rows), extra",
              "not measured" if unknown else a["queries"] - b["queries"], 0, False)
    check("a list row ≤ 1.2 KB of HTML", probe.get("list_50", {}).get("row_bytes") or "no rows",
          TARGETS["row_bytes"], False, " B")
    for name in ("status", "attendance"):
        inline_bytes = sc.get(name, {}).get("peak", {}).get("bytes_mean")
        check(f"inline {name} answer ≤ 2 KB", inline_bytes or unusable(name, "peak") or "no successful answer",
              TARGETS["inline_bytes"], False, " B")
    for name in sc:
        fives = sum(v for k, v in sc[name]["peak"]["statuses"].items() if k.startswith("5"))
        fives += sum(v for k, v in sc[name]["half"]["statuses"].items() if k.startswith("5"))
        if fives:
            checks.append({"target": f"{name}: no 5xx", "value": fives, "limit": 0, "verdict": "MISS",
                           "margin": f"{fives} server errors"})
    for name in missing:
        checks.append({"target": f"{name} measured", "value": None, "limit": None, "verdict": "MISS",
                       "margin": f"route missing: {missing[name]}"})
    return checks


def table(result: dict) -> str:
    sc = result["scenarios"]
    head = (f"{'scenario':<28}{'req/s':>8}{'ok%':>6}{'p50':>8}{'p95':>8}{'p99':>8}"
            f"{'½ req/s':>9}{'½ p95':>8}{'½ p99':>8}{'q/req':>7}{'bytes':>8}{'ratio':>7}  other answers")
    lines = [head, "-" * len(head)]
    for name, label in result["labels"].items():
        if name not in sc:
            lines.append(f"{label:<28}  route missing: {result['missing'].get(name)}")
            continue
        p, h = sc[name]["peak"], sc[name]["half"]
        base = sc[name]["baseline"]
        ratio = (f"{p['ok_rps'] / sc[base]['peak']['ok_rps']:.2f}" if base and base in sc
                 and sc[base]["peak"]["ok_rps"] else "1.00" if not base else "-")
        other = {k: v for k, v in p["statuses"].items() if not k.startswith("2")}
        if p["client_errors"]:
            other["client errors"] = p["client_errors"]
        lines.append(
            f"{sc[name]['label']:<28}{p['ok_rps']:>8.0f}{p['ok_share'] * 100:>6.0f}{p['p50_ms'] or 0:>8.1f}"
            f"{p['p95_ms'] or 0:>8.1f}{p['p99_ms'] or 0:>8.1f}{h['ok_rps']:>9.0f}{h['p95_ms'] or 0:>8.1f}"
            f"{h['p99_ms'] or 0:>8.1f}{p['queries_mean'] if p['queries_mean'] is not None else '-':>7}"
            f"{p['bytes_mean'] or 0:>8}{ratio:>7}  {other or ''}")
    lines.append("(latencies in ms; ½ = open loop at half the peak rate; q/req = SQL statements a "
                 "successful answer sent, X-Query-Count; bytes = body of a successful answer;\n"
                 " ratio = successful req/s over the baseline's: reads vs Fortunes, writes vs "
                 "read-update-render; the baselines are called without a login)")
    return "\n".join(lines)


def machine() -> dict:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                      if line.startswith("model name")), "")
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=16, help="users at peak (closed loop)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--half-rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=4.0, help="per scenario per round")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--pair-slices", type=int, default=8, help="alternations of a paired ratio")
    parser.add_argument("--slice", type=float, default=1.5, help="seconds of each side of a paired slice")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round of 1.5 s, no soak")
    parser.add_argument("--profile", action="store_true",
                        help="after the load, profile each scenario in-process (bench/results/profile-*.txt)")
    parser.add_argument("--out", type=Path, default=RESULTS / "http.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.half_rounds, args.seconds, args.warmup, args.pair_slices = 1, 1, 1.5, 0.5, 3
    soak_seconds = 0.0 if args.quick else float(os.environ.get("BENCH_SOAK_SECONDS", "60"))

    from tests import dbs
    from tests.conftest import make_app, upgrade

    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    info = machine()
    print(f"machine: {info['cpus']} CPUs {info['cpu_model']}, load average {info['load_average_at_start']}",
          flush=True)
    with dbs.temporary_database("postgresql", "bench") as url:
        t0 = time.perf_counter()
        upgrade(make_app(url))
        t1 = time.perf_counter()
        counts = data.fill(url)
        t2 = time.perf_counter()
        print(f"database: schema {t1 - t0:.1f} s, data {t2 - t1:.1f} s ({counts})", flush=True)
        with server.gunicorn(url, workers=args.workers, threads=args.threads,
                             log_path=RESULTS / "gunicorn.log") as (host, port):
            print(f"gunicorn: {args.workers} workers x {args.threads} threads on {host}:{port}; "
                  f"{args.concurrency} users", flush=True)
            result = asyncio.run(drive(host, port, url, args))
        if args.profile:
            from .profile import profile

            engine = sa.create_engine(url)
            mine = choose_items(engine, [1])[1]
            engine.dispose()
            items = {pool: [i.id for i in mine["items"][pool]] for pool in ("status", "attendance")}
            items.update(update=[i.id for i in mine["items"]["baseline"]], detail=mine["detail"])
            print("profiling in-process (cProfile)...", flush=True)
            result["profile"] = profile(url, items)
        soak = None
        if soak_seconds > 0:
            from .soak import run_all

            print(f"soak: two instances, 20 clients, {soak_seconds:.0f} s; then the races", flush=True)
            soak = run_all(url, soak_seconds)
    result.update(machine=info, data=counts, config={
        "workers": args.workers, "threads": args.threads, "concurrency": args.concurrency,
        "rounds": args.rounds, "half_rounds": args.half_rounds, "seconds": args.seconds},
        data_seconds=round(t2 - t1, 2), soak=soak)
    result["targets"] = evaluate(result)
    if soak is not None:
        result["targets"] += soak["checks"]
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    print()
    print(table(result))
    print(f"driver CPU: {result['driver_cpu_share_of_one_core'] * 100:.0f}% of one core during the load")
    print("probes:", json.dumps(result["probes"]))
    for name, pair in result.get("pairs", {}).items():
        print(f"paired {name}: {pair['rps']} req/s against {pair['baseline_rps']} → {pair['ratio']} "
              f"(slices {pair['slice_ratios']})")
    if result.get("profile"):
        print("profile (in-process, ms a request under cProfile):",
              {k: v["ms_per_request_profiled"] for k, v in result["profile"].items()})
    print()
    for check in result["targets"]:
        print(f"{check['verdict']:<5} {check['target']}: {check['value']} (limit {check['limit']}; "
              f"margin {check['margin']})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwritten to {args.out} in {result['total_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
