"""An analyst asks what changed over a few weeks and sees the agreements signed, joined and
ended beside the moves, narrows to a topic without them, and opens one, in Chromium
(synthetic agreements between the seeded countries)."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from apps.actors.models import Country
from tests.factories import AgreementFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]
D = datetime.date


def make_agreements():
    ua, fr, de, pl = (Country.objects.get(code=c) for c in ("UA", "FR", "DE", "PL"))
    AgreementFactory(
        slug="synthetic-security-pact",
        title="Synthetic Agreement on Security Cooperation",
        signed_on=D(2024, 1, 12),
        parties=[{"country": ua}, {"country": fr}],
    )
    AgreementFactory(
        slug="synthetic-declaration",
        title="Synthetic Joint Declaration",
        kind="joint_declaration",
        signed_on=D(2023, 7, 12),
        duration_years=None,
        parties=[{"country": fr}, {"country": de}, {"country": pl, "joined_on": D(2024, 2, 1)}],
    )
    AgreementFactory(
        slug="synthetic-ended-pact",
        title="Synthetic pact ended early",
        signed_on=D(2021, 5, 1),
        terminated_on=D(2024, 3, 1),
        termination_note="Synthetic note: a party withdrew.",
        parties=[{"country": ua}, {"country": de}],
    )


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_analyst_sees_the_agreements_of_a_period_and_opens_one(
    site, page, shoot, axe_violations, viewport
):
    make_agreements()
    if viewport == "phone":
        page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/changes/")
    assert page.evaluate("typeof htmx") == "object", "htmx did not load"
    page.evaluate("window.__marker = 1")

    page.get_by_label("From:").fill("2024-01-01")
    page.get_by_label("To:").fill("2024-03-31")
    page.get_by_role("button", name="Show changes").click()
    page.wait_for_url(re.compile(r"to=2024-03-31"))

    table = page.locator("table.agreement-events")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(page.get_by_role("heading", name="Agreements signed, joined and ended")).to_be_visible()
    expect(page.locator(".change-counts")).to_contain_text(
        "3 agreement events: 1 signed · 1 joined · 1 terminated · 0 expired"
    )
    expect(table.locator("tbody tr").nth(1)).to_contain_text("Joined by Poland")
    expect(table).to_contain_text("Synthetic note: a party withdrew.")
    assert page.evaluate("window.__marker") == 1, "the results were not swapped in place"
    assert "from=2024-01-01" in page.url and "to=2024-03-31" in page.url
    violations = axe_violations(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
    if viewport == "phone":
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the page is {overflow}px wider than the screen"
    shoot(page, f"chg-changes-agreements-{viewport}")

    page.get_by_role("checkbox", name="Membership").check()
    page.get_by_role("button", name="Show changes").click()
    page.wait_for_url(re.compile(r"topics=membership"))
    expect(page.locator("table.agreement-events")).to_have_count(0)
    expect(page.get_by_text("pick that topic, or none, to see them")).to_be_visible()
    page.go_back()
    expect(page.locator("table.agreement-events tbody tr")).to_have_count(3)

    page.get_by_role("link", name="Synthetic Agreement on Security Cooperation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Synthetic Agreement on Security Cooperation"
    )
    assert page.url.endswith("/agreements/synthetic-security-pact/")
