"""matrix/ and changes/ on the seeded report, at several dates."""

import datetime

import pytest
from django.utils import timezone

from tests.api.conftest import token_client
from tests.factories import EditorFactory

NULL_ROW = {"membership": None, "timeline": None, "guarantees": None}


def stances(row):
    return {slug: cell and cell["stance"]["value"] for slug, cell in row["cells"].items()}


def by_holder(matrix):
    return {row["holder"].get("code") or row["holder"]["slug"]: row for row in matrix["rows"]}


def test_the_matrix_before_any_statement_has_every_country_and_no_stance(anon, seeded):
    matrix = anon.get("/api/v1/matrix/?as_of=2022-01-01").json()

    assert matrix["as_of"] == "2022-01-01"
    assert [t["slug"] for t in matrix["topics"]] == ["membership", "timeline", "guarantees"]
    assert len(matrix["rows"]) == 33  # 31 allies, Sweden and Ukraine; NATO holds nothing yet
    assert all(row["holder"]["type"] == "country" for row in matrix["rows"])
    assert all(stances(row) == NULL_ROW for row in matrix["rows"])


def test_the_matrix_after_ukraines_application(anon, seeded):
    rows = by_holder(anon.get("/api/v1/matrix/?as_of=2022-12-01").json())

    assert stances(rows["UA"]) == {"membership": 2, "timeline": 2, "guarantees": None}
    assert stances(rows["EE"]) == NULL_ROW


def test_the_matrix_on_the_eve_of_vilnius(anon, seeded):
    matrix = anon.get("/api/v1/matrix/?as_of=2023-07-10").json()
    rows = by_holder(matrix)

    assert matrix["rows"][0]["holder"] == {"type": "organization", "slug": "nato", "name": "NATO"}
    assert stances(rows["nato"]) == {"membership": 0, "timeline": -1, "guarantees": 0}
    assert stances(rows["UA"]) == {"membership": 2, "timeline": 2, "guarantees": 2}
    assert stances(rows["EE"]) == {"membership": 1, "timeline": 1, "guarantees": 2}
    assert stances(rows["US"]) == {"membership": -1, "timeline": -1, "guarantees": None}
    assert stances(rows["DE"]) == {"membership": None, "timeline": -1, "guarantees": 1}
    assert stances(rows["PL"])["guarantees"] == 2
    assert stances(rows["HU"]) == NULL_ROW
    cell = rows["EE"]["cells"]["membership"]
    assert set(cell) == {
        "position",
        "stance",
        "conditionality",
        "conditionality_label",
        "confidence",
        "valid_from",
        "evidence_count",
    }
    assert cell["conditionality"] == "after_war"
    assert cell["conditionality_label"] == "After the war"
    assert cell["valid_from"] == "2023-06-01"
    assert cell["evidence_count"] == 3
    assert cell["stance"]["label"]


def test_the_matrix_filters_by_topics_bloc_countries_and_nato(anon, seeded):
    one_topic = anon.get("/api/v1/matrix/?as_of=2023-07-10&topics=guarantees").json()
    bloc = anon.get("/api/v1/matrix/?as_of=2023-07-10&bloc=bucharest-nine").json()
    two = anon.get("/api/v1/matrix/?as_of=2023-07-10&countries=US,EE").json()
    nato_2023 = anon.get("/api/v1/matrix/?as_of=2023-07-10&nato=true").json()

    assert [t["slug"] for t in one_topic["topics"]] == ["guarantees"]
    assert all(set(row["cells"]) == {"guarantees"} for row in one_topic["rows"])
    assert "EE" in by_holder(bloc) and "US" not in by_holder(bloc)
    assert "nato" not in by_holder(bloc)
    assert [row["holder"]["code"] for row in two["rows"]] == ["EE", "US"]
    assert "SE" not in by_holder(nato_2023) and "UA" not in by_holder(nato_2023)


def test_the_matrix_defaults_to_today(anon, seeded):
    matrix = anon.get("/api/v1/matrix/").json()

    assert matrix["as_of"] == timezone.localdate().isoformat()


def test_what_changed_before_and_after_the_report(anon, seeded):
    changes = anon.get("/api/v1/changes/?from=2022-12-01&to=2023-07-10").json()

    assert changes["from"] == "2022-12-01" and changes["to"] == "2023-07-10"
    entries = {
        (e["holder"].get("code") or e["holder"]["slug"], e["topic"]): e for e in changes["entries"]
    }
    assert ("UA", "membership") not in entries  # +2 on both dates: no change
    assert entries["UA", "guarantees"]["direction"] == "new"
    assert entries["UA", "guarantees"]["before"] is None
    assert entries["UA", "guarantees"]["after"]["value"] == 2
    assert entries["EE", "membership"]["direction"] == "new"
    assert entries["nato", "timeline"]["after"]["value"] == -1
    assert changes["entries"][0]["holder"]["type"] == "organization"
    evidence = entries["EE", "membership"]["evidence"]
    assert len(evidence) == 3
    assert {"id", "text", "speaker", "speaker_name", "said_on", "source"} <= set(evidence[0])
    assert evidence[0]["source"]["title"] == "NATO Has No Good News for Ukraine"


def test_an_end_before_the_start_is_refused_as_on_the_page(anon, seeded):
    response = anon.get("/api/v1/changes/?from=2023-07-10&to=2022-12-01&countries=UA")

    assert response.status_code == 400
    assert response.json() == {"to": ["The end date must be on or after the start date."]}


def test_changes_filter_by_topics_and_countries(anon, seeded):
    changes = anon.get(
        "/api/v1/changes/?from=2022-01-01&to=2023-07-10&topics=membership&countries=EE,US"
    ).json()

    assert [(e["holder"]["code"], e["topic"], e["direction"]) for e in changes["entries"]] == [
        ("EE", "membership", "new"),
        ("US", "membership", "new"),
    ]


def test_a_move_up_or_down_the_scale(anon, seeded, editor_client):
    before = anon.get("/api/v1/positions/?country=US&topic=membership").json()["results"][0]
    quote = before["evidence"][0]["id"]
    body = {
        "country": "US",
        "topic": "membership",
        "stance": 1,
        "valid_from": "2024-07-10",
        "confidence": "stated",
        "evidence": [quote],
        "status": "in_review",
    }
    created = editor_client.post("/api/v1/positions/", body, format="json")
    assert created.status_code == 201, created.content
    reviewer = token_client(EditorFactory())  # four eyes: another editor publishes
    published = reviewer.patch(
        f"/api/v1/positions/{created.json()['id']}/",
        {"status": "published"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert published.status_code == 200, published.content

    changes = anon.get("/api/v1/changes/?from=2023-07-10&to=2024-08-01&countries=US").json()

    entry = next(e for e in changes["entries"] if e["topic"] == "membership")
    assert (entry["before"]["value"], entry["after"]["value"], entry["direction"]) == (-1, 1, "up")
    assert datetime.date.fromisoformat(changes["to"]) == datetime.date(2024, 8, 1)


@pytest.mark.parametrize(
    "path", ["/api/v1/matrix/?as_of=2023-07-10", "/api/v1/changes/?from=2022-01-01"]
)
def test_drafts_never_reach_the_matrix_or_changes(anon, seeded, editor_client, path):
    before = anon.get(path).json()
    body = {
        "country": "HU",
        "topic": "membership",
        "stance": -2,
        "valid_from": "2023-06-01",
        "confidence": "inferred",
    }
    assert editor_client.post("/api/v1/positions/", body, format="json").status_code == 201

    assert anon.get(path).json() == before


def test_a_draft_dated_inside_a_published_position_changes_nothing_analysts_see(
    anon, seeded, editor_client
):
    before = anon.get("/api/v1/matrix/?as_of=2023-07-10&countries=US").json()
    body = {
        "country": "US",
        "topic": "membership",
        "stance": 0,
        "valid_from": "2023-07-09",
        "confidence": "inferred",
    }
    assert editor_client.post("/api/v1/positions/", body, format="json").status_code == 201

    assert anon.get("/api/v1/matrix/?as_of=2023-07-10&countries=US").json() == before


def test_the_change_list_comes_in_pages_with_their_count_and_links(anon, seeded):
    path = "/api/v1/changes/?from=2022-01-01&to=2023-07-12"
    whole = anon.get(path).json()
    first = anon.get(path + "&page_size=5").json()
    assert whole["count"] > 5 and whole["pages"] == 1 and whole["next"] is None

    pages, entries, answer = 0, [], first
    while True:
        pages += 1
        entries += answer["entries"]
        assert answer["count"] == whole["count"] and answer["page"] == pages
        if answer["next"] is None:
            break
        assert "page=" in answer["next"]
        answer = anon.get(answer["next"]).json()
        assert answer["previous"] is not None

    assert pages == first["pages"] == -(-whole["count"] // 5)
    assert entries == whole["entries"]  # the same changes, in the same order, each once
    assert first["previous"] is None


@pytest.mark.parametrize("query", ["page=0", "page=x", "page_size=0", "page_size=501"])
def test_a_bad_page_is_a_400_naming_it(anon, seeded, query):
    response = anon.get(f"/api/v1/changes/?from=2022-01-01&{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()
