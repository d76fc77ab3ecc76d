"""The review queue and the statements import in the admin."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.models import Status
from apps.statements.models import Quote
from tests.factories import PersonFactory, TopicFactory, UserFactory, make_position

QUEUE = reverse("admin:positions_review_queue")
IMPORT = reverse("admin:positions_statements_import")
CSV = (
    "source_title,source_published_on,source_kind,source_reliability,text,speaker,said_on,topics\n"
    "A report,2023-07-12,analysis,secondary,Words.,olaf,2023-07-12,membership\n"
)


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def world(db):
    TopicFactory(slug="membership")
    PersonFactory(slug="olaf")


def test_the_review_queue_lists_positions_waiting_for_another_editor(as_editor, editor):
    position = make_position(by=editor, status=Status.IN_REVIEW, evidence=[])

    page = as_editor.get(QUEUE).content.decode()

    assert str(position.holder) in page
    assert "yours: another editor publishes" in page
    assert (
        'href="/admin/positions/position/review-queue/"'
        in as_editor.get("/admin/").content.decode()
    )


def test_the_review_queue_is_for_editors_only(client, db):
    client.force_login(UserFactory(is_staff=True))

    assert client.get(QUEUE).status_code == 403


def test_an_import_dry_run_checks_and_stores_nothing(as_editor, world):
    response = as_editor.post(
        IMPORT, {"file": SimpleUploadedFile("s.csv", CSV.encode()), "dry_run": "on"}, follow=True
    )

    assert "The file is valid" in response.content.decode()
    assert not Quote.objects.exists()


def test_an_import_stores_every_row_as_the_import_door(as_editor, world, editor):
    response = as_editor.post(IMPORT, {"file": SimpleUploadedFile("s.csv", CSV.encode())})

    assert response.status_code == 302
    quote = Quote.objects.get()
    event = Quote.pgh_event_model.objects.get(pgh_obj_id=quote.pk)
    assert event.pgh_context.metadata == {"door": "import", "user": editor.pk, "url": IMPORT}
    assert quote.created_by == editor


def test_import_errors_are_listed_by_row_and_column(as_editor, world):
    bad = CSV.replace("olaf", "nobody")

    response = as_editor.post(
        IMPORT, {"file": SimpleUploadedFile("s.csv", bad.encode())}, follow=True
    )

    text = response.content.decode()
    assert "1 error(s): nothing was imported" in text
    assert "<td>2</td><td><code>speaker</code></td>" in text
    assert not Quote.objects.exists()


def test_an_unreadable_upload_is_a_form_error(as_editor, db):
    response = as_editor.post(IMPORT, {"file": SimpleUploadedFile("s.txt", b"x")})

    assert "Upload a .csv or a .json file." in response.content.decode()
