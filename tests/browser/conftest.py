"""A live server (the real app in a thread, its database built by the migrations) and
Debian's Chromium driven by Playwright. Chromium missing: fails under CI=true, skips locally."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests import dbs
from tests.conftest import IN_CI, clear_tables, make_app, require_backend, upgrade
from webapp.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parents[1] / "axe-4.14.1.min.js"


@dataclass
class Live:
    app: object
    url: str
    backend: str


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the browser tests. Package scope: Playwright's sync API keeps an
    event loop running while it is open, and the race tests after this package need
    asyncio.run()."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"CI=true and {CHROMIUM} is missing", pytrace=False)
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module", params=dbs.BACKENDS)
def live(request):
    """The app served on a free loopback port, for the whole module, per backend."""
    require_backend(request.param)
    with dbs.temporary_database(request.param, "browser") as url:
        # Every test logs in afresh from the same address: the per-client limit is not the
        # subject here (tests/test_logins.py checks it).
        app = make_app(url, LOGIN_RATE_LIMIT="1000 per minute")
        upgrade(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Live(app, f"http://127.0.0.1:{server.server_port}", request.param)
        finally:
            server.shutdown()
            thread.join()
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def app_ctx(live):
    """The live app's context for the test's own reads and writes; tables emptied after."""
    with live.app.app_context():
        yield live.app
        db.session.remove()
        clear_tables()


@pytest.fixture
def page(browser, live):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live.url)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}")
            if msg.type == "error" and "favicon" not in msg.text else None)
    page.problems = problems
    yield page
    context.close()
    assert not [p for p in problems if "Refused" in p or "page error" in p], problems


@pytest.fixture
def phone(browser, live):
    """A page 360 px wide. bypass_csp only so that axe-core can be injected; the app's own
    pages need no exception."""
    context = browser.new_context(viewport={"width": 360, "height": 780}, base_url=live.url, bypass_csp=True)
    yield context.new_page()
    context.close()


def login(page, email: str = "tutor@example.com", password: str = "secret-pw") -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/sessions")


def serious_axe_violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the page as it is now (the page's context
    needs bypass_csp=True, only so that axe can be injected)."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def wait_until(page, expression: str, timeout: float = 5.0) -> None:
    """Poll `expression` in the page until it is true. Not page.wait_for_function: since
    Playwright 1.65 it evaluates its predicate with eval, which the pages' CSP forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)


def mark_page(page) -> None:
    """A flag that a full page load would wipe out."""
    page.evaluate("window.__sameDocument = true")


def still_same_page(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def changed(page, scope: str, endpoint: str, act) -> int:
    """Do `act`, wait for the inline answer and for htmx to settle the swapped markup (its
    controls only listen once settled), and give the answer's status."""
    page.evaluate("""() => { window.__settled = new Promise(resolve =>
        document.body.addEventListener('htmx:afterSettle', resolve, {once: true})); }""")
    with page.expect_response(lambda r: r.url.endswith(endpoint)) as answer:
        act()
    page.evaluate("() => window.__settled.then(() => true)")
    return answer.value.status
