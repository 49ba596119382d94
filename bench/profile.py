"""Where the time goes: a scenario's requests replayed in-process under cProfile.

Run by `python -m bench.http --profile` on the benchmark database once the load is over.
In-process (Flask's test client, same app, same database) rather than py-spy on the
gunicorn workers: no ptrace permission needed, and the profile holds one request type only.
Writes `bench/results/profile-<scenario>.txt` (top functions by cumulative and own time).
"""
from __future__ import annotations

import cProfile
import io
import pstats
import re
import time
from pathlib import Path

from webapp import choices as C
from webapp.lessons.lesson import version_of

from . import data

RESULTS = Path(__file__).resolve().parent / "results"


def profile(url: str, items: dict[str, list[int]], requests: int = 200) -> dict[str, dict]:
    """Profile list, filtered list, detail, inline status and attendance, and both baselines.

    `items` maps "status", "attendance", "update" and "detail" to session ids of tutor 1.
    """
    import sqlalchemy as sa

    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import Session

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-profile",
                      "BENCHMARK_BASELINE": True})
    client = app.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": data.tutor_email(1), "password": data.PASSWORD, "csrf_token": token})
    listing = client.get("/sessions")
    match = re.search(r'"X-CSRFToken": "([^"]+)"', listing.text)
    csrf = match.group(1) if match else token
    htmx = {"HX-Request": "true", "X-CSRFToken": csrf}
    anon = app.test_client()  # the baselines need no login, as in the load
    anon_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', anon.get("/login").text).group(1)

    def current(session_id: int) -> list:
        """[status, version, lesson path] of a one-time session's lesson."""
        with app.app_context():
            row = db.session.execute(sa.select(Session.status, Session.session_date, Session.updated_at)
                                     .where(Session.id == session_id)).one()
            return [row.status, version_of(session_id, row.session_date, row.updated_at, 0),
                    f"/sessions/{session_id}/lessons/{row.session_date.isoformat()}"]

    state: dict[int, list] = {}

    def status_step(i: int):
        sid = items["status"][i % len(items["status"])]
        if sid not in state:
            state[sid] = current(sid)
        status, version, path = state[sid]
        new = C.next_status(status)
        answer = client.post(path, data={"view": "row", "fields": "status", "status": new, "confirm": "1",
                                         "version": version}, headers=htmx)
        if answer.status_code == 200:
            state[sid] = [new, answer.headers["ETag"].strip('"'), path]
        return answer

    def attendance_step(i: int):
        sid = items["attendance"][i % len(items["attendance"])]
        if sid not in state:
            state[sid] = current(sid)
        value = C.ATTENDANCE_STATUSES[i % len(C.ATTENDANCE_STATUSES)]
        answer = client.post(state[sid][2], data={"view": "row", "fields": "tutor_attendance_status",
                                                  "tutor_attendance_status": value, "version": state[sid][1]},
                             headers=htmx)
        state[sid][1] = answer.headers.get("ETag", state[sid][1]).strip('"')
        return answer

    scenarios = {
        "fortunes": lambda i: anon.get("/baseline/fortunes"),
        "update": lambda i: anon.post(f"/baseline/update/{items['update'][i % len(items['update'])]}",
                                      headers={"HX-Request": "true", "X-CSRFToken": anon_token}),
        "rows": lambda i: anon.get("/baseline/rows/1"),
        "list": lambda i: client.get("/sessions?tab=upcoming&is_recurring=false"),
        "list_all": lambda i: client.get("/sessions"),
        "detail": lambda i: client.get(f"/sessions/{items['detail'][i % len(items['detail'])]}"),
        "status": status_step,
        "attendance": attendance_step,
    }
    RESULTS.mkdir(exist_ok=True)
    summary = {}
    for name, step in scenarios.items():
        statuses: dict[int, int] = {}
        for i in range(10):  # warm caches (templates, statement cache) outside the profile
            step(i)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for i in range(requests):
            code = step(i).status_code
            statuses[code] = statuses.get(code, 0) + 1
        profiler.disable()
        per_request = (time.perf_counter() - started) / requests * 1000
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(15)
        path = RESULTS / f"profile-{name}.txt"
        path.write_text(f"{name}: {per_request:.2f} ms a request in-process (profiled), answers {statuses}\n"
                        + out.getvalue())
        summary[name] = {"ms_per_request_profiled": round(per_request, 2), "statuses": statuses,
                         "file": str(path.relative_to(RESULTS.parent.parent))}
    return summary
