"""An analyst opens a country page from the seed and reads each topic's stance over time in
its step chart, with its labelled axes, its dates, and the list it describes; then goes back
to a day before Vilnius and sees the chart end there. In Chromium, desktop and phone, with axe
finding nothing."""

import re

import pytest
from playwright.sync_api import expect

from tests.dashboard.conftest import SCREENSHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]
SHOTS = SCREENSHOTS
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def keep(page, name: str, target=None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    if target is None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    else:
        target.screenshot(path=str(SHOTS / f"{name}.png"))


def topic_section(page, name: str):
    return page.locator("section.timeline").filter(
        has=page.get_by_role("heading", level=3, name=name, exact=True)
    )


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_analyst_reads_a_countrys_stance_over_time(site, page, axe_violations, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(f"{site}/countries/EE/")

    membership = topic_section(page, "Membership")
    chart = membership.get_by_role("img", name=re.compile(r"^Estonia on membership, 2023 to"))
    expect(chart).to_be_visible()
    expect(chart).to_have_accessible_name(re.compile(r"now \+1 Once conditions allow\."))
    # Its description is the list under it, with the position's dates.
    described = chart.get_attribute("aria-describedby")
    expect(page.locator(f"ol#{described}")).to_contain_text("1 Jun 2023 – now")
    # The axes are labelled in words, the scale's values with their labels, the step's value
    # and date written: colour is never the only signal.
    for words in ("Stance", "Year", "Took effect", "+2 Invite now", "−2 Opposes", "2023"):
        expect(chart.locator("text", has_text=words).first).to_be_visible()
    expect(chart.locator(".values text")).to_have_text(["+1"])
    expect(chart.locator(".dates text")).to_have_text(["1 Jun 2023"])
    expect(chart.locator("path.step.s-p1")).to_have_count(1)
    # Each topic Estonia holds a position on has its chart.
    expect(page.locator(".step-chart svg")).to_have_count(3)
    assert axe_violations(page) == []
    keep(page, f"country-steps-{viewport}")
    keep(page, f"country-steps-chart-{viewport}", membership.locator(".step-chart"))

    if viewport == "phone":
        # Too wide for a phone, the chart scrolls sideways, from the keyboard too.
        scroller = membership.locator(".step-chart")
        assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
        scroller.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("el => el.scrollLeft > 0", arg=scroller.element_handle())

    # On the eve of the Vilnius summit the chart ends that day; before any position, none.
    page.goto(f"{site}/countries/EE/?as_of=2023-07-10")
    chart = topic_section(page, "Security guarantees").get_by_role("img")
    expect(chart).to_have_accessible_name(
        re.compile(r"2023 to 10 July 2023: 1 step, on 10 July 2023 \+2 Binding guarantee\.")
    )
    assert axe_violations(page) == []
    keep(page, f"country-steps-as-of-{viewport}")
    page.goto(f"{site}/countries/EE/?as_of=2023-05-31")
    expect(page.locator(".step-chart")).to_have_count(0)
    expect(topic_section(page, "Membership")).to_contain_text("No public position on record.")


def test_the_chart_needs_no_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/countries/US/")

    chart = topic_section(page, "Membership").get_by_role("img")
    expect(chart).to_have_accessible_name(re.compile(r"^United States on membership"))
    expect(chart.locator("path.step.s-m1")).to_have_count(1)
    context.close()
