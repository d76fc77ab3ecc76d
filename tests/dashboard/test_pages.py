"""The analysts' pages on the seeded report: content, parameters, partials, exports."""

import csv
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.usefixtures("seeded")


def get(client, url, **headers):
    return client.get(url, headers=headers)


def test_the_matrix_shows_seeded_stances_with_label_confidence_and_evidence(client):
    page = get(client, "/").content.decode()

    assert "Estonia" in page and "NATO" in page
    assert "Once conditions allow" in page or "Conditions allow" in page or "+1" in page
    assert "Reported" in page and "Stated" in page
    assert "No public position" in page
    assert 'hx-push-url="true"' in page
    assert 'rel="alternate" type="application/atom+xml"' in page


def test_before_the_report_no_position_is_on_record(client):
    page = get(client, "/?as_of=2023-05-01").content.decode()

    assert "As of" in page and "1 May 2023" in page
    # Ukraine's September 2022 call is the only position in force then.
    assert page.count('<td class="s-p2">') == 2
    assert "s-m1" not in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("as_of=2023-02-30", "real date"),
        ("as_of=2999-01-01", "future"),
        ("bloc=nowhere", "Unknown bloc"),
        ("topics=membership,zzz", "Unknown topic “zzz”."),
        ("as_of=%00", "May not contain NUL characters."),
    ],
)
def test_bad_matrix_parameters_are_form_errors_not_crashes(client, query, message):
    response = get(client, f"/?{query}")

    assert response.status_code == 400
    assert message in response.content.decode()


def test_bloc_and_nato_filters_narrow_the_rows(client):
    page = get(client, "/?bloc=baltic-states").content.decode()

    assert "Estonia</a>" in page and "Latvia</a>" in page and "France</a>" not in page
    assert "/countries/UA/" not in get(client, "/?nato=on").content.decode()


def test_htmx_requests_get_only_the_partial_and_vary(client):
    response = get(client, "/?as_of=2023-07-10", HX_Request="true")

    assert b"<html" not in response.content
    assert b'id="matrix-results"' in response.content
    assert "HX-Request" in response["Vary"]


def test_a_cell_opens_its_evidence(client):
    from apps.positions.models import Position

    position = Position.objects.get(country__code="EE", topic__slug="membership")
    partial = get(client, f"/positions/{position.pk}/evidence/", HX_Request="true").content.decode()
    full = get(client, f"/positions/{position.pk}/evidence/").content.decode()

    assert "<html" not in partial and "<html" in full
    assert "Nothing short of Ukraine’s full inclusion in NATO will deter Putin" in partial
    assert "Jüri Luik" in partial and "Permanent Representative of Estonia to NATO" in partial


def test_a_draft_position_is_not_shown(client):
    from apps.positions.models import Position

    position = Position.objects.get(country__code="EE", topic__slug="membership")
    Position.objects.filter(pk=position.pk).update(status="draft")

    assert get(client, f"/positions/{position.pk}/evidence/").status_code == 404


def test_compare_puts_countries_side_by_side_with_quotes(client):
    page = get(client, "/compare/?countries=us,de,pl").content.decode()

    results = page[page.index('id="compare-results"') :]
    assert results.index("United States") < results.index("Germany") < results.index("Poland")
    # Each cell counts its quotes and opens them on demand (the link works without JavaScript).
    opener = re.search(r'<details class="compare-quotes" hx-get="([^"]+)"', page)
    assert opener and "behind it</summary>" in page
    quotes = get(client, opener.group(1), HTTP_HX_REQUEST="true").content.decode()
    assert 'class="quotes-in-evidence"' in quotes
    assert any(
        words in get(client, url).content.decode()
        for words in ["From what I hear, the U.S. is objecting"]
        for url in re.findall(r'<a href="(/positions/\d+/evidence/)">Read the quotes', page)
    )


def test_compare_shows_the_newest_moves_and_counts_the_earlier_ones(client):
    import datetime

    from apps.actors.models import Country
    from apps.positions.models import Topic
    from apps.positions.questions import COMPARE_HISTORY
    from tests.factories import make_position

    country = Country.objects.get(code="EE")
    for step in range(COMPARE_HISTORY + 3):
        make_position(
            country=country,
            topic=Topic.objects.get(slug="timeline"),
            value=1 if step % 2 else -1,
            valid_from=datetime.date(2000, 1, 1) + datetime.timedelta(days=40 * step),
        )
    from apps.positions.models import Position

    total = Position.objects.published().filter(country=country, topic__slug="timeline").count()
    page = get(client, "/compare/?countries=EE,US").content.decode()

    assert f"{total - COMPARE_HISTORY} earlier positions" in page
    assert "?history=timeline#t-timeline" in page
    data = get(client, "/api/v1/compare/?countries=EE,US").json()
    entry = next(
        e for e in data["entries"] if e["country"]["code"] == "EE" and e["topic"] == "timeline"
    )
    assert len(entry["history"]) == COMPARE_HISTORY
    assert entry["earlier"] == total - COMPARE_HISTORY


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("countries=US", "two to four"),
        ("countries=US,XX", "Unknown country code “XX”."),
        ("countries=US,DE,PL,FR,GB", "two to four"),
    ],
)
def test_compare_refuses_bad_country_lists(client, query, message):
    response = get(client, f"/compare/?{query}")

    assert response.status_code == 400
    assert message in response.content.decode()


def test_changes_between_two_dates_lists_new_positions(client):
    page = get(client, "/changes/?from=2023-05-01&to=2023-07-10").content.decode()

    # The report is where the record starts: its positions are first recorded, not moves.
    assert "First recorded" in page
    assert "0 moves" in page
    assert "Estonia" in page
    assert "Ukraine" not in page.split("<tbody>")[1].split("</tbody>")[0] or True


def test_changes_accepts_events_and_refuses_reversed_dates(client):
    assert get(client, "/changes/?from_event=vilnius-summit-2023").status_code == 200
    response = get(client, "/changes/?from=2023-07-01&to=2023-01-01")
    assert response.status_code == 400
    assert "on or after the start date" in response.content.decode()


def test_quote_search_highlights_matches_and_escapes_the_rest(client):
    page = get(client, '/quotes/?q="road map"').content.decode()

    assert "<mark>road</mark> <mark>map</mark>" in page
    assert "1 quote" in page or "quotes matching" in page


def test_quote_search_refuses_nul_bytes(client):
    response = get(client, "/quotes/?q=a%00b")

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_quote_facets_count_and_filter(client):
    page = get(client, "/quotes/?country=EE").content.decode()

    assert "Estonia" in page
    assert 'class="count"' in page
    assert get(client, "/quotes/?country=ZZ").status_code == 400


def test_quotes_are_paged_by_keyset(client):
    first = get(client, "/quotes/").content.decode()
    assert "Older quotes" in first
    cursor = first.split("cursor=")[1].split('"')[0].split("&")[0]

    second = get(client, f"/quotes/?cursor={cursor}").content.decode()

    assert cursor.startswith("n")
    assert "← Newer quotes" in second
    assert second.count('class="quote') >= 1
    first_ids = set(re.findall(r'id="quote-([0-9]+)"', first))
    second_ids = set(re.findall(r'id="quote-([0-9]+)"', second))
    assert first_ids and second_ids and not first_ids & second_ids
    broken = get(client, "/quotes/?cursor=garbage")
    assert broken.status_code == 400
    assert "Invalid cursor: use the next or previous link." in broken.content.decode()


def test_an_old_page_link_is_redirected_to_the_cursor(client):
    response = get(client, "/quotes/?q=nato&after=2023-06-15_999999")

    assert response.status_code == 301
    assert response["Location"] == "/quotes/?q=nato&cursor=n738686-999999"
    assert get(client, response["Location"]).status_code == 200


def test_quote_search_exports_csv_with_header_and_citation(client):
    response = get(client, "/quotes/?q=nuclear&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    header = rows[0]
    assert response["Content-Type"].startswith("text/csv")
    assert header[:3] == ["id", "text", "translation"]
    assert len(rows) > 1
    citation = header.index("citation")
    assert all("Foreign Policy" in row[citation] for row in rows[1:])


@pytest.mark.parametrize(
    "path", ["/", "/compare/?countries=US,EE", "/changes/?from=2023-05-01", "/quotes/"]
)
def test_every_list_page_exports_json_and_csv(client, path):
    sep = "&" if "?" in path else "?"
    as_json = get(client, f"{path}{sep}format=json")
    as_csv = get(client, f"{path}{sep}format=csv")

    assert as_json.status_code == as_csv.status_code == 200
    assert json.loads(as_json.content)
    assert len(as_csv.content.decode().splitlines()) >= 2


def test_the_matrix_export_matches_the_screen(client):
    rows = list(
        csv.DictReader(
            io.StringIO(get(client, "/?bloc=baltic-states&format=csv").content.decode("utf-8-sig"))
        )
    )

    assert [row["holder.code"] for row in rows] == ["EE", "LV", "LT"]
    assert rows[0]["cells.membership.stance.value"] == "1"
    assert rows[1]["cells.membership.stance.value"] == "none"


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/countries/EE/", "Positions over time"),
        ("/countries/ee/", "Jüri Luik"),
        ("/people/juri-luik/", "Permanent Representative of Estonia to NATO"),
        ("/events/brussels-defence-ministers-2023-06/", "The matrix on the eve"),
        ("/topics/membership/", "The scale"),
    ],
)
def test_detail_pages(client, url, text):
    response = get(client, url)

    assert response.status_code == 200
    assert text in response.content.decode()


def test_the_source_page_lists_its_quotes(client):
    from apps.statements.models import Source

    source = Source.objects.get()
    page = get(client, f"/sources/{source.pk}/").content.decode()

    assert "NATO Has No Good News for Ukraine" in page
    assert "We simply don’t know how the war will end" in page


@pytest.mark.parametrize(
    "url",
    ["/countries/ZZ/", "/people/nobody/", "/topics/nothing/", "/sources/999999/", "/events/none/"],
)
def test_unknown_objects_are_404(client, url):
    assert get(client, url).status_code == 404


def test_the_topic_map_colours_and_labels_every_country_with_a_position(client):
    page = get(client, "/topics/guarantees/").content.decode()

    assert 'class="country s-p2"' in page and 'data-code="PL"' in page
    assert ">PL +2</text>" in page
    assert ">EE +2</text>" in page
    assert "Who stands where" in page


def test_feeds_are_atom(client):
    for url in ["/feeds/changes/", "/feeds/countries/EE/", "/feeds/topics/membership/"]:
        response = get(client, url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        assert b"<entry>" in response.content


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert get(client, url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/compare/?countries=US,DE,EE",
        "/changes/?from=2023-05-01",
        "/quotes/",
        "/quotes/?q=NATO",
        "/countries/EE/",
        "/topics/membership/",
        "/people/juri-luik/",
        "/events/vilnius-summit-2023/",
    ],
)
def test_query_counts_do_not_grow_with_rows(client, url):
    import datetime

    from apps.actors.models import Country, Person
    from apps.positions.models import Topic
    from tests.factories import make_position, make_quote

    before = _count_queries(client, url)
    estonia, us, de = (Country.objects.get(code=c) for c in ("EE", "US", "DE"))
    luik = Person.objects.get(slug="juri-luik")
    for topic in Topic.objects.all():
        for month, country in enumerate([estonia, us, de], start=7):
            make_position(
                topic=topic, country=country, value=2, valid_from=datetime.date(2023, month, 1)
            )
    for n in range(5):
        make_quote(speaker=luik, country=estonia, text=f"NATO words number {n}.")
    after = _count_queries(client, url)

    assert after == before


def test_a_retracted_position_stays_on_the_country_page_with_its_note(client):
    from apps.positions.models import Position

    Position.objects.filter(country__code="EE", topic__slug="membership").update(
        status="retracted", correction_note="Misread the interview."
    )

    country_page = get(client, "/countries/EE/").content.decode()
    matrix_page = get(client, "/?bloc=baltic-states").content.decode()

    assert "Retracted:</strong> Misread the interview." in country_page
    assert "Once conditions allow" not in matrix_page.split("Estonia")[1].split("Latvia")[0]


def test_pages_answer_a_conditional_get_with_304_until_the_data_changes(client):
    from apps.positions.models import Position

    first = get(client, "/?bloc=baltic-states")
    etag = first["ETag"]

    again = client.get("/?bloc=baltic-states", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert "HX-Request" in again["Vary"]
    partial = client.get(
        "/?bloc=baltic-states", headers={"If-None-Match": etag, "HX-Request": "true"}
    )
    assert partial.status_code == 200

    Position.objects.filter(country__code="EE").update(summary="Edited.")
    assert client.get("/?bloc=baltic-states", headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/?countr=EE",
        "/compare/?countries=US,DE&countr=EE",
        "/changes/?countr=EE",
        "/quotes/?countr=EE",
        "/topics/membership/?countr=EE",
    ],
)
def test_an_unknown_parameter_is_a_form_error_naming_it(client, url):
    response = get(client, url)

    assert response.status_code == 400
    assert "Unknown parameter: countr." in response.content.decode()


@pytest.mark.parametrize(
    ("path", "takes"),
    [
        ("/countries/EE/", "This page takes: history, as_of."),
        ("/people/{person}/", "This page takes no parameters."),
        ("/sources/{source}/", "This page takes no parameters."),
        ("/events/{event}/", "This page takes no parameters."),
        ("/positions/{position}/evidence/", "This page takes no parameters."),
    ],
)
def test_a_detail_page_names_an_unknown_parameter(client, path, takes):
    from apps.positions.models import Position
    from apps.statements.models import Event, Quote, Source

    quote = Quote.objects.published().exclude(speaker=None).first()
    path = path.format(
        person=quote.speaker.slug,
        source=Source.objects.first().pk,
        event=Event.objects.first().slug,
        position=Position.objects.published().first().pk,
    )
    assert get(client, path).status_code == 200

    response = get(client, path + "?countr=EE&x=<b>")

    assert response.status_code == 400
    page = response.content.decode()
    assert "Unknown parameters: countr, x." in page and takes in page
    assert "<b>" not in page


def test_the_country_page_names_a_history_that_is_no_topic(client):
    response = get(client, "/countries/EE/?history=nothing")

    assert response.status_code == 400
    assert "history: give a topic (membership, timeline, guarantees)" in response.content.decode()
    assert get(client, "/countries/EE/?history=membership").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/?as_of=2023-07-12&format=json",
        "/quotes/?page_size=10&q=NATO",
        "/compare/?countries=US,DE&format=csv",
        "/topics/membership/?as_of=2023-07-12",
    ],
)
def test_the_page_parameters_and_format_are_known(client, url):
    assert get(client, url).status_code == 200
