"""The benchmark-only baselines and the query counter: off by default, correct when on."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import FreshRequestClient, clear_tables, csrf_from, make_app
from tests.factories import make_enrollment, make_session, make_user, today
from webapp import baseline
from webapp.extensions import db
from webapp.models import Session


@pytest.fixture
def bench_app(database_url):
    app = make_app(database_url, BENCHMARK_BASELINE=True)
    app.test_client_class = FreshRequestClient
    with app.app_context():
        with db.engine.begin() as conn:
            baseline.create_fortunes(conn)
        try:
            yield app
        finally:
            db.session.remove()
            with db.engine.begin() as conn:
                baseline.drop_fortunes(conn)
            clear_tables()
            db.engine.dispose()


def test_baseline_is_absent_without_the_flag(app, client):
    assert not app.config["BENCHMARK_BASELINE"]
    assert "baseline.fortunes" not in app.view_functions
    answer = client.get("/baseline/fortunes")
    assert answer.status_code == 404
    assert "X-Query-Count" not in answer.headers
    assert "X-Query-Count" not in client.get("/login").headers


def test_flag_comes_from_the_environment(monkeypatch, database_url):
    monkeypatch.setenv("BENCHMARK_BASELINE", "1")
    app = make_app(database_url)
    assert app.config["BENCHMARK_BASELINE"] is True
    assert "baseline.update" in app.view_functions


def test_fortunes_renders_thirteen_sorted_escaped_rows_with_one_query(bench_app):
    answer = bench_app.test_client().get("/baseline/fortunes")
    assert answer.status_code == 200
    assert answer.headers["X-Query-Count"] == "1"
    assert answer.headers["Content-Security-Policy"]  # the app's middleware ran
    messages = re.findall(r"<tr><td>\d+</td><td>(.*?)</td></tr>", answer.text)
    assert len(messages) == len(baseline.FORTUNES) + 1
    assert messages == sorted(messages)
    assert baseline.EXTRA_FORTUNE in messages
    assert "<script>" not in answer.text and "&lt;script&gt;" in answer.text
    assert "フレームワークのベンチマーク" in answer.text


def test_rows_renders_the_same_rows_as_the_list_of_one_time_lessons_from_one_query(bench_app):
    tutor = make_user()
    enrollment = make_enrollment(tutor)
    sessions = [make_session(enrollment, day=today() + timedelta(days=d)) for d in range(55)]
    make_session(enrollment, day=today() + timedelta(days=1), is_recurring=True, session_frequency="weekly",
                 recurring_pattern={"days": [], "months": [], "specific_dates": []})
    make_session(enrollment, day=today() - timedelta(days=1))
    db.session.commit()
    answer = bench_app.test_client().get(f"/baseline/rows/{tutor.id}")
    assert answer.status_code == 200 and answer.headers["X-Query-Count"] == "1"
    dates = re.findall(r"<tr><td>(\d{4}-\d{2}-\d{2}) ", answer.text)
    assert dates == [s.session_date.isoformat() for s in sessions[:50]]


def test_update_moves_the_status_one_step_and_renders_the_row(bench_app):
    tutor = make_user()
    session = make_session(make_enrollment(tutor), day=today() - timedelta(days=1),
                           status="in-progress")
    db.session.commit()
    before = session.version
    db.session.close()  # the request must read the row itself, not find it in our identity map
    client = bench_app.test_client()
    token = csrf_from(client.get("/login").text)

    answer = client.post(f"/baseline/update/{session.id}", headers={"X-CSRFToken": token})
    assert answer.status_code == 200
    assert answer.headers["X-Query-Count"] == "2"  # the SELECT and the UPDATE
    assert "<html" not in answer.text and "Completed" in answer.text
    db.session.expire_all()
    stored = db.session.get(Session, session.id)
    assert stored.status == "completed" and stored.version != before
    assert f'value="{stored.version}"' in answer.text

    assert client.post(f"/baseline/update/{session.id}", headers={"X-CSRFToken": token}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Session, session.id).status == "cancelled"  # the next in the list of statuses


def test_update_keeps_csrf_and_answers_404_for_unknown_ids(bench_app):
    tutor = make_user()
    session = make_session(make_enrollment(tutor), status="scheduled")
    db.session.commit()
    client = bench_app.test_client()
    assert client.post(f"/baseline/update/{session.id}").status_code == 400
    db.session.expire_all()
    assert db.session.get(Session, session.id).status == "scheduled"
    token = csrf_from(client.get("/login").text)
    assert client.post("/baseline/update/999999", headers={"X-CSRFToken": token}).status_code == 404


def bench_result(list_rps=400.0, status_ok=1.0, list_half_p95=80.0, list_queries=(4, 4), row_bytes=800.0,
                 status_bytes=900) -> dict:
    def scenario(rps, ok_share=1.0, p95=10.0, bytes_mean=5000, baseline=None):
        phase = {"ok_rps": rps, "ok_share": ok_share, "p95_ms": p95, "bytes_mean": bytes_mean,
                 "statuses": {"200": 100}}
        return {"label": "x", "baseline": baseline, "peak": dict(phase), "half": dict(phase)}

    return {
        "scenarios": {
            "fortunes": scenario(1000), "rows": scenario(1000), "update": scenario(300),
            "list": scenario(list_rps, p95=list_half_p95, bytes_mean=50000, baseline="rows"),
            "status": scenario(250, ok_share=status_ok, bytes_mean=status_bytes, baseline="update"),
        },
        "missing": {"attendance": {"404": 12}},
        "probes": {"list_50": {"status": 200, "queries": list_queries[0], "rows": 50, "row_bytes": row_bytes},
                   "list_few": {"status": 200, "queries": list_queries[1], "rows": 3, "row_bytes": row_bytes},
                   "api_100": {"status": 200, "queries": 3, "rows": 100},
                   "api_1": {"status": 200, "queries": 3, "rows": 1}},
    }


def verdicts(result: dict) -> dict[str, str]:
    from bench.http import evaluate

    return {c["target"].split(":")[0]: c["verdict"] for c in evaluate(result)}


def test_bench_targets_pass_and_miss_with_margins():
    from bench.http import evaluate

    checks = {c["target"]: c for c in evaluate(bench_result())}
    same_rows = "list rps ≥ 50% of a plain table of the same rows"
    assert checks[same_rows]["verdict"] == "MISS"  # 400 / 1000
    assert checks[same_rows]["margin"] == "-0.1"
    assert checks["inline status rps ≥ 70% of read-update-render"]["verdict"] == "PASS"  # 250 / 300
    assert checks["list p95 at half peak ≤ 100 ms"]["verdict"] == "PASS"
    assert checks["inline status answer ≤ 2 KB"]["verdict"] == "PASS"
    assert checks["a list row ≤ 1.2 KB of HTML"]["verdict"] == "PASS"
    # A route that is missing is a MISS that says so, never a silent pass.
    missing = checks["inline attendance rps ≥ 70% of read-update-render"]
    assert missing["verdict"] == "MISS" and "missing" in missing["margin"]
    assert checks["attendance measured"]["verdict"] == "MISS"


def test_bench_targets_refuse_throughput_made_of_errors_growing_queries_and_fat_rows():
    found = verdicts(bench_result(list_rps=900, status_ok=0.5, list_queries=(54, 4), row_bytes=4700,
                                  status_bytes=4500))
    assert found["list rps ≥ 50% of a plain table of the same rows"] == "PASS"
    assert found["inline status rps ≥ 70% of read-update-render"] == "MISS"  # half were errors
    assert found["list_50"] == "MISS"  # 54 queries
    assert found["queries flat"] == "MISS"
    assert found["a list row ≤ 1.2 KB of HTML"] == "MISS" and found["inline status answer ≤ 2 KB"] == "MISS"
