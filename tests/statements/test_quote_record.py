"""quote_record and source_record keep the quote rules, all or nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.statements.models import Quote, Source
from apps.statements.services import quote_record, source_record
from tests.factories import PersonFactory, RoleFactory, SourceFactory, TopicFactory, make_quote

D = datetime.date


def test_a_quote_with_a_speaker_is_recorded_with_its_topics(db, editor):
    topic = TopicFactory()
    quote = make_quote(topics=[topic], by=editor)

    assert list(quote.topics.all()) == [topic]
    assert quote.created_by == editor


def test_an_anonymous_quote_has_a_speaker_label(db):
    quote = make_quote(speaker_label="a senior diplomat")

    assert quote.speaker_name == "a senior diplomat"


@pytest.mark.parametrize(
    ("speaker", "label"), [(False, ""), (True, "a senior diplomat")], ids=["neither", "both"]
)
def test_a_quote_needs_a_speaker_or_a_label_not_both(db, speaker, label):
    with pytest.raises(ValidationError) as error:
        quote_record(
            source=SourceFactory(),
            text="Words.",
            said_on=D(2023, 6, 1),
            speaker=PersonFactory() if speaker else None,
            speaker_label=label,
        )

    assert "speaker" in error.value.message_dict
    assert not Quote.objects.exists()


def test_the_database_refuses_a_quote_with_neither_speaker_nor_label(db):
    with pytest.raises(IntegrityError, match="quote_speaker_or_label"):
        with transaction.atomic():
            Quote.objects.create(source=SourceFactory(), text="Words.", said_on=D(2023, 6, 1))


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "cannot be blank"), ("   ", "blank"), ("a\x00b", "NUL"), ("x" * 20_001, "at most")],
    ids=["empty", "whitespace", "nul", "too-long"],
)
def test_bad_text_is_refused(db, text, message):
    with pytest.raises(ValidationError) as error:
        make_quote(text=text)

    assert message in " ".join(error.value.message_dict["text"])
    assert not Quote.objects.exists()


def test_a_future_date_is_refused(db):
    with pytest.raises(ValidationError) as error:
        make_quote(said_on=datetime.date.today() + datetime.timedelta(days=1))

    assert "future" in error.value.message_dict["said_on"][0]


def test_the_role_must_be_the_speakers(db):
    with pytest.raises(ValidationError) as error:
        make_quote(speaker=PersonFactory(), role=RoleFactory())

    assert "role" in error.value.message_dict


def test_the_implied_stance_must_be_on_one_of_the_quotes_topics(db):
    membership, timeline = TopicFactory(), TopicFactory()

    with pytest.raises(ValidationError) as error:
        make_quote(topics=[membership], implied_stance=timeline.stances.get(value=1))

    assert "implied_stance" in error.value.message_dict


def test_a_source_and_its_quotes_are_stored_all_or_nothing(db):
    speaker = PersonFactory()
    good = {"text": "Good words.", "said_on": D(2023, 6, 1), "speaker": speaker}
    bad = {"text": "Bad words.", "said_on": D(2023, 6, 1)}

    with pytest.raises(ValidationError) as error:
        source_record(
            title="A report",
            published_on=D(2023, 6, 15),
            kind="news_report",
            reliability="secondary",
            quotes=[good, bad],
        )

    assert "quotes[1].speaker" in error.value.message_dict
    assert not Source.objects.exists()
    assert not Quote.objects.exists()
