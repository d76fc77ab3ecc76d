"""An analyst filters the agreements and reads one, in Chromium (synthetic agreements: the
seed holds none, as no agreement's own text is on record here)."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.factories import AgreementFactory, CountryFactory, SourceFactory, synthetic_clause

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]
D = datetime.date


def make_agreements():
    ukraine = CountryFactory(code="UA", name="Ukraine", nato_joined=None)
    france = CountryFactory(code="FR", name="France")
    italy = CountryFactory(code="IT", name="Italy")
    AgreementFactory(
        slug="synthetic-franco-pact",
        title="Synthetic Franco-Ukrainian pact",
        signed_on=D(2024, 2, 16),
        place="Synthetic place",
        parties=[{"country": ukraine}, {"country": france}],
        source=SourceFactory(title="Synthetic source of the pact", url="https://example.org/a"),
        clauses=[
            synthetic_clause("military-aid", article="3", text="Synthetic words on military aid."),
            synthetic_clause(
                "consultations-24h", article="1", text="Synthetic words on consultations."
            ),
        ],
    )
    AgreementFactory(
        slug="synthetic-italian-pact",
        title="Synthetic Italian pact",
        signed_on=D(2024, 2, 24),
        parties=[{"country": ukraine}, {"country": italy}],
    )


def keep(page, shoot, name):
    shoot(page, name)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_analyst_filters_the_agreements_and_reads_one(
    site, page, shoot, axe_violations, viewport
):
    make_agreements()
    if viewport == "phone":
        page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agreements").click()
    expect(page.get_by_role("heading", level=1, name="Agreements")).to_be_visible()
    expect(page.get_by_role("link", name="Synthetic Italian pact")).to_be_visible()
    assert page.evaluate("typeof htmx") == "object", "htmx did not load"
    page.evaluate("window.__marker = 1")
    assert axe_violations(page) == []

    page.get_by_label("Party").select_option(label="France")
    page.get_by_label("In force on").fill("2024-02-20")
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_role("link", name="Synthetic Italian pact")).to_have_count(0)
    expect(page.locator("#agreement-results")).to_contain_text("in force on 20 February 2024")
    assert page.evaluate("window.__marker") == 1, "the results were not swapped in place"
    assert re.search(r"party=FR", page.url) and "in_force_on=2024-02-20" in page.url
    keep(page, shoot, f"agreements-filtered-{viewport}")

    page.get_by_role("link", name="Synthetic Franco-Ukrainian pact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Synthetic Franco-Ukrainian pact")
    clauses = page.locator(".clause-group h3")
    expect(clauses).to_have_text(["Consultations within 24 hours of a new attack", "Military aid"])
    expect(page.get_by_text("Synthetic words on military aid.")).to_be_visible()
    expect(page.get_by_role("link", name="Synthetic source of the pact")).to_be_visible()
    assert axe_violations(page) == []
    keep(page, shoot, f"agreement-detail-{viewport}")
