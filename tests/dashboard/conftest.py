"""Browser fixtures: pytest-playwright's page, driving Debian's Chromium, on a live server
that holds the whole seed."""

import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop on the main thread; Django would take the
# test's database calls for async code without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
# pytest-playwright empties test-results/ when any pytest session starts; SCREENSHOT_DIR
# puts the pictures somewhere another run won't sweep away.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "test-results" / "screenshots")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright cannot download its own browser builds here."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is missing: `make install-browser` installs Debian's package.")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def site(transactional_db, live_server):
    """The live server's base URL, with the whole seed loaded and committed (the server
    thread reads through its own connection, so the `seeded` fixture's transaction would
    stay invisible to it)."""
    from django.core.management import call_command

    call_command("load_seed", verbosity=0)
    return live_server.url


@pytest.fixture
def shoot():
    """Save a full-page screenshot to test-results/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str, full_page: bool = True):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    return shoot


@pytest.fixture
def axe_violations():
    """Run axe-core's WCAG 2 A and AA rules on the page; return its violations."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm ci` installs it (make test-browser does).")

    def run(page) -> list[dict]:
        # Evaluated through the driver, not as a <script> tag: the site's Content Security
        # Policy rightly refuses inline scripts, and the checks must run under that policy.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
        result = page.evaluate(
            "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})"
        )
        return result["violations"]

    return run


class ConsoleGuard:
    """What a page wrote to the console as an error, and the script errors it threw."""

    def __init__(self):
        self.errors: list[str] = []
        self.allowed: list[re.Pattern] = []
        self.pages: list = []

    def watch(self, page) -> None:
        """Record the console errors and uncaught exceptions of `page` (and of the pages it
        opens) from now on."""
        if any(page is seen for seen in self.pages):
            return
        self.pages.append(page)
        page.on("console", self._console)
        page.on("pageerror", self._page_error)

    def allow(self, pattern: str) -> None:
        """Accept console errors matching `pattern`: only for an error the test provokes on
        purpose (a request the server rightly refuses, say)."""
        self.allowed.append(re.compile(pattern))

    def _console(self, message) -> None:
        if message.type == "error":
            where = message.location or {}
            self.errors.append(
                f"console: {message.text} ({where.get('url', '')}:{where.get('lineNumber', '')})"
            )

    def _page_error(self, error) -> None:
        self.errors.append(f"script error: {error.stack or error}")

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture(autouse=True)
def console_guard(request, monkeypatch):
    """Fail a browser test whose pages logged a console error or threw a script error: a
    broken script or a policy refusal is a bug even when the page looks right. Only tests
    that drive Playwright are watched (their own contexts included); others never start a
    browser."""
    guard = ConsoleGuard()
    names = request.fixturenames
    if "browser" in names:
        browser = request.getfixturevalue("browser")
        new_context = browser.new_context

        def watched_context(*args, **kwargs):
            context = new_context(*args, **kwargs)
            context.on("page", guard.watch)
            return context

        monkeypatch.setattr(browser, "new_context", watched_context)
    if "context" in names:
        context = request.getfixturevalue("context")
        context.on("page", guard.watch)
        for page in context.pages:
            guard.watch(page)
    yield guard
    if unexpected := guard.unexpected():
        pytest.fail("the browser logged errors:\n" + "\n".join(unexpected), pytrace=False)
