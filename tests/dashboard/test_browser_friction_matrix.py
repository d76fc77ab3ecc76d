"""The matrix and compare pages in Chromium without friction (issue 19, points 1, 2 and 4):
what an analyst types, clicks and sees, on a desktop and on a 390×844 phone."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

DAY = "2023-07-10"


def no_axe_violations(page, axe_violations):
    violations = axe_violations(page)
    report = [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}" for v in violations]
    assert not violations, f"axe found on {page.url}: {report}"


def matrix_requests(page) -> list[str]:
    asked: list[str] = []
    page.on(
        "request",
        lambda request: (
            asked.append(request.url)
            if request.headers.get("hx-request") == "true" and "evidence" not in request.url
            else None
        ),
    )
    return asked


def test_a_half_typed_date_is_named_beside_the_field_and_the_table_stays(
    site, page, shoot, axe_violations, console_guard
):
    # The server rightly refuses year 0002: the browser logs the 400 it answered.
    console_guard.allow(r"status of 400")
    page.goto(f"{site}/?as_of={DAY}")
    rows_before = page.locator("table.matrix tbody tr").count()
    asked = matrix_requests(page)

    date = page.get_by_label("As of")
    date.click()
    date.press("Control+a")
    page.keyboard.type("01010002", delay=60)  # month, day, then a year half typed

    # Whatever the browser made of the half-typed year, the server names what is wrong with
    # it next to the field and on top, and the form keeps what was typed...
    error = page.locator("#id_as_of_error")
    expect(error).to_contain_text(re.compile(r"Dates start in 1900|real date"))
    expect(page.locator("#filters .form-errors")).to_contain_text("As of:")
    # ... and the last good results are still there.
    expect(page.locator("table.matrix tbody tr")).to_have_count(rows_before)
    expect(page.locator("h2.as-of")).to_contain_text("10 July 2023")
    assert DAY in page.url  # the address is the last good one
    # Eight keystrokes, one request: it waits for a pause.
    assert len(asked) <= 2, asked
    shoot(page, "19-01-half-typed-date")
    no_axe_violations(page, axe_violations)

    date.fill("2023-07-11")  # a whole date, as the picker gives it
    expect(page.locator("h2.as-of")).to_contain_text("11 July 2023")
    expect(page.locator("#id_as_of_error")).to_have_count(0)


def test_without_javascript_a_wrong_date_is_named_beside_the_field(
    site, browser, shoot, console_guard
):
    console_guard.allow(r"status of 400")  # the page itself is the server's 400
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{site}/changes/?from=2023-07-01&to=2023-06-01")

    expect(page.locator("#filters .form-errors")).to_be_visible()
    expect(page.get_by_label("To", exact=True)).to_have_value("2023-06-01")
    shoot(page, "19-01-no-javascript-error")
    context.close()


def test_the_matrix_sorts_by_a_topic_and_hides_the_allies_with_no_position(
    site, page, shoot, axe_violations
):
    page.goto(f"{site}/?as_of={DAY}")
    count = page.locator(".matrix-count")
    expect(count).to_contain_text(re.compile(r"\d+ of \d+ countries have no public position"))
    none = int(re.search(r"(\d+) of", count.inner_text()).group(1))
    total_rows = page.locator("table.matrix tbody tr").count()

    page.get_by_role("link", name="sort by Membership, most supportive first").click()
    expect(page.locator("table.matrix thead th[aria-sort='descending']")).to_contain_text(
        "Membership"
    )
    assert "sort=-membership" in page.url
    first_country = (
        page.locator("table.matrix tbody tr")
        .filter(has=page.locator("th a[href*='/countries/']"))
        .first
    )
    expect(first_country.locator("td").first).to_contain_text("+2")
    shoot(page, "19-02-sorted-by-membership")

    page.get_by_role("link", name="Hide them").click()
    expect(page.locator("table.matrix tbody tr")).to_have_count(total_rows - none)
    expect(page.get_by_label("Hide allies with no position")).to_be_checked()
    assert "hide_empty=true" in page.url and "sort=-membership" in page.url
    shoot(page, "19-02-empty-rows-hidden")
    no_axe_violations(page, axe_violations)

    # The ally's name keeps the day: its page shows the position in force then.
    page.locator("table.matrix tbody th a", has_text="Estonia").click()
    membership = page.get_by_role("region", name="Membership")
    expect(membership.get_by_text("In force on 10 Jul 2023")).to_be_visible()
    shoot(page, "19-02-country-as-of-the-day")


def test_compare_keeps_four_countries_readable_on_a_phone(site, page, shoot, axe_violations):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/compare/?countries=EE,FR,PL,US&as_of={DAY}")

    row = page.locator("table.compare tbody tr").first
    cells = row.locator("td").all()
    assert len(cells) == 4
    boxes = [cell.bounding_box() for cell in cells]
    # Two side by side, two below, each wide enough to read, nothing wider than the screen.
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2 and boxes[2]["y"] > boxes[0]["y"]
    assert all(box["width"] >= 150 for box in boxes)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    expect(cells[0].locator(".cell-country")).to_have_text("Estonia")
    shoot(page, "19-04-compare-phone")
    no_axe_violations(page, axe_violations)

    page.set_viewport_size({"width": 1280, "height": 900})
    expect(cells[0].locator(".cell-country")).to_be_hidden()
    shoot(page, "19-04-compare-desktop")
