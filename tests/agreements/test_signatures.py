"""What each ally had signed on a day, beside what it said: the signatures and the say/sign
gap, in the query layer and on the matrix, compare and country pages and their API."""

import csv
import datetime
import io

import pytest

from apps.agreements.signatures import say_sign_gap, signed_on_day
from apps.core.models import Status
from tests.factories import AgreementFactory, CountryFactory, TopicFactory, make_position

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def ukraine():
    return CountryFactory(code="UA", name="Ukraine", nato_joined=None)


@pytest.fixture
def allies(ukraine):
    return {
        code: CountryFactory(code=code, name=f"Synthetic {code}", nato_joined=D(1949, 4, 4))
        for code in ("FR", "NL", "HU")
    }


def slugs(found, country):
    return [signed.slug for signed in found.get(("country", country.pk), [])]


def test_in_force_at_the_edges_of_signing_expiry_and_termination(ukraine, allies):
    france = allies["FR"]
    AgreementFactory(
        slug="synthetic-ten-years",
        signed_on=D(2024, 2, 16),
        duration_years=10,
        parties=[{"country": ukraine}, {"country": france}],
    )
    AgreementFactory(
        slug="synthetic-ended",
        signed_on=D(2024, 3, 1),
        duration_years=None,
        terminated_on=D(2025, 1, 10),
        termination_note="Synthetic note: ended by both parties.",
        parties=[{"country": ukraine}, {"country": france}],
    )

    assert slugs(signed_on_day(D(2024, 2, 15)), france) == []
    assert slugs(signed_on_day(D(2024, 2, 16)), france) == ["synthetic-ten-years"]
    # Newest signing first; the termination day still counts, the day after does not.
    assert slugs(signed_on_day(D(2025, 1, 10)), france) == [
        "synthetic-ended",
        "synthetic-ten-years",
    ]
    assert slugs(signed_on_day(D(2025, 1, 11)), france) == ["synthetic-ten-years"]
    # The expiry day (ten years on) counts, the next does not: in the query layer's rule,
    # asked of a day in the past only by a stored agreement, so read from the model.
    ten_years = france.agreement_parties.get(agreement__slug="synthetic-ten-years").agreement
    assert ten_years.expires_on == D(2034, 2, 16)
    assert ten_years.in_force_on_day(D(2034, 2, 16))
    assert not ten_years.in_force_on_day(D(2034, 2, 17))


def test_a_later_joiner_has_signed_from_its_joining_day_and_drafts_never_count(ukraine, allies):
    france, netherlands = allies["FR"], allies["NL"]
    AgreementFactory(
        slug="synthetic-declaration",
        kind="joint_declaration",
        signed_on=D(2023, 7, 12),
        duration_years=None,
        parties=[
            {"country": ukraine},
            {"country": france},
            {"country": netherlands, "joined_on": D(2023, 9, 1)},
        ],
    )
    AgreementFactory(
        slug="synthetic-draft",
        status=Status.DRAFT,
        signed_on=D(2023, 1, 5),
        parties=[{"country": ukraine}, {"country": netherlands}],
    )

    before, after = signed_on_day(D(2023, 8, 31)), signed_on_day(D(2023, 9, 1))

    assert slugs(before, france) == ["synthetic-declaration"]
    assert slugs(before, netherlands) == []
    assert slugs(after, netherlands) == ["synthetic-declaration"]
    assert slugs(signed_on_day(D(2023, 9, 1), countries=[france.pk]), netherlands) == []


@pytest.mark.parametrize(
    ("value", "signed", "gap"),
    [
        (2, [], "said_unsigned"),
        (2, ["x"], None),
        (1, [], None),
        (0, ["x"], None),
        (-1, ["x"], "signed_against"),
        (-2, ["x"], "signed_against"),
        (-1, [], None),
        (None, ["x"], None),
        (None, [], None),
    ],
)
def test_the_say_sign_gap_both_ways(value, signed, gap):
    assert say_sign_gap(value, signed) == gap


@pytest.fixture
def said_and_signed(ukraine, allies):
    """France says +2 on guarantees and signed; the Netherlands says +2 and signed nothing;
    Hungary says −1 and signed."""
    guarantees = TopicFactory(slug="guarantees", name="Security guarantees", order=3)
    for code, value in (("FR", 2), ("NL", 2), ("HU", -1)):
        make_position(topic=guarantees, country=allies[code], value=value, valid_from=D(2023, 1, 1))
    AgreementFactory(
        slug="synthetic-fr-pact",
        title="Synthetic French <pact>",
        signed_on=D(2024, 2, 16),
        parties=[{"country": ukraine}, {"country": allies["FR"]}],
    )
    AgreementFactory(
        slug="synthetic-hu-pact",
        title="Synthetic Hungarian pact",
        signed_on=D(2024, 3, 1),
        parties=[{"country": ukraine}, {"country": allies["HU"]}],
    )
    return guarantees


def rows_by_code(body):
    return {row["holder"].get("code"): row for row in body["rows"]}


def test_the_matrix_api_rows_say_what_was_signed_and_the_gap(client, said_and_signed):
    before = rows_by_code(client.get("/api/v1/matrix/?as_of=2024-01-31").json())
    after = rows_by_code(client.get("/api/v1/matrix/?as_of=2024-06-01").json())

    assert before["FR"]["signed"] == [] and before["FR"]["say_sign_gap"] == "said_unsigned"
    assert before["HU"]["say_sign_gap"] is None
    assert after["FR"]["signed"] == [
        {
            "agreement": "synthetic-fr-pact",
            "kind": "bilateral_security",
            "signed_on": "2024-02-16",
            "expires_on": "2034-02-16",
        }
    ]
    assert after["FR"]["say_sign_gap"] is None
    assert after["NL"]["say_sign_gap"] == "said_unsigned"
    assert after["HU"]["say_sign_gap"] == "signed_against"
    # Without the guarantees topic there is no stated stance to set beside: no gap, but the
    # signatures still.
    TopicFactory(slug="membership", order=1)
    other = rows_by_code(client.get("/api/v1/matrix/?as_of=2024-06-01&topics=membership").json())
    assert other["NL"]["say_sign_gap"] is None and other["HU"]["say_sign_gap"] is None
    assert [a["agreement"] for a in other["HU"]["signed"]] == ["synthetic-hu-pact"]


def test_the_matrix_csv_names_the_agreements(client, said_and_signed):
    response = client.get("/api/v1/matrix/?as_of=2024-06-01&format=csv")
    rows = {
        row["holder.code"]: row
        for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    }
    assert rows["FR"]["signed"] == "synthetic-fr-pact"
    assert rows["HU"]["say_sign_gap"] == "signed_against"


def test_the_matrix_page_shows_the_signed_column_and_the_gap(client, said_and_signed):
    text = client.get("/?as_of=2024-06-01").content.decode()

    assert '<th scope="col" class="signed">Signed' in text
    assert 'href="/agreements/synthetic-fr-pact/">Synthetic French &lt;pact&gt;</a>' in text
    assert "Gap: +2 said, nothing signed" in text
    assert "Gap: signed under a stance against" in text
    assert text.count('<td class="signed">') == text.count('<th scope="row">')


def test_compare_sets_signatures_beside_words(client, said_and_signed):
    body = client.get("/api/v1/compare/?countries=FR,NL,HU&as_of=2024-06-01").json()
    by_code = {entry["country"]["code"]: entry for entry in body["signatures"]}
    assert [a["agreement"] for a in by_code["FR"]["signed"]] == ["synthetic-fr-pact"]
    assert by_code["NL"]["say_sign_gap"] == "said_unsigned"
    assert by_code["HU"]["say_sign_gap"] == "signed_against"

    text = client.get("/compare/?countries=FR,NL,HU&as_of=2024-06-01").content.decode()
    assert '<tr class="signed"><th scope="row">Signed' in text
    assert 'Synthetic French &lt;pact&gt;</a> <span class="muted">signed 16 Feb 2024' in text
    assert "Nothing in force" in text and "Gap: signed under a stance against" in text


def test_compare_links_to_the_rest_beyond_five(client, ukraine, allies):
    for n in range(7):
        AgreementFactory(
            signed_on=D(2024, 1, 1 + n), parties=[{"country": ukraine}, {"country": allies["FR"]}]
        )
    text = client.get("/compare/?countries=FR,NL&as_of=2024-06-01").content.decode()
    assert 'href="/agreements/?party=FR&amp;in_force_on=2024-06-01">All 7 agreements' in text


def test_the_country_page_shows_what_it_had_signed_that_day(client, said_and_signed):
    on_day = client.get("/countries/HU/?as_of=2024-06-01").content.decode()
    earlier = client.get("/countries/HU/?as_of=2024-01-31").content.decode()

    assert "Signed: agreements in force on <time" in on_day
    assert "Synthetic Hungarian pact" in on_day
    assert "Gap: signed under a stance against" in on_day
    assert "Synthetic Hungarian pact" not in earlier and "Nothing in force" in earlier
    netherlands = client.get("/countries/NL/?as_of=2024-06-01").content.decode()
    assert "Gap: +2 said, nothing signed" in netherlands


def test_ukraine_is_the_other_party_not_a_signatory_nor_a_gap(client, said_and_signed, ukraine):
    guarantees = said_and_signed
    make_position(topic=guarantees, country=ukraine, value=2, valid_from=D(2023, 1, 1))

    rows = rows_by_code(client.get("/api/v1/matrix/?as_of=2024-06-01").json())
    assert rows["UA"]["signed"] == [] and rows["UA"]["say_sign_gap"] is None
    page = client.get("/?as_of=2024-06-01").content.decode()
    assert "The other party to each agreement" in page
    country = client.get("/countries/UA/?as_of=2024-06-01").content.decode()
    assert "The other party to each agreement" in country and "Gap:" not in country


def test_a_kept_matrix_is_not_served_after_a_signature(client, said_and_signed, ukraine, allies):
    """The matrix and its API are kept per data version: a new published agreement is a new
    version, so readers see it at once rather than the kept answer."""
    address = "/api/v1/matrix/?as_of=2025-01-01"
    assert rows_by_code(client.get(address).json())["NL"]["signed"] == []
    page = client.get("/?as_of=2025-01-01").content.decode()
    assert "synthetic-nl-pact" not in page

    AgreementFactory(
        slug="synthetic-nl-pact",
        signed_on=D(2024, 3, 1),
        parties=[{"country": ukraine}, {"country": allies["NL"]}],
    )

    signed = rows_by_code(client.get(address).json())["NL"]["signed"]
    assert [agreement["agreement"] for agreement in signed] == ["synthetic-nl-pact"]
    assert "synthetic-nl-pact" in client.get("/?as_of=2025-01-01").content.decode()
