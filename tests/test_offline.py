"""The service worker's script at the root (headers, CSP) and the texts the scripts show, one
JSON block per page. Its behaviour offline: tests/browser/test_offline_browser.py."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

from tests.factories import make_user
from webapp.extensions import db

STATIC = Path(__file__).resolve().parents[1] / "static"
BLOCK = re.compile(r'<script type="application/json" id="js-messages"([^>]*)>(.*?)</script>', re.S)


def directives(csp: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in csp.split(";") if part.strip())}


def english_keys(script: str) -> set[str]:
    """The keys of a script's `const ENGLISH = {…};` fallbacks."""
    body = re.search(r"const ENGLISH = \{(.*?)\n\};", (STATIC / script).read_text(), re.S).group(1)
    return set(re.findall(r"^\s+(\w+):", body, re.M))


def test_the_service_worker_is_served_at_the_root_and_checked_on_every_load(client):
    with client.get("/sw.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["Service-Worker-Allowed"] == "/"
        assert response.text == (STATIC / "sw.js").read_text()
        assert 'addEventListener("fetch"' in response.text


def test_the_policy_allows_the_worker_and_nothing_else_new(client):
    for path in ("/sw.js", "/login"):
        with client.get(path) as response:
            policy = directives(response.headers["Content-Security-Policy"])
        assert policy["worker-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]  # still no inline script, no eval
        assert policy["connect-src"] == ["'self'"]


def test_every_page_carries_the_scripts_texts_and_whose_page_it_is(client, auth, app):
    tutor = make_user(email="tutor@example.com")
    db.session.commit()
    attributes, text = BLOCK.search(client.get("/login").text).groups()
    assert 'data-user=""' in attributes and 'data-sw="/sw.js"' in attributes and 'data-scope="/"' in attributes
    auth.login()
    attributes, text = BLOCK.search(client.get("/sessions?tab=today").text).groups()
    assert f'data-user="{tutor.id}"' in attributes
    messages = json.loads(html.unescape(text) if text.lstrip().startswith("&") else text)
    assert all(isinstance(value, str) and value for value in messages.values())
    # every text the scripts may show is in the block (they carry English fallbacks only)
    assert english_keys("app.js") <= messages.keys()
    assert english_keys("sw.js") <= messages.keys()
    assert messages["offline_copy"] == "You are offline. This is the copy of {time}."
