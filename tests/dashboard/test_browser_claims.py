"""Claims about another government in Chromium: an analyst opens the United States' timeline
cell and reads, in the evidence dialog, which quotes are what Ukraine's former deputy defence
minister said of U.S. policy ("Reported by Ukraine"); then finds every claim Ukraine made
through the quote search's "Reported by" filter. On the seeded report, desktop and phone,
axe finds nothing."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]
OBJECTING = "From what I hear, the U.S. is objecting"


def keep(page, shoot, name):
    shoot(page, name)


def matrix_cell(page, holder: str, topic: str):
    headers = [
        text.split("▼")[0].split("▲")[0].split("A–Z")[0].strip()
        for text in page.locator("table.matrix thead th").all_inner_texts()
    ]
    row = page.locator("table.matrix tbody tr").filter(
        has=page.get_by_role("rowheader", name=re.compile(rf"^{holder}\b"))
    )
    return row.locator("td").nth(headers.index(topic) - 1)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_analyst_tells_claims_by_others_from_a_governments_own_words(
    site, page, shoot, axe_violations, viewport
):
    if viewport == "phone":
        page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/")

    matrix_cell(page, "United States", "Timeline").get_by_role("link").first.click()

    dialog = page.locator("#evidence-panel")
    claim = dialog.locator("figure.quote").filter(has_text=OBJECTING)
    expect(claim.locator(".tag.claim")).to_have_text("Reported by Ukraine")
    # The report's own account of the U.S. and German line is no claim by another government.
    own = dialog.locator("figure.quote").filter(has_text="steering the conversation")
    expect(own).to_have_count(1)
    expect(own.locator(".tag.claim")).to_have_count(0)
    assert axe_violations(page) == []
    keep(page, shoot, f"claims-evidence-{viewport}")

    page.goto(f"{site}/quotes/")
    page.get_by_text("More filters").click()
    page.get_by_label("Reported by").fill("UA")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"[?&]claimant=UA"))

    results = page.locator("#quote-results")
    expect(results.locator(".chip")).to_contain_text("Reported by: Ukraine")
    expect(results.locator("figure.quote")).to_have_count(3)
    expect(results.locator("figure.quote .tag.claim")).to_have_count(3)
    expect(results.get_by_text(OBJECTING)).to_be_visible()
    assert axe_violations(page) == []
    keep(page, shoot, f"claims-search-{viewport}")


def test_an_unknown_claimant_is_named_on_the_form(site, page, shoot, axe_violations, console_guard):
    console_guard.allow(r"status of 400")  # the page answers the bad address with a 400
    page.goto(f"{site}/quotes/?claimant=nobody")

    expect(page.locator("form#filters")).to_contain_text("Unknown claimant “nobody”")
    expect(page.get_by_label("Reported by")).to_be_visible()
    assert axe_violations(page) == []
    keep(page, shoot, "claims-search-unknown")
