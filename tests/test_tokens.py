"""The tokens page: list, create (shown once), revoke; and the token then works or not."""
import re
from datetime import timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_from
from tests.factories import make_user
from webapp.extensions import db
from webapp.models import ApiToken

NEW_TOKEN = re.compile(r'id="new-token"[^>]*value="(tsk_[^"]+)"')


@pytest.fixture
def tutor(app):
    user = make_user(email="tutor@example.com", name="Abebe Kebede")
    db.session.commit()
    return user


def create(client, name: str):
    token = csrf_from(client.get("/tokens").text)
    return client.post("/tokens", data={"name": name, "csrf_token": token})


def tokens():
    return db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)).all()


def test_tokens_page_needs_login(client):
    assert client.get("/tokens").headers["Location"].startswith("/login")


def test_nav_links_to_the_tokens_page(client, auth, tutor):
    auth.login()
    assert 'href="/tokens" aria-current="page"' in client.get("/tokens").text


def test_create_shows_the_token_once_and_stores_only_its_hash(client, auth, tutor):
    auth.login()
    response = create(client, "  Student app  ")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    plain = NEW_TOKEN.search(response.text).group(1)
    [row] = tokens()
    assert row.name == "Student app" and row.user_id == tutor.id
    assert row.token_hash == ApiToken.hash(plain) and plain not in row.token_hash
    listing = client.get("/tokens").text
    assert "Student app" in listing and "Never" in listing and "Active" in listing
    assert plain not in listing  # never shown again
    used = client.get("/api/sessions", headers={"Authorization": f"Bearer {plain}"})
    assert used.status_code == 200


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_bad_name_shows_the_error_at_the_field_and_creates_nothing(client, auth, tutor, name):
    auth.login()
    response = create(client, name)
    assert response.status_code == 400
    assert 'class="field-errors"' in response.text and 'aria-invalid="true"' in response.text
    assert NEW_TOKEN.search(response.text) is None
    assert tokens() == []


def test_create_without_csrf_is_refused(client, auth, tutor):
    auth.login()
    assert client.post("/tokens", data={"name": "x"}).status_code == 400
    assert tokens() == []


def test_revoke_is_a_post_with_csrf_and_the_token_stops_working_at_once(client, auth, tutor):
    auth.login()
    plain = NEW_TOKEN.search(create(client, "Laptop").text).group(1)
    [row] = tokens()
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/sessions", headers=headers).status_code == 200
    assert client.get(f"/tokens/{row.id}/revoke").status_code == 405
    assert client.post(f"/tokens/{row.id}/revoke").status_code == 400  # no CSRF token
    db.session.refresh(row)
    assert row.revoked_at is None
    response = client.post(f"/tokens/{row.id}/revoke", data={"csrf_token": auth.csrf("/tokens")})
    assert response.status_code == 303 and response.headers["Location"] == "/tokens"
    db.session.refresh(row)
    assert row.revoked_at is not None
    page = client.get("/tokens").text
    assert "Laptop" in page and "Revoked" in page and "revoked." in page
    assert f"/tokens/{row.id}/revoke" not in page  # nothing left to revoke
    assert client.get("/api/sessions", headers=headers).status_code == 401


def test_a_tutor_sees_and_revokes_only_their_own_tokens(client, auth, tutor):
    other = make_user(email="other@example.com")
    theirs, _plain = ApiToken.issue(other, "Their script")
    db.session.add(theirs)
    db.session.commit()
    auth.login()
    assert "Their script" not in client.get("/tokens").text
    response = client.post(f"/tokens/{theirs.id}/revoke", data={"csrf_token": auth.csrf("/tokens")})
    assert response.status_code == 404
    db.session.refresh(theirs)
    assert theirs.revoked_at is None


def test_last_use_is_shown(client, auth, tutor):
    auth.login()
    plain = NEW_TOKEN.search(create(client, "Cron").text).group(1)
    client.get("/api/sessions", headers={"Authorization": f"Bearer {plain}"})
    [row] = tokens()
    db.session.refresh(row)
    assert row.last_used_at is not None
    # shown in the tutor's zone (Addis Ababa, UTC+3), as every date is
    local = row.last_used_at.replace(tzinfo=timezone.utc).astimezone(ZoneInfo("Africa/Addis_Ababa"))
    assert f"{local:%a} {local.day} {local:%b %Y %H:%M}" in client.get("/tokens").text


def test_create_token_command_prints_a_working_token(app, runner, client, tutor):
    result = runner.invoke(args=["create-token", "tutor@example.com", "--name", "cli"])
    plain = result.output.strip()
    assert plain.startswith("tsk_")
    assert client.get("/api/sessions", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
