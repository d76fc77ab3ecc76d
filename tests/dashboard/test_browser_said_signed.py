"""An analyst opens the matrix on a past day, sees who had signed what beside what each had
said, and reads a clause, in Chromium (synthetic agreements between seeded allies: the seed
holds no agreement, as none's own text is on record here)."""

import datetime

import pytest
from playwright.sync_api import expect

from apps.actors.models import Country
from tests.factories import AgreementFactory, SourceFactory, synthetic_clause

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]
D = datetime.date


def sign():
    ukraine, france, poland = (Country.objects.get(code=code) for code in ("UA", "FR", "PL"))
    AgreementFactory(
        slug="synthetic-french-pact",
        title="Synthetic French pact",
        signed_on=D(2024, 2, 16),
        parties=[{"country": ukraine}, {"country": france}],
        source=SourceFactory(title="Synthetic source of the pact"),
        clauses=[
            synthetic_clause(
                "consultations-24h", article="2", text="Synthetic words on consultations."
            )
        ],
    )
    AgreementFactory(
        slug="synthetic-polish-pact",
        title="Synthetic Polish pact",
        signed_on=D(2024, 5, 31),
        parties=[{"country": ukraine}, {"country": poland}],
    )


def keep(page, shoot, name):
    shoot(page, name)


def row(page, name):
    return page.locator("table.matrix tbody tr").filter(
        has=page.get_by_role("rowheader", name=name, exact=True)
    )


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_analyst_sees_who_had_signed_and_reads_a_clause(
    site, page, shoot, axe_violations, viewport
):
    sign()
    if viewport == "phone":
        page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/?as_of=2024-03-01")

    expect(page.get_by_role("columnheader", name="Signed")).to_be_visible()
    france, poland = row(page, "France"), row(page, "Poland")
    expect(france.locator("td.signed")).to_have_text("Synthetic French pact")
    # Poland says +2 on guarantees and had signed nothing yet: the gap is marked, and named
    # in full for a screen reader.
    expect(poland.locator("td.signed")).to_contain_text("Nothing in force")
    expect(poland.locator(".gap")).to_contain_text("Gap: +2 said, nothing signed")
    expect(poland.locator(".gap .visually-hidden")).to_have_text(
        "Say/sign gap: the firmest support stated, nothing signed"
    )
    assert axe_violations(page) == []
    keep(page, shoot, f"said-signed-matrix-{viewport}")

    # Later, Poland has signed: the gap is gone.
    page.evaluate("window.__marker = 1")
    page.get_by_label("As of").fill("2024-06-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("h2.as-of")).to_contain_text("1 June 2024")
    expect(row(page, "Poland").locator("td.signed")).to_have_text("Synthetic Polish pact")
    expect(row(page, "Poland").locator(".gap")).to_have_count(0)
    assert page.evaluate("window.__marker") == 1, "the matrix was not swapped in place"

    row(page, "France").get_by_role("link", name="Synthetic French pact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Synthetic French pact")
    expect(page.get_by_text("Synthetic words on consultations.")).to_be_visible()
    assert axe_violations(page) == []
    keep(page, shoot, f"said-signed-clause-{viewport}")


def test_the_country_and_compare_pages_set_signatures_beside_words(
    site, page, shoot, axe_violations
):
    sign()
    page.goto(f"{site}/countries/EE/?as_of=2024-03-01")
    signed = page.locator("section.signed")
    expect(signed.get_by_role("heading", level=2)).to_contain_text("1 March 2024")
    expect(signed).to_contain_text("Nothing in force")
    expect(signed.locator(".gap")).to_contain_text("+2 said, nothing signed")
    assert axe_violations(page) == []

    page.goto(f"{site}/compare/?countries=FR,PL&as_of=2024-03-01")
    signed_row = page.locator("tr.signed")
    expect(signed_row.get_by_role("link", name="Synthetic French pact")).to_be_visible()
    expect(signed_row.locator(".gap")).to_have_count(1)
    assert axe_violations(page) == []
    keep(page, shoot, "said-signed-compare")
