# ruff: noqa: F811 (the browser fixtures are imported, then asked for by name)
"""An editor imports agreements in Chromium: from the agreements' list to the upload, a file
checked and refused with its errors by row and column, then imported and waiting for review.
Run with `pytest -m browser`; screenshots go to SCREENSHOT_DIR."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.admin.test_browser_friction_editors import (
    assert_clean,
    errors,  # noqa: F401 (a fixture)
    sign_in,
)
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

HEADER = "slug,title,kind,signed_on,source,status,parties,clause_category,clause_text\n"


@pytest.fixture
def files(site, tmp_path):
    from apps.statements.models import Source
    from tests.factories import EditorFactory

    EditorFactory(username="kadri")
    source = Source.objects.order_by("pk").first()
    row = (
        "synthetic-pact,Synthetic pact,bilateral_security,2024-02-16,{source},in_review,{parties},"
    )
    row += "military-aid,Synthetic clause words for a browser test.\n"
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(HEADER + row.format(source=source.pk, parties="UA FR"))
    bad.write_text(HEADER + row.format(source=source.pk, parties="UA"))
    return good, bad


@pytest.mark.parametrize(
    "viewport", [None, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_an_editor_imports_agreements_from_the_list(
    site, files, page, shoot, axe_violations, errors, viewport
):
    from apps.agreements.models import Agreement

    if viewport:
        page.set_viewport_size(viewport)
    name = "phone" if viewport else "desktop"
    good, bad = files
    from tests.factories import ClauseCategoryFactory

    ClauseCategoryFactory(slug="military-aid")  # a flush removed the migration's categories
    sign_in(page, site, "kadri")

    page.goto(site + reverse("admin:agreements_agreement_changelist"))
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import agreements")).to_be_visible()
    assert_clean(page, axe_violations, errors)
    shoot(page, f"imp-agreements-import-{name}")

    # A file with a single party: refused, nothing stored, the row and column named.
    page.get_by_label("File:", exact=True).set_input_files(str(bad))
    page.get_by_label("Only check the file; store nothing").uncheck()
    page.get_by_role("button", name="Check or import").click()
    expect(page.get_by_role("heading", name="1 error(s): nothing was imported")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="at least two parties")
    expect(row).to_contain_text("2")
    expect(row).to_contain_text("parties")
    assert_clean(page, axe_violations, errors)
    shoot(page, f"imp-agreements-import-refused-{name}")
    assert not Agreement.objects.exists()

    page.get_by_role("link", name="Import another file").click()
    page.get_by_label("File:", exact=True).set_input_files(str(good))
    page.get_by_label("Only check the file; store nothing").uncheck()
    page.get_by_role("button", name="Check or import").click()
    expect(page.get_by_text("Imported 1 agreement(s), 2 parties and 1 clause(s).")).to_be_visible()
    assert_clean(page, axe_violations, errors)
    shoot(page, f"imp-agreements-import-done-{name}")

    page.get_by_role("link", name="Agreements in review").click()
    expect(page.get_by_role("link", name="Synthetic pact")).to_be_visible()
    assert Agreement.objects.get().status == "in_review"
