"""Issue 19, what a reader meets: a quote's citation copied in one click, and Back without
a script error. Run with `make test-browser` (pytest -m browser); every test here also fails
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


def assert_no_axe_violation(page, axe_violations):
    violations = axe_violations(page)
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in violations
    )
    assert not violations, f"axe found on {page.url}:\n{report}"


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


# 10. Back -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "change"),
    [
        ("/quotes/?q=nuclear", "facet"),
        ("/topics/membership/", "as of"),
        ("/compare/?countries=EE&countries=US", "as of"),
    ],
)
def test_back_after_a_change_in_place_logs_no_error(site, page, start, change):
    page.goto(site + start)
    before = page.url
    if change == "facet":
        page.locator(".facet a").first.click()
    else:
        page.get_by_label("As of").fill("2023-06-14")
        page.locator("form.filters").get_by_role("button").click()
    page.wait_for_url(lambda url: url != before)

    page.go_back()

    page.wait_for_url(before)
    expect(page.locator("[data-announce]").first).to_be_visible()
    page.go_forward()
    page.wait_for_url(lambda url: url != before)
    expect(page.locator("#announcer")).not_to_be_empty()
