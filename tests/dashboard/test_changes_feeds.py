"""The Atom feeds give the agreements signed, joined, terminated and expired beside the
position changes: overall, per party country and for the guarantees topic, each entry with a
stable id, a title from the data, a link to the agreement's page and its dates."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from apps.actors.models import Country
from apps.agreements.models import Agreement
from apps.core.models import Status
from tests.factories import AgreementFactory

pytestmark = pytest.mark.usefixtures("seeded")

D = datetime.date
ATOM = {"atom": "http://www.w3.org/2005/Atom"}


@pytest.fixture
def agreements():
    ua, fr, de, pl = (Country.objects.get(code=c) for c in ("UA", "FR", "DE", "PL"))
    return {
        "signed": AgreementFactory(
            slug="synthetic-signed",
            title="Synthetic Agreement on Security Cooperation",
            signed_on=D(2024, 1, 12),
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
            title="Synthetic Pact",
            signed_on=D(2021, 5, 1),
            expires_on=D(2024, 6, 1),
            duration_years=None,
            terminated_on=D(2024, 3, 1),
            termination_note="Synthetic note: a party withdrew.",
            parties=[{"country": ua}, {"country": de}],
        ),
        "expired": AgreementFactory(
            slug="synthetic-expired",
            title="Synthetic Memorandum",
            kind="memorandum",
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


def entries(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    found = []
    for entry in root.findall("atom:entry", ATOM):
        found.append(
            {
                "id": entry.findtext("atom:id", namespaces=ATOM),
                "title": entry.findtext("atom:title", namespaces=ATOM),
                "link": entry.find("atom:link", ATOM).get("href"),
                "updated": entry.findtext("atom:updated", namespaces=ATOM),
                "published": entry.findtext("atom:published", namespaces=ATOM),
                "summary": entry.findtext("atom:summary", namespaces=ATOM),
            }
        )
    return found


def agreement_entries(found) -> dict[str, dict]:
    return {e["id"].split("/agreements/", 1)[1]: e for e in found if "/agreements/" in e["id"]}


def test_the_feed_gives_each_agreement_event_with_a_stable_id_title_link_and_dates(
    client, agreements
):
    found = entries(client, "/feeds/changes/")
    events = agreement_entries(found)

    # Every event up to today, the signings of earlier years included.
    assert set(events) == {
        "synthetic-signed/#signed",
        "synthetic-declaration/#signed",
        "synthetic-declaration/#joined-PL",
        "synthetic-terminated/#signed",
        "synthetic-terminated/#terminated",
        "synthetic-expired/#signed",
        "synthetic-expired/#expired",
    }
    signed = events["synthetic-signed/#signed"]
    assert signed["id"] == "http://testserver/agreements/synthetic-signed/#signed"
    assert signed["title"] == (
        "France and Ukraine signed the Synthetic Agreement on Security Cooperation, 12 January 2024"
    )
    assert signed["link"] == "http://testserver/agreements/synthetic-signed/"
    assert datetime.datetime.fromisoformat(signed["updated"]) >= datetime.datetime.fromisoformat(
        signed["published"]
    )
    joined = events["synthetic-declaration/#joined-PL"]
    assert joined["title"] == "Poland joined the Synthetic Joint Declaration, 1 February 2024"
    terminated = events["synthetic-terminated/#terminated"]
    assert terminated["title"] == (
        "The Synthetic Pact between Germany and Ukraine was terminated, 1 March 2024"
    )
    assert "Synthetic note: a party withdrew." in terminated["summary"]
    assert "last day in force was 1 March 2024" in terminated["summary"]
    expired = events["synthetic-expired/#expired"]
    assert expired["title"] == (
        "The Synthetic Memorandum between Poland and Ukraine expired, 31 March 2024"
    )
    # Newest first: the agreements of 2024 come before the seeded positions of 2023.
    assert [e["id"] for e in found[:4]] == [
        expired["id"],
        terminated["id"],
        joined["id"],
        signed["id"],
    ]


def test_an_entry_keeps_its_id_when_its_day_is_corrected(client, agreements):
    before = agreement_entries(entries(client, "/feeds/changes/"))
    Agreement.objects.filter(slug="synthetic-signed").update(signed_on=D(2024, 1, 11))
    after = agreement_entries(entries(client, "/feeds/changes/"))

    assert "synthetic-signed/#signed" in before and "synthetic-signed/#signed" in after
    assert after["synthetic-signed/#signed"]["title"].endswith("11 January 2024")


def test_position_entries_keep_their_ids(client, agreements):
    positions = [e for e in entries(client, "/feeds/changes/") if "/positions/" in e["id"]]

    assert positions
    assert all(e["id"] == e["link"] for e in positions)
    assert all(e["id"].startswith("http://testserver/positions/") for e in positions)


def test_drafts_and_future_expiries_stay_out(client, agreements):
    ids = [e["id"] for e in entries(client, "/feeds/changes/")]

    assert not any("synthetic-draft" in i for i in ids)
    # Signed in January 2024 for ten years: its expiry is years away.
    assert not any(i.endswith("synthetic-signed/#expired") for i in ids)
    # Terminated before its expiry: the expiry never comes.
    assert not any(i.endswith("synthetic-terminated/#expired") for i in ids)


def test_a_country_feed_gives_the_agreements_it_is_a_party_of(client, agreements):
    poland = set(agreement_entries(entries(client, "/feeds/countries/PL/")))
    france = set(agreement_entries(entries(client, "/feeds/countries/fr/")))
    us = agreement_entries(entries(client, "/feeds/countries/US/"))

    assert poland == {
        "synthetic-declaration/#signed",
        "synthetic-declaration/#joined-PL",
        "synthetic-expired/#signed",
        "synthetic-expired/#expired",
    }
    assert france == {
        "synthetic-signed/#signed",
        "synthetic-declaration/#signed",
        "synthetic-declaration/#joined-PL",
    }
    assert us == {}


def test_the_guarantees_topic_feed_gives_them_and_the_others_do_not(client, agreements):
    assert len(agreement_entries(entries(client, "/feeds/topics/guarantees/"))) == 7
    assert agreement_entries(entries(client, "/feeds/topics/membership/")) == {}
