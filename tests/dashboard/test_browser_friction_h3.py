"""Issue 19, what a reader meets: a cell's evidence in a dialog (and the header on a phone),
a quote's citation copied in one click, the map's countries as links, and Back without a
script error. Run with `make test-browser` (pytest -m browser); every test here also fails
on any console error (the `console_guard` fixture).
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

PHONE = {"width": 390, "height": 844}
LUIK = "Nothing short of Ukraine’s full inclusion in NATO will deter Putin"


def open_matrix(page, site, query=""):
    page.goto(f"{site}/{query}")
    assert page.evaluate("typeof htmx") == "object", "htmx did not load"
    page.evaluate("window.__marker = 1")


def estonia_on_membership(page):
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Estonia"))
    return row.get_by_role("link", name=re.compile("Once conditions allow"))


def assert_no_axe_violation(page, axe_violations):
    violations = axe_violations(page)
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in violations
    )
    assert not violations, f"axe found on {page.url}:\n{report}"


# 5. Evidence on a phone ---------------------------------------------------------------


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_cell_opens_its_evidence_in_a_dialog_without_moving_the_page(
    site, page, shoot, axe_violations, screen
):
    if screen == "phone":
        page.set_viewport_size(PHONE)
    open_matrix(page, site)
    cell = estonia_on_membership(page)
    cell.scroll_into_view_if_needed()
    scrolled = page.evaluate("scrollY")

    cell.click()

    dialog = page.get_by_role("dialog", name="Estonia on Membership")
    expect(dialog).to_be_visible()
    title = dialog.get_by_role("heading", name="Estonia on Membership")
    expect(title).to_be_in_viewport()
    bar = dialog.locator(".dialog-bar").bounding_box()
    assert title.bounding_box()["y"] >= bar["y"] + bar["height"], "the Close bar hides the title"
    expect(dialog.get_by_role("button", name="Close the evidence")).to_be_in_viewport()
    expect(dialog.locator("blockquote", has_text=LUIK)).to_be_visible()
    expect(page.locator("#evidence")).to_be_focused()
    assert page.evaluate("scrollY") == scrolled, "the page jumped"
    assert page.evaluate("window.__marker") == 1
    if screen == "desktop":
        # A drawer on the right: the cell stays in view beside it.
        expect(cell).to_be_in_viewport()
        assert (
            cell.bounding_box()["x"] + cell.bounding_box()["width"] <= (dialog.bounding_box()["x"])
        )
    assert_no_axe_violation(page, axe_violations)
    shoot(page, f"h3-05-evidence-dialog-{screen}", full_page=False)

    if screen == "phone":
        dialog.get_by_role("button", name="Close the evidence").click()
    else:
        page.keyboard.press("Escape")

    expect(dialog).to_be_hidden()
    expect(cell).to_be_focused()
    assert page.evaluate("scrollY") == scrolled


def test_the_keyboard_opens_a_cell_and_esc_returns_to_it(site, page, shoot):
    open_matrix(page, site)
    cell = estonia_on_membership(page)
    cell.focus()

    page.keyboard.press("Enter")

    expect(page.get_by_role("dialog", name="Estonia on Membership")).to_be_visible()
    expect(page.locator("#evidence")).to_be_focused()
    # Tab stays inside the modal dialog: to its Close button or its links, never the table.
    for _ in range(4):
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('dialog')")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(cell).to_be_focused()
    # The next cell opens as well, with its own words.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    shoot(page, "h3-05-keyboard-next-cell", full_page=False)


def test_without_javascript_a_cell_goes_to_its_evidence_page(site, browser, shoot):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{site}/")
        estonia_on_membership(page).click()

        page.wait_for_url(re.compile(r"/positions/\d+/evidence/$"))
        expect(page.get_by_role("heading", name="Estonia on Membership")).to_be_visible()
        expect(page.locator("blockquote", has_text=LUIK)).to_be_visible()
        shoot(page, "h3-05-evidence-page-without-javascript", full_page=False)
    finally:
        context.close()


def test_the_header_takes_little_room_on_a_phone(site, page, shoot):
    page.set_viewport_size(PHONE)

    page.goto(f"{site}/")

    header = page.get_by_role("banner")
    assert header.bounding_box()["height"] <= 72, header.bounding_box()
    expect(page.get_by_role("heading", name="Where allies stand", level=1)).to_be_in_viewport()
    # Every menu entry is still there; the menu scrolls sideways rather than wrapping.
    nav = page.get_by_role("navigation", name="Main")
    for name in ["Matrix", "Compare", "What changed", "Quotes", "Topics"]:
        expect(nav.get_by_role("link", name=name)).to_be_attached()
    nav.get_by_role("link", name="Topics").click()
    page.wait_for_url(re.compile("/topics/"))
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    shoot(page, "h3-05-phone-header", full_page=False)


# 6. Citations -------------------------------------------------------------------------


def test_copy_puts_the_citation_with_its_words_on_the_clipboard(
    site, page, context, shoot, axe_violations
):
    from apps.statements.models import Quote

    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    quote = Quote.objects.select_related("source").get(text__startswith=LUIK)
    assert not quote.source.url  # the seed's report has no address on record
    page.goto(f"{site}/people/juri-luik/")
    figure = page.locator(f"#quote-{quote.pk}")
    expect(figure).to_contain_text("no link recorded")

    figure.get_by_role("button", name="Copy citation").click()

    expect(figure.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"“{quote.text}” — Jüri Luik")
    assert copied.endswith("No link recorded.")
    expect(page.locator("#announcer")).to_have_text("Citation copied")
    # The same line is there to read and select by hand.
    figure.get_by_text("Cite", exact=True).click()
    field = figure.get_by_role("textbox", name="Citation")
    expect(field).to_have_value(copied)
    expect(field).not_to_be_editable()
    assert_no_axe_violation(page, axe_violations)
    shoot(page, "h3-06-citation-copied", full_page=False)


def test_a_source_with_an_address_ends_its_citation_with_it(site, page, context):
    from tests.factories import SourceFactory, make_quote

    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    source = SourceFactory(title="Synthetic report", url="https://example.org/synthetic-report")
    quote = make_quote(source=source, text="Synthetic words for a test.")
    page.goto(f"{site}/people/{quote.speaker.slug}/")
    figure = page.locator(f"#quote-{quote.pk}")
    expect(figure).not_to_contain_text("no link recorded")

    figure.get_by_role("button", name="Copy citation").click()

    expect(figure.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("“Synthetic words for a test.” — ")
    assert copied.endswith(". https://example.org/synthetic-report")


def test_without_javascript_the_citation_is_selectable_in_a_field(site, browser, shoot):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{site}/people/juri-luik/")
        figure = page.locator("figure.quote").filter(has_text=LUIK)
        # No button that cannot work.
        expect(figure.get_by_role("button", name="Copy citation")).to_have_count(0)

        figure.get_by_text("Cite", exact=True).click()

        field = figure.get_by_role("textbox", name="Citation")
        expect(field).to_be_visible()
        expect(field).not_to_be_editable()
        expect(field).to_have_value(re.compile(rf"^“{LUIK}.*No link recorded\.$", re.S))
        field.select_text()
        assert LUIK in page.evaluate("getSelection().toString() || document.activeElement.value")
        shoot(page, "h3-06-citation-without-javascript", full_page=False)
    finally:
        context.close()


# 9. The map ---------------------------------------------------------------------------


def map_link(page, country: str):
    return page.locator(".map").get_by_role("link", name=re.compile(rf"^{country}: "))


def test_the_keyboard_reaches_the_map_s_countries_and_sees_which_one(site, page, shoot):
    page.goto(f"{site}/topics/membership/")
    page.get_by_role("button", name="Show").focus()

    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.map')"):
            break
    else:
        pytest.fail("Tab never reached the map")
    focused = page.evaluate(
        """() => {
            const link = document.activeElement;
            const path = link.querySelector(".country");
            return [link.querySelector("title").textContent, getComputedStyle(path).strokeWidth,
                    getComputedStyle(link).outlineStyle];
        }"""
    )
    name, stroke, outline = focused
    assert re.match(r"^[A-Z][\w ]+: ", name), name
    assert stroke == "2px" and outline == "solid"
    shoot(page, "h3-09-map-keyboard-focus", full_page=False)


def test_a_country_on_the_map_opens_its_evidence_or_its_page(site, page, shoot, axe_violations):
    page.goto(f"{site}/topics/membership/")
    estonia = map_link(page, "Estonia")
    expect(estonia).to_have_accessible_name(re.compile(r"^Estonia: \+1 "))
    assert_no_axe_violation(page, axe_violations)

    estonia.hover()
    assert estonia.locator(".country").evaluate("p => getComputedStyle(p).strokeWidth") == "2px"
    shoot(page, "h3-09-map-hover", full_page=False)
    estonia.click()

    page.wait_for_url(re.compile(r"/positions/\d+/evidence/$"))
    expect(page.get_by_role("heading", name="Estonia on Membership")).to_be_visible()

    page.go_back()
    albania = map_link(page, "Albania")
    expect(albania).to_have_accessible_name("Albania: no public position")
    albania.click()
    page.wait_for_url(re.compile(r"/countries/AL/$"))
    expect(page.get_by_role("heading", name="Albania", level=1)).to_be_visible()


def test_the_map_is_legible_on_a_phone_and_the_list_follows(site, page, shoot, axe_violations):
    page.set_viewport_size(PHONE)

    page.goto(f"{site}/topics/membership/")

    # Scrolled down to the map (not inside it): it starts at Europe, its right end.
    page.locator(".map figcaption").scroll_into_view_if_needed()
    label = page.locator(".map .map-label", has_text=re.compile("^EE"))
    expect(label).to_be_in_viewport()
    assert label.bounding_box()["height"] >= 9, label.bounding_box()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, "the map widened the page instead of scrolling inside its frame"
    # The list gives the same data, linked the same way.
    table = page.get_by_role("table", name="Who stands where")
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Estonia"))
    expect(row).to_contain_text("+1")
    assert_no_axe_violation(page, axe_violations)
    shoot(page, "h3-09-map-phone", full_page=False)


# 10. Back -----------------------------------------------------------------------------


def test_back_and_forward_restore_the_matrix_and_announce_it(site, page, shoot):
    open_matrix(page, site)
    page.get_by_role("link", name=re.compile(r"^Eve of Meeting of NATO Defence Ministers")).click()
    page.wait_for_url(re.compile(r"as_of=2023-06-14"))
    expect(page.locator("#announcer")).to_have_text("As of 14 June 2023")
    page.get_by_role("link", name=re.compile(r"^Eve of 36th Franco-British summit")).click()
    page.wait_for_url(re.compile(r"as_of=2023-03-09"))
    expect(page.locator("#announcer")).to_have_text("As of 9 March 2023")
    # Evidence open when Back is pressed: the restored page has no dialog left open.
    page.locator(".matrix td a").first.click()
    expect(page.get_by_role("dialog")).to_be_visible()

    page.go_back()

    page.wait_for_url(re.compile(r"as_of=2023-06-14"))
    expect(page.get_by_role("heading", name="As of 14 June 2023")).to_be_visible()
    expect(page.locator("#announcer")).to_have_text("As of 14 June 2023")
    expect(page.get_by_label("As of")).to_have_value("2023-06-14")
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.go_forward()
    page.wait_for_url(re.compile(r"as_of=2023-03-09"))
    expect(page.locator("#announcer")).to_have_text("As of 9 March 2023")
    # The restored page still works: a cell opens its evidence.
    page.locator(".matrix td a").first.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert page.evaluate("window.__marker") == 1
    shoot(page, "h3-10-after-back-and-forward", full_page=False)


@pytest.mark.parametrize(
    ("start", "change"),
    [
        ("/quotes/?q=nuclear", "facet"),
        ("/topics/membership/", "as of"),
        ("/compare/?countries=EE&countries=US", "as of"),
    ],
)
def test_back_after_a_change_in_place_logs_no_error(site, page, shoot, start, change):
    page.goto(site + start)
    before = page.url
    # A screenshot hides the caret by setting and clearing a style on each field: the empty
    # style attributes it leaves must not come back as inline styles the policy refuses.
    shoot(page, "h3-10-before-a-change", full_page=False)
    if change == "facet":
        page.locator(".facet a").first.click()
    else:
        page.get_by_label("As of").fill("2023-06-14")
        page.locator("form.filters").get_by_role("button").click()
    page.wait_for_url(lambda url: url != before)
    shoot(page, "h3-10-after-a-change", full_page=False)

    page.go_back()

    page.wait_for_url(before)
    expect(page.locator("[data-announce]").first).to_be_visible()
    page.go_forward()
    page.wait_for_url(lambda url: url != before)
    expect(page.locator("#announcer")).not_to_be_empty()
