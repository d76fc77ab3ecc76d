"""Every kind of page, the admin's included, runs under the Content Security Policy without
a single violation: the browser's own `securitypolicyviolation` events are recorded from
before any script of the page runs, with the console's CSP messages besides.

Run with `make test-browser` (pytest -m browser).
"""

import re
from pprint import pformat

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""
PASSWORD = "correct horse battery"


class Violations:
    """What the policy refused on each page visited, by page."""

    def __init__(self, page):
        self.page = page
        self.console = []
        self.found = {}
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def check(self, name: str):
        """Record what the current document refused (call before leaving it)."""
        events = self.page.evaluate("window.__cspViolations || []")
        console, self.console = self.console, []
        if events or console:
            self.found[name] = {"events": events, "console": console}


@pytest.fixture
def violations(page):
    return Violations(page)


def visit(page, violations, site, name, path, ready=None):
    page.goto(site + path)
    if ready:
        expect(page.locator(ready).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    violations.check(name)


def test_the_analysts_pages_run_without_a_csp_violation(site, page, violations, shoot):
    from apps.statements.models import Event, Source

    source = Source.objects.order_by("pk").first()
    event = Event.objects.order_by("pk").first()
    pages = {
        "matrix": "/",
        "matrix as of": "/?as_of=2023-03-09",
        "compare": "/compare/?countries=US,EE",
        "changes": "/changes/?from=2023-05-01&to=2023-07-12",
        "quotes search": "/quotes/?q=nuclear",
        "country": "/countries/EE/",
        "person": "/people/juri-luik/",
        "topic (map)": "/topics/membership/",
        "source": f"/sources/{source.pk}/",
        "event": f"/events/{event.slug}/",
        "reader sign-in": reverse("accounts:login"),
    }
    for name, path in pages.items():
        visit(page, violations, site, name, path)

    # htmx at work: a cell's evidence opens in place, the date presets swap the table.
    page.goto(site + "/")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Estonia"))
    row.get_by_role("link", name=re.compile("Once conditions allow")).click()
    expect(page.get_by_role("heading", name="Estonia on Membership")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("link", name=re.compile(r"^Eve of 36th Franco-British summit")).click()
    page.wait_for_url(re.compile(r"[?&]as_of=2023-03-09"))
    page.wait_for_load_state("networkidle")
    violations.check("matrix with htmx swaps")
    shoot(page, "csp-matrix-after-htmx")

    assert violations.found == {}, pformat(violations.found, width=100)


def test_the_api_pages_run_without_a_csp_violation(site, page, violations):
    visit(page, violations, site, "browsable API root", "/api/v1/", ready="main, .content-main")
    visit(page, violations, site, "browsable API list", "/api/v1/positions/")
    visit(page, violations, site, "Swagger UI", "/api/docs/", ready=".opblock")

    assert violations.found == {}, pformat(violations.found, width=100)


def test_the_admin_runs_without_a_csp_violation(site, page, violations, shoot):
    from apps.positions.models import Position
    from tests.factories import AdminFactory

    AdminFactory(username="csp-admin", password=PASSWORD)
    position = Position.objects.order_by("pk").first()

    visit(page, violations, site, "admin sign-in", reverse("admin:login"))
    page.get_by_label("Username").fill("csp-admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Editorial data")).to_be_visible()
    violations.check("admin index")

    pages = {
        "changelist": reverse("admin:statements_quote_changelist"),
        "changelist with search": reverse("admin:positions_position_changelist") + "?q=Estonia",
        "change form": reverse("admin:positions_position_change", args=[position.pk]),
        "history": reverse("admin:positions_position_history", args=[position.pk]),
        "review queue": reverse("admin:positions_review_queue"),
        "import": reverse("admin:positions_statements_import"),
    }
    for name, path in pages.items():
        visit(page, violations, site, name, path)

    # The source form: its quotes inline, speakers and topics picked by autocomplete.
    page.goto(site + reverse("admin:statements_source_add"))
    page.locator(".select2-selection").first.click()
    expect(page.locator(".select2-results__option").first).to_be_visible()
    page.keyboard.type("Lu")
    expect(page.locator(".select2-results__option").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    violations.check("add form with an open autocomplete")
    shoot(page, "csp-admin-autocomplete")

    assert violations.found == {}, pformat(violations.found, width=100)
