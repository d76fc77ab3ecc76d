"""An analyst asks who stood in the way on the eve of Vilnius, in Chromium, on the seeded
report: picks the summit among the presets (the results swap in place, the address follows),
reads the holdout, opens its evidence in the dialog and closes it, reads the month-by-month
figures, and raises the threshold. Without JavaScript the page and the evidence still work.
Desktop and phone; axe finds nothing."""

import re

import pytest
from playwright.sync_api import expect

from tests.dashboard.conftest import SCREENSHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]
SHOTS = SCREENSHOTS
PHONE = {"width": 390, "height": 844}


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


def holdout_row(page, name: str):
    table = page.locator("table.holdouts-table")
    return table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_an_analyst_reads_who_held_out_on_the_eve_of_vilnius(site, page, axe_violations, screen):
    if screen == "phone":
        page.set_viewport_size(PHONE)
    page.goto(f"{site}/consensus/")
    assert page.evaluate("typeof htmx") == "object", "htmx did not load"
    page.evaluate("window.__marker = 1")
    expect(page.get_by_role("link", name="Consensus")).to_have_attribute("aria-current", "page")

    page.get_by_role("link", name=re.compile("Eve of NATO Vilnius Summit")).click()

    expect(page).to_have_url(re.compile(r"/consensus/\?as_of=2023-07-10$"))
    expect(page.locator("h2.as-of")).to_have_text("Membership as of 10 July 2023")
    summary = page.locator(".consensus-summary")
    expect(summary).to_contain_text("1 of the 31 allies held out on membership")
    expect(summary).to_contain_text("29 had no public position")
    assert page.evaluate("window.__marker") == 1, "the results were not swapped in place"
    expect(page.get_by_label("As of")).to_have_value("2023-07-10")

    united_states = holdout_row(page, "United States")
    expect(united_states).to_contain_text("−1 Not now")
    expect(united_states).to_contain_text("1 June 2023")
    expect(page.locator("table.holdouts-table tbody tr")).to_have_count(1)
    apart = page.locator("section.apart")
    expect(apart).to_contain_text("NATO")
    expect(apart).to_contain_text("0 Alliance formula")
    assert_no_axe_violation(page, axe_violations)
    keep(page, f"consensus-vilnius-{screen}")

    evidence = united_states.get_by_role("link", name=re.compile(r"^\d+ quotes"))
    evidence.scroll_into_view_if_needed()
    scrolled = page.evaluate("[scrollX, scrollY]")
    evidence.click()

    dialog = page.get_by_role("dialog", name="United States on Membership")
    expect(dialog).to_be_visible()
    expect(page.locator("#evidence")).to_be_focused()
    expect(dialog.locator("blockquote").first).to_be_visible()
    expect(dialog.get_by_role("button", name="Close the evidence")).to_be_in_viewport()
    assert page.evaluate("window.__marker") == 1, "the page was left"
    assert page.evaluate("[scrollX, scrollY]") == scrolled, "the page jumped"
    assert_no_axe_violation(page, axe_violations)
    keep(page, f"consensus-evidence-{screen}", full_page=False)

    dialog.get_by_role("button", name="Close the evidence").click()

    expect(dialog).to_be_hidden()
    expect(evidence).to_be_focused()

    # The figures behind the chart, month by month.
    chart = page.get_by_role("img", name=re.compile("Stacked bar chart: how the allies stood"))
    expect(chart).to_be_visible()
    expect(page.locator(".chart-legend")).to_contain_text("−1 Not now: 1")
    page.get_by_text("The figures, month by month").click()
    expect(page.get_by_role("row", name="30 Jun 2023 31 0 1 0 1 0 29", exact=True)).to_be_visible()
    assert_no_axe_violation(page, axe_violations)
    keep(page, f"consensus-figures-{screen}")


def test_a_higher_threshold_counts_more_holdouts_in_place(site, page):
    page.goto(f"{site}/consensus/?as_of=2023-07-10")
    page.evaluate("window.__marker = 1")

    page.get_by_role("combobox", name="Holds out below").select_option("2")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(re.compile(r"threshold=2"))
    expect(page.locator(".consensus-summary")).to_contain_text("2 of the 31 allies held out")
    expect(holdout_row(page, "Estonia")).to_contain_text("+1 Once conditions allow")
    assert page.evaluate("window.__marker") == 1, "the results were not swapped in place"

    page.go_back()
    expect(page.locator(".consensus-summary")).to_contain_text("1 of the 31 allies held out")


def test_without_javascript_the_evidence_is_a_page_of_its_own(site, browser, axe_violations):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/consensus/?as_of=2023-07-10")

    holdout_row(page, "United States").get_by_role("link", name=re.compile(r"quotes")).click()

    expect(page).to_have_url(re.compile(r"/positions/\d+/evidence/$"))
    expect(page.get_by_role("heading", name="United States on Membership")).to_be_visible()
    context.close()
