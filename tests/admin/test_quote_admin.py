"""Entering quotes through the admin, alone or inline with their source: every rule refused."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Status
from apps.statements.models import Quote, Source
from tests.factories import PersonFactory, RoleFactory, SourceFactory, TopicFactory

QUOTE_ADD_URL = reverse("admin:statements_quote_add")
SOURCE_ADD_URL = reverse("admin:statements_source_add")


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def speaker(db):
    return PersonFactory(name="Jüri Luik")


@pytest.fixture
def source(db):
    return SourceFactory(title="NATO has no good news for Ukraine")


def quote_fields(*, speaker=None, **fields) -> dict:
    """One quote's fields as the form posts them."""
    data = {
        "text": "We simply don't know how the war will end.",
        "translation": "",
        "language": "en",
        "speaker": speaker.pk if speaker else "",
        "speaker_label": "",
        "country": "",
        "role": "",
        "said_on": "2023-06-14",
        "said_precision": "day",
        "channel": "told FP",
        "event": "",
        "topics": [],
        "implied_stance": "",
        "status": Status.DRAFT,
    }
    data.update(fields)
    return data


def quote_payload(*, source, **fields) -> dict:
    return {"source": source.pk, "correction_note": "", **quote_fields(**fields)}


def source_payload(*quotes) -> dict:
    """A source with its inline quotes, management form included."""
    data = {
        "title": "NATO has no good news for Ukraine",
        "publisher": "",
        "author": "",
        "url": "https://foreignpolicy.com/2023/06/15/nato-ukraine/",
        "published_on": "2023-06-15",
        "published_precision": "day",
        "kind": "news_report",
        "reliability": "secondary",
        "language": "en",
        "quotes-TOTAL_FORMS": str(len(quotes)),
        "quotes-INITIAL_FORMS": "0",
        "quotes-MIN_NUM_FORMS": "0",
        "quotes-MAX_NUM_FORMS": "1000",
    }
    for index, fields in enumerate(quotes):
        data[f"quotes-{index}-id"] = ""
        data[f"quotes-{index}-source"] = ""
        data.update({f"quotes-{index}-{name}": value for name, value in fields.items()})
    return data


def form_errors(response) -> dict:
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors


def inline_errors(response) -> list[dict]:
    assert response.status_code == 200, "the form was accepted"
    return response.context["inline_admin_formsets"][0].formset.errors


def test_a_quote_is_recorded_with_its_topics_and_editor(as_editor, editor, source, speaker):
    topic = TopicFactory()

    response = as_editor.post(
        QUOTE_ADD_URL,
        quote_payload(
            source=source,
            speaker=speaker,
            topics=[topic.pk],
            implied_stance=topic.stances.get(value=1).pk,
        ),
    )

    assert response.status_code == 302
    quote = Quote.objects.get()
    assert list(quote.topics.all()) == [topic]
    assert (quote.speaker, quote.created_by, quote.version) == (speaker, editor, 1)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({}, "speaker", "Give the speaker", id="neither-speaker-nor-label"),
        pytest.param({"text": "a\x00b"}, "text", "Null characters are not allowed.", id="nul"),
        pytest.param({"text": ""}, "text", "This field is required.", id="empty-text"),
        pytest.param({"text": "  \n "}, "text", "This field is required.", id="blank-text"),
        pytest.param({"said_on": "2023-06-16"}, "said_on", "after its source", id="after-source"),
    ],
)
def test_a_bad_quote_is_refused_on_its_field(as_editor, source, fields, field, message):
    response = as_editor.post(QUOTE_ADD_URL, quote_payload(source=source, **fields))

    assert message in form_errors(response)[field][0]
    assert not Quote.objects.exists()


def test_a_new_quote_cannot_be_retracted(as_editor, source, speaker):
    response = as_editor.post(
        QUOTE_ADD_URL,
        quote_payload(source=source, speaker=speaker, status=Status.RETRACTED),
    )

    assert form_errors(response)["status"] == ["Only something published can be retracted."]
    assert not Quote.objects.exists()


def test_a_quote_with_both_speaker_and_label_is_refused(as_editor, source, speaker):
    response = as_editor.post(
        QUOTE_ADD_URL, quote_payload(source=source, speaker=speaker, speaker_label="a diplomat")
    )

    errors = form_errors(response)
    assert "not both" in errors["speaker"][0]
    assert "not both" in errors["speaker_label"][0]
    assert not Quote.objects.exists()


def test_a_future_date_is_refused_on_said_on(as_editor, speaker):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    source = SourceFactory(published_on=timezone.localdate(), published_precision="year")

    response = as_editor.post(
        QUOTE_ADD_URL, quote_payload(source=source, speaker=speaker, said_on=tomorrow.isoformat())
    )

    assert form_errors(response)["said_on"] == ["The date cannot be in the future."]
    assert not Quote.objects.exists()


def test_a_role_of_another_person_is_refused_on_role(as_editor, source, speaker):
    role = RoleFactory(person=PersonFactory(name="Someone else"))

    response = as_editor.post(
        QUOTE_ADD_URL, quote_payload(source=source, speaker=speaker, role=role.pk)
    )

    assert form_errors(response)["role"] == ["The role must be one the speaker held."]
    assert not Quote.objects.exists()


def test_an_implied_stance_off_the_quotes_topics_is_refused(as_editor, source, speaker):
    topic, other = TopicFactory(), TopicFactory()

    response = as_editor.post(
        QUOTE_ADD_URL,
        quote_payload(
            source=source,
            speaker=speaker,
            topics=[topic.pk],
            implied_stance=other.stances.get(value=1).pk,
        ),
    )

    assert "one of the quote's topics" in form_errors(response)["implied_stance"][0]
    assert not Quote.objects.exists()


def test_a_change_counts_the_version_and_records_the_editor(as_editor, editor, source, speaker):
    as_editor.post(QUOTE_ADD_URL, quote_payload(source=source, speaker=speaker))
    quote = Quote.objects.get()
    url = reverse("admin:statements_quote_change", args=[quote.pk])

    response = as_editor.post(
        url, quote_payload(source=source, speaker=speaker, status=Status.PUBLISHED)
    )

    assert response.status_code == 302
    quote.refresh_from_db()
    assert (quote.status, quote.version, quote.updated_by) == ("published", 2, editor)


def test_a_source_is_entered_with_all_its_quotes(as_editor, editor, speaker):
    topic = TopicFactory()

    response = as_editor.post(
        SOURCE_ADD_URL,
        source_payload(
            quote_fields(speaker=speaker, topics=[topic.pk]),
            quote_fields(speaker_label="a senior diplomat", text="Nobody wants a fight."),
        ),
    )

    assert response.status_code == 302
    source = Source.objects.get()
    assert source.created_by == editor
    quotes = source.quotes.order_by("id")
    assert [quote.speaker_name for quote in quotes] == ["Jüri Luik", "a senior diplomat"]
    assert [quote.created_by for quote in quotes] == [editor, editor]
    assert list(quotes[0].topics.all()) == [topic]


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        pytest.param({"speaker": ""}, "speaker", "Give the speaker", id="no-speaker"),
        pytest.param({"speaker_label": "a diplomat"}, "speaker", "not both", id="both"),
        pytest.param({"text": "a\x00b"}, "text", "Null characters", id="nul"),
        pytest.param({"text": " "}, "text", "This field is required.", id="blank-text"),
        pytest.param({"said_on": "2023-06-20"}, "said_on", "after its source", id="after-source"),
    ],
)
def test_one_bad_inline_quote_stores_nothing(as_editor, speaker, bad, field, message):
    response = as_editor.post(
        SOURCE_ADD_URL,
        source_payload(quote_fields(speaker=speaker), {**quote_fields(speaker=speaker), **bad}),
    )

    errors = inline_errors(response)
    assert errors[0] == {}
    assert message in errors[1][field][0]
    assert not Source.objects.exists()
    assert not Quote.objects.exists()


def test_an_inline_quote_the_service_refuses_stores_nothing(as_editor, speaker):
    response = as_editor.post(
        SOURCE_ADD_URL,
        source_payload(
            quote_fields(speaker=speaker),
            quote_fields(speaker=speaker, status=Status.RETRACTED),
        ),
    )

    errors = inline_errors(response)
    assert errors[1]["status"] == ["Only something published can be retracted."]
    assert not Source.objects.exists()
    assert not Quote.objects.exists()


def test_an_inline_role_of_another_person_stores_nothing(as_editor, speaker):
    role = RoleFactory(person=PersonFactory(name="Someone else"))

    response = as_editor.post(
        SOURCE_ADD_URL, source_payload(quote_fields(speaker=speaker, role=role.pk))
    )

    assert inline_errors(response)[0]["role"] == ["The role must be one the speaker held."]
    assert not Source.objects.exists()
    assert not Quote.objects.exists()


def test_a_quote_added_to_an_existing_source_is_recorded(as_editor, editor, source, speaker):
    url = reverse("admin:statements_source_change", args=[source.pk])
    data = source_payload(quote_fields(speaker=speaker))
    data.update(title=source.title, published_on=source.published_on.isoformat())

    response = as_editor.post(url, data)

    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.version, source.updated_by) == (2, editor)
    assert source.quotes.get().created_by == editor
