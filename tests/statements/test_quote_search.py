"""The quote search is one question with two doors: the page `/quotes/` and the API
`/api/v1/quotes/` take the same parameters (QuoteSearchParams), ask the same query
(quote_search) and download the same answer (quote_as_dict, the one CSV writer)."""

import csv
import datetime
import io
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.api import reads
from apps.api.serializers import QuoteSerializer
from apps.core.models import Status
from apps.statements.models import Quote
from apps.statements.questions import (
    PAGE_SIZE_MAX,
    QuoteSearchParams,
    quote_as_dict,
    quote_search,
)
from tests.factories import (
    CountryFactory,
    EditorFactory,
    EventFactory,
    OrganizationFactory,
    PersonFactory,
    RoleFactory,
    SourceFactory,
    TopicFactory,
    UserFactory,
    make_quote,
)

D = datetime.date
TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


@pytest.fixture
def desk(db):
    """Two countries, two topics, a named and an anonymous speaker, a draft, an event, and a
    quote whose words begin like a spreadsheet formula."""
    ee = CountryFactory(code="EE", name="Estonia")
    us = CountryFactory(code="US", name="United States")
    membership = TopicFactory(slug="membership", name="Membership", order=1)
    guarantees = TopicFactory(slug="guarantees", name="Guarantees", order=2)
    luik = PersonFactory(slug="juri-luik", name="Jüri Luik", country=ee)
    nato = OrganizationFactory(slug="nato", name="NATO")
    role = RoleFactory(person=luik, title="Permanent Representative", organization=nato)
    fp = OrganizationFactory(slug="foreign-policy", name="Foreign Policy", kind="media")
    source = SourceFactory(title="NATO Has No Good News", publisher=fp, url="https://example.org/a")
    vilnius = EventFactory(slug="vilnius-2023", name="Vilnius Summit", start_date=D(2023, 7, 11))
    deter = make_quote(
        text="Nothing short of full inclusion will deter Putin",
        speaker=luik,
        role=role,
        country=ee,
        source=source,
        topics=[guarantees, membership],
        implied_stance=membership.stances.get(value=2),
        said_on=D(2023, 6, 1),
    )
    anonymous = make_quote(
        text="We simply don't know how the war will end",
        speaker_label="an anonymous diplomat",
        country=us,
        source=source,
        topics=[membership],
        said_on=D(2023, 5, 1),
        event=vilnius,
        language="en",
    )
    formula = make_quote(
        text='=HYPERLINK("https://example.org/x","click")',
        speaker=luik,
        country=ee,
        source=source,
        said_on=D(2022, 3, 1),
    )
    draft = make_quote(
        text="Draft words about guarantees", speaker=luik, source=source, status=Status.DRAFT
    )
    return {
        "ee": ee,
        "membership": membership,
        "luik": luik,
        "source": source,
        "vilnius": vilnius,
        "deter": deter,
        "anonymous": anonymous,
        "formula": formula,
        "draft": draft,
    }


def ids(page) -> list[int]:
    return [row["id"] for row in page["results"]]


def cleaned(query: dict) -> dict:
    params = QuoteSearchParams(query)
    assert params.is_valid(), params.errors
    return params.cleaned_data


# --- one parameter class ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("country", "ZZ", "Unknown country code “ZZ”."),
        ("topic", "nope", "Unknown topic “nope”."),
        ("speaker", "nobody", "Unknown speaker “nobody”."),
        ("speaker", "juri-luik\n", "Unknown speaker “juri-luik\n”."),
        ("event", "nowhere", "Unknown event “nowhere”."),
        ("source", "abc", "Unknown source “abc”."),
        ("source", "0", "Unknown source “0”."),
        ("source", "99999999999999999999", "Unknown source “99999999999999999999”."),
        ("said_from", "2023-02-30", "Give a real date as YYYY-MM-DD, e.g. 2023-07-10."),
        ("said_to", "01/06/2023", "Give a real date as YYYY-MM-DD, e.g. 2023-07-10."),
        ("said_from", "1899-12-31", "Dates start in 1900."),
        ("year", "1899", "Give a whole number from 1900 to 2100."),
        ("year", "20x3", "Give a whole number from 1900 to 2100."),
        ("language", "EN", "Use an ISO 639 language code, e.g. en."),
        ("language", "en\n", "Use an ISO 639 language code, e.g. en."),
        ("anonymous", "yes", "Use true or false."),
        ("status", "gone", "Use one of: draft, in_review, published, retracted."),
        ("cursor", "2023-06-15_12", "Invalid cursor: use the next or previous link."),
        ("cursor", "n0-1", "Invalid cursor: use the next or previous link."),
        ("page_size", "0", f"Give a whole number from 1 to {PAGE_SIZE_MAX}."),
        ("page_size", str(PAGE_SIZE_MAX + 1), f"Give a whole number from 1 to {PAGE_SIZE_MAX}."),
        ("q", "x" * 501, "At most 500 characters."),
        ("q", "a\x00b", "May not contain NUL characters."),
    ],
)
def test_a_bad_value_gets_the_same_message_at_both_doors(client, desk, name, value, message):
    params = QuoteSearchParams({name: value})
    api = APIClient().get("/api/v1/quotes/", {name: value})
    page = client.get("/quotes/", {name: value})

    assert not params.is_valid()
    assert params.error_dict() == {name: [message]}
    assert api.status_code == 400
    assert api.json() == {name: [message]}
    assert page.status_code == 400
    assert message.replace("\n", "") in page.content.decode().replace("\n", "")


def test_said_to_may_not_come_before_said_from(desk):
    params = QuoteSearchParams({"said_from": "2023-06-01", "said_to": "2023-05-01"})

    assert not params.is_valid()
    assert params.error_dict() == {"said_to": ["Give a day on or after said_from."]}


def test_a_search_bound_may_lie_in_the_future(desk):
    page = APIClient().get("/api/v1/quotes/", {"said_to": TOMORROW}).json()

    assert desk["deter"].pk in ids(page)


def test_every_filter_works_at_both_doors(client, desk):
    """The page's filters are the API's, and the page's old `year` works in the API."""
    cases = {
        "q=deter": ["deter"],
        "country=EE": ["deter", "formula"],
        "topic=guarantees": ["deter"],
        "speaker=juri-luik": ["deter", "formula"],
        f"source={desk['source'].pk}": ["deter", "anonymous", "formula"],
        "event=vilnius-2023": ["anonymous"],
        "said_from=2023-05-15": ["deter"],
        "said_to=2023-05-15": ["anonymous", "formula"],
        "year=2022": ["formula"],
        "language=en": ["deter", "anonymous", "formula"],
        "language=fr": [],
        "anonymous=true": ["anonymous"],
        "anonymous=false": ["deter", "formula"],
        "status=draft": [],
    }
    api = APIClient()
    for query, names in cases.items():
        expected = [desk[name].pk for name in names]
        assert ids(api.get(f"/api/v1/quotes/?{query}").json()) == expected, query
        assert ids(json.loads(client.get(f"/quotes/?{query}&format=json").content)) == expected


# --- one query -------------------------------------------------------------------------------


def test_drafts_are_for_those_who_may_change_quotes(desk):
    editor, reader = EditorFactory(), UserFactory()

    assert desk["draft"] not in Quote.objects.visible_to(None)
    assert desk["draft"] not in Quote.objects.visible_to(reader)
    assert desk["draft"] in Quote.objects.visible_to(editor)
    found = quote_search({"status": Status.DRAFT}, user=editor)
    assert [q.pk for q in found.quotes] == [desk["draft"].pk]
    assert quote_search({"status": Status.DRAFT}, user=reader).quotes == []


def test_a_summary_counts_the_matches_and_their_facets(desk):
    result = quote_search({"q": "", "country": desk["ee"]}, user=None, summary=True)

    assert result.total == 2 and not result.total_capped and result.facet_window is None
    assert result.facets["speaker"] == [
        {"speaker__slug": "juri-luik", "speaker__name": "Jüri Luik", "n": 2}
    ]
    assert result.facets["year"] == [{"year": 2023, "n": 1}, {"year": 2022, "n": 1}]
    assert result.facets["anonymous"] == [{"anonymous": False, "n": 2}]
    assert result.facets["topic"] == [
        {"topics__slug": "guarantees", "topics__name": "Guarantees", "n": 1},
        {"topics__slug": "membership", "topics__name": "Membership", "n": 1},
    ]


def test_pages_go_back_and_forth_without_gaps(desk):
    source = desk["source"]
    made = [
        make_quote(
            text=f"Words {n}", speaker_label="a diplomat", source=source, said_on=D(2021, 1, 1)
        )
        for n in range(4)
    ]
    everything = [desk[n].pk for n in ("deter", "anonymous", "formula")] + [
        q.pk for q in reversed(made)
    ]

    seen, params = [], {}
    pages = []
    while True:
        result = quote_search(params, user=None, page_size=3)
        pages.append(result)
        seen += [q.pk for q in result.quotes]
        if result.next_cursor is None:
            break
        params = cleaned({"cursor": result.next_cursor})
    assert seen == everything
    back = quote_search(cleaned({"cursor": pages[1].previous_cursor}), user=None, page_size=3)
    assert [q.pk for q in back.quotes] == everything[:3]
    assert back.previous_cursor is None


def test_a_cursor_past_the_end_leads_back_to_the_first_page(desk):
    oldest = desk["formula"]
    result = quote_search(
        cleaned({"cursor": f"n{oldest.said_on.toordinal()}-{oldest.pk}"}), user=None
    )

    assert result.quotes == [] and result.next_cursor is None
    assert result.previous_cursor == ""
    assert result.as_dict("http://testserver/api/v1/quotes/?cursor=x&q=a")["previous"] == (
        "http://testserver/api/v1/quotes/?q=a"
    )


# --- one result shape ------------------------------------------------------------------------


def test_a_quote_reads_as_the_api_always_wrote_it(desk):
    for name in ("deter", "anonymous"):
        quote = reads.quotes(None).get(pk=desk[name].pk)  # as the API reads one
        serialized = json.loads(json.dumps(QuoteSerializer(quote).data))

        assert quote_as_dict(quote) == serialized
    assert quote_as_dict(quote)["topics"] == ["membership"]


def test_the_page_downloads_the_apis_answer_for_the_same_query(client, desk):
    for query in [
        "",
        "q=putin&country=EE",
        "speaker=juri-luik&page_size=1",
        f"page_size=1&cursor=n{desk['deter'].said_on.toordinal()}-{desk['deter'].pk}",
        "anonymous=false&year=2023&said_from=2023-01-01&language=en",
    ]:
        for fmt in ("json", "csv"):
            address = f"?{query}&format={fmt}" if query else f"?format={fmt}"
            page = client.get(f"/quotes/{address}")
            api = APIClient().get(f"/api/v1/quotes/{address}")

            assert page.status_code == api.status_code == 200, address
            assert page["Content-Disposition"] == f'attachment; filename="quotes.{fmt}"'
            if fmt == "json":
                assert json.loads(page.content) == api.json(), address
            else:
                assert page.content.decode() == api.content.decode(), address


def test_the_page_json_pages_on_through_the_api(client, desk):
    first = json.loads(client.get("/quotes/?page_size=1&format=json").content)
    second = APIClient().get(first["next"]).json()

    assert first["next"].startswith("http://testserver/api/v1/quotes/?")
    assert first["previous"] is None
    assert ids(first) == [desk["deter"].pk]
    assert ids(second) == [desk["anonymous"].pk]
    assert ids(APIClient().get(second["previous"]).json()) == [desk["deter"].pk]


def test_a_formula_arrives_neutralised_in_the_page_csv(client, desk):
    response = client.get("/quotes/?speaker=juri-luik&format=csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

    texts = {row["id"]: row["text"] for row in rows}
    assert texts[str(desk["formula"].pk)] == '\'=HYPERLINK("https://example.org/x","click")'
    assert texts[str(desk["deter"].pk)] == "Nothing short of full inclusion will deter Putin"
    assert rows[0]["topics"] == "membership; guarantees"  # in display order


def test_a_download_link_holds_the_newest_matches_in_one_file(client, desk):
    page = client.get("/quotes/?country=EE&cursor=n999999-1").content.decode()

    assert f"?country=EE&amp;page_size={PAGE_SIZE_MAX}&amp;format=csv" in page
    assert "cursor=" not in page.split('class="downloads"')[1]


# --- the page's door -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new",
    [
        ("after=2023-06-15_12", f"cursor=n{D(2023, 6, 15).toordinal()}-12"),
        ("q=nato&after=2023-06-15_12", f"q=nato&cursor=n{D(2023, 6, 15).toordinal()}-12"),
        ("after=garbage", "cursor=garbage"),
        ("after=", ""),
        ("country=ee", "country=EE"),
        ("anonymous=1", "anonymous=true"),
        ("anonymous=False", "anonymous=false"),
    ],
)
def test_old_page_addresses_are_redirected_to_the_current_spelling(client, desk, old, new):
    response = client.get(f"/quotes/?{old}")

    assert response.status_code == 301
    assert response["Location"] == f"/quotes/?{new}"


def test_a_redirected_old_cursor_still_pages(client, desk):
    deter = desk["deter"]
    response = client.get(f"/quotes/?after={deter.said_on.isoformat()}_{deter.pk}", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[0][1] == 301
    page = response.content.decode()
    assert f'id="quote-{desk["anonymous"].pk}"' in page
    assert f'id="quote-{deter.pk}"' not in page


def test_the_form_offers_countries_by_name_and_keeps_the_address(client, desk):
    page = client.get("/quotes/?country=EE&topic=membership&speaker=juri-luik").content.decode()

    assert '<option value="EE" selected>Estonia</option>' in page
    assert '<option value="US">United States</option>' in page
    assert '<option value="membership" selected>Membership</option>' in page
    assert 'name="speaker" value="juri-luik"' in page
    assert "Jüri Luik" in page
    assert 'method="get" action="/quotes/"' in page
    assert 'hx-get="/quotes/"' in page and 'hx-push-url="true"' in page


def test_a_bad_value_is_shown_beside_its_field_with_the_form_kept(client, desk):
    response = client.get("/quotes/?speaker=nobody&q=deter")
    page = response.content.decode()

    assert response.status_code == 400
    assert 'name="q" value="deter"' in page
    field = page.split('name="speaker"')[1].split("</div>")[0]
    tag = field.split(">")[0]
    assert 'aria-invalid="true"' in tag and "id_speaker_error" in tag
    assert 'id="id_speaker_error"' in field and "Unknown speaker “nobody”." in field


def test_pages_link_older_and_newer(client, desk):
    first = client.get("/quotes/?page_size=1").content.decode()
    older = first.split("Older quotes")[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get(older.replace("&amp;", "&")).content.decode()
    newer = second.split("← Newer quotes")[0].rsplit('href="', 1)[1].split('"')[0]
    again = client.get(newer.replace("&amp;", "&")).content.decode()

    assert "Newer quotes" not in first
    assert f'id="quote-{desk["anonymous"].pk}"' in second
    assert f'id="quote-{desk["deter"].pk}"' in again and "Newer quotes" not in again


def test_editors_see_drafts_marked_and_may_ask_for_them(client, desk):
    anonymous_page = client.get("/quotes/").content.decode()
    client.force_login(EditorFactory())
    editor_page = client.get("/quotes/?status=draft").content.decode()

    assert "Draft words" not in anonymous_page and 'name="status"' not in anonymous_page
    assert "Draft words" in editor_page and '<span class="tag">Draft</span>' in editor_page
    assert 'name="status"' in editor_page


def test_no_cache_keeps_a_page_that_may_hold_drafts(client, desk):
    assert client.get("/quotes/")["Cache-Control"] == "no-cache"
    client.force_login(EditorFactory())

    assert client.get("/quotes/")["Cache-Control"] == "private, no-store"
    assert client.get("/quotes/?format=json")["Cache-Control"] == "private, no-store"


# --- a fixed number of queries ---------------------------------------------------------------


def grow(desk, n: int, start: int) -> None:
    for i in range(start, start + n):
        make_quote(
            text=f"Estonia would deter Putin, number {i}",
            speaker=desk["luik"],
            country=desk["ee"],
            source=desk["source"],
            event=desk["vilnius"],
            topics=[desk["membership"]],
            said_on=D(2023, 1, 1) + datetime.timedelta(days=i),
        )
        make_quote(speaker_label="a diplomat", country=desk["ee"], topics=[desk["membership"]])


PAGE_QUERIES = [
    "/quotes/",
    "/quotes/?q=putin&country=EE&topic=membership",
    "/quotes/?speaker=juri-luik&event=vilnius-2023&said_from=2020-01-01&anonymous=false",
    "/quotes/?q=deter&format=csv",
    "/quotes/?format=json&page_size=5",
]
API_QUERIES = [
    "/api/v1/quotes/",
    "/api/v1/quotes/?q=putin&country=EE&topic=membership",
    "/api/v1/quotes/?speaker=juri-luik&event=vilnius-2023&said_from=2020-01-01",
    "/api/v1/quotes/?page_size=5&format=csv",
]


def _queries(client, path) -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200, path
    return len(captured)


@pytest.mark.parametrize("path", PAGE_QUERIES + API_QUERIES)
def test_the_query_count_does_not_grow_with_the_matches(
    client, desk, django_assert_num_queries, path
):
    from django.core.cache import cache

    grow(desk, 2, start=0)
    client.get(path)  # warm the per-process memos (content types, the data version's plan)
    few = _queries(client, path)
    grow(desk, 30, start=2)

    cache.clear()
    with django_assert_num_queries(few):
        response = client.get(path)
    assert response.status_code == 200
    assert few <= 8, f"{path}: {few} queries"


def test_the_api_schema_lists_every_parameter_of_the_search(desk):
    schema = APIClient().get("/api/schema/?format=json").json()
    parameters = {
        p["name"]: p["schema"]
        for p in schema["paths"]["/api/v1/quotes/"]["get"]["parameters"]
        if p["in"] == "query"
    }

    assert set(QuoteSearchParams.base_fields) <= set(parameters)
    assert parameters["year"] == {"type": "integer", "minimum": 1900, "maximum": 2100}
    assert parameters["page_size"]["maximum"] == PAGE_SIZE_MAX
    assert parameters["source"]["type"] == "integer"
    assert parameters["status"]["enum"] == ["draft", "in_review", "published", "retracted"]
    assert parameters["cursor"]["pattern"].startswith("^([np])")
    assert parameters["said_from"]["format"] == "date"
    assert parameters["anonymous"]["type"] == "boolean"
    response = schema["paths"]["/api/v1/quotes/"]["get"]["responses"]["200"]
    reference = response["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert page["required"] == ["next", "previous", "results"]
