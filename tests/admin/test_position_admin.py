"""Coding a position through the admin: every rule is a field error, and history fits."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Status
from apps.positions.models import Position
from tests.factories import (
    CountryFactory,
    EditorFactory,
    OrganizationFactory,
    TopicFactory,
    make_position,
    make_quote,
)

D = datetime.date
ADD_URL = reverse("admin:positions_position_add")


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def topic(db):
    return TopicFactory(slug="membership", name="Membership")


@pytest.fixture
def country(db):
    return CountryFactory(code="EE", name="Estonia")


@pytest.fixture
def quote(topic, country):
    return make_quote(text="Ukraine belongs in NATO.", country=country, topics=[topic])


def payload(*, topic, value=1, stance=None, country=None, organization=None, evidence=(), **fields):
    """The add form as a browser posts it."""
    data = {
        "country": country.pk if country else "",
        "organization": organization.pk if organization else "",
        "topic": topic.pk,
        "stance": (stance or topic.stances.get(value=value)).pk,
        "conditionality": "none",
        "conditionality_note": "",
        "valid_from": "2023-06-01",
        "valid_to": "",
        "confidence": "stated",
        "summary": "Presses for an invitation at Vilnius.",
        "evidence": [quote.pk for quote in evidence],
        "status": Status.DRAFT,
    }
    data.update(fields)
    return data


def form_errors(response) -> dict:
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors


def history(country, topic):
    return list(
        Position.objects.filter(country=country, topic=topic)
        .order_by("valid_from")
        .values_list("valid_from", "valid_to", "stance__value")
    )


def test_a_position_is_recorded_with_its_evidence_and_editor(
    as_editor, editor, topic, country, quote
):
    response = as_editor.post(
        ADD_URL, payload(topic=topic, country=country, evidence=[quote], status=Status.IN_REVIEW)
    )

    assert response.status_code == 302
    position = Position.objects.get()
    assert list(position.evidence.all()) == [quote]
    assert (position.created_by, position.updated_by, position.version) == (editor, editor, 1)


def test_the_author_cannot_publish_a_new_position(as_editor, topic, country, quote):
    response = as_editor.post(
        ADD_URL, payload(topic=topic, country=country, evidence=[quote], status=Status.PUBLISHED)
    )

    assert "four-eyes" in form_errors(response)["status"][0]
    assert not Position.objects.exists()


def test_another_editor_publishes_and_is_recorded_as_reviewer(
    as_editor, editor, topic, country, quote
):
    # The reviewer publishes what the author wrote, unchanged (changing it in the same save
    # would make the reviewer its last editor: see test_revisions).
    data = payload(topic=topic, country=country, evidence=[quote], correction_note="")
    position = make_position(
        topic=topic,
        country=country,
        by=EditorFactory(),
        status=Status.IN_REVIEW,
        evidence=[quote],
        summary=data["summary"],
    )
    url = reverse("admin:positions_position_change", args=[position.pk])

    response = as_editor.post(url, {**data, "status": Status.PUBLISHED})

    assert response.status_code == 302
    position.refresh_from_db()
    assert (position.status, position.reviewed_by, position.version) == ("published", editor, 2)


def test_a_published_position_is_never_unpublished(as_editor, topic, country, quote):
    position = make_position(topic=topic, country=country, evidence=[quote])
    url = reverse("admin:positions_position_change", args=[position.pk])
    data = payload(topic=topic, country=country, evidence=[quote], correction_note="")

    response = as_editor.post(url, {**data, "status": Status.DRAFT, "summary": "Changed."})

    assert "never unpublished" in form_errors(response)["status"][0]
    position.refresh_from_db()
    assert (position.status, position.summary, position.version) == ("published", "", 1)


def test_a_stance_from_another_topic_is_refused_on_stance(as_editor, topic, country):
    other = TopicFactory(slug="guarantees", name="Guarantees")

    response = as_editor.post(
        ADD_URL, payload(topic=topic, stance=other.stances.get(value=1), country=country)
    )

    assert "is a stance on Guarantees, not on Membership" in form_errors(response)["stance"][0]
    assert not Position.objects.exists()


@pytest.mark.parametrize("holders", ["both", "neither"])
def test_a_position_has_exactly_one_holder(as_editor, topic, country, holders):
    organization = OrganizationFactory() if holders == "both" else None

    response = as_editor.post(
        ADD_URL,
        payload(
            topic=topic,
            country=country if holders == "both" else None,
            organization=organization,
        ),
    )

    errors = form_errors(response)
    for field in ("country", "organization"):
        assert "exactly one" in errors[field][0]
    assert not Position.objects.exists()


@pytest.fixture
def one_editor(settings):
    """A one-editor deployment: the editor publishes directly, into the published history."""
    settings.FOUR_EYES = False


def test_an_explicit_end_that_would_overlap_is_refused_on_valid_to(
    as_editor, topic, country, quote, one_editor
):
    make_position(topic=topic, country=country, valid_from=D(2023, 6, 1))

    response = as_editor.post(
        ADD_URL,
        payload(
            topic=topic,
            country=country,
            valid_from="2023-01-01",
            valid_to="2023-07-01",
            status=Status.PUBLISHED,
            evidence=[quote],
        ),
    )

    assert "would overlap the position from 01 June 2023" in form_errors(response)["valid_to"][0]
    assert Position.objects.count() == 1


def test_an_end_before_the_start_is_refused_on_valid_to(as_editor, topic, country):
    response = as_editor.post(
        ADD_URL,
        payload(topic=topic, country=country, valid_from="2023-06-01", valid_to="2023-05-01"),
    )

    assert "must end after it starts" in form_errors(response)["valid_to"][0]
    assert not Position.objects.exists()


def test_a_second_position_from_the_same_day_is_refused_on_valid_from(
    as_editor, topic, country, quote, one_editor
):
    make_position(topic=topic, country=country, valid_from=D(2023, 6, 1))

    response = as_editor.post(
        ADD_URL,
        payload(
            topic=topic,
            country=country,
            value=-1,
            valid_from="2023-06-01",
            status=Status.PUBLISHED,
            evidence=[quote],
        ),
    )

    assert "already has a position on Membership" in form_errors(response)["valid_from"][0]
    assert Position.objects.count() == 1


def test_a_future_start_is_refused_on_valid_from(as_editor, topic, country):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = as_editor.post(
        ADD_URL, payload(topic=topic, country=country, valid_from=tomorrow.isoformat())
    )

    assert form_errors(response)["valid_from"] == ["The date cannot be in the future."]
    assert not Position.objects.exists()


def test_a_published_position_without_evidence_is_refused_on_evidence(as_editor, topic, country):
    response = as_editor.post(
        ADD_URL, payload(topic=topic, country=country, status=Status.PUBLISHED)
    )

    assert "at least one evidence quote" in form_errors(response)["evidence"][0]
    assert not Position.objects.exists()


def test_positions_entered_out_of_order_fit_into_history(
    as_editor, topic, country, quote, one_editor
):
    def add(valid_from, value):
        response = as_editor.post(
            ADD_URL,
            payload(
                topic=topic,
                country=country,
                value=value,
                valid_from=valid_from,
                status=Status.PUBLISHED,
                evidence=[quote],
            ),
        )
        assert response.status_code == 302, response.context["adminform"].form.errors

    add("2023-06-01", 1)
    add("2023-01-01", 0)
    assert history(country, topic) == [(D(2023, 1, 1), D(2023, 6, 1), 0), (D(2023, 6, 1), None, 1)]

    add("2023-09-01", 2)
    assert history(country, topic) == [
        (D(2023, 1, 1), D(2023, 6, 1), 0),
        (D(2023, 6, 1), D(2023, 9, 1), 1),
        (D(2023, 9, 1), None, 2),
    ]


def test_a_change_goes_through_the_rules_and_counts_the_version(
    as_editor, editor, topic, country, quote
):
    author = EditorFactory()
    position = make_position(
        topic=topic, country=country, by=author, status=Status.DRAFT, evidence=[]
    )
    url = reverse("admin:positions_position_change", args=[position.pk])
    data = payload(topic=topic, country=country, correction_note="")

    refused = as_editor.post(url, {**data, "status": Status.PUBLISHED})
    assert "at least one evidence quote" in form_errors(refused)["evidence"][0]

    # Rewriting the draft and publishing it in the same save would make the publisher its
    # last editor: refused (four eyes); the rewrite is saved, and another editor publishes.
    rewrite_and_publish = {**data, "status": Status.PUBLISHED, "evidence": [quote.pk]}
    assert "four-eyes" in form_errors(as_editor.post(url, rewrite_and_publish))["status"][0]
    response = as_editor.post(url, {**data, "evidence": [quote.pk]})

    assert response.status_code == 302
    position.refresh_from_db()
    assert (position.status, position.version, position.created_by, position.updated_by) == (
        "draft",
        2,
        author,
        editor,
    )
    as_editor.force_login(EditorFactory())
    assert as_editor.post(url, {**rewrite_and_publish, "loaded_version": 2}).status_code == 302
    position.refresh_from_db()
    assert (position.status, position.version) == ("published", 3)
    assert list(position.evidence.all()) == [quote]


def test_the_add_page_shows_every_scale_with_definitions_escaped(as_editor, topic):
    topic.stances.filter(value=2).update(label="Invite now", definition="Presses <b>x</b> hard.")
    TopicFactory(slug="timeline", name="Timeline")

    page = as_editor.get(ADD_URL).content.decode()

    assert "<caption>Membership</caption>" in page
    assert "<caption>Timeline</caption>" in page
    assert "Invite now" in page
    assert "Presses &lt;b&gt;x&lt;/b&gt; hard." in page
    assert "<b>x</b>" not in page
    assert "Sceptical on Timeline." in page


def test_the_stance_choices_name_their_topic_once(as_editor, topic):
    page = as_editor.get(ADD_URL).content.decode()

    # The topic names the group; each stance is its value and label (issue 19, point 12).
    assert '<optgroup label="Membership">' in page
    assert f'data-topic="{topic.pk}"' in page and ">+2 Strongly for</option>" in page
    assert "Membership: +2" not in page
