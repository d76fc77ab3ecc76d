"""/changes/ shows the agreements signed, joined and ended in the period in their own table,
counted beside the positions' changes, each linked to its page; the filters apply; drafts
never show; the JSON download carries them and the CSV stays the positions' changes."""

import datetime
import json
import re

import pytest

from apps.actors.models import Country
from apps.core.models import Status
from tests.factories import AgreementFactory

pytestmark = pytest.mark.usefixtures("seeded")

D = datetime.date
PERIOD = "from=2024-01-10&to=2024-03-31"


@pytest.fixture
def agreements():
    ua, fr, de, pl = (Country.objects.get(code=c) for c in ("UA", "FR", "DE", "PL"))
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
            title="Synthetic <b>pact</b> & co",
            signed_on=D(2021, 5, 1),
            terminated_on=D(2024, 3, 1),
            termination_note="Synthetic note: <i>withdrawn</i>.",
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
            title="Synthetic draft never shown",
            signed_on=D(2024, 2, 2),
            status=Status.DRAFT,
            parties=[{"country": ua}, {"country": fr}],
        ),
    }


def table(page: str) -> str:
    """The agreements' table of a page."""
    found = re.search(r'<table class="changes agreement-events">.*?</table>', page, re.S)
    assert found, "no agreements table"
    return found.group(0)


def rows(page: str) -> list[str]:
    return re.findall(r"<tr><th scope=\"row\">.*?</tr>", table(page), re.S)


def test_the_page_shows_the_agreements_in_their_own_table_with_counts(client, agreements):
    page = client.get(f"/changes/?{PERIOD}").content.decode()

    assert "Agreements signed, joined and ended" in page
    assert "4 agreement events</strong>: 1 signed · 1 joined · 1 terminated · 1 expired" in page
    shown = rows(page)
    assert len(shown) == 4
    first = shown[0]
    assert '<a href="/agreements/synthetic-signed/">Synthetic Agreement on Security' in first
    assert "Signed" in first and "France and Ukraine" in first
    assert '<time datetime="2024-01-10">10 January 2024</time>' in first
    assert (
        "Joined by Poland" in shown[1] and 'href="/agreements/synthetic-declaration/"' in shown[1]
    )
    assert "Terminated" in shown[2] and "Expired" in shown[3]
    assert '<time datetime="2024-03-31">31 March 2024</time>' in shown[3]
    assert "Synthetic draft never shown" not in page


def test_what_editors_wrote_is_shown_escaped(client, agreements):
    page = client.get(f"/changes/?{PERIOD}").content.decode()

    assert "Synthetic &lt;b&gt;pact&lt;/b&gt; &amp; co" in page
    assert "Synthetic note: &lt;i&gt;withdrawn&lt;/i&gt;." in page
    assert "<b>pact</b>" not in page


def test_the_htmx_partial_carries_the_table(client, agreements):
    partial = client.get(f"/changes/?{PERIOD}", headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in partial
    assert len(rows(partial)) == 4


def test_the_country_and_topic_filters_apply(client, agreements):
    france = client.get(f"/changes/?{PERIOD}&countries=FR").content.decode()
    assert [re.search(r'href="/agreements/([^/]+)/"', row).group(1) for row in rows(france)] == [
        "synthetic-signed",
        "synthetic-declaration",
    ]

    guarantees = client.get(f"/changes/?{PERIOD}&topics=guarantees").content.decode()
    assert len(rows(guarantees)) == 4

    membership = client.get(f"/changes/?{PERIOD}&topics=membership").content.decode()
    assert "agreement-events" not in membership
    assert "pick that topic, or none, to see them" in membership
    assert "agreement event" not in membership


def test_a_period_with_agreements_and_no_moves_still_shows_them(client, agreements):
    page = client.get("/changes/?from=2024-03-31&to=2024-03-31").content.decode()

    assert "No position moved between these dates." in page
    assert len(rows(page)) == 1 and "Expired" in rows(page)[0]
    assert "0 moves" in page


def test_a_period_without_agreements_says_so(client, agreements):
    page = client.get("/changes/?from=2022-12-01&to=2023-07-10").content.decode()

    assert "No agreement was signed, joined or ended between these dates." in page
    assert "0 agreement events" in page


def test_the_json_download_carries_them_and_the_csv_stays_the_positions(client, agreements):
    data = json.loads(client.get(f"/changes/?{PERIOD}&format=json").content)
    assert [a["event"] for a in data["agreements"]] == ["signed", "joined", "terminated", "expired"]
    assert data["agreement_counts"]["joined"] == 1

    text = client.get("/changes/?from=2022-12-01&to=2024-03-31&format=csv").content.decode()
    header = text.lstrip("\ufeff").splitlines()[0]
    assert header.startswith("from,to,holder.type")
    assert "agreement" not in header and "synthetic-" not in text
