"""Light on the wire: compressed answers, fingerprinted static URLs cached for a year, the
favicon, and pages that load nothing from another host."""
from __future__ import annotations

import gzip
import hashlib
import os
import re
from datetime import time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import brotli
import pytest

from tests.factories import make_enrollment, make_session, make_user, today
from tests.test_api import token_for
from webapp import assets
from webapp.calendar.views import feed_path

STATIC = Path(__file__).resolve().parent.parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}
# The CSRF token is signed with a timestamp: two renderings of a page differ only there.
CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+|("X-CSRFToken": ")[^"]+')


def unmasked(body: bytes) -> bytes:
    return CSRF.sub(lambda m: (m.group(1) or m.group(2)) + "…", body.decode()).encode()


@pytest.fixture
def tutor(app):
    """A tutor with twelve upcoming lessons (enough for every answer to pass 500 bytes)."""
    user = make_user(email="tutor@example.com", name="Abebe Kebede")
    enrollment = make_enrollment(user, make_user("student", name="Selam Girma"), "Mathematics")
    for i in range(12):
        make_session(enrollment, today() + timedelta(days=i + 1), time(9 + i % 8), time(10 + i % 8),
                     topics=["Algebra", f"Unit {i}"])
    from webapp.extensions import db

    db.session.commit()
    return user


@pytest.fixture
def logged_in(client, auth, tutor):
    assert auth.login().status_code == 302
    return client


class Links(HTMLParser):
    """The URLs a page makes the browser load: <link href>, <script src>, <img src>."""

    def __init__(self, html: str):
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        wanted = {"link": "href", "script": "src", "img": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append((tag, value))


def fetch(client, path: str, accept: str | None, headers: dict | None = None):
    return client.get(path, headers={**({"Accept-Encoding": accept} if accept else {}), **(headers or {})})


def static_urls(client) -> list[str]:
    """The stylesheets and scripts of a page (the favicon is under the 500 bytes worth compressing)."""
    return [url for tag, url in Links(client.get("/sessions").text).urls
            if urlsplit(url).path.endswith((".css", ".js"))]


@pytest.mark.parametrize("kind", ["page", "htmx fragment", "json", "stylesheet", "script"])
def test_answers_come_compressed_as_the_client_asks(logged_in, tutor, kind):
    urls = static_urls(logged_in)
    path, headers = {
        "page": ("/sessions", {}),
        "htmx fragment": ("/sessions?tab=upcoming", {"HX-Request": "true"}),
        "json": ("/api/sessions", {"Authorization": f"Bearer {token_for(tutor)}"}),
        "stylesheet": (next(u for u in urls if ".trimmed.min.css" in u), {}),
        "script": (next(u for u in urls if "htmx-" in u), {}),
    }[kind]
    plain = fetch(logged_in, path, None, headers)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.vary
    for accept, expected in (("br, gzip", "br"), ("gzip, deflate", "gzip"), ("gzip;q=1, br;q=0.5", "gzip"),
                             ("identity", None)):
        answer = fetch(logged_in, path, accept, headers)
        assert answer.status_code == 200
        assert answer.headers.get("Content-Encoding") == expected, accept
        assert "Accept-Encoding" in answer.vary
        body = DECODE[expected](answer.data) if expected else answer.data
        if expected:
            assert len(answer.data) < len(body) / 2  # text compresses well
            assert int(answer.headers["Content-Length"]) == len(answer.data)
        assert unmasked(body) == unmasked(plain.data)


def test_static_files_are_compressed_at_their_best_and_decode_to_the_file(logged_in):
    for url in static_urls(logged_in):
        on_disk = (STATIC / urlsplit(url).path.removeprefix("/static/")).read_bytes()
        for encoding in ("br", "gzip"):
            answer = fetch(logged_in, url, encoding)
            assert answer.headers["Content-Encoding"] == encoding
            assert DECODE[encoding](answer.data) == on_disk
        assert fetch(logged_in, url, None).data == on_disk


def test_the_csv_export_streams_compressed(logged_in):
    plain = fetch(logged_in, "/lessons.csv", None)
    assert plain.status_code == 200 and plain.mimetype == "text/csv" and "Unit 3" in plain.text
    for encoding in ("br", "gzip"):
        answer = fetch(logged_in, "/lessons.csv", encoding)
        assert answer.headers["Content-Encoding"] == encoding
        assert DECODE[encoding](answer.data) == plain.data


def test_the_ical_feed_is_compressed_and_its_304_still_works(client, tutor):
    path = feed_path(tutor)
    first = fetch(client, path, "br, gzip")
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "br"
    assert b"BEGIN:VCALENDAR" in brotli.decompress(first.data)
    again = fetch(client, path, "br, gzip", {"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and "Content-Encoding" not in again.headers
    # The ETag names its encoding: a gzip client's copy is another representation.
    other = fetch(client, path, "gzip", {"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200 and other.headers["Content-Encoding"] == "gzip"
    assert fetch(client, path, "gzip", {"If-None-Match": other.headers["ETag"]}).status_code == 304
    plain = fetch(client, path, None)
    assert fetch(client, path, None, {"If-None-Match": plain.headers["ETag"]}).status_code == 304


def test_tiny_answers_and_304s_go_uncompressed(client):
    favicon = fetch(client, "/static/favicon.svg", "br, gzip")
    assert favicon.status_code == 200 and len(favicon.data) < 500 and "Content-Encoding" not in favicon.headers
    redirect = fetch(client, "/favicon.ico", "br, gzip")
    assert redirect.status_code == 302 and "Content-Encoding" not in redirect.headers
    page = fetch(client, "/login", "br")
    url = next(u for tag, u in Links(brotli.decompress(page.data).decode()).urls if "app.css" in u)
    first = fetch(client, url, "br")
    cached = fetch(client, url, "br", {"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304 and cached.data == b"" and "Content-Encoding" not in cached.headers
    assert cached.headers["Cache-Control"] == IMMUTABLE


def test_every_linked_file_carries_its_fingerprint_and_is_cached_for_a_year(client, auth, tutor):
    pages = [client.get("/login").text]
    assert auth.login().status_code == 302
    pages += [client.get(path).text for path in ("/sessions", "/sessions/new", "/calendar")]
    seen = set()
    for html in pages:
        for tag, url in Links(html).urls:
            if tag not in ("link", "script"):
                continue
            parts = urlsplit(url)
            assert parts.path.startswith("/static/"), url
            on_disk = (STATIC / parts.path.removeprefix("/static/")).read_bytes()
            assert parse_qs(parts.query) == {"v": [hashlib.sha256(on_disk).hexdigest()[:12]]}, url
            seen.add(url)
    assert len(seen) >= 5  # two stylesheets, two scripts, the favicon
    for url in seen:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == IMMUTABLE, url
        # Not `Vary: Cookie`: Chromium would revalidate every file whenever the session changes.
        assert answer.vary.as_set() == {"accept-encoding"}, url


@pytest.mark.parametrize("query", ["", "?v=000000000000", "?v="])
def test_a_missing_or_stale_fingerprint_is_not_cached_for_a_year(client, query):
    answer = client.get("/static/app.css" + query)
    assert answer.status_code == 200 and answer.data == (STATIC / "app.css").read_bytes()
    assert answer.headers["Cache-Control"] == "no-cache"


def test_a_missing_static_file_is_a_404_and_gets_no_fingerprint(app, client):
    assert client.get("/static/nothing-here.css").status_code == 404
    assert client.get("/static/../webapp/__init__.py").status_code == 404
    with app.test_request_context():
        from flask import url_for

        assert url_for("static", filename="nothing-here.css") == "/static/nothing-here.css"
        assert url_for("static", filename="app.css") == f"/static/app.css?v={assets.version('app.css')}"


def test_a_fingerprint_follows_the_content(tmp_path):
    """Once per file and process in production; on each change of mtime when asked to recheck
    (debug and tests)."""
    path = tmp_path / "site.css"
    path.write_text("body { color: black }")
    first = assets.asset(str(tmp_path), "site.css")
    assert first.version == hashlib.sha256(b"body { color: black }").hexdigest()[:12]
    path.write_text("body { color: navy }")
    os.utime(path, ns=(first.mtime_ns + 10**9, first.mtime_ns + 10**9))
    assert assets.asset(str(tmp_path), "site.css").version == first.version  # kept for the process
    changed = assets.asset(str(tmp_path), "site.css", recheck=True)
    assert changed.version == hashlib.sha256(b"body { color: navy }").hexdigest()[:12]
    assert assets.asset(str(tmp_path), "missing.css") is None
    assert assets.asset(str(tmp_path), "../site.css") is None


def test_the_favicon_answers(client):
    page = client.get("/login").text
    icons = [url for tag, url in Links(page).urls if tag == "link" and "favicon.svg" in url]
    assert len(icons) == 1 and 'rel="icon"' in page and 'type="image/svg+xml"' in page
    icon = client.get(icons[0])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    old_style = client.get("/favicon.ico")
    assert old_style.status_code == 302 and old_style.headers["Location"] == icons[0]


def test_no_page_loads_anything_from_another_host(client, auth, tutor):
    pages = {"/login": client.get("/login").text}
    assert auth.login().status_code == 302
    for path in ("/sessions", "/sessions/new", "/calendar", "/calendar/week", "/reports", "/settings", "/tokens"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        pages[path] = answer.text
    for path, html in pages.items():
        for tag, url in Links(html).urls:
            assert not re.match(r"(https?:)?//", url, re.I), (path, tag, url)
