"""A phrase is looked up by its word pairs (the indexed search_bigrams), then checked word by
word: the same quotes as checking every quote that holds the words, found from far fewer."""

import pytest
from django.db import connection

from apps.statements.models import Quote
from tests.factories import make_quote

pytestmark = pytest.mark.django_db

TEXTS = {
    "adjacent": "Synthetic words: leaks undermine would erode trust.",
    "apart": "Synthetic words: allies would never undermine the alliance.",
    "stopword": "Synthetic words: leaks undermine the would erode trust.",
    "translated": "Synthetic words in the original.",
}


@pytest.fixture
def quotes():
    found = {name: make_quote(text=text) for name, text in TEXTS.items()}
    found["translated"] = make_quote(
        text="Synthetische Worte.", translation="Synthetic words: leaks undermine would plans."
    )
    return found


def matching(text):
    return set(Quote.objects.search(text).values_list("text", flat=True))


@pytest.mark.parametrize(
    ("query", "pairs"),
    [
        ('"undermine would"', "'undermin_would'"),
        ('"we must undermine would" nato', "'must_undermin' & 'undermin_would'"),
        ('"undermine would" "allies would"', "'alli_would' & 'undermin_would'"),
        ("undermine would", None),  # no phrase
        ('"undermine the would"', None),  # a stop word between: not side by side
        ('"undermine would" or nato', None),  # a match need not hold the pair
        ('-"undermine would"', None),
        ('"nato"', None),  # one word
    ],
)
def test_the_pairs_a_match_must_hold(query, pairs):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsquery_pairs(websearch_to_tsquery('english', %s))::text", [query])
        assert cursor.fetchone()[0] == pairs


def test_a_phrase_finds_the_words_side_by_side_and_nothing_else(quotes):
    assert matching('"undermine would"') == {
        TEXTS["adjacent"],
        "Synthetische Worte.",  # its translation holds the phrase
    }
    # A stop word stands between: PostgreSQL asks for the two words one word apart.
    assert matching('"undermine the would"') == {TEXTS["stopword"]}
    assert matching("undermine would") == {
        TEXTS["adjacent"],
        TEXTS["apart"],
        TEXTS["stopword"],
        "Synthetische Worte.",
    }
    assert matching('-"undermine would" synthetic') == {
        TEXTS["apart"],
        TEXTS["stopword"],
        TEXTS["translated"],
    }


def test_a_phrase_asks_the_pairs_index():
    asked = '"search_bigrams" @@'
    assert asked in str(Quote.objects.search('"undermine would"').values("pk").query)
    assert asked not in str(Quote.objects.search("undermine would").values("pk").query)
