# ruff: noqa: F811 (the browser fixtures are imported, then asked for by name)
"""Issue 19, editors' points 11–14, in Chromium: what an editor does in the admin, and what
they then see. Run with `pytest -m browser`; screenshots go to SCREENSHOT_DIR."""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.dashboard.conftest import (  # noqa: F401 (fixtures)
    axe_violations,
    browser_context_args,
    browser_type_launch_args,
    shoot,
    site,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

PASSWORD = "correct horse battery"


@pytest.fixture
def errors(page):
    """Console errors and uncaught exceptions of every page the test opens."""
    found = []

    def console(message):
        # Chromium asks for /favicon.ico, which the admin does not link: not a page's error.
        if message.type == "error" and "favicon.ico" not in message.location.get("url", ""):
            found.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda e: found.append(str(e)))
    return found


@pytest.fixture
def editors(site):
    from tests.factories import EditorFactory

    return EditorFactory(username="kadri"), EditorFactory(username="mart")


def sign_in(page, site, username):
    page.context.clear_cookies()
    page.goto(site + reverse("admin:login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Editorial data")).to_be_visible()


def pick(page, select_id: str, typed: str):
    """Open a select2 autocomplete, type, wait for results and press Enter."""
    page.locator(f"#{select_id} + .select2").click()
    page.locator(".select2-search__field").last.fill(typed)
    # The answer to what was typed, not the list shown before (the search waits 250 ms).
    expect(page.locator(".select2-results__option--highlighted")).to_contain_text(typed)
    page.keyboard.press("Enter")


# Django admin's own autocomplete (select2 4.0) names its comboboxes and its search box
# without a label axe accepts, and lists its chips in a <ul> of <span>s; that markup is
# Django's, outside these changes (reported), as are its breadcrumbs' colours.
DJANGO_SELECT2 = {"aria-input-field-name", "label", "list"}


def _djangos_select2(violation) -> bool:
    if violation["id"] == "link-in-text-block":
        # Django's breadcrumbs: white links among light text, underlined only on hover.
        return all(".breadcrumbs" in " ".join(map(str, n["target"])) for n in violation["nodes"])
    return violation["id"] in DJANGO_SELECT2 and all(
        "select2" in " ".join(map(str, node["target"])) + node.get("html", "")
        for node in violation["nodes"]
    )


def assert_clean(page, axe_violations, errors):
    assert errors == []
    violations = [v for v in axe_violations(page) if not _djangos_select2(v)]
    # axe-core, evaluated from outside the page, sets inline styles the page's policy refuses:
    # its own console messages, not the page's.
    errors.clear()
    assert violations == [], [
        (v["id"], [(n["target"], n.get("failureSummary", "")[:160]) for n in v["nodes"]][:3])
        for v in violations
    ]


def test_11_the_quote_form_suggests_the_country_and_says_which_was_picked(
    site, editors, page, shoot, axe_violations, errors
):
    sign_in(page, site, "kadri")
    page.goto(site + reverse("admin:statements_quote_add"))
    expect(page.get_by_text("shows “0 quotes” until the quote is published")).to_be_visible()

    pick(page, "id_speaker", "Luik")
    page.get_by_label("Said on").fill("2023-06-15")
    page.get_by_label("Said on").press("Tab")

    note = page.locator("#id_country-picked")
    expect(note).to_have_text(re.compile(r"^Country picked: Estonia\. Suggested from the speaker"))
    expect(page.locator("#id_country + .select2")).to_contain_text("Estonia")
    expect(page.locator("#id_role + .select2")).to_contain_text("Permanent Representative")
    shoot(page, "after-11-quote-country-suggested")

    pick(page, "id_country", "United")
    expect(note).to_have_text(re.compile(r"^Country picked: United (Kingdom|States)\."))
    shoot(page, "after-11-quote-country-confirmed")
    assert_clean(page, axe_violations, errors)


def test_11_quotes_are_picked_with_their_status(site, editors, page, shoot, axe_violations, errors):
    from apps.core.models import Status
    from apps.statements.models import Source
    from tests.factories import make_quote

    make_quote(
        text="Synthetic draft words about a lighthouse.",
        source=Source.objects.order_by("pk").first(),
        status=Status.DRAFT,
    )
    sign_in(page, site, "kadri")
    page.goto(site + reverse("admin:positions_position_add"))

    page.locator("#id_evidence + .select2").click()
    page.locator(".select2-search__field").last.fill("lighthouse")
    option = page.locator(".select2-results__option").first
    expect(option).to_have_text(re.compile(r"^\[Draft\] .*lighthouse"))
    page.keyboard.press("Enter")
    expect(page.locator("#id_evidence + .select2")).to_contain_text("[Draft]")
    shoot(page, "after-11-evidence-picked-with-status")
    assert_clean(page, axe_violations, errors)


def test_12_the_position_form_offers_the_topics_stances_and_links_its_errors(
    site, editors, page, shoot, axe_violations, errors
):
    sign_in(page, site, "kadri")
    page.goto(site + reverse("admin:positions_position_add"))
    stance = page.locator("#id_stance")

    pick(page, "id_topic", "Membership")

    labels = stance.locator("option").all_inner_texts()
    assert labels[1:] == [
        "+2 Invite now",
        "+1 Once conditions allow",
        "0 Alliance formula",
        "−1 Not now",
        "−2 Opposes",
    ]
    expect(stance.locator("optgroup")).to_have_attribute("label", "Membership")
    expect(page.locator("details.stance-scales")).not_to_have_attribute("open", "")
    page.get_by_text("Show the scales").click()
    expect(page.locator("details.stance-scales table[data-topic]:visible")).to_have_count(1)

    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    page.get_by_label("Valid from").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Save", exact=True).click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_in_viewport()
    link = summary.get_by_role("link", name="Valid from: The date cannot be in the future.")
    expect(link).to_be_visible()
    shoot(page, "after-12-position-errors-on-top", full_page=False)
    link.click()
    assert page.url.endswith("#id_valid_from")
    expect(page.locator("#id_valid_from")).to_be_in_viewport()
    assert_clean(page, axe_violations, errors)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + reverse("admin:positions_position_add"))
    shoot(page, "after-12-position-form-phone")


def test_13_a_same_day_draft_is_caught_at_save_and_an_editor_withdraws_their_own(
    site, editors, page, shoot, axe_violations, errors
):
    from apps.positions.models import Position

    in_force = Position.objects.published().get(country__code="EE", topic__slug="membership")
    sign_in(page, site, "kadri")
    page.goto(site + reverse("admin:positions_position_add"))
    pick(page, "id_country", "Estonia")
    pick(page, "id_topic", "Membership")
    page.locator("#id_stance").select_option(label="+2 Invite now")
    page.get_by_label("Valid from").fill(in_force.valid_from.isoformat())
    page.get_by_label("Confidence").select_option("stated")
    page.get_by_role("button", name="Save", exact=True).click()

    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("published and in force")
    shoot(page, "after-13-same-day-caught-at-save", full_page=False)
    assert_clean(page, axe_violations, errors)
    summary.get_by_role("link", name=re.compile(r"^Open the position in force")).click()
    expect(page).to_have_url(re.compile(rf"/positions/position/{in_force.pk}/change/"))

    # A day later it is a draft of its own, which its author then withdraws.
    page.goto(site + reverse("admin:positions_position_add"))
    pick(page, "id_country", "Estonia")
    pick(page, "id_topic", "Membership")
    page.locator("#id_stance").select_option(label="+2 Invite now")
    page.get_by_label("Valid from").fill("2023-06-02")
    page.get_by_label("Confidence").select_option("stated")
    page.get_by_role("button", name="Save", exact=True).click()
    draft = Position.objects.get(country__code="EE", topic__slug="membership", status="draft")
    page.goto(site + reverse("admin:positions_position_change", args=[draft.pk]))
    page.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name=re.compile("Yes, I’m sure")).click()
    expect(page.locator(".messagelist")).to_contain_text("deleted successfully")
    assert not Position.objects.filter(pk=draft.pk).exists()

    # Another editor's draft offers no delete.
    sign_in(page, site, "mart")
    from tests.factories import make_position

    theirs = make_position(
        country=draft.country,
        topic=draft.topic,
        valid_from=datetime.date(2023, 6, 3),
        status="draft",
        evidence=list(in_force.evidence.all()),
        by=editors[0],
    )
    page.goto(site + reverse("admin:positions_position_change", args=[theirs.pk]))
    expect(page.get_by_role("link", name="Delete")).to_have_count(0)
    assert errors == []


def test_14_the_review_page_compares_and_the_reviewer_sends_back_or_approves(
    site, editors, page, shoot, axe_violations, errors
):
    from apps.core.models import Status
    from apps.positions.models import Position
    from apps.positions.services import position_record

    kadri, _ = editors
    in_force = Position.objects.published().get(country__code="EE", topic__slug="membership")
    evidence = list(in_force.evidence.all())

    def waiting(day, value):
        return position_record(
            country=in_force.country,
            topic=in_force.topic,
            stance=in_force.topic.stances.get(value=value),
            valid_from=day,
            confidence="stated",
            evidence=evidence,
            status=Status.IN_REVIEW,
            by=kadri,
        )

    first, second = waiting(datetime.date(2023, 7, 12), 2), waiting(datetime.date(2023, 7, 13), -1)

    sign_in(page, site, "kadri")
    page.goto(site + reverse("admin:positions_position_change", args=[first.pk]))
    assert "published" not in page.locator("#id_status option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    page.goto(site + reverse("admin:positions_position_review", args=[first.pk]))
    expect(page.get_by_text("You wrote this")).to_be_visible()
    expect(page.get_by_role("button", name="Approve and publish")).to_have_count(0)

    sign_in(page, site, "mart")
    page.goto(site + reverse("admin:positions_review_queue"))
    page.get_by_role(
        "link", name=re.compile(r"Estonia · Membership · Invite now from 12 Jul")
    ).click()
    table = page.get_by_role("table", name="What changes against the position in force")
    stance_row = table.get_by_role("row", name=re.compile("^Stance"))
    expect(stance_row).to_contain_text("+1 Once conditions allow")
    expect(stance_row).to_contain_text("+2 Invite now")
    expect(page.locator(".evidence-list").first).to_contain_text(evidence[0].text[:40])
    expect(page.locator(".status-badge").first).to_have_text("Published")
    expect(page.locator("#conflicts")).to_contain_text("None")
    shoot(page, "after-14-review-page")
    assert_clean(page, axe_violations, errors)
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "after-14-review-page-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label(re.compile("Note to the author")).fill("Say which summit he meant.")
    page.get_by_role("button", name="Send back to the author").click()
    expect(page.locator(".messagelist")).to_contain_text("Sent back to its author")

    page.get_by_role("link", name=re.compile(r"Estonia · Membership · Not now from 13 Jul")).click()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator(".messagelist")).to_contain_text("Approved and published")
    second.refresh_from_db()
    assert second.status == Status.PUBLISHED

    sign_in(page, site, "kadri")
    page.goto(site + reverse("admin:positions_review_queue"))
    sent_back = page.locator("#sent-back")
    expect(sent_back).to_contain_text("Say which summit he meant.")
    expect(sent_back).to_contain_text("mart")
    shoot(page, "after-14-sent-back-in-the-authors-queue")
    assert_clean(page, axe_violations, errors)
