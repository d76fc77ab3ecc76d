"""Issue 19, editors' points 11–14, at the service and request level: the quote form's
country suggestion and labels, the position form's stances and errors, same-day duplicates
at save (admin, API, import) with the editor's withdrawal, and the review page."""

import datetime

import pytest
from django.urls import reverse

from apps.core.models import Revision, RevisionStatus, Status
from apps.positions.models import Position
from apps.positions.services import position_update
from tests.factories import (
    CountryFactory,
    EditorFactory,
    OrganizationFactory,
    RoleFactory,
    TopicFactory,
    make_position,
    make_quote,
)

D = datetime.date
ADD_URL = reverse("admin:positions_position_add")


@pytest.fixture
def topic(db):
    return TopicFactory(slug="membership", name="Membership")


@pytest.fixture
def country(db):
    return CountryFactory(code="EE", name="Estonia")


@pytest.fixture
def author(db):
    return EditorFactory(username="author")


@pytest.fixture
def reviewer(db):
    return EditorFactory(username="reviewer")


def signed_in(client, user):
    client.force_login(user)
    return client


JULY = D(2023, 7, 1)


def draft_of(author, topic, country, day=JULY, status=Status.IN_REVIEW, value=2):
    quote = make_quote(text="Synthetic words for a test.", country=country, topics=[topic])
    return make_position(
        topic=topic,
        country=country,
        value=value,
        valid_from=day,
        status=status,
        evidence=[quote],
        by=author,
    )


def payload(*, topic, country, value=1, **fields):
    data = {
        "country": country.pk,
        "organization": "",
        "topic": topic.pk,
        "stance": topic.stances.get(value=value).pk,
        "conditionality": "none",
        "conditionality_note": "",
        "valid_from": "2023-06-01",
        "valid_to": "",
        "confidence": "stated",
        "summary": "",
        "evidence": [],
        "status": Status.DRAFT,
    }
    return {**data, **fields}


# --- 11: the quote form ------------------------------------------------------------------


def test_the_country_is_suggested_from_the_speakers_post_on_the_day(client, editor):
    estonia = CountryFactory(code="EE", name="Estonia")
    role = RoleFactory(title="Permanent representative", country=estonia, start=D(2022, 1, 1))
    RoleFactory(person=role.person, title="Minister", country=CountryFactory(), end=D(2021, 1, 1))
    url = reverse("admin:statements_quote_suggest")

    answer = (
        signed_in(client, editor)
        .get(url, {"speaker": role.person.pk, "said_on": "2023-06-15"})
        .json()
    )

    assert answer["country"] == {"id": estonia.pk, "name": "Estonia", "code": "EE"}
    assert answer["role"]["id"] == role.pk
    assert "Permanent representative" in answer["message"]


def test_an_organizations_country_counts_and_no_post_says_so(client, editor):
    nato_country = CountryFactory(code="BE", name="Belgium")
    role = RoleFactory(
        title="Spokesperson", country=None, organization=OrganizationFactory(country=nato_country)
    )
    url = reverse("admin:statements_quote_suggest")
    signed_in(client, editor)

    assert (
        client.get(url, {"speaker": role.person.pk, "said_on": "2023-06-15"}).json()["country"][
            "code"
        ]
        == "BE"
    )
    none = client.get(url, {"speaker": role.person.pk + 999, "said_on": "2023-06-15"}).json()
    assert none["country"] is None and "pick the country yourself" in none["message"]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"speaker": "x", "said_on": "2023-06-15"}, "speaker"),
        ({"speaker": "1", "said_on": "0002"}, "said_on"),
    ],
)
def test_a_bad_suggestion_request_is_a_400_naming_the_field(client, editor, query, field):
    response = signed_in(client, editor).get(reverse("admin:statements_quote_suggest"), query)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_suggestion_is_for_editors_only(client, db):
    from tests.factories import UserFactory

    response = signed_in(client, UserFactory(is_staff=True)).get(
        reverse("admin:statements_quote_suggest"), {"speaker": "1", "said_on": "2023-06-15"}
    )

    assert response.status_code == 403


def test_picked_quotes_are_named_with_their_status(client, editor, topic, country):
    draft = make_quote(text="Zebra words of a draft.", status=Status.DRAFT, topics=[topic])
    url = reverse("admin:statements_quote_autocomplete")
    query = {
        "term": "Zebra",
        "app_label": "positions",
        "model_name": "position",
        "field_name": "evidence",
    }

    results = signed_in(client, editor).get(url, query).json()["results"]

    assert [r["id"] for r in results] == [str(draft.pk)]
    assert results[0]["text"].startswith("[Draft] ")
    assert "Zebra words of a draft." in results[0]["text"]


def test_the_quote_form_warns_about_drafts_and_confirms_the_country(client, editor, topic):
    from apps.statements.models import Quote
    from tests.factories import PersonFactory, SourceFactory

    uk = CountryFactory(code="GB", name="United Kingdom")
    estonia = CountryFactory(code="EE", name="Estonia")
    role = RoleFactory(person=PersonFactory(), title="Ambassador", country=estonia)
    page = signed_in(client, editor).get(reverse("admin:statements_quote_add")).content.decode()
    assert "shows “0 quotes” until the quote is" in page
    assert "js/admin-quote.js" in page

    response = client.post(
        reverse("admin:statements_quote_add"),
        {
            "text": "Synthetic words.",
            "translation": "",
            "language": "en",
            "speaker": role.person.pk,
            "speaker_label": "",
            "country": uk.pk,
            "role": "",
            "said_on": "2023-06-15",
            "said_precision": "day",
            "source": SourceFactory().pk,
            "channel": "",
            "event": "",
            "topics": [topic.pk],
            "implied_stance": "",
            "status": Status.DRAFT,
            "correction_note": "",
        },
        follow=True,
    )

    shown = [str(m) for m in response.context["messages"]]
    assert Quote.objects.get().country == uk
    assert "Filed as reflecting the position of United Kingdom." in shown
    assert any("points to Estonia" in m for m in shown)
    assert any("“0 quotes”" in m for m in shown)


# --- 12: the position form ---------------------------------------------------------------


def test_stances_are_grouped_by_topic_and_labelled_once(client, editor, topic):
    TopicFactory(slug="timeline", name="Timeline")

    page = signed_in(client, editor).get(ADD_URL).content.decode()

    assert '<optgroup label="Membership">' in page and '<optgroup label="Timeline">' in page
    assert "Membership: Membership" not in page and "Membership: +" not in page
    assert '<details class="stance-scales">' in page
    assert "js/admin-positions.js" in page


def test_errors_are_listed_at_the_top_with_links_to_their_fields(client, editor, topic):
    response = signed_in(client, editor).post(
        ADD_URL, {"topic": topic.pk, "valid_from": "2999-01-01", "status": "draft"}
    )
    page = response.content.decode()

    top = page.index('class="error-summary"')
    assert top < page.index('id="id_topic"')
    assert '<a href="#id_valid_from">Valid from: The date cannot be in the future.</a>' in page
    assert '<a href="#id_stance">Stance: This field is required.</a>' in page


def test_the_author_is_not_offered_published(client, author, topic, country):
    position = draft_of(author, topic, country, status=Status.DRAFT)

    add = signed_in(client, author).get(ADD_URL).content.decode()
    change = client.get(reverse("admin:positions_position_change", args=[position.pk]))

    assert 'value="published"' not in add
    assert 'value="published"' not in change.content.decode()
    assert 'value="in_review"' in add


# --- 13: same-day duplicates at save, and withdrawing a draft -----------------------------


def test_a_same_day_draft_is_refused_at_save_with_a_link_to_the_position_in_force(
    client, editor, topic, country
):
    in_force = make_position(topic=topic, country=country, valid_from=D(2023, 6, 1))

    response = signed_in(client, editor).post(ADD_URL, payload(topic=topic, country=country))

    form = response.context["adminform"].form
    assert "published and in force" in form.errors["valid_from"][0]
    assert form.same_day_clash == in_force
    link = reverse("admin:positions_position_change", args=[in_force.pk])
    assert f'<a href="{link}">Open the position in force' in response.content.decode()
    assert Position.objects.count() == 1


def test_a_same_day_draft_beside_one_waiting_is_refused(client, author, editor, topic, country):
    waiting = draft_of(author, topic, country, day=D(2023, 6, 1))

    response = signed_in(client, editor).post(ADD_URL, payload(topic=topic, country=country))

    error = response.context["adminform"].form.errors["valid_from"][0]
    assert f"waiting for review (position {waiting.pk}, in review, by author)" in error
    assert Position.objects.count() == 1


def test_the_api_refuses_a_same_day_draft_with_a_400_on_valid_from(editor, topic, country):
    from tests.api.conftest import token_client

    make_position(topic=topic, country=country, valid_from=D(2023, 6, 1))
    body = {
        "country": "EE",
        "topic": "membership",
        "stance": 1,
        "valid_from": "2023-06-01",
        "confidence": "stated",
        "status": "draft",
    }

    response = token_client(editor).post("/api/v1/positions/", body, format="json")

    assert response.status_code == 400
    assert "already has a position on Membership" in response.json()["valid_from"][0]
    assert Position.objects.count() == 1


def test_a_retracted_position_leaves_its_day_free(editor, topic, country):
    wrong = make_position(topic=topic, country=country, valid_from=D(2023, 6, 1))
    position_update(position=wrong, status=Status.RETRACTED, correction_note="Misquoted.")

    again = draft_of(editor, topic, country, day=D(2023, 6, 1), status=Status.DRAFT)

    assert again.pk and again.status == Status.DRAFT


def test_an_editor_withdraws_their_own_draft_only(client, author, editor, topic, country):
    mine = draft_of(author, topic, country, day=D(2023, 6, 1), status=Status.DRAFT)
    theirs = draft_of(editor, topic, country, day=D(2023, 6, 2), status=Status.DRAFT)
    published = make_position(topic=topic, country=country, valid_from=D(2023, 1, 1))
    signed_in(client, author)

    def delete(position):
        url = reverse("admin:positions_position_delete", args=[position.pk])
        return client.post(url, {"post": "yes"})

    assert delete(theirs).status_code == 403
    assert delete(published).status_code == 403
    assert delete(mine).status_code == 302
    assert set(Position.objects.values_list("pk", flat=True)) == {theirs.pk, published.pk}


def test_withdrawing_is_refused_by_the_service_for_others_and_for_published(
    author, editor, topic, country
):
    from django.core.exceptions import PermissionDenied, ValidationError

    from apps.positions.services import position_withdraw

    theirs = draft_of(editor, topic, country, status=Status.DRAFT)
    published = make_position(topic=topic, country=country, valid_from=D(2023, 1, 1))

    with pytest.raises(PermissionDenied):
        position_withdraw(position=theirs, by=author)
    with pytest.raises(ValidationError):
        position_withdraw(position=published, by=author)
    assert Position.objects.count() == 2


def test_an_import_row_on_a_waiting_positions_day_is_refused(author, topic, country):
    from apps.positions.imports import read_rows, statements_import
    from tests.factories import PersonFactory

    waiting = draft_of(author, topic, country, day=D(2023, 6, 1))
    PersonFactory(slug="kaja")
    body = (
        "source_title,source_published_on,source_kind,source_reliability,text,speaker,said_on,"
        "topics,status,position_topic,position_stance,position_country,position_status\n"
        "A report,2023-06-01,analysis,secondary,Other words.,kaja,2023-06-01,"
        "membership,draft,membership,-2,EE,in_review\n"
    )

    result = statements_import(rows=read_rows(body, "csv"), by=author)

    assert [(e.column, f"position {waiting.pk}" in e.message) for e in result.errors] == [
        ("position_valid_from", True)
    ]
    assert Position.objects.count() == 1


# --- 14: the review page -------------------------------------------------------------------


def review_url(position, revision=None):
    url = reverse("admin:positions_position_review", args=[position.pk])
    return url + (f"?revision={revision.pk}" if revision else "")


def test_the_review_page_compares_with_the_position_in_force(
    client, author, reviewer, topic, country
):
    make_position(topic=topic, country=country, value=0, valid_from=D(2023, 1, 1))
    waiting = draft_of(author, topic, country, value=2, day=D(2023, 7, 1))

    page = signed_in(client, reviewer).get(review_url(waiting)).content.decode()

    assert "What changes against the position in force" in page
    assert "0 Neutral" in page and "+2 Strongly for" in page
    assert "Synthetic words for a test." in page  # the evidence's full words
    assert "Approve and publish" in page and "Send back to the author" in page


def test_approving_publishes_it_and_the_author_cannot(client, author, reviewer, topic, country):
    waiting = draft_of(author, topic, country)

    page = signed_in(client, author).get(review_url(waiting)).content.decode()
    assert "Approve and publish" not in page and "You wrote this" in page

    signed_in(client, reviewer).post(
        review_url(waiting), {"approve": "1", "version": waiting.version}
    )

    waiting.refresh_from_db()
    assert (waiting.status, waiting.reviewed_by) == (Status.PUBLISHED, reviewer)


def test_a_forged_approval_by_the_author_is_refused(client, author, topic, country):
    waiting = draft_of(author, topic, country)

    response = signed_in(client, author).post(review_url(waiting), {"approve": "1"})

    assert response.status_code == 200
    assert "four-eyes" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Status.IN_REVIEW


def test_sending_back_needs_a_note_and_lands_in_the_authors_queue(
    client, author, reviewer, topic, country
):
    waiting = draft_of(author, topic, country)
    signed_in(client, reviewer)

    refused = client.post(review_url(waiting), {"send_back": "1", "note": "  "})
    assert "Say what the author should change." in refused.content.decode()
    client.post(review_url(waiting), {"send_back": "1", "note": "Quote the <b>minister</b>."})

    waiting.refresh_from_db()
    assert (waiting.status, waiting.review_note) == (Status.DRAFT, "Quote the <b>minister</b>.")
    queue = signed_in(client, author).get(reverse("admin:positions_review_queue")).content.decode()
    assert "Sent back to you" in queue and "Quote the &lt;b&gt;minister&lt;/b&gt;." in queue
    position_update(position=waiting, by=author, status=Status.IN_REVIEW)
    waiting.refresh_from_db()
    assert waiting.review_note == ""


def test_a_revision_is_reviewed_on_the_same_page_and_rejected_with_a_note(
    client, author, reviewer, topic, country
):
    published = make_position(topic=topic, country=country, value=0, valid_from=D(2023, 1, 1))
    revision = position_update(
        position=published, by=author, stance=topic.stances.get(value=1)
    ).proposed_revision

    page = signed_in(client, reviewer).get(review_url(published, revision)).content.decode()
    assert "0 Neutral" in page and "+1 For" in page
    client.post(review_url(published, revision), {"send_back": "1", "note": "Not what he said."})

    revision.refresh_from_db()
    assert (revision.status, revision.note) == (RevisionStatus.REJECTED, "Not what he said.")
    queue = signed_in(client, author).get(reverse("admin:positions_review_queue")).content.decode()
    assert "Not what he said." in queue
    assert Revision.objects.count() == 1


def test_the_review_page_is_for_editors(client, author, topic, country):
    from tests.factories import UserFactory

    waiting = draft_of(author, topic, country)

    response = signed_in(client, UserFactory(is_staff=True)).get(review_url(waiting))

    assert response.status_code == 403


@pytest.mark.parametrize("count", [1, 6])
def test_the_review_page_and_queue_queries_do_not_grow(
    client, author, reviewer, topic, country, count, django_assert_max_num_queries
):
    waiting = draft_of(author, topic, country)
    for index in range(count):
        quote = make_quote(text=f"Synthetic words {index}.", country=country, topics=[topic])
        waiting.evidence.add(quote)
        draft_of(author, topic, CountryFactory(), day=D(2023, 7, 1))
    signed_in(client, reviewer)

    with django_assert_max_num_queries(30):
        assert client.get(review_url(waiting)).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("admin:positions_review_queue")).status_code == 200
