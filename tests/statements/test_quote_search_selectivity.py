"""The quote search answers the same whatever the words' selectivity: an absent word, a rare
one, a common one, a phrase and a negation give every match, newest first, page after page in
both directions, with the same count and facets and the same number of queries, whether the
page was found among the newest quotes or read from the full-text index (reading one
quote before it turns to the index sends every search there)."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import Status
from apps.statements import questions
from apps.statements.models import Quote
from apps.statements.questions import QuoteSearchParams, quote_search
from tests.factories import CountryFactory, PersonFactory, SourceFactory, TopicFactory, make_quote

D = datetime.date

# Synthetic words: "door" is common, "zeppelin" rare, "troops" absent.
SEARCHES = ["door", "zeppelin", "troops", '"door open"', "door -zeppelin", "zeppelin or troops"]


@pytest.fixture
def corpus(db):
    """Thirty quotes with a common word over two countries and two topics, two of them with a
    rare word (one of them old), a phrase in one, and a draft with the rare word."""
    ee, us = CountryFactory(code="EE"), CountryFactory(code="US")
    membership, guarantees = TopicFactory(slug="membership"), TopicFactory(slug="guarantees")
    speakers = [PersonFactory(slug=f"speaker-{n}") for n in range(3)]
    source = SourceFactory()
    for n in range(30):
        rare = n in (4, 17)
        make_quote(
            text=f"Synthetic quote {n}: the open door stays open"
            + (" for the zeppelin" if rare else "")
            + (". Keep the door open." if n == 9 else "."),
            speaker=speakers[n % 3],
            country=ee if n % 2 else us,
            topics=[membership] if n % 3 else [membership, guarantees],
            source=source,
            # Some share a day, so that the id breaks the tie; number 17 is old.
            said_on=D(2009, 3, 1) if n == 17 else D(2023, 1, 1) + datetime.timedelta(days=n // 2),
        )
    make_quote(
        text="Synthetic draft about the zeppelin and the door",
        speaker=speakers[0],
        country=ee,
        source=source,
        status=Status.DRAFT,
    )
    return {"ee": ee, "membership": membership}


def cleaned(query: dict) -> dict:
    params = QuoteSearchParams(query)
    assert params.is_valid(), params.errors
    return params.cleaned_data


def expected(query: dict) -> list[int]:
    """Every published match, newest first, asked the plain way."""
    params = cleaned(query)
    found = questions.matching_quotes(params, user=None)
    return list(found.order_by("-said_on", "-id").values_list("pk", flat=True))


@pytest.fixture(params=["newest-first", "full-text index"])
def path(request, monkeypatch):
    if request.param == "full-text index":
        monkeypatch.setattr(questions, "recent_scan", lambda limit: 1)
    return request.param


@pytest.mark.parametrize("text", SEARCHES)
@pytest.mark.parametrize("filters", [{}, {"country": "EE", "topic": "membership"}])
def test_every_match_comes_newest_first_page_after_page_both_ways(corpus, path, text, filters):
    query = {"q": text, **filters}
    want = expected(query)

    seen, cursors, params = [], [], cleaned(query)
    while True:
        result = quote_search(params, user=None, page_size=3)
        seen += [q.pk for q in result.quotes]
        cursors.append(result.previous_cursor)
        if result.next_cursor is None:
            break
        params = cleaned({**query, "cursor": result.next_cursor})
    assert seen == want

    # Back from the last page to the first, by the previous links.
    back, cursor = [], cursors[-1]
    while cursor:
        result = quote_search(cleaned({**query, "cursor": cursor}), user=None, page_size=3)
        back = [q.pk for q in result.quotes] + back
        cursor = result.previous_cursor
    last_page = len(seen) - (len(seen) - 1) % 3 - 1 if seen else 0
    assert back == want[:last_page]


def test_the_searches_cover_absent_rare_and_common_words(corpus):
    counts = {text: len(expected({"q": text})) for text in SEARCHES}
    assert counts == {
        "door": 30,
        "zeppelin": 2,
        "troops": 0,
        '"door open"': 1,
        "door -zeppelin": 28,
        "zeppelin or troops": 2,
    }


def summary(query: dict):
    result = quote_search(cleaned(query), user=None, page_size=3, summary=True)
    return result.total, result.total_capped, result.facet_window, result.facets


@pytest.mark.parametrize("text", SEARCHES)
def test_the_count_and_facets_are_exact_by_either_path(corpus, monkeypatch, text):
    query = {"q": text, "country": "EE"}
    newest_first = summary(query)
    monkeypatch.setattr(questions, "recent_scan", lambda limit: 1)
    from_the_index = summary(query)

    assert from_the_index == newest_first
    total, capped, window, facets = newest_first
    assert (total, capped, window) == (len(expected(query)), False, None)
    assert sum(item["n"] for item in facets["year"]) == total


def test_a_word_beyond_the_summary_scan_is_counted_at_least(corpus, client, monkeypatch):
    monkeypatch.setattr(questions, "SUMMARY_SCAN", 8)

    total, capped, window, facets = summary({"q": "door"})

    # Among the newest eight quotes, all eight match: at least eight, and the facets say so.
    assert (total, capped, window) == (8, True, 8)
    assert sum(item["n"] for item in facets["anonymous"]) == 8
    page = client.get("/quotes/?q=door").content.decode()
    assert "8+ quotes matching" in page
    assert "Counts among the newest 8 matches." in page


@pytest.mark.parametrize("text", ["zeppelin", "door"])
def test_the_words_are_marked_by_either_path(corpus, client, path, text):
    page = client.get("/quotes/", {"q": text}).content.decode()

    assert f"<mark>{text}</mark>" in page


def queries(client, path: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200, path
    return len(captured)


@pytest.mark.parametrize("door", ["/quotes/", "/api/v1/quotes/"])
def test_rare_and_common_words_cost_the_same_queries(corpus, client, monkeypatch, door):
    cursor = f"n{D(2023, 1, 9).toordinal()}-{10**9}"
    paths = [f"{door}?q={text}&country=EE" for text in ("door", "zeppelin", "%22door+open%22")]
    paths += [f"{door}?q=door&country=EE&cursor={cursor}"]
    absent = f"{door}?q=troops&country=EE"
    queries(client, paths[0])  # warm the per-process memos

    counts = {path: queries(client, path) for path in paths}
    monkeypatch.setattr(questions, "recent_scan", lambda limit: 1)
    counts |= {f"{path} (index)": queries(client, path) for path in paths}

    assert len(set(counts.values())) == 1, counts
    # No match: no topics to read for the API's rows, nothing more.
    assert queries(client, absent) <= min(counts.values())


def test_the_page_is_found_among_the_newest_quotes_for_a_common_word(corpus, monkeypatch):
    """Proof that both paths were taken above: reading one quote first, a common word is read
    from the index; by default, from the newest quotes."""
    taken = []
    original = questions._page

    def spy(*args, **kwargs):
        answer = original(*args, **kwargs)
        taken.append(answer[3])
        return answer

    monkeypatch.setattr(questions, "_page", spy)
    quote_search(cleaned({"q": "door"}), user=None, page_size=3)
    quote_search(cleaned({"q": "zeppelin"}), user=None, page_size=3)
    monkeypatch.setattr(questions, "recent_scan", lambda limit: 1)
    quote_search(cleaned({"q": "door"}), user=None, page_size=3)

    assert taken == [False, True, True]


def test_editors_find_a_rare_word_in_a_draft_by_either_path(corpus, monkeypatch):
    from tests.factories import EditorFactory

    editor = EditorFactory()
    newest_first = [q.pk for q in quote_search(cleaned({"q": "zeppelin"}), user=editor).quotes]
    monkeypatch.setattr(questions, "recent_scan", lambda limit: 1)
    from_the_index = [q.pk for q in quote_search(cleaned({"q": "zeppelin"}), user=editor).quotes]

    draft = Quote.objects.get(status=Status.DRAFT).pk
    assert newest_first == from_the_index and draft in newest_first and len(newest_first) == 3


def test_the_result_count_reads_as_before_for_an_exact_count(corpus, client):
    page = client.get("/quotes/?q=zeppelin").content.decode()

    assert re.search(r"2 quotes matching “zeppelin”", page)
    assert "Counts among the newest" not in page


@pytest.mark.parametrize("cap", [1_000, 3])
def test_a_later_page_counts_and_facets_the_same_as_the_first(corpus, monkeypatch, path, cap):
    """The first page of a rare word hands its newest matches to the count and facets; a later
    page counts them afresh."""
    monkeypatch.setattr(questions, "TOTAL_CAP", cap)
    query = {"q": "door", "country": "EE"}
    first = quote_search(cleaned(query), user=None, page_size=3, summary=True)
    later = quote_search(
        cleaned({**query, "cursor": first.next_cursor}), user=None, page_size=3, summary=True
    )

    assert (first.total, first.total_capped, first.facets) == (
        later.total,
        later.total_capped,
        later.facets,
    )
    assert (first.total, first.total_capped) == ((15, False) if cap > 15 else (cap, True))
