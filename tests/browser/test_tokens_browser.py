"""The tokens page in Chromium: create (shown once, selectable), revoke, axe-core, phone width."""
from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, login, serious_axe_violations
from tests.factories import make_user
from webapp.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def tutor(app_ctx):
    make_user(email="tutor@example.com", name="Abebe Kebede")
    db.session.commit()


def test_create_copy_and_revoke_a_token_on_a_phone(phone, live, tutor):
    page = phone
    login(page)
    page.click("nav >> text=API tokens")
    page.wait_for_url("**/tokens")
    page.fill("input[name=name]", "Student app")
    page.click("button:has-text('Create token')")
    token = page.locator("#new-token")
    assert token.input_value().startswith("tsk_")
    assert token.evaluate("el => el === document.activeElement")  # ready to copy
    assert page.locator("table.tokens >> text=Student app").count() == 1
    assert serious_axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"tokens-360-{live.backend}.png"), full_page=True)
    page.click("button:has-text('Revoke')")
    page.wait_for_url("**/tokens")
    assert page.locator("#new-token").count() == 0  # shown once only
    assert page.locator("table.tokens >> text=Revoked").count() == 1
    assert page.locator("button:has-text('Revoke')").count() == 0
