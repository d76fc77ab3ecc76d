"""An analyst's day in Chromium: what a person clicks, and what a person then sees.

Run with `make test-browser` (pytest -m browser). Each test leaves a screenshot in
test-results/screenshots/.
"""

import csv
import re

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    # pytest-base-url, which pytest-playwright pulls in, declares its fixture this way.
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

ESTONIA_ON_MEMBERSHIP = re.compile(r"Once conditions allow")
LUIK = "Nothing short of Ukraine’s full inclusion in NATO will deter Putin"


def estonia_on_membership(page):
    """Estonia's membership cell: a link named by its words, in Estonia's row (the row and
    column headers say whose and on what)."""
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Estonia"))
    return row.get_by_role("link", name=ESTONIA_ON_MEMBERSHIP)


def open_matrix(page, site, query=""):
    """Open the matrix and mark the window, so a full page load would show."""
    page.goto(f"{site}/{query}")
    assert page.evaluate("typeof htmx") == "object", "htmx did not load"
    page.evaluate("window.__marker = 1")


def still_the_same_page(page) -> bool:
    return page.evaluate("window.__marker") == 1


def matrix_cell(page, holder: str, topic: str):
    """The cell of one holder's row under one topic's column."""
    # Each header's first line is its name (a sort button follows it).
    headers = [
        text.split("▼")[0].split("▲")[0].split("A–Z")[0].strip()
        for text in page.locator("table.matrix thead th").all_inner_texts()
    ]
    row = page.locator("table.matrix tbody tr").filter(
        has=page.get_by_role("rowheader", name=re.compile(rf"^{holder}\b"))
    )
    return row.locator("td").nth(headers.index(topic) - 1)


def test_moving_the_date_before_the_report_swaps_the_table_in_place(site, page, shoot):
    open_matrix(page, site)
    estonia = matrix_cell(page, "Estonia", "Membership")
    expect(estonia).to_contain_text("Once conditions allow")

    page.get_by_role("link", name=re.compile(r"^Eve of 36th Franco-British summit")).click()

    page.wait_for_url(re.compile(r"[?&]as_of=2023-03-09"))
    expect(page.get_by_role("heading", name="As of 9 March 2023")).to_be_visible()
    expect(estonia).to_have_text("No public position")
    expect(page.locator("#matrix-results")).to_have_count(1)
    expect(page.get_by_label("As of")).to_have_value("2023-03-09")
    expect(page.locator("#announcer")).to_have_text("As of 9 March 2023")
    assert still_the_same_page(page), "the preset reloaded the whole page"
    shoot(page, "01-matrix-as-of-before-the-report")


def test_a_cell_opens_its_evidence_in_place(site, page, shoot):
    open_matrix(page, site)
    url = page.url

    estonia_on_membership(page).click()

    panel = page.locator("#evidence-panel")
    expect(panel.get_by_role("heading", name="Estonia on Membership")).to_be_visible()
    expect(panel.get_by_text(LUIK)).to_be_visible()
    expect(page.locator("#evidence")).to_be_focused()
    assert page.url == url and still_the_same_page(page)
    shoot(page, "02-matrix-evidence-in-place")


def test_comparing_two_countries_shows_both_columns_and_their_words(site, page, shoot):
    page.goto(f"{site}/compare/")

    # Countries are chosen by name; the form sends their codes.
    page.get_by_label("Countries").select_option(label=["United States", "Estonia"])
    page.get_by_role("button", name="Compare").click()

    results = page.locator("#compare-results")
    expect(results.get_by_role("columnheader", name="United States")).to_be_visible()
    expect(results.get_by_role("columnheader", name="Estonia")).to_be_visible()
    membership = results.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Membership")
    )
    # Columns follow the list's order, by name: Estonia, then the United States.
    estonia, united_states = membership.get_by_role("cell").all()
    expect(united_states).to_contain_text("Not now")
    # The quotes are folded under each stance; a person opens them.
    united_states.get_by_text("behind it").click()
    estonia.get_by_text("behind it").click()
    expect(united_states.get_by_text("The U.S. still thinks")).to_be_visible()
    expect(estonia).to_contain_text("Once conditions allow")
    expect(estonia.get_by_text(LUIK)).to_be_visible()
    assert "countries=EE&countries=US" in page.url
    shoot(page, "03-compare-us-ee")


def search_quotes(page, site, words: str):
    page.goto(f"{site}/quotes/")
    page.get_by_role("searchbox", name="Search the quotes").fill(words)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"[?&]q="))


def test_a_search_highlights_the_words_it_matched(site, page, shoot):
    search_quotes(page, site, "nuclear")

    marks = page.locator("#quote-results blockquote mark")
    expect(marks.first).to_be_visible()
    assert {text.lower() for text in marks.all_inner_texts()} == {"nuclear"}
    expect(page.locator("#quote-results")).to_contain_text("3 quotes matching “nuclear”")
    shoot(page, "04-quotes-search-highlighted")


def test_the_csv_download_holds_the_quotes_the_search_shows(site, page, shoot, tmp_path):
    search_quotes(page, site, '"road map"')
    shown = {
        figure.get_attribute("id").removeprefix("quote-"): figure.locator("blockquote").inner_text()
        for figure in page.locator("#quote-results figure.quote").all()
    }
    assert shown, "the search found nothing to download"

    with page.expect_download() as download_info:
        page.locator("#quote-results").get_by_role("link", name="CSV").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    with path.open(newline="", encoding="utf-8-sig") as handle:
        header, *rows = list(csv.reader(handle))
    assert download.suggested_filename == "quotes.csv"
    # The API's quote, flattened by the one CSV writer.
    assert header[:3] == ["id", "text", "translation"] and "citation" in header
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert [r["id"] for r in records] == list(shown)
    for record in records:
        assert " ".join(record["text"].split()) in " ".join(shown[record["id"]].split())
    shoot(page, "05-quotes-before-csv")


def test_back_returns_to_the_previous_filter(site, page, shoot):
    open_matrix(page, site)
    as_of = page.get_by_label("As of")
    show = page.get_by_role("button", name="Show")
    estonia = matrix_cell(page, "Estonia", "Membership")

    as_of.fill("2023-06-14")
    show.click()
    page.wait_for_url(re.compile(r"as_of=2023-06-14"))
    expect(page.get_by_role("heading", name="As of 14 June 2023")).to_be_visible()
    as_of.fill("2023-03-09")
    show.click()
    page.wait_for_url(re.compile(r"as_of=2023-03-09"))
    expect(estonia).to_have_text("No public position")

    page.go_back()

    page.wait_for_url(re.compile(r"as_of=2023-06-14"))
    expect(page.get_by_role("heading", name="As of 14 June 2023")).to_be_visible()
    expect(matrix_cell(page, "Estonia", "Membership")).to_contain_text("Once conditions allow")
    expect(page.get_by_label("As of")).to_have_value("2023-06-14")
    assert still_the_same_page(page)
    shoot(page, "06-matrix-after-back")


def test_without_javascript_the_filter_form_still_works(site, browser, shoot):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    try:
        page.goto(f"{site}/")
        page.get_by_label("As of").fill("2023-05-01")
        with page.expect_navigation():
            page.get_by_role("button", name="Show").click()

        assert "as_of=2023-05-01" in page.url
        expect(page.get_by_role("heading", name="As of 1 May 2023")).to_be_visible()
        expect(matrix_cell(page, "Estonia", "Membership")).to_have_text("No public position")
        shoot(page, "07-matrix-without-javascript")
    finally:
        context.close()


def _source_url() -> str:
    from apps.statements.models import Source

    return f"/sources/{Source.objects.order_by('pk').values_list('pk', flat=True).first()}/"


PAGES = {
    "matrix": "/",
    "matrix-before-the-report": "/?as_of=2023-05-01",
    "evidence-opened": "/",
    "compare": "/compare/?countries=US,DE,PL",
    "changes": "/changes/?from=2023-05-01",
    "quotes-search": "/quotes/?q=nuclear",
    "country": "/countries/EE/",
    "person": "/people/juri-luik/",
    "topic-membership": "/topics/membership/",
    "topic-guarantees": "/topics/guarantees/",
    "source": None,
    "event": "/events/vilnius-summit-2023/",
}


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_wcag_a_or_aa_violation(site, page, shoot, axe_violations, name):
    page.goto(site + (PAGES[name] or _source_url()))
    if name == "evidence-opened":
        estonia_on_membership(page).click()
        expect(page.locator("#evidence-panel").get_by_text(LUIK)).to_be_visible()

    violations = axe_violations(page)

    shoot(page, f"08-axe-{name}")
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in violations
    )
    assert not violations, f"axe found on {page.url}:\n{report}"


def test_the_keyboard_reaches_the_skip_link_first_and_opens_a_cell(site, page, shoot):
    open_matrix(page, site)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.matrix td')"):
            break
    else:
        pytest.fail("Tab never reached a matrix cell")
    holder, topic = page.evaluate(
        """() => {
            const cell = document.activeElement.closest("td");
            const header = cell.closest("table").tHead.rows[0].cells[cell.cellIndex];
            // The header's name is its first link (a sort button follows it).
            return [cell.parentElement.cells[0].textContent.trim(),
                    header.querySelector("a").textContent.trim()];
        }"""
    )
    page.keyboard.press("Enter")

    expect(page.locator("#evidence")).to_be_focused()
    expect(page.locator("#evidence-title")).to_have_text(f"{holder} on {topic}")
    assert still_the_same_page(page)
    shoot(page, "09-keyboard-cell-opened")


@pytest.mark.parametrize(("name", "path"), [("matrix", "/"), ("topic", "/topics/membership/")])
def test_a_phone_sized_screen_scrolls_only_inside_the_tables(site, page, shoot, name, path):
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(site + path)

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    shoot(page, f"10-phone-{name}")
    assert overflow <= 1, f"the page is {overflow}px wider than a 390px screen"


def test_the_content_security_policy_blocks_nothing_the_pages_need(site, page):
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    response = page.goto(f"{site}/")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    estonia_on_membership(page).click()
    expect(page.locator("#evidence-panel")).to_contain_text(LUIK)
    page.goto(f"{site}/topics/guarantees/")
    page.goto(f"{site}/quotes/?q=nuclear")
    assert refused == []


def test_the_api_docs_render_under_the_content_security_policy(site, page):
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{site}/api/docs/")

    expect(page.get_by_text("Allied Positions API").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    assert refused == []
