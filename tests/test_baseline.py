"""The benchmark-only baselines and the query counter: off by default, correct when on."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.conftest import FreshRequestClient, clear_tables, csrf_from, make_app
from tests.factories import make_enrollment, make_session, make_user
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


def test_update_moves_the_status_one_step_and_renders_the_row(bench_app):
    tutor = make_user()
    session = make_session(make_enrollment(tutor), day=date.today() - timedelta(days=1),
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
    assert db.session.get(Session, session.id).status == "in-progress"


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
