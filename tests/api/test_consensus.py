"""consensus/ and consensus/series/: the page's question at the API's door, on the seeded
report (the eve of Vilnius: Estonia +1, the United States −1, NATO's own 0) and on synthetic
data; the same answer and the same refusals at both doors; in the schema."""

import csv
import datetime
import io
import json

import pytest

from apps.actors.models import Country
from apps.core.models import Status
from apps.positions.models import Topic
from apps.positions.services import position_record
from tests.factories import make_quote

EVE_OF_VILNIUS = "as_of=2023-07-10"


def rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_on_the_eve_of_vilnius_the_united_states_holds_out_with_its_evidence(anon, seeded):
    answer = anon.get(f"/api/v1/consensus/?{EVE_OF_VILNIUS}").json()

    assert answer["as_of"] == "2023-07-10"
    assert answer["topic"] == {"slug": "membership", "name": "Membership"}
    assert answer["threshold"] == 1
    assert answer["members"] == 31
    counts = {count["value"]: count["count"] for count in answer["counts"]}
    assert counts == {2: 0, 1: 1, 0: 0, -1: 1, -2: 0}
    assert answer["no_position"] == 29 == len(answer["without_position"])
    assert sum(counts.values()) + answer["no_position"] == answer["members"]
    (holdout,) = answer["holdouts"]
    assert holdout["holder"] == {"type": "country", "code": "US", "name": "United States"}
    assert holdout["stance"] == {"value": -1, "label": "Not now"}
    assert holdout["since"] == "2023-06-01"
    assert holdout["evidence_count"] == len(holdout["evidence"]) > 0
    assert {"id", "text", "speaker", "said_on", "source"} <= set(holdout["evidence"][0])
    # NATO's own formula, apart: never one of the counted allies.
    (nato,) = answer["organizations"]
    assert nato["holder"]["slug"] == "nato" and nato["stance"]["value"] == 0
    assert "nato" not in {ally.get("code") for ally in answer["without_position"]}


def test_a_draft_never_counts(anon, seeded):
    membership = Topic.objects.get(slug="membership")
    estonia = Country.objects.get(code="EE")
    position_record(
        country=estonia,
        topic=membership,
        stance=membership.stances.get(value=-2),
        valid_from=datetime.date(2023, 7, 1),
        confidence="stated",
        summary="Synthetic draft coding.",
        evidence=[
            make_quote(
                speaker_label="a synthetic official",
                country=estonia,
                topics=[membership],
                status=Status.DRAFT,
            )
        ],
        status=Status.DRAFT,
    )

    answer = anon.get(f"/api/v1/consensus/?{EVE_OF_VILNIUS}").json()

    assert [h["holder"]["code"] for h in answer["holdouts"]] == ["US"]
    assert {c["value"]: c["count"] for c in answer["counts"]}[1] == 1


def test_the_csv_holds_a_row_per_holdout(anon, seeded):
    response = anon.get(f"/api/v1/consensus/?{EVE_OF_VILNIUS}&threshold=2&format=csv")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="consensus.csv"'
    table = rows(response)
    assert [(row["as_of"], row["holder.code"], row["stance.value"]) for row in table] == [
        ("2023-07-10", "US", "-1"),
        ("2023-07-10", "EE", "1"),
    ]


def test_the_series_gives_a_point_per_month(anon, seeded):
    answer = anon.get("/api/v1/consensus/series/?to=2024-03-07").json()

    assert answer["from"] == "2023-06-01"  # the seeded allies' first positions
    assert answer["to"] == "2024-03-07"
    assert [s["value"] for s in answer["stances"]] == [2, 1, 0, -1, -2]
    points = answer["points"]
    assert [p["day"] for p in points][:2] == ["2023-06-30", "2023-07-31"]
    assert points[-1] == {
        "day": "2024-03-07",
        "members": 32,
        "counts": {"2": 0, "1": 1, "0": 0, "-1": 1, "-2": 0},
        "none": 30,
    }
    assert points[-2]["members"] == 31  # February 2024: Sweden not yet in
    assert all(sum(p["counts"].values()) + p["none"] == p["members"] for p in points)


def test_the_series_csv_has_a_column_per_value(anon, seeded):
    response = anon.get(
        "/api/v1/consensus/series/?topic=timeline&from=2023-06-15&to=2023-08-01&format=csv"
    )

    table = rows(response)
    assert list(table[0]) == [
        "from",
        "to",
        "day",
        "members",
        "counts.2",
        "counts.1",
        "counts.0",
        "counts.-1",
        "counts.-2",
        "none",
    ]
    assert [(r["day"], r["counts.-1"], r["none"]) for r in table] == [
        ("2023-06-30", "2", "28"),  # Germany and the United States: no timeline now
        ("2023-07-31", "2", "28"),
        ("2023-08-01", "2", "28"),
    ]


@pytest.mark.parametrize(
    ("path", "query", "name", "message"),
    [
        ("consensus", "threshold=3", "threshold", "Give a whole number from -2 to 2."),
        ("consensus", "threshold=one", "threshold", "Give a whole number from -2 to 2."),
        ("consensus", "topic=nope", "topic", "Unknown topic “nope”."),
        ("consensus", "as_of=2999-01-01", "as_of", "The date cannot be in the future."),
        ("consensus", "as_of=", "as_of", "Give a value, or leave the parameter out."),
        ("consensus", "countries=EE", "countries", "Unknown parameter."),
        ("consensus", "page_size=5", "page_size", "Unknown parameter."),
        ("consensus/series", "from=2023-08-01&to=2023-07-01", "to", "on or after the start"),
        ("consensus/series", "from=1990-01-01&to=2023-07-01", "from", "at most 20 years"),
        ("consensus/series", "as_of=2023-07-01", "as_of", "Unknown parameter."),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(anon, seeded, path, query, name, message):
    response = anon.get(f"/api/v1/{path}/?{query}")

    assert response.status_code == 400
    assert message in response.json()[name][0]


@pytest.mark.parametrize(
    "query", [EVE_OF_VILNIUS, "as_of=2024-03-07&topic=timeline&threshold=0", "threshold=-2"]
)
def test_the_pages_downloads_are_the_apis_answers(client, anon, seeded, query):
    api = anon.get(f"/api/v1/consensus/?{query}")
    downloaded = client.get(f"/consensus/?{query}&format=json")

    assert downloaded.status_code == api.status_code == 200
    assert json.loads(downloaded.content) == api.json()
    assert (
        client.get(f"/consensus/?{query}&format=csv").content
        == anon.get(f"/api/v1/consensus/?{query}&format=csv").content
    )


@pytest.mark.parametrize(
    ("query", "name", "message"),
    [
        ("threshold=3", "threshold", "Give a whole number from -2 to 2."),
        ("topic=nope", "topic", "Unknown topic “nope”."),
        ("as_of=2023-02-30", "as_of", "Give a real date as YYYY-MM-DD"),
    ],
)
def test_a_bad_value_gets_the_same_message_at_both_doors(
    client, anon, seeded, query, name, message
):
    answered = anon.get(f"/api/v1/consensus/?{query}")
    shown = client.get(f"/consensus/?{query}")

    assert answered.status_code == shown.status_code == 400
    assert message in answered.json()[name][0]
    assert message in shown.content.decode()


def test_both_are_in_the_schema_with_their_parameters(anon, seeded):
    schema = anon.get("/api/schema/?format=json").json()

    on_a_day = schema["paths"]["/api/v1/consensus/"]["get"]
    series = schema["paths"]["/api/v1/consensus/series/"]["get"]
    parameters = {p["name"]: p for p in on_a_day["parameters"] if p["in"] == "query"}
    assert {"topic", "as_of", "threshold", "format"} <= set(parameters)
    assert parameters["threshold"]["schema"] == {"type": "integer", "minimum": -2, "maximum": 2}
    assert {p["name"] for p in series["parameters"] if p["in"] == "query"} >= {
        "topic",
        "from",
        "to",
    }
    assert "400" in on_a_day["responses"] and "400" in series["responses"]


def test_the_api_root_lists_them(anon, db):
    root = anon.get("/api/v1/").json()

    assert root["consensus"].endswith("/api/v1/consensus/")
    assert root["consensus-series"].endswith("/api/v1/consensus/series/")
