"""Issue 19, points 3, 7 and 8 in Chromium: what a person does on the change list, the quote
search and a CSV download, and what they then see (desktop and a 390×844 phone)."""

import csv
import datetime
import re

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    # pytest-base-url, which pytest-playwright pulls in, declares its fixture this way.
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def console(page):
    """The console errors and script errors of the page; the test fails on any."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield errors
    assert errors == [], f"the browser logged errors: {errors}"


def no_axe_violations(page, axe_violations):
    violations = axe_violations(page)
    report = [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}" for v in violations]
    assert not violations, f"axe found on {page.url}: {report}"


def no_sideways_scroll(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the screen"


@pytest.fixture
def a_move(site):
    """A synthetic ally whose membership stance moves up in July 2024, and one whose record
    starts then, beside the seeded report (whose positions all start the record)."""
    from apps.codebook.models import Topic
    from tests.factories import CountryFactory, make_position

    membership = Topic.objects.get(slug="membership")
    mover = CountryFactory(code="QM", name="Testland Mover")
    starter = CountryFactory(code="QS", name="Testland Starter")
    make_position(topic=membership, country=mover, value=-1, valid_from=datetime.date(2023, 6, 1))
    make_position(topic=membership, country=mover, value=1, valid_from=datetime.date(2024, 7, 10))
    make_position(topic=membership, country=starter, value=2, valid_from=datetime.date(2024, 7, 10))
    return site


# --- point 3 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_what_changed_tells_first_recorded_from_moves(
    a_move, page, shoot, axe_violations, console, viewport
):
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    page.goto(f"{a_move}/changes/")
    page.get_by_label("From:").fill("2024-01-01")
    page.get_by_label("To:").fill("2024-08-01")
    page.get_by_role("checkbox", name="Membership").check()
    page.get_by_role("button", name="Show changes").click()
    page.wait_for_url(re.compile(r"to=2024-08-01"))

    counts = page.locator(".change-counts")
    expect(counts).to_contain_text("1 move")
    expect(counts).to_contain_text("▲ 1 toward Ukraine’s ask")
    expect(counts).to_contain_text("1 first recorded")
    moves = page.get_by_role("table", name="Positions that moved between the two dates")
    first = page.get_by_role("table", name="First positions on record between the two dates")
    mover = moves.get_by_role("row").filter(has_text="Testland Mover")
    expect(mover).to_contain_text("▲ Toward Ukraine’s ask")
    expect(mover).to_contain_text("−1 Not now")
    expect(mover).to_contain_text("+1 Once conditions allow")
    expect(moves.get_by_role("row")).to_have_count(2)  # the header and the one move
    expect(first.get_by_role("row").filter(has_text="Testland Starter")).to_contain_text(
        "◆ First recorded"
    )
    expect(first.get_by_role("row")).to_have_count(2)
    expect(page.get_by_role("heading", name="First recorded")).to_be_visible()
    no_axe_violations(page, axe_violations)
    if viewport == "phone":
        no_sideways_scroll(page)
    shoot(page, f"h1-03-changes-first-recorded-and-moves-{viewport}")


def test_the_report_alone_moved_nobody(site, page, shoot, console):
    page.goto(f"{site}/changes/?from=2023-05-01&to=2023-07-10")

    expect(page.locator(".change-counts")).to_contain_text("0 moves")
    expect(page.locator(".change-counts")).to_contain_text("14 first recorded")
    expect(page.get_by_text("No ally moved between these dates")).to_be_visible()
    first = page.get_by_role("table", name="First positions on record between the two dates")
    expect(first.get_by_role("row").filter(has_text="Estonia")).to_have_count(3)
    shoot(page, "h1-03-changes-the-report")


# --- point 7 -----------------------------------------------------------------------------------


def search(page, site, words):
    page.goto(f"{site}/quotes/")
    page.get_by_label("Search the quotes").fill(words)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"[?&]q="))


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_chosen_facet_comes_off_alone_and_the_words_stay(
    site, page, shoot, axe_violations, console, viewport
):
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    search(page, site, '"road map"')
    count = page.locator(".result-count")
    expect(count).to_contain_text('matching "road map", newest first')
    expect(count).not_to_contain_text("“")

    page.locator(".facet").filter(has_text="Country").get_by_role(
        "link", name="United States"
    ).click()
    page.wait_for_url(re.compile(r"country=US"))
    chip = page.locator(".chip").filter(has_text="Country: United States")
    expect(chip).to_be_visible()
    expect(page.locator(".chip").filter(has_text='Words: "road map"')).to_be_visible()
    expect(page.locator("#id_country")).to_have_value("US")
    no_axe_violations(page, axe_violations)
    if viewport == "phone":
        no_sideways_scroll(page)
    shoot(page, f"h1-07-quotes-chips-{viewport}")

    chip.get_by_role("link", name="Remove country: United States").click()

    page.wait_for_url(lambda url: "country=" not in url)
    expect(page.locator(".chip").filter(has_text="Country")).to_have_count(0)
    expect(page.get_by_label("Search the quotes")).to_have_value('"road map"')
    expect(count).to_contain_text('matching "road map"')
    expect(page.locator("#id_country")).to_have_value("")


def test_clear_the_filters_keeps_the_words_and_clear_all_clears_them(site, page, shoot, console):
    page.goto(f"{site}/quotes/?q=nuclear&country=US&year=2023")
    expect(page.locator(".chip")).to_have_count(3)

    page.get_by_role("link", name="Clear the filters, keep the words").click()

    page.wait_for_url(re.compile(r"/quotes/\?q=nuclear$"))
    expect(page.locator(".chip")).to_have_count(1)
    expect(page.locator(".result-count")).to_contain_text("matching “nuclear”")
    shoot(page, "h1-07-quotes-filters-cleared")
    page.get_by_role("link", name="Clear all, words too").click()
    page.wait_for_url(re.compile(r"/quotes/$"))
    expect(page.get_by_label("Search the quotes")).to_have_value("")
    expect(page.locator(".result-count")).to_contain_text("49 quotes, newest first")


def test_page_two_says_where_it_stands_and_goes_back(site, page, shoot, axe_violations, console):
    page.goto(f"{site}/quotes/")
    expect(page.locator(".result-count")).to_contain_text("Results 1–20 of 49.")

    page.get_by_role("link", name="Older quotes →").last.click()

    page.wait_for_url(re.compile(r"cursor=n"))
    expect(page.locator(".result-count")).to_contain_text("Results 21–40 of 49.")
    top = page.get_by_role("navigation", name="Result pages, above the quotes")
    expect(top.get_by_role("link", name="← Newer quotes")).to_be_in_viewport()
    no_axe_violations(page, axe_violations)
    shoot(page, "h1-07-quotes-page-two", full_page=False)
    top.get_by_role("link", name="← Newer quotes").click()
    page.wait_for_url(re.compile(r"cursor=p"))
    expect(page.locator(".result-count")).to_contain_text("Results 1–20 of 49.")


def test_the_country_facet_says_it_is_the_country_of_the_position(site, page, console):
    page.goto(f"{site}/quotes/")

    facet = page.locator(".facet").filter(has=page.get_by_role("heading", name="Country"))
    expect(facet).to_contain_text("Whose position the words reflect, not the speaker’s country.")
    expect(page.locator("form.filters")).to_contain_text(
        "Whose position the words reflect, not the speaker’s country"
    )


def test_without_javascript_a_chip_still_removes_its_filter(site, browser, shoot):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    try:
        page.goto(f"{site}/quotes/?q=nuclear&country=US")
        with page.expect_navigation():
            page.get_by_role("link", name="Remove country: United States").click()

        assert page.url.endswith("/quotes/?q=nuclear")
        expect(page.get_by_label("Search the quotes")).to_have_value("nuclear")
        expect(page.locator(".chip")).to_have_count(1)
        shoot(page, "h1-07-quotes-without-javascript")
        page.goto(f"{site}/quotes/")
        with page.expect_navigation():
            page.get_by_role("link", name="Older quotes →").last.click()
        expect(page.locator(".result-count")).to_contain_text("Results 21–40 of 49.")
        expect(page.get_by_role("link", name="← Newer quotes").first).to_be_visible()
    finally:
        context.close()


# --- point 8 -----------------------------------------------------------------------------------


def download(page, tmp_path) -> tuple[bytes, list[dict]]:
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    raw = path.read_bytes()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return raw, list(csv.DictReader(handle))


def test_the_matrix_csv_opens_right_in_a_spreadsheet(site, page, shoot, console, tmp_path):
    page.goto(f"{site}/?as_of=2023-07-10")

    raw, rows = download(page, tmp_path)

    assert raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark: Excel would show TÃ¼rkiye"
    assert "Türkiye".encode() in raw
    assert {row["as_of"] for row in rows} == {"2023-07-10"}
    estonia = next(row for row in rows if row["holder.code"] == "EE")
    assert estonia["cells.membership.conditionality_label"] == "After the war"
    turkiye = next(row for row in rows if row["holder.name"] == "Türkiye")
    assert turkiye["cells.membership.stance.label"] == "none"
    shoot(page, "h1-08-matrix-before-csv")


def test_the_changes_csv_says_which_are_first_recorded(a_move, page, console, tmp_path):
    page.goto(f"{a_move}/changes/?from=2024-01-01&to=2024-08-01&topics=membership")

    raw, rows = download(page, tmp_path)

    assert raw.startswith(b"\xef\xbb\xbf")
    kinds = {row["holder.name"]: row["kind"] for row in rows}
    assert kinds == {"Testland Mover": "up", "Testland Starter": "first_recorded"}
    assert {row["before.label"] for row in rows if row["kind"] == "first_recorded"} == {"none"}
    assert {(row["from"], row["to"]) for row in rows} == {("2024-01-01", "2024-08-01")}
