"""An analyst reads what each ally had signed, clause by clause, in Chromium: opens
/agreements/clauses/ on a day, opens a cell, reads a clause in the dialog, closes it with Esc
and is back on the cell; the agreements list charts the signatures month by month. Synthetic
agreements (the seed holds none). Desktop and phone; axe finds nothing."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.dashboard.conftest import SCREENSHOTS
from tests.factories import (
    AgreementFactory,
    CountryFactory,
    OrganizationFactory,
    synthetic_clause,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]
D = datetime.date
SHOTS = SCREENSHOTS
PHONE = {"width": 390, "height": 844}
AID_WORDS = "Synthetic words on military aid <b>for a test</b>."


def make_agreements():
    ukraine = CountryFactory(code="UA", name="Ukraine", nato_joined=None)
    france = CountryFactory(code="FR", name="France")
    italy = CountryFactory(code="IT", name="Italy")
    AgreementFactory(
        slug="synthetic-franco-pact",
        title="Synthetic Franco-Ukrainian pact",
        signed_on=D(2024, 2, 16),
        parties=[{"country": ukraine}, {"country": france}],
        clauses=[
            synthetic_clause("military-aid", article="3", text=AID_WORDS),
            synthetic_clause(
                "military-aid",
                article="4",
                text="Synthetic words on more military aid.",
                amount="3000000000",
                currency="EUR",
                period="2024",
            ),
            synthetic_clause("consultations-24h", article="1", text="Synthetic consultations."),
        ],
    )
    AgreementFactory(
        slug="synthetic-italian-pact",
        title="Synthetic Italian pact",
        signed_on=D(2024, 2, 24),
        parties=[{"country": ukraine}, {"country": italy}],
        clauses=[synthetic_clause("sanctions", text="Synthetic words on sanctions.")],
    )
    AgreementFactory(
        slug="synthetic-declaration",
        title="Synthetic declaration",
        kind="joint_declaration",
        signed_on=D(2023, 7, 12),
        duration_years=None,
        parties=[
            {"country": ukraine},
            {"organization": OrganizationFactory(slug="synthetic-club", name="Synthetic Club")},
        ],
        clauses=[synthetic_clause("other", text="Synthetic declaration words.")],
    )


def keep(page, name: str, full_page: bool = True):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def assert_no_axe_violation(page, axe_violations):
    violations = axe_violations(page)
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in violations
    )
    assert not violations, f"axe found on {page.url}:\n{report}"


def france_military_aid(page):
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="France"))
    return row.get_by_role("link", name="2 clauses")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_an_analyst_opens_a_cell_reads_a_clause_and_esc_returns_to_it(
    site, page, axe_violations, screen
):
    make_agreements()
    if screen == "phone":
        page.set_viewport_size(PHONE)

    # The list charts the signatures and leads to the clauses.
    page.goto(f"{site}/agreements/")
    chart = page.get_by_role("img", name=re.compile("Bar chart: allies with a bilateral"))
    expect(chart).to_be_visible()
    expect(page.locator(".signature-timeline")).to_contain_text("Counted from February 2024")
    page.get_by_text("The figures, month by month").click()
    # France and Italy by the end of February, of 31 allies; 32 from Sweden's joining in March.
    expect(page.get_by_role("row", name="February 2024 2 31", exact=True)).to_be_visible()
    expect(page.get_by_role("row", name="March 2024 2 32", exact=True)).to_be_visible()
    assert_no_axe_violation(page, axe_violations)
    keep(page, f"agreements-timeline-{screen}")

    page.goto(f"{site}/agreements/clauses/?as_of=2024-03-01")
    assert page.evaluate("typeof htmx") == "object", "htmx did not load"
    page.evaluate("window.__marker = 1")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "What each ally had signed, clause by clause"
    )
    expect(page.locator("#clause-results")).to_contain_text("As of 1 March 2024")
    expect(page.get_by_role("rowheader", name="Ukraine")).to_have_count(0)
    expect(page.get_by_role("rowheader", name=re.compile("Synthetic Club"))).to_be_visible()
    assert_no_axe_violation(page, axe_violations)
    keep(page, f"clauses-{screen}")

    cell = france_military_aid(page)
    cell.scroll_into_view_if_needed()
    scrolled = page.evaluate("[scrollX, scrollY]")
    cell.click()

    dialog = page.get_by_role("dialog", name="France: Military aid")
    expect(dialog).to_be_visible()
    expect(page.locator("#evidence")).to_be_focused()
    clause = dialog.locator("figure.clause").filter(has_text="Article 3")
    expect(clause.locator("blockquote")).to_have_text(AID_WORDS)  # verbatim, not markup
    expect(dialog.get_by_role("link", name="Synthetic Franco-Ukrainian pact").first).to_be_visible()
    expect(dialog).to_contain_text("3000000000.00 EUR (2024)")
    expect(dialog.get_by_role("button", name="Close the clauses")).to_be_in_viewport()
    assert page.evaluate("window.__marker") == 1, "the page was left"
    assert page.evaluate("[scrollX, scrollY]") == scrolled, "the page jumped"
    assert_no_axe_violation(page, axe_violations)
    keep(page, f"clauses-cell-open-{screen}", full_page=False)

    page.keyboard.press("Escape")

    expect(dialog).to_be_hidden()
    expect(cell).to_be_focused()
    assert page.evaluate("window.__marker") == 1


def test_a_new_day_swaps_the_results_in_place_and_keeps_the_address(site, page):
    make_agreements()
    page.goto(f"{site}/agreements/clauses/?as_of=2024-03-01")
    page.evaluate("window.__marker = 1")

    page.get_by_label("As of").fill("2024-02-20")
    page.get_by_role("button", name="Show").click()

    expect(page.locator("#clause-results")).to_contain_text("As of 20 February 2024")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Italy"))
    expect(row.get_by_role("cell").first).to_have_text("None")  # signed on 24 February
    assert page.evaluate("window.__marker") == 1, "the results were not swapped in place"
    assert "as_of=2024-02-20" in page.url


def test_without_javascript_a_cell_goes_to_its_clauses_page(site, browser):
    make_agreements()
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{site}/agreements/clauses/?as_of=2024-03-01")
        france_military_aid(page).click()

        page.wait_for_url(re.compile(r"/agreements/clauses/FR/military-aid/\?as_of=2024-03-01$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Clauses in force on 1 March 2024"
        )
        expect(page.locator("blockquote").first).to_have_text(AID_WORDS)
        keep(page, "clauses-cell-page-without-javascript")
        page.get_by_role("link", name="Clauses by ally on 1 March 2024").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "What each ally had signed, clause by clause"
        )
    finally:
        context.close()
