"""Soak and races: two app instances on two loopback ports against one PostgreSQL database.

    python -m bench.soak                 # fresh database, 60 s soak, then the races
    BENCH_SOAK_SECONDS=20 python -m bench.soak

- Soak: 20 clients, each logged in as its own tutor, for N seconds do mixed reads (list,
  filtered list, detail, the API's view of their own lesson) and inline changes (status,
  attendance) on sessions only they write to, every request alternating between the two
  instances. Afterwards: no 5xx, nothing unexpected, and every acknowledged write is what
  the database holds (no lost update), and no read through the other instance ever showed
  an older value than the last acknowledged write (the app keeps no state of its own).
- Races: 50 concurrent PATCHes of one session with the same ETag (exactly one 2xx, 49 × 412),
  and 50 concurrent inline status changes and 50 attendance changes with the same version
  (exactly one 200, 49 × 409, and the database changed once).

`tests/test_soak.py` and `tests/test_races.py` run the same functions (soak 20 s by
default, `SOAK_SECONDS` to change it); `bench.http` runs them after the benchmark.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from webapp import choices as C

from . import data, server
from webapp.lessons.lesson import version_of

from .client import Client, Response, etag_of

RESULTS = Path(__file__).resolve().parent / "results"
ATTENDANCE_FIELDS = ("tutor_attendance_status", "student_attendance_status")


@contextmanager
def cluster(url: str, instances: int = 2, workers: int = 1, threads: int = 8):
    """`instances` gunicorn servers on their own loopback ports, one database, one SECRET_KEY."""
    with ExitStack() as stack:
        RESULTS.mkdir(exist_ok=True)
        yield [stack.enter_context(server.gunicorn(url, workers=workers, threads=threads,
                                                   log_path=RESULTS / f"soak-instance-{i + 1}.log"))
               for i in range(instances)]


@contextmanager
def fresh_cluster(label: str = "soak"):
    """A new database at head with 30 tutors (80 sessions each), and the two instances."""
    from tests import dbs
    from tests.conftest import make_app, upgrade

    with dbs.temporary_database("postgresql", label) as url:
        upgrade(make_app(url))
        data.fill(url, tutors=30, students=30, enrollments=60, sessions=2400)
        with cluster(url) as servers:
            yield url, servers


LESSON_STATE = """
    SELECT s.id, s.session_date, s.is_recurring, s.updated_at, coalesce(o.version, 0) AS record_version,
           coalesce(o.status, s.status) AS status,
           coalesce(o.tutor_attendance_status, s.tutor_attendance_status) AS tutor_attendance_status,
           coalesce(o.student_attendance_status, s.student_attendance_status) AS student_attendance_status,
           s.topics
    FROM sessions s JOIN enrolled_students e ON e.id = s.course_enrollment_id
    LEFT JOIN session_occurrences o ON o.session_id = s.id AND o.original_date = s.session_date"""


def own_sessions(url: str, tutor_id: int, count: int) -> list[dict]:
    """Past lessons of this tutor that are in progress or completed (a one-time session's,
    or a series' first), with their state, URL and version as the page would show them."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            LESSON_STATE + " WHERE e.tutor_id = :t AND s.session_date < current_date "
            "AND s.status IN ('in-progress', 'completed') ORDER BY s.id LIMIT :n"),
            {"t": tutor_id, "n": count}).mappings().all()
    engine.dispose()
    return [with_lesson(dict(r)) for r in rows]


def with_lesson(row: dict) -> dict:
    """The lesson on the session's own date: its URL and version."""
    row["path"] = f"/sessions/{row['id']}/lessons/{row['session_date'].isoformat()}"
    row["version"] = version_of(row["id"], row["session_date"], row["updated_at"], row["record_version"])
    return row


def stored(url: str, ids: list[int]) -> dict[int, dict]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(LESSON_STATE + " WHERE s.id = ANY(:ids)"), {"ids": ids}).mappings().all()
    engine.dispose()
    return {r["id"]: with_lesson(dict(r)) for r in rows}


async def logged_in(servers: list[tuple[str, int]], email: str) -> list[Client]:
    """One client per instance sharing one login: the cookie works on both (same key)."""
    first = Client(*servers[0])
    await first.login(email, data.PASSWORD)
    clients = [first]
    for host, port in servers[1:]:
        other = Client(host, port)
        other.cookies, other.csrf = dict(first.cookies), first.csrf
        clients.append(other)
    return clients


# --- soak ----------------------------------------------------------------------------

@dataclass
class SoakStats:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    writes_acknowledged: int = 0
    conflicts: int = 0
    stale_reads: int = 0
    unexpected: list[str] = field(default_factory=list)

    def note(self, what: str, resp: Response, expected: tuple[int, ...]) -> bool:
        self.requests += 1
        self.statuses[resp.status] += 1
        if resp.status not in expected and len(self.unexpected) < 20:
            self.unexpected.append(f"{what}: {resp.status} {resp.text[:200]!r}")
        return resp.status in expected


async def soak_client(index: int, clients: list[Client], url: str, deadline: float, stats: SoakStats,
                      expected: dict[int, dict]) -> None:
    """One tutor: mixed reads and inline changes on its own sessions, alternating instances."""
    tutor_id = index + 1
    rng = random.Random(index)
    mine = own_sessions(url, tutor_id, 4)
    if not mine:
        raise RuntimeError(f"tutor {tutor_id} has no sessions to write to")
    for row in mine:
        expected[row["id"]] = row
    today = date.today()
    filtered = f"/sessions?status=completed&date_from={today - timedelta(days=60)}&date_to={today}"
    turn = 0
    try:
        while time.perf_counter() < deadline:
            turn += 1
            client = clients[turn % len(clients)]
            row = expected[mine[rng.randrange(len(mine))]["id"]]
            action = rng.random()
            if action < 0.15:
                stats.note("list", await client.get("/sessions"), (200,))
            elif action < 0.25:
                stats.note("filtered list", await client.get(filtered), (200,))
            elif action < 0.35:
                stats.note("detail", await client.get(f"/sessions/{row['id']}"), (200,))
            elif action < 0.50:
                resp = await client.get("/api" + row["path"])
                if stats.note("api read", resp, (200,)):
                    seen = resp.json()
                    if any(seen.get(k) != row[k] for k in ("status", *ATTENDANCE_FIELDS)):
                        stats.stale_reads += 1
            elif action < 0.75:
                new = C.next_status(row["status"])
                resp = await client.post_form(row["path"], {"view": "row", "fields": "status", "status": new,
                                                            "confirm": "1", "version": row["version"]})
                await wrote(stats, row, resp, "status", new)
            else:
                name = ATTENDANCE_FIELDS[rng.randrange(2)]
                value = rng.choice([v for v in C.ATTENDANCE_STATUSES if v != row[name]])
                resp = await client.post_form(row["path"], {"view": "row", "fields": name, name: value,
                                                            "version": row["version"]})
                await wrote(stats, row, resp, name, value)
    finally:
        for client in clients:
            await client.close()


async def wrote(stats: SoakStats, row: dict, resp: Response, name: str, value: str) -> None:
    if stats.note(f"inline {name}", resp, (200, 409)):
        version = etag_of(resp)
        if resp.status == 200:
            stats.writes_acknowledged += 1
            row[name] = value
        else:
            stats.conflicts += 1  # nobody else writes these rows: a 409 here is a bug
        if version:
            row["version"] = version


async def soak(url: str, servers, seconds: float, clients: int = 20) -> dict:
    stats = SoakStats()
    expected: dict[int, dict] = {}
    logins = await asyncio.gather(*(logged_in(servers, data.tutor_email(i + 1)) for i in range(clients)))
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(soak_client(i, logins[i], url, deadline, stats, expected) for i in range(clients)))
    elapsed = time.perf_counter() - started
    final = stored(url, list(expected))
    lost = [
        {"id": sid, "expected": {k: row[k] for k in ("status", *ATTENDANCE_FIELDS)},
         "stored": {k: final[sid][k] for k in ("status", *ATTENDANCE_FIELDS)}}
        for sid, row in expected.items()
        if any(final[sid][k] != row[k] for k in ("status", *ATTENDANCE_FIELDS))
    ]
    return {
        "seconds": round(elapsed, 1), "clients": clients, "instances": len(servers),
        "requests": stats.requests, "rps": round(stats.requests / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "server_errors": sum(v for k, v in stats.statuses.items() if k >= 500),
        "writes_acknowledged": stats.writes_acknowledged, "conflicts": stats.conflicts,
        "stale_reads": stats.stale_reads, "lost_updates": lost, "unexpected": stats.unexpected,
        "sessions_written": len(expected),
    }


# --- races ---------------------------------------------------------------------------

async def all_at_once(clients: list[Client], send) -> list[Response]:
    """Connect every client first, then fire every request together."""
    await asyncio.gather(*(c.connection.connect() for c in clients))
    try:
        return await asyncio.gather(*(send(i, c) for i, c in enumerate(clients)))
    finally:
        await asyncio.gather(*(c.close() for c in clients))


async def race_patch(url: str, servers, tutor_id: int, session_id: int, n: int = 50) -> dict:
    """n PATCHes with the same If-Match: one may win, the others must get 412."""
    token = data.issue_tokens(url, [tutor_id])[tutor_id]
    reader = Client(*servers[0], bearer=token)
    before = await reader.get(f"/api/sessions/{session_id}")
    await reader.close()
    etag = before.headers.get("etag")
    clients = [Client(*servers[i % len(servers)], bearer=token) for i in range(n)]

    async def send(i: int, client: Client) -> Response:
        return await client.send_json("PATCH", f"/api/sessions/{session_id}",
                                      {"topics": [f"Race {i}"]}, {"If-Match": etag or '"missing"'})

    answers = await all_at_once(clients, send)
    winners = [i for i, a in enumerate(answers) if 200 <= a.status < 300]
    final = stored(url, [session_id])[session_id]
    return {
        "read_status": before.status, "etag": etag,
        "statuses": dict(Counter(a.status for a in answers)), "winners": winners,
        "stored_topics": final["topics"],
        "winner_topics": [f"Race {winners[0]}"] if len(winners) == 1 else None,
        "refusals_explained": all("message" in a.text for a in answers if a.status == 412),
    }


async def race_inline(url: str, servers, tutor_id: int, session_id: int, field: str, value: str,
                      n: int = 50) -> dict:
    """n inline changes with the same version: exactly one change, the rest 409."""
    base = await logged_in(servers, data.tutor_email(tutor_id))
    for client in base:
        await client.close()
    before = stored(url, [session_id])[session_id]
    path = before["path"]
    clients = []
    for i in range(n):
        client = Client(*servers[i % len(servers)])
        client.cookies, client.csrf = dict(base[0].cookies), base[0].csrf
        clients.append(client)

    async def send(_i: int, client: Client) -> Response:
        return await client.post_form(path, {"view": "row", "fields": field, field: value, "confirm": "1",
                                             "version": before["version"]})

    answers = await all_at_once(clients, send)
    winners = [i for i, a in enumerate(answers) if a.status == 200]
    after = stored(url, [session_id])[session_id]
    return {
        "field": field, "value": value, "before": before[field], "after": after[field],
        "statuses": dict(Counter(a.status for a in answers)), "winners": winners,
        "version_changed": after["version"] != before["version"],
        "winner_version": etag_of(answers[winners[0]]) if len(winners) == 1 else None,
        "stored_version": after["version"],
        "conflicts_explained": all(a.body.strip() and b"<html" not in a.body
                                   for a in answers if a.status == 409),
    }


async def races(url: str, servers, tutor_id: int) -> dict:
    rows = own_sessions(url, tutor_id, 3)
    if len(rows) < 3:
        raise RuntimeError(f"tutor {tutor_id} needs 3 past sessions for the races")
    status_row, attendance_row, patch_row = rows
    new_status = C.next_status(status_row["status"])
    new_attendance = next(v for v in C.ATTENDANCE_STATUSES if v != attendance_row["tutor_attendance_status"])
    return {
        "patch": await race_patch(url, servers, tutor_id, patch_row["id"]),
        "status": await race_inline(url, servers, tutor_id, status_row["id"], "status", new_status),
        "attendance": await race_inline(url, servers, tutor_id, attendance_row["id"],
                                        "tutor_attendance_status", new_attendance),
    }


# --- verdicts ------------------------------------------------------------------------

def soak_problems(result: dict) -> list[str]:
    problems = []
    if result["server_errors"]:
        problems.append(f"{result['server_errors']} answers were 5xx")
    if result["unexpected"]:
        problems.append(f"unexpected answers: {result['unexpected'][:5]}")
    if result["lost_updates"]:
        problems.append(f"{len(result['lost_updates'])} lost updates: {result['lost_updates'][:3]}")
    if result["conflicts"]:
        problems.append(f"{result['conflicts']} conflicts on rows only one client writes")
    if result["stale_reads"]:
        problems.append(f"{result['stale_reads']} reads older than an acknowledged write")
    if not result["writes_acknowledged"]:
        problems.append("no write was acknowledged")
    return problems


def race_problems(name: str, result: dict) -> list[str]:
    statuses, n = result["statuses"], sum(result["statuses"].values())
    refusal = 412 if name == "patch" else 409
    problems = []
    if len(result["winners"]) != 1 or statuses.get(refusal, 0) != n - 1:
        problems.append(f"{name}: wanted one success and {n - 1} × {refusal}, got {statuses}")
    elif name == "patch":
        if result["stored_topics"] != result["winner_topics"]:
            problems.append(f"patch: stored {result['stored_topics']}, winner sent {result['winner_topics']}")
        if not result["refusals_explained"]:
            problems.append("patch: a 412 without a message")
    else:
        if result["after"] != result["value"] or not result["version_changed"]:
            problems.append(f"{name}: database holds {result['after']!r}, wanted {result['value']!r}")
        if result["winner_version"] != result["stored_version"]:
            problems.append(f"{name}: the winner's row shows version {result['winner_version']}, "
                            f"the database {result['stored_version']} (changed more than once?)")
        if not result["conflicts_explained"]:
            problems.append(f"{name}: a 409 without a fragment to show")
    return problems


def run_all(url: str, seconds: float, soak_clients: int = 20) -> dict:
    """Soak then races on a filled database (tutors 1..20 soak, tutor 21 races)."""
    with cluster(url) as servers:
        soak_result = asyncio.run(soak(url, servers, seconds, soak_clients))
        race_result = asyncio.run(races(url, servers, soak_clients + 1))
    checks = []
    problems = soak_problems(soak_result)
    checks.append({"target": f"soak {soak_result['seconds']} s, {soak_clients} clients, 2 instances: "
                             f"{soak_result['requests']} requests, no 5xx, no lost update",
                   "value": soak_result["writes_acknowledged"], "limit": None,
                   "verdict": "MISS" if problems else "PASS", "margin": "; ".join(problems) or "ok"})
    for name, result in race_result.items():
        problems = race_problems(name, result)
        checks.append({"target": f"race {name}: 50 concurrent, one winner", "value": result["statuses"],
                       "limit": None, "verdict": "MISS" if problems else "PASS",
                       "margin": "; ".join(problems) or "ok"})
    return {"soak": soak_result, "races": race_result, "checks": checks}


def main() -> int:
    from tests import dbs
    from tests.conftest import make_app, upgrade

    seconds = float(os.environ.get("BENCH_SOAK_SECONDS", "60"))
    with dbs.temporary_database("postgresql", "soak") as url:
        upgrade(make_app(url))
        data.fill(url, tutors=30, students=30, enrollments=60, sessions=2400)
        result = run_all(url, seconds)
    for check in result["checks"]:
        print(f"{check['verdict']:<5} {check['target']}: {check['value']} ({check['margin']})")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "soak.json").write_text(json.dumps(result, indent=2, default=str))
    return 0 if all(c["verdict"] == "PASS" for c in result["checks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
