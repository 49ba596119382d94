"""Logins kept on the server (logout and password changes end them), the brake on guessing
passwords (per account and per client), and what the deployment settings make the app say."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from tests.conftest import Auth, csrf_from
from tests.factories import make_user
from webapp import config
from webapp.auth import logins
from webapp.extensions import db
from webapp.models import LoginAttempts, LoginSession, utcnow


@pytest.fixture
def tutor(app):
    user = make_user(email="tutor@example.com")
    db.session.commit()
    return user


def new_client(app, cookie: str | None = None):
    client = app.test_client()
    if cookie is not None:
        client.set_cookie("session", cookie)
    return client


def session_cookie(client) -> str:
    return client.get_cookie("session").value


# --- Logins on the server --------------------------------------------------------------


def test_a_copied_cookie_stops_working_at_logout(app, client, auth, tutor):
    assert auth.login().status_code == 302
    copied = session_cookie(client)
    thief = new_client(app, copied)
    assert thief.get("/sessions").status_code == 200  # the copy works while the login lives
    assert auth.logout().status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 0
    replay = thief.get("/sessions")
    assert replay.status_code == 302 and replay.headers["Location"].startswith("/login")


def test_a_password_change_ends_every_other_login(app, tutor):
    here, there = new_client(app), new_client(app)
    for client in (here, there):
        assert Auth(client).login().status_code == 302
    with here.session_transaction() as cookie:
        current = cookie["_user_id"]
    with app.test_request_context():
        tutor.login_token = current
        assert logins.end_others(tutor) == 1
    assert here.get("/sessions").status_code == 200
    assert there.get("/sessions").status_code == 302


def test_a_login_ends_by_itself_after_its_lifetime(app, client, auth, tutor):
    auth.login()
    db.session.execute(sa.update(LoginSession).values(created_at=utcnow() - logins.LIFETIME - timedelta(minutes=1)))
    db.session.commit()
    assert client.get("/sessions").status_code == 302


def test_a_login_starts_a_fresh_session_and_csrf_secret(client, auth, tutor):
    before = csrf_from(client.get("/login").text)
    auth.login()
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400  # the anonymous token is gone
    assert client.get("/sessions").status_code == 200
    assert auth.logout().status_code == 303


def test_the_login_forms_csrf_token_expires(client, tutor, monkeypatch):
    page = client.get("/login")
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 3601)
    response = client.post("/login", data={"email": "tutor@example.com", "password": "secret-pw",
                                           "csrf_token": csrf_from(page.text)})
    assert response.status_code == 400 and "This login form has expired" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 0


# --- Brute force ----------------------------------------------------------------------


def login(client, email="tutor@example.com", password="wrong-pw"):
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)})


@pytest.mark.parametrize("email", ["tutor@example.com", "nobody@example.com"])
def test_repeated_failures_lock_the_account_and_the_right_password_waits(app, client, tutor, email, monkeypatch):
    for attempt in range(1, logins.LOCK_AFTER):
        assert login(client, email).status_code == 401, attempt
    locked = login(client, email)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) == 30
    assert "Too many failed logins for this account. Try again in 30 seconds." in locked.text
    right = login(client, email, "secret-pw")
    assert right.status_code == 429 and "Retry-After" in right.headers
    assert client.get("/sessions").status_code == 302  # not logged in
    # Another account is not slowed down by it.
    other = make_user(email="other@example.com")
    db.session.commit()
    assert login(new_client(app), "other@example.com", "secret-pw").status_code == 302
    # After the lock, a new failure locks for twice as long; the right password then clears it.
    later = utcnow() + timedelta(seconds=31)
    monkeypatch.setattr(logins, "utcnow", lambda: later)
    assert login(client, email).status_code == 429
    assert db.session.scalar(sa.select(LoginAttempts.failures).where(LoginAttempts.email == email)) == 6
    assert int(login(new_client(app), email).headers["Retry-After"]) == 60
    monkeypatch.setattr(logins, "utcnow", lambda: later + timedelta(minutes=16))
    if email == "tutor@example.com":
        assert login(client, email, "secret-pw").status_code == 302
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempts)
                                 .where(LoginAttempts.email == email)) == 0
    assert other is not None


def test_the_lock_doubles_up_to_its_ceiling(app, tutor):
    now = utcnow()
    with app.test_request_context():
        waits = [logins.record_failure("tutor@example.com", now) for _ in range(16)]
    assert waits[:logins.LOCK_AFTER - 1] == [0] * (logins.LOCK_AFTER - 1)
    assert waits[logins.LOCK_AFTER - 1:logins.LOCK_AFTER + 3] == [30, 60, 120, 240]
    assert max(waits) == waits[-1] == logins.MAX_LOCK.total_seconds()


def test_concurrent_failures_all_count(app, tutor):
    """Ten wrong passwords at the same moment count ten (one atomic upsert each)."""
    barrier, errors = threading.Barrier(10), []

    def fail():
        with app.app_context():
            try:
                barrier.wait()
                logins.record_failure("tutor@example.com")
            except Exception as exc:  # noqa: BLE001  (reported below)
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=fail) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(sa.select(LoginAttempts.failures)) == 10


def test_one_client_may_post_only_so_many_logins(other_app, app, tutor):
    limited = other_app(LOGIN_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        assert login(client, email).status_code == 401  # three accounts, one failure each
    blocked = login(client, "tutor@example.com", "secret-pw")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Too many requests" in blocked.text
    assert client.get("/login").status_code == 200  # reading the page is not limited
    # The refused post never reached the account: it holds no failure.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempts)
                             .where(LoginAttempts.email == "tutor@example.com")) == 0


def redis_problem() -> str | None:
    try:
        import redis

        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        return f"no Redis at 127.0.0.1:6379 ({exc})"
    return None


def test_with_redis_the_limit_is_shared_by_every_process(other_app, app, tutor):
    problem = redis_problem()
    if problem:
        if config.os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true and " + problem)
        pytest.skip(problem)
    import uuid

    storage = "redis://127.0.0.1:6379/0"
    one, two = (other_app(LOGIN_RATE_LIMIT="2 per minute", RATELIMIT_STORAGE_URI=storage) for _ in range(2))
    # A client address of this run's own: the limits are counted per address in the shared
    # Redis, and a key prefix would not do (the one Limiter keeps the first app's prefix).
    address = ".".join(str(part) for part in uuid.uuid4().bytes[:4])

    def client_of(app):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    assert login(client_of(one), "a@example.com").status_code == 401
    assert login(client_of(two), "b@example.com").status_code == 401
    # The count is Redis's (what another process would read), not this process's memory.
    import redis

    counted = redis.Redis.from_url(storage)
    keys = list(counted.scan_iter(f"*{address}*"))
    assert keys and sum(int(counted.get(key)) for key in keys) == 2
    assert login(client_of(one), "tutor@example.com", "secret-pw").status_code == 429


# --- Deployment settings ----------------------------------------------------------------


def test_https_settings_come_from_the_environment():
    plain = config.deployment({})
    assert plain["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1", "::1"] and not plain["SESSION_COOKIE_SECURE"]
    served = config.deployment({"BASE_URL": "https://tutor.example.et/", "TRUSTED_HOSTS": "tutor.example.et, www.tutor.example.et",
                                "PROXY_FIX": "1"})
    assert served["BASE_URL"] == "https://tutor.example.et" and served["PREFERRED_URL_SCHEME"] == "https"
    assert served["SESSION_COOKIE_SECURE"] and served["REMEMBER_COOKIE_SECURE"] and served["HSTS"]
    assert served["TRUSTED_HOSTS"] == ["tutor.example.et", "www.tutor.example.et"] and served["PROXY_FIX"] == 1


def test_over_https_cookies_are_secure_and_hsts_is_sent(other_app, app, tutor):
    https = other_app(**config.deployment({"BASE_URL": "https://tutor.example.et",
                                                       "TRUSTED_HOSTS": "tutor.example.et"}))
    client = https.test_client()
    page = client.get("/login", base_url="https://tutor.example.et")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    response = client.post("/login", base_url="https://tutor.example.et", data={
        "email": "tutor@example.com", "password": "secret-pw", "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302 and "; Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers


def test_behind_a_proxy_its_forwarded_scheme_and_host_count(other_app, app, tutor):
    proxied = other_app(PROXY_FIX=1, TRUSTED_HOSTS=["tutor.example.et"])
    client = proxied.test_client()
    page = client.get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "tutor.example.et"})
    assert page.status_code == 200 and "Strict-Transport-Security" in page.headers
    assert client.get("/login", headers={"X-Forwarded-Host": "evil.example"}).status_code == 400


def test_a_forged_host_is_refused_and_never_reaches_the_feed_url(other_app, app, client, auth, tutor):
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    auth.login()
    refused = client.get("/calendar/feed", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and "evil.example" not in refused.text
    client.post("/calendar/feed", data={"csrf_token": auth.csrf("/calendar/feed")})
    page = client.get("/calendar/feed")
    assert "http://localhost/calendar/" in page.text and page.headers["Cache-Control"] == "no-store"
    based = other_app(BASE_URL="https://tutor.example.et")
    other = based.test_client()
    Auth(other).login()
    assert "https://tutor.example.et/calendar/" in other.get("/calendar/feed").text


@pytest.mark.parametrize("path", ["/login", "/tokens", "/calendar/feed"])
def test_pages_that_show_a_secret_are_never_stored(client, auth, tutor, path):
    if path != "/login":
        auth.login()
    assert client.get(path).headers["Cache-Control"] == "no-store"
