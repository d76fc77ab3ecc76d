"""Issue 19, points 3, 7 and 8, server side: what changed tells the start of coverage from a
move (page, API, feed); the quote search's chosen filters, clearing, count and position; every
CSV download readable in a spreadsheet (byte-order mark, labels, as_of, "none")."""

import csv
import datetime
import io
import re
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.codebook.models import Topic
from apps.core.tables import BOM
from tests.factories import CountryFactory, make_position

pytestmark = pytest.mark.usefixtures("seeded")

ATOM = "{http://www.w3.org/2005/Atom}"
MOVED_FROM, MOVED_ON = datetime.date(2023, 6, 1), datetime.date(2024, 7, 10)


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def moves(db):
    """Synthetic allies on membership: one moves up, one starts being covered, one comes back
    after a time with no position, one's position ends."""
    membership = Topic.objects.get(slug="membership")
    mover = CountryFactory(code="QM", name="Testland Mover")
    starter = CountryFactory(code="QS", name="Testland Starter")
    returner = CountryFactory(code="QR", name="Testland Returner")
    ender = CountryFactory(code="QE", name="Testland Ender")
    make_position(topic=membership, country=mover, value=-1, valid_from=MOVED_FROM)
    make_position(topic=membership, country=mover, value=1, valid_from=MOVED_ON)
    make_position(topic=membership, country=starter, value=2, valid_from=MOVED_ON)
    make_position(
        topic=membership,
        country=returner,
        value=0,
        valid_from=MOVED_FROM,
        valid_to=datetime.date(2023, 9, 1),
    )
    make_position(topic=membership, country=returner, value=1, valid_from=MOVED_ON)
    make_position(
        topic=membership,
        country=ender,
        value=1,
        valid_from=MOVED_FROM,
        valid_to=datetime.date(2024, 3, 1),
    )
    return {"QM": "up", "QS": "first_recorded", "QR": "new", "QE": "ended"}


# --- point 3: first recorded and moves -----------------------------------------------------


def test_the_api_tells_first_recorded_from_moves_and_counts_each(anon, moves):
    answer = anon.get(
        "/api/v1/changes/?from=2024-01-01&to=2024-08-01&topics=membership&countries=QM,QS,QR,QE"
    ).json()

    kinds = {e["holder"]["code"]: (e["kind"], e["direction"]) for e in answer["entries"]}
    assert kinds == {
        "QM": ("up", "up"),
        "QS": ("first_recorded", "new"),  # direction stays as it was, for older clients
        "QR": ("new", "new"),
        "QE": ("ended", "ended"),
    }
    assert answer["counts"] == {"up": 1, "down": 0, "new": 1, "ended": 1, "first_recorded": 1}


def test_the_counts_cover_every_page_of_the_api(anon, moves):
    answer = anon.get(
        "/api/v1/changes/?from=2024-01-01&to=2024-08-01&countries=QM,QS,QR,QE&page_size=1&page=2"
    ).json()

    assert len(answer["entries"]) == 1 and answer["count"] == 4
    assert sum(answer["counts"].values()) == 4


def test_the_report_s_positions_are_first_recorded_not_moves(anon):
    answer = anon.get("/api/v1/changes/?from=2022-12-01&to=2023-07-10").json()

    assert {e["kind"] for e in answer["entries"]} == {"first_recorded"}
    assert answer["counts"]["first_recorded"] == len(answer["entries"]) == 14


def test_the_page_shows_moves_and_first_recorded_apart_with_counts(client, moves):
    page = client.get("/changes/?from=2024-01-01&to=2024-08-01&topics=membership").content.decode()

    moves_table, first_table = page.split('id="moves"')[1].split('id="first-recorded"')
    assert "3 moves" in page and "1 first recorded" in page
    assert "▲ 1 toward Ukraine’s ask" in page and "○ 1 ended" in page
    assert "Testland Mover" in moves_table and "Testland Returner" in moves_table
    assert "Testland Ender" in moves_table
    assert "Testland Starter" not in moves_table
    assert "Testland Starter" in first_table and "◆ First recorded" in first_table


def test_the_page_s_htmx_partial_carries_both_parts(client, moves):
    partial = client.get(
        "/changes/?from=2024-01-01&to=2024-08-01", headers={"HX-Request": "true"}
    ).content.decode()

    assert "<html" not in partial
    assert 'id="moves"' in partial and 'id="first-recorded"' in partial


def test_the_changes_page_costs_the_same_queries_with_more_moves(client, moves):
    def count():
        cache.clear()  # the pages are kept for readers: measure them built
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/changes/?from=2024-01-01&to=2024-08-01").status_code == 200
        return len(queries)

    before = count()
    membership = Topic.objects.get(slug="membership")
    for n in range(5):
        country = CountryFactory(code=f"Q{chr(70 + n)}", name=f"Testland {n}")
        make_position(topic=membership, country=country, value=-1, valid_from=MOVED_FROM)
        make_position(topic=membership, country=country, value=2, valid_from=MOVED_ON)

    assert count() == before


def entries(client, url) -> dict[str, ElementTree.Element]:
    feed = ElementTree.fromstring(client.get(url).content)
    return {e.findtext(f"{ATOM}title"): e for e in feed.iter(f"{ATOM}entry")}


def test_feed_entries_give_the_stance_before_and_after(client, moves):
    found = entries(client, "/feeds/topics/membership/")
    titles = list(found)

    moved = next(t for t in titles if t.startswith("Testland Mover"))
    assert moved == (
        "Testland Mover on Membership: −1 Not now → +1 Once conditions allow, from 10 July 2024"
    )
    summary = found[moved].findtext(f"{ATOM}summary")
    assert summary.startswith("Before: −1 ") and "After: +1 " in summary
    started = next(t for t in titles if t.startswith("Testland Starter"))
    assert "first recorded: +2 " in started
    assert (
        found[started]
        .findtext(f"{ATOM}summary")
        .startswith("Before: none on record (first recorded).")
    )
    returned = next(t for t in titles if t.startswith("Testland Returner on Membership: none →"))
    assert "none since 1 September 2023" in found[returned].findtext(f"{ATOM}summary")


def test_the_seeded_feed_says_where_the_record_starts(client):
    titles = list(entries(client, "/feeds/countries/EE/"))

    assert "Estonia on Membership: first recorded: +1 Once conditions allow, from 1 June 2023" in (
        titles
    )


# --- point 7: the quote search -------------------------------------------------------------


def quotes_page(client, query: str) -> str:
    response = client.get(f"/quotes/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_each_chosen_filter_has_its_own_remove_link(client):
    page = quotes_page(client, "q=%22road+map%22&country=US&year=2023")

    chips = re.findall(r'<li class="chip">.*?</li>', page, re.S)
    assert len(chips) == 3
    country = next(chip for chip in chips if "Country: <strong>United States" in chip)
    # Removing the country keeps the words and the year, and goes back to the first page.
    assert 'href="/quotes/?q=%22road+map%22&amp;year=2023"' in country
    assert "Remove country: United States" in country
    words = next(chip for chip in chips if "Words:" in chip)
    assert 'href="/quotes/?country=US&amp;year=2023"' in words


def test_clearing_the_filters_keeps_the_words_and_clear_all_says_it_clears_them(client):
    page = quotes_page(client, "q=nuclear&country=US&cursor=n738672-30")

    assert '<a href="/quotes/?q=nuclear"' in page
    assert "Clear the filters, keep the words</a>" in page
    assert '<a href="/quotes/">Clear all, words too</a>' in page


def test_a_phrase_in_quotation_marks_is_not_quoted_twice(client):
    page = quotes_page(client, "q=%22road+map%22")

    assert "matching &quot;road map&quot;, newest first" in page
    assert "“&quot;" not in page and "&quot;”" not in page
    assert "matching “nuclear”" in quotes_page(client, "q=nuclear")


def test_a_later_page_says_where_it_stands_and_links_back(client):
    first = quotes_page(client, "")
    cursor = re.search(r'cursor=(n[0-9]+-[0-9]+)" [^>]*rel="next"', first).group(1)

    second = quotes_page(client, f"cursor={cursor}")

    assert "Results 1–20 of 49." in first
    assert "Results 21–40 of 49." in second
    top = second.split('class="pager pager-top"')[1].split("</nav>")[0]
    assert 'rel="prev">← Newer quotes</a>' in top
    assert "⇤ Newest quotes" in top
    back = re.search(r'href="/quotes/\?cursor=(p[0-9]+-[0-9]+)"', top).group(1)
    assert "Results 1–20 of 49." in quotes_page(client, f"cursor={back}")


def test_a_page_beyond_the_counted_window_says_so(client, monkeypatch):
    from apps.statements import questions

    monkeypatch.setattr(questions, "FACET_WINDOW", 10)
    first = quotes_page(client, "")
    cursor = re.search(r'cursor=(n[0-9]+-[0-9]+)" [^>]*rel="next"', first).group(1)

    assert "Results past the newest" in quotes_page(client, f"cursor={cursor}")


def test_the_country_facet_says_whose_country_it_is(client):
    page = quotes_page(client, "q=nato")

    assert "Whose position the words reflect, not the speaker’s country." in page


def test_a_later_page_costs_no_more_queries_than_the_first(client):
    first = quotes_page(client, "")
    cursor = re.search(r'cursor=(n[0-9]+-[0-9]+)" [^>]*rel="next"', first).group(1)

    def count(query):
        cache.clear()  # the pages are kept for readers: measure them built
        with CaptureQueriesContext(connection) as queries:
            quotes_page(client, query)
        return len(queries)

    assert count(f"cursor={cursor}") <= count("")
    assert count(f"q=nato&cursor={cursor}") <= count("q=nato")


# --- point 8: CSV in a spreadsheet --------------------------------------------------------


def rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response.content.startswith(BOM.encode("utf-8"))
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "url",
    [
        "/?as_of=2023-07-10&format=csv",
        "/api/v1/matrix/?as_of=2023-07-10&format=csv",
        "/compare/?countries=EE,TR&as_of=2023-07-10&format=csv",
        "/api/v1/compare/?countries=EE,TR&as_of=2023-07-10&format=csv",
        "/changes/?from=2022-12-01&to=2023-07-10&format=csv",
        "/api/v1/changes/?from=2022-12-01&to=2023-07-10&format=csv",
        "/quotes/?format=csv",
        "/api/v1/quotes/?format=csv",
        "/api/v1/countries/?format=csv",
        "/api/v1/positions/?format=csv",
    ],
)
def test_every_csv_download_starts_with_a_byte_order_mark(client, anon, url):
    response = (anon if url.startswith("/api/") else client).get(url)

    assert response.content[:3] == b"\xef\xbb\xbf"
    assert response.content.count(b"\xef\xbb\xbf") == 1
    assert rows(response)


def test_excel_reads_turkiye_from_the_matrix_csv(client):
    table = rows(client.get("/?as_of=2023-07-10&format=csv"))

    assert "Türkiye" in {row["holder.name"] for row in table}


def test_the_matrix_csv_has_as_of_labels_and_none(client):
    table = rows(client.get("/?as_of=2023-07-10&format=csv"))

    assert list(table[0])[0] == "as_of"
    assert {row["as_of"] for row in table} == {"2023-07-10"}
    estonia = next(row for row in table if row["holder.code"] == "EE")
    assert estonia["cells.membership.conditionality"] == "after_war"
    assert estonia["cells.membership.conditionality_label"] == "After the war"
    turkiye = next(row for row in table if row["holder.code"] == "TR")
    cells = {k: v for k, v in turkiye.items() if k.startswith("cells.membership.")}
    assert cells and set(cells.values()) == {"none"}


def test_the_compare_csv_has_as_of_labels_and_none(anon):
    table = rows(anon.get("/api/v1/compare/?countries=EE,TR&as_of=2023-07-10&format=csv"))

    assert {row["as_of"] for row in table} == {"2023-07-10"}
    estonia = next(r for r in table if r["country.code"] == "EE" and r["topic"] == "membership")
    assert estonia["current.conditionality_label"] == "After the war"
    turkiye = next(r for r in table if r["country.code"] == "TR" and r["topic"] == "membership")
    assert turkiye["current.stance.label"] == "none" and turkiye["current.position"] == "none"


def test_the_positions_csv_has_the_condition_s_label(anon):
    table = rows(anon.get("/api/v1/positions/?country=EE&topic=membership&format=csv"))

    assert (table[0]["conditionality"], table[0]["conditionality_label"]) == (
        "after_war",
        "After the war",
    )


def test_the_changes_csv_has_its_dates_the_kind_and_none_before(anon):
    table = rows(anon.get("/api/v1/changes/?from=2022-12-01&to=2023-07-10&format=csv"))

    assert list(table[0])[:2] == ["from", "to"]
    assert {(r["from"], r["to"]) for r in table} == {("2022-12-01", "2023-07-10")}
    assert {r["kind"] for r in table} == {"first_recorded"}
    assert {r["before"] for r in table} == {"none"}


def test_a_formula_is_still_neutralised_after_the_byte_order_mark(client, anon):
    from tests.factories import make_quote

    make_quote(text="=1+1", speaker_label="a synthetic troll")

    table = rows(anon.get("/api/v1/quotes/?format=csv&anonymous=true&page_size=1000"))
    page = rows(client.get("/quotes/?format=csv&anonymous=true"))

    assert "'=1+1" in {r["text"] for r in table}
    assert "'=1+1" in {r["text"] for r in page}
