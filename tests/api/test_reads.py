"""Every resource is readable by anyone: lists with filters, search, ordering and pages."""

import datetime

import pytest

from apps.core.models import Status
from tests.factories import (
    BlocFactory,
    CountryFactory,
    EventFactory,
    OrganizationFactory,
    PersonFactory,
    RoleFactory,
    SourceFactory,
    TopicFactory,
    make_position,
    make_quote,
)

D = datetime.date


@pytest.fixture
def world(db):
    """Three countries, one bloc, two topics, quotes and positions (one of each a draft)."""
    ee = CountryFactory(code="EE", name="Estonia", nato_joined=D(2004, 3, 29), eu_member=True)
    us = CountryFactory(code="US", name="United States", nato_joined=D(1949, 8, 24))
    ua = CountryFactory(code="UA", name="Ukraine", nato_joined=None)
    nb8 = BlocFactory(slug="nordic-baltic-eight", name="Nordic-Baltic Eight")
    nb8.members.set([ee])
    membership = TopicFactory(slug="membership", name="Membership", order=1)
    guarantees = TopicFactory(slug="guarantees", name="Guarantees", order=2)
    nato = OrganizationFactory(slug="nato", name="NATO")
    fp = OrganizationFactory(slug="foreign-policy", name="Foreign Policy", kind="media", country=us)
    luik = PersonFactory(slug="juri-luik", name="Jüri Luik", country=ee)
    role = RoleFactory(person=luik, title="Permanent Representative", organization=nato)
    source = SourceFactory(title="NATO Has No Good News", publisher=fp, url="https://example.org/a")
    vilnius = EventFactory(slug="vilnius-2023", name="Vilnius Summit", start_date=D(2023, 7, 11))
    deter = make_quote(
        text="Nothing short of full inclusion will deter Putin",
        speaker=luik,
        role=role,
        country=ee,
        source=source,
        topics=[membership],
        said_on=D(2023, 6, 1),
    )
    anon_quote = make_quote(
        text="We simply don't know how the war will end",
        speaker_label="an anonymous diplomat",
        source=source,
        topics=[membership, guarantees],
        said_on=D(2023, 5, 1),
        event=vilnius,
    )
    draft = make_quote(text="Draft words about guarantees", speaker=luik, status=Status.DRAFT)
    ee_membership = make_position(
        topic=membership, country=ee, value=1, valid_from=D(2023, 6, 1), evidence=[deter, draft]
    )
    us_membership = make_position(
        topic=membership, country=us, value=-1, valid_from=D(2023, 6, 1), evidence=[anon_quote]
    )
    draft_position = make_position(
        topic=guarantees,
        country=ee,
        value=2,
        valid_from=D(2023, 6, 1),
        status=Status.DRAFT,
        evidence=[],
    )
    return locals()


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def keys(response, key):
    return [row[key] for row in results(response)]


# --- reference data ---------------------------------------------------------------------------


def test_countries_filter_by_bloc_nato_eu_and_search(anon, world):
    assert keys(anon.get("/api/v1/countries/"), "code") == ["EE", "UA", "US"]
    assert keys(anon.get("/api/v1/countries/?bloc=nordic-baltic-eight"), "code") == ["EE"]
    assert keys(anon.get("/api/v1/countries/?nato=true"), "code") == ["EE", "US"]
    assert keys(anon.get("/api/v1/countries/?nato=false"), "code") == ["UA"]
    assert keys(anon.get("/api/v1/countries/?eu=true"), "code") == ["EE"]
    assert keys(anon.get("/api/v1/countries/?search=unit"), "code") == ["US"]
    assert keys(anon.get("/api/v1/countries/?ordering=nato_joined"), "code") == ["US", "EE", "UA"]


def test_a_country_by_code_with_its_blocs(anon, world):
    response = anon.get("/api/v1/countries/EE/")

    assert response.json() == {
        "code": "EE",
        "name": "Estonia",
        "nato_joined": "2004-03-29",
        "eu_member": True,
        "blocs": ["nordic-baltic-eight"],
    }


def test_blocs_with_members_and_search(anon, world):
    bloc = results(anon.get("/api/v1/blocs/?search=nordic"))[0]
    assert bloc["members"] == [{"code": "EE", "name": "Estonia"}]
    assert keys(anon.get("/api/v1/blocs/?country=US"), "slug") == []
    assert anon.get("/api/v1/blocs/nordic-baltic-eight/").json()["name"] == "Nordic-Baltic Eight"


def test_topics_carry_their_scale(anon, world):
    topic = anon.get("/api/v1/topics/membership/").json()

    assert [s["value"] for s in topic["stances"]] == [2, 1, 0, -1, -2]
    assert set(topic["stances"][0]) == {"value", "label", "definition"}
    assert keys(anon.get("/api/v1/topics/"), "slug") == ["membership", "guarantees"]


# --- editorial data ---------------------------------------------------------------------------


def test_organizations_filter_by_kind_country_and_search(anon, world):
    assert keys(anon.get("/api/v1/organizations/?kind=media"), "slug") == ["foreign-policy"]
    assert keys(anon.get("/api/v1/organizations/?country=US"), "slug") == ["foreign-policy"]
    assert keys(anon.get("/api/v1/organizations/?search=nat"), "slug") == ["nato"]
    assert anon.get("/api/v1/organizations/nato/").json()["country"] is None


def test_people_carry_their_roles(anon, world):
    person = anon.get("/api/v1/people/juri-luik/").json()

    assert person["country"] == {"code": "EE", "name": "Estonia"}
    assert person["roles"][0]["title"] == "Permanent Representative"
    assert person["roles"][0]["organization"] == {"slug": "nato", "name": "NATO"}
    assert "juri-luik" in keys(anon.get("/api/v1/people/?country=EE"), "slug")
    assert keys(anon.get("/api/v1/people/?search=luik"), "slug") == ["juri-luik"]


def test_roles_filter_by_person_organization_and_day(anon, world):
    assert len(results(anon.get("/api/v1/roles/?person=juri-luik"))) == 1
    assert len(results(anon.get("/api/v1/roles/?organization=nato"))) == 1
    assert len(results(anon.get("/api/v1/roles/?held_on=2023-06-01"))) >= 1
    assert results(anon.get("/api/v1/roles/?person=nobody")) == []


def test_events_filter_by_kind_and_dates(anon, world):
    assert keys(anon.get("/api/v1/events/?kind=summit&start_from=2023-07-01"), "slug") == [
        "vilnius-2023"
    ]
    assert keys(anon.get("/api/v1/events/?start_to=2023-01-01"), "slug") == []
    assert anon.get("/api/v1/events/vilnius-2023/").json()["start_date"] == "2023-07-11"


def test_sources_filter_and_carry_their_publisher(anon, world):
    source = results(anon.get("/api/v1/sources/?publisher=foreign-policy"))[0]

    assert source["publisher"] == {"slug": "foreign-policy", "name": "Foreign Policy"}
    assert source["version"] == 1
    assert keys(anon.get("/api/v1/sources/?search=good news"), "title") == ["NATO Has No Good News"]
    assert results(anon.get("/api/v1/sources/?published_from=2024-01-01")) == []
    assert results(anon.get("/api/v1/sources/?kind=transcript")) == []


# --- quotes -----------------------------------------------------------------------------------


def test_a_quote_carries_what_a_client_needs_to_show_it(anon, world):
    quote = anon.get(f"/api/v1/quotes/{world['deter'].pk}/").json()

    assert quote["speaker"] == {"slug": "juri-luik", "name": "Jüri Luik"}
    assert quote["speaker_name"] == "Jüri Luik"
    assert quote["source"] == {
        "id": world["source"].pk,
        "title": "NATO Has No Good News",
        "url": "https://example.org/a",
    }
    assert quote["topics"] == ["membership"]
    assert quote["country"] == {"code": "EE", "name": "Estonia"}
    assert quote["role"]["title"] == "Permanent Representative"
    assert quote["said_display"] == "1 June 2023"


def test_anonymous_clients_see_published_quotes_only(anon, world):
    ids = keys(anon.get("/api/v1/quotes/"), "id")

    assert world["draft"].pk not in ids
    assert anon.get(f"/api/v1/quotes/{world['draft'].pk}/").status_code == 404


def test_readers_see_published_quotes_only_but_editors_see_drafts(
    reader_client, editor_client, world
):
    assert world["draft"].pk not in keys(reader_client.get("/api/v1/quotes/"), "id")
    assert reader_client.get(f"/api/v1/quotes/{world['draft'].pk}/").status_code == 404
    assert world["draft"].pk in keys(editor_client.get("/api/v1/quotes/"), "id")
    assert keys(editor_client.get("/api/v1/quotes/?status=draft"), "id") == [world["draft"].pk]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=deter", ["deter"]),
        ("q=%22the war%22", ["anon_quote"]),
        ("q=putin -inclusion", []),
        ("country=EE", ["deter"]),
        ("speaker=juri-luik", ["deter"]),
        ("topic=guarantees", ["anon_quote"]),
        ("said_from=2023-05-15", ["deter"]),
        ("said_to=2023-05-15", ["anon_quote"]),
        ("language=en", ["deter", "anon_quote"]),
        ("language=fr", []),
        ("anonymous=true", ["anon_quote"]),
        ("anonymous=false", ["deter"]),
        ("event=vilnius-2023", ["anon_quote"]),
        ("year=2023", ["deter", "anon_quote"]),
        ("year=2022", []),
    ],
)
def test_quote_filters(anon, world, query, expected):
    ids = keys(anon.get(f"/api/v1/quotes/?{query}"), "id")

    assert ids == [world[name].pk for name in expected]


@pytest.mark.parametrize(
    "query, message",
    [
        ("speaker=nobody", "Unknown speaker “nobody”."),
        ("event=nowhere", "Unknown event “nowhere”."),
        ("source=999999", "Unknown source “999999”."),
    ],
)
def test_an_unknown_speaker_event_or_source_is_named_not_an_empty_list(anon, world, query, message):
    response = anon.get(f"/api/v1/quotes/?{query}")

    assert response.status_code == 400
    assert response.json() == {query.split("=")[0]: [message]}


def test_quote_source_filter(anon, world):
    ids = keys(anon.get(f"/api/v1/quotes/?source={world['source'].pk}"), "id")

    assert ids == [world["deter"].pk, world["anon_quote"].pk]


def test_quotes_page_by_cursor_newest_first_without_gaps(anon, world):
    source = world["source"]
    made = [
        make_quote(
            text=f"Words {n}", speaker_label="a diplomat", source=source, said_on=D(2023, 1, 1)
        )
        for n in range(5)
    ]
    expected = [world["deter"].pk, world["anon_quote"].pk] + [q.pk for q in reversed(made)]

    seen, url = [], "/api/v1/quotes/?page_size=3"
    while url:
        page = anon.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == expected

    last_page = anon.get("/api/v1/quotes/?page_size=3").json()
    second = anon.get(last_page["next"]).json()
    back = anon.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == expected[:3]


# --- positions --------------------------------------------------------------------------------


def test_a_position_carries_its_holder_stance_and_published_evidence(anon, world):
    position = anon.get(f"/api/v1/positions/{world['ee_membership'].pk}/").json()

    assert position["holder"] == {"type": "country", "code": "EE", "name": "Estonia"}
    assert position["topic"] == "membership"
    assert position["stance"] == {"value": 1, "label": "For"}
    assert [q["id"] for q in position["evidence"]] == [world["deter"].pk]
    assert position["evidence"][0]["source"]["title"] == "NATO Has No Good News"


def test_editors_see_draft_evidence_and_draft_positions(editor_client, anon, world):
    position = editor_client.get(f"/api/v1/positions/{world['ee_membership'].pk}/").json()

    assert {q["id"] for q in position["evidence"]} == {world["deter"].pk, world["draft"].pk}
    assert anon.get(f"/api/v1/positions/{world['draft_position'].pk}/").status_code == 404
    assert editor_client.get(f"/api/v1/positions/{world['draft_position'].pk}/").status_code == 200


@pytest.mark.parametrize(
    "query, expected",
    [
        ("country=EE", ["ee_membership"]),
        ("topic=membership&ordering=-id", ["us_membership", "ee_membership"]),
        ("as_of=2023-05-31", []),
        ("as_of=2023-06-01&country=US", ["us_membership"]),
        ("organization=nato", []),
        ("status=draft", []),
    ],
)
def test_position_filters(anon, world, query, expected):
    ids = keys(anon.get(f"/api/v1/positions/?{query}"), "id")

    assert ids == [world[name].pk for name in expected]


def test_an_organization_holds_positions_too(anon, world):
    held = make_position(
        topic=world["membership"], organization=world["nato"], value=0, evidence=[world["deter"]]
    )

    position = results(anon.get("/api/v1/positions/?organization=nato"))[0]

    assert position["id"] == held.pk
    assert position["holder"] == {"type": "organization", "slug": "nato", "name": "NATO"}
    assert position["country"] is None


# --- pages ------------------------------------------------------------------------------------


def test_small_lists_are_paged_by_number(anon, world):
    first = anon.get("/api/v1/countries/?page_size=2").json()

    assert first["count"] == 3
    assert [c["code"] for c in first["results"]] == ["EE", "UA"]
    second = anon.get(first["next"]).json()
    assert [c["code"] for c in second["results"]] == ["US"]
    assert anon.get("/api/v1/countries/?page=3&page_size=2").status_code == 404


def test_the_root_lists_every_resource(anon, world):
    root = anon.get("/api/v1/").json()

    assert set(root) == {
        "countries",
        "blocs",
        "topics",
        "organizations",
        "people",
        "roles",
        "events",
        "sources",
        "quotes",
        "positions",
        "agreements",
        "clauses",
        "revisions",
        "matrix",
        "compare",
        "changes",
        "consensus",
        "consensus-series",
    }
