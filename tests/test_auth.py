"""Login, logout, pages needing login, CSRF on both."""
import pytest

from tests.conftest import csrf_from
from tests.factories import make_user
from webapp.extensions import db


@pytest.fixture
def tutor(app):
    user = make_user(email="tutor@example.com", name="Abebe Kebede")
    db.session.commit()
    return user


def test_login_shows_the_tutors_sessions_page(client, auth, tutor):
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sessions")
    page = client.get("/sessions")
    assert page.status_code == 200
    assert "Abebe Kebede" in page.text


def test_email_is_case_insensitive(client, auth, tutor):
    assert auth.login(email="Tutor@Example.com ").status_code == 302


@pytest.mark.parametrize("email, password", [
    ("tutor@example.com", "wrong-password"),
    ("nobody@example.com", "secret-pw"),
])
def test_wrong_login_gives_one_message_that_does_not_reveal_the_email(client, auth, tutor, email, password):
    response = auth.login(email=email, password=password)
    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    assert client.get("/sessions").status_code == 302


def test_empty_login_form_shows_field_errors(client, auth, tutor):
    page = client.get("/login")
    response = client.post("/login", data={"email": "", "password": "", "csrf_token": csrf_from(page.text)})
    assert response.status_code == 400
    assert response.text.count("This field is required.") == 2


@pytest.mark.parametrize("path", ["/sessions", "/"])
def test_pages_need_login(client, path):
    response = client.get(path, follow_redirects=True)
    assert response.request.path == "/login"
    assert "Log in" in response.text


def test_login_redirects_back_to_the_page_asked_for_but_never_off_site(client, tutor):
    page = client.get("/login?next=/sessions")
    token = csrf_from(page.text)
    ok = client.post("/login?next=/sessions", data={"email": "tutor@example.com", "password": "secret-pw",
                                                     "csrf_token": token})
    assert ok.headers["Location"] == "/sessions"
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/sessions").text)})
    token = csrf_from(client.get("/login").text)
    evil = client.post("/login?next=//evil.example.com/x", data={
        "email": "tutor@example.com", "password": "secret-pw", "csrf_token": token})
    assert evil.headers["Location"] == "/sessions"


def test_login_without_csrf_token_is_refused(client, tutor):
    response = client.post("/login", data={"email": "tutor@example.com", "password": "secret-pw"})
    assert response.status_code == 400
    assert client.get("/sessions").status_code == 302


def test_logout_is_a_post_with_csrf(client, auth, tutor):
    auth.login()
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no token: still logged in
    assert client.get("/sessions").status_code == 200
    response = auth.logout()
    assert response.status_code == 303
    assert client.get("/sessions").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(client, auth, tutor):
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
