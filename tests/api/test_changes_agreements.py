"""changes/ gains the agreements signed, joined, terminated and expired in the period, and
their counts, beside the positions' changes (unchanged), on every page; the schema says so;
the CSV stays the positions' changes."""

import csv
import datetime
import io

import pytest

from apps.actors.models import Country
from apps.core.models import Status
from tests.factories import AgreementFactory

pytestmark = pytest.mark.usefixtures("seeded")

D = datetime.date
PERIOD = "from=2024-01-10&to=2024-03-31"
OLD_FIELDS = {"from", "to", "count", "counts", "page", "pages", "next", "previous", "entries"}


@pytest.fixture
def agreements():
    """Four synthetic agreements between the seeded countries, one event of each kind in the
    period, and a draft signed in it."""
    ua, fr, de, pl = (Country.objects.get(code=c) for c in ("UA", "FR", "DE", "PL"))
    note = "Synthetic note: a party withdrew."
    return {
        "signed": AgreementFactory(
            slug="synthetic-signed",
            title="Synthetic Agreement on Security Cooperation",
            signed_on=D(2024, 1, 10),
            parties=[{"country": ua}, {"country": fr}],
        ),
        "joined": AgreementFactory(
            slug="synthetic-declaration",
            title="Synthetic Joint Declaration",
            kind="joint_declaration",
            signed_on=D(2023, 7, 12),
            duration_years=None,
            parties=[{"country": fr}, {"country": de}, {"country": pl, "joined_on": D(2024, 2, 1)}],
        ),
        "terminated": AgreementFactory(
            slug="synthetic-terminated",
            signed_on=D(2021, 5, 1),
            terminated_on=D(2024, 3, 1),
            termination_note=note,
            parties=[{"country": ua}, {"country": de}],
        ),
        "expired": AgreementFactory(
            slug="synthetic-expired",
            signed_on=D(2019, 3, 31),
            expires_on=D(2024, 3, 31),
            duration_years=None,
            parties=[{"country": ua}, {"country": pl}],
        ),
        "draft": AgreementFactory(
            slug="synthetic-draft",
            signed_on=D(2024, 2, 2),
            status=Status.DRAFT,
            parties=[{"country": ua}, {"country": fr}],
        ),
    }


def test_changes_lists_the_agreements_of_the_period_with_their_counts(anon, agreements):
    answer = anon.get(f"/api/v1/changes/?{PERIOD}").json()

    assert OLD_FIELDS <= set(answer)
    assert set(answer["counts"]) == {"up", "down", "new", "ended", "first_recorded"}
    assert answer["agreement_counts"] == {"signed": 1, "joined": 1, "terminated": 1, "expired": 1}
    assert [(a["slug"], a["event"], a["day"]) for a in answer["agreements"]] == [
        ("synthetic-signed", "signed", "2024-01-10"),
        ("synthetic-declaration", "joined", "2024-02-01"),
        ("synthetic-terminated", "terminated", "2024-03-01"),
        ("synthetic-expired", "expired", "2024-03-31"),
    ]
    signed, joined, terminated, expired = answer["agreements"]
    assert signed == {
        "slug": "synthetic-signed",
        "title": "Synthetic Agreement on Security Cooperation",
        "kind": "bilateral_security",
        "kind_label": "Bilateral security agreement",
        "event": "signed",
        "day": "2024-01-10",
        "party": None,
        "parties": [
            {"type": "country", "code": "FR", "name": "France"},
            {"type": "country", "code": "UA", "name": "Ukraine"},
        ],
        "note": "",
        "headline": "France and Ukraine signed the Synthetic Agreement on Security Cooperation",
    }
    assert joined["party"] == {"type": "country", "code": "PL", "name": "Poland"}
    assert joined["headline"] == "Poland joined the Synthetic Joint Declaration"
    assert terminated["note"] == "Synthetic note: a party withdrew."
    assert expired["party"] is None and expired["note"] == ""


def test_a_draft_never_reaches_the_change_list_even_for_an_editor(anon, editor_client, agreements):
    for client in (anon, editor_client):
        answer = client.get(f"/api/v1/changes/?{PERIOD}").json()
        assert "synthetic-draft" not in {a["slug"] for a in answer["agreements"]}


def test_every_page_carries_all_the_agreements(anon, agreements):
    first = anon.get("/api/v1/changes/?from=2022-01-01&to=2024-03-31&page_size=1").json()
    second = anon.get("/api/v1/changes/?from=2022-01-01&to=2024-03-31&page_size=1&page=2").json()

    assert first["pages"] > 1 and len(first["entries"]) == 1
    assert first["agreements"] == second["agreements"]
    assert len(first["agreements"]) == 5  # the declaration's signing too, in July 2023


def test_the_filters_apply_to_the_agreements(anon, agreements):
    def slugs(query):
        answer = anon.get(f"/api/v1/changes/?{PERIOD}&{query}").json()
        return [a["slug"] for a in answer["agreements"]]

    assert slugs("countries=FR") == ["synthetic-signed", "synthetic-declaration"]
    assert slugs("countries=PL") == ["synthetic-declaration", "synthetic-expired"]
    assert slugs("countries=US") == []
    assert slugs("topics=guarantees") == slugs("")
    assert slugs("topics=membership,timeline") == []
    empty = anon.get(f"/api/v1/changes/?{PERIOD}&topics=membership").json()["agreement_counts"]
    assert empty == {"signed": 0, "joined": 0, "terminated": 0, "expired": 0}


def test_the_csv_stays_the_positions_changes(anon, agreements):
    period = "from=2022-12-01&to=2024-03-31"
    response = anon.get(f"/api/v1/changes/?{period}&format=csv")
    text = response.content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))

    assert response.status_code == 200
    assert header[:3] == ["from", "to", "holder.type"]
    assert not any("agreement" in column for column in header)
    assert "synthetic-" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == anon.get(f"/api/v1/changes/?{period}&page_size=500").json()["count"]


def test_the_schema_documents_the_agreements(anon):
    schema = anon.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    changes = components["Changes"]

    assert {"agreements", "agreement_counts"} <= set(changes["properties"])
    assert {"agreements", "agreement_counts"} <= set(changes["required"])
    event = components["AgreementEvent"]["properties"]
    assert set(event) == {
        "slug",
        "title",
        "kind",
        "kind_label",
        "event",
        "day",
        "party",
        "parties",
        "note",
        "headline",
    }
    assert components["AgreementEventEnum"]["enum"] == ["signed", "joined", "terminated", "expired"]
