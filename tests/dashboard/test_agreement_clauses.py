"""/agreements/clauses/: allies × clause categories on a day, each cell counting the clauses
an ally was bound by (published agreements in force that day, a party by then), each cell's
clauses a click away; and the signatures month by month on /agreements/. Synthetic data."""

import csv
import datetime
import io
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.agreements.questions import signature_timeline
from apps.core.models import Status
from apps.core.params import today
from tests.factories import (
    AgreementFactory,
    CountryFactory,
    OrganizationFactory,
    country_other_than,
    synthetic_clause,
)

pytestmark = pytest.mark.django_db
D = datetime.date
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world():
    """Ukraine; three allies (one joining NATO late), a country outside NATO and a synthetic
    organization; agreements that start, expire, end and are joined on known days."""
    ukraine = CountryFactory(code="UA", name="Ukraine", nato_joined=None)
    france = CountryFactory(code="FR", name="France")
    germany = CountryFactory(code="DE", name="Germany")
    netherlands = CountryFactory(code="NL", name="Netherlands")
    late = CountryFactory(code="SE", name="Sweden", nato_joined=D(2024, 3, 7))
    outside = CountryFactory(code="QZ", name="Synthetic Outsideland", nato_joined=None)
    club = OrganizationFactory(slug="synthetic-club", name="Synthetic Club")
    # Signed 16 February 2024, in force until 30 June 2024 (that day included).
    AgreementFactory(
        slug="synthetic-fr",
        title="Synthetic French pact",
        signed_on=D(2024, 2, 16),
        duration_years=None,
        expires_on=D(2024, 6, 30),
        parties=[{"country": ukraine}, {"country": france}],
        clauses=[
            synthetic_clause("military-aid", article="3", text="Synthetic aid <b>bold</b> & co."),
            synthetic_clause("military-aid", article="4", text="Synthetic second aid words."),
            synthetic_clause(
                "financial-support",
                article="5",
                text="Synthetic money words.",
                amount="3000000000",
                currency="EUR",
                period="2024",
            ),
        ],
    )
    # Terminated on 1 March 2024: still in force that day, not the next.
    AgreementFactory(
        slug="synthetic-de",
        title="Synthetic German pact",
        signed_on=D(2024, 1, 10),
        terminated_on=D(2024, 3, 1),
        termination_note="Synthetic ending, for a test.",
        parties=[{"country": ukraine}, {"country": germany}],
        clauses=[synthetic_clause("sanctions", text="Synthetic sanctions words.")],
    )
    # A declaration the Netherlands joined later than its signing.
    AgreementFactory(
        slug="synthetic-decl",
        title="Synthetic declaration",
        kind="joint_declaration",
        signed_on=D(2023, 7, 12),
        duration_years=None,
        parties=[
            {"country": ukraine},
            {"organization": club},
            {"country": netherlands, "joined_on": D(2023, 9, 1)},
            {"country": late},
            {"country": outside},
        ],
        clauses=[synthetic_clause("consultations-24h", text="Synthetic consultation words.")],
    )
    # A draft: never counted for analysts.
    AgreementFactory(
        slug="synthetic-draft",
        title="Synthetic draft quokka",
        status=Status.DRAFT,
        signed_on=D(2024, 1, 5),
        parties=[{"country": ukraine}, {"country": france}],
        clauses=[synthetic_clause("military-aid", text="Synthetic draft words zebrafinch.")],
    )
    return {"france": france, "club": club}


def table(client, as_of: str, **headers) -> dict[str, dict[str, str]]:
    """The page's matrix as {row name: {column header: cell text}}."""
    response = client.get(f"/agreements/clauses/?as_of={as_of}", **headers)
    assert response.status_code == 200
    text = response.content.decode()
    body = text[text.index('<table class="clause-matrix">') :]
    body = body[: body.index("</table>")]
    headers_ = [strip(h) for h in re.findall(r'<th scope="col">(.*?)</th>', body)]
    rows = {}
    for row in re.findall(r"<tr>\s*(.*?)\s*</tr>", body[body.index("<tbody>") :], re.S):
        cells = [strip(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = dict(zip(headers_[1:], cells[1:], strict=True))
    return rows


def strip(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


AID = "Military aid"
SANCTIONS = "Sanctions"
CONSULT = "Consultations within 24 hours of a new attack"


@pytest.mark.parametrize(
    ("day", "aid"),
    [
        ("2024-02-15", "0"),  # the day before signing
        ("2024-02-16", "2 clauses"),  # the signing day
        ("2024-06-30", "2 clauses"),  # the expiry day: still in force
        ("2024-07-01", "0"),  # the day after
    ],
)
def test_a_cell_counts_from_the_signing_day_to_the_expiry_day(client, world, day, aid):
    rows = table(client, day)
    assert rows["France"][AID] == aid
    assert rows["France"]["Agreements in force"] == ("None" if aid == "0" else "1 agreement")


@pytest.mark.parametrize(("day", "sanctions"), [("2024-03-01", "1 clause"), ("2024-03-02", "0")])
def test_a_terminated_agreement_counts_until_its_termination_day(client, world, day, sanctions):
    assert table(client, day)["Germany"][SANCTIONS] == sanctions


@pytest.mark.parametrize(("day", "joined"), [("2023-08-31", "0"), ("2023-09-01", "1 clause")])
def test_a_later_joiner_counts_from_its_joining_day(client, world, day, joined):
    rows = table(client, day)
    assert rows["Netherlands"][CONSULT] == joined
    # The organization signed on the day itself, and is a row of its own.
    assert rows["Synthetic Club (organization)"][CONSULT] == "1 clause"


def test_rows_are_the_allies_of_the_day_then_organizations_never_ukraine(client, world):
    before = table(client, "2024-03-06")
    after = table(client, "2024-03-07")
    assert list(before) == ["France", "Germany", "Netherlands", "Synthetic Club (organization)"]
    assert "Sweden" in after and after["Sweden"][CONSULT] == "1 clause"
    for rows in (before, after):
        assert "Ukraine" not in rows and "Synthetic Outsideland" not in rows


def test_the_columns_are_the_codebook_in_its_order(client, world):
    columns = list(table(client, "2024-03-01")["France"])
    assert columns[0] == "Agreements in force"
    assert columns[1:4] == [
        "Support for NATO membership",
        CONSULT,
        AID,
    ]
    assert columns[-1] == "Other"


def test_the_summary_counts_the_allies_bound(client, world):
    text = client.get("/agreements/clauses/?as_of=2024-03-01").content.decode()
    assert "On 1 March 2024, 3 of the 3 allies were bound by at least one agreement." in text
    assert "Ukraine, a party of every bilateral agreement, is not a row" in text


def test_today_is_the_default_day(client, world):
    text = client.get("/agreements/clauses/").content.decode()
    assert f'datetime="{today().isoformat()}"' in text


def test_a_draft_is_never_counted_for_analysts(client, world):
    rows = table(client, "2024-03-01")
    assert rows["France"][AID] == "2 clauses"
    response = client.get("/agreements/clauses/FR/military-aid/?as_of=2024-03-01")
    text = response.content.decode()
    assert "zebrafinch" not in text and "quokka" not in text
    assert "Synthetic second aid words." in text


def test_an_editor_sees_drafts_counted_apart_and_marked_and_nothing_is_kept(client, editor, world):
    client.force_login(editor)
    rows = table(client, "2024-03-01")
    assert rows["France"][AID] == "3 clauses 1 not published"
    assert rows["France"]["Agreements in force"] == "2 agreements 1 not published"
    response = client.get("/agreements/clauses/?as_of=2024-03-01")
    assert "which you see as an editor" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    cell = client.get("/agreements/clauses/FR/military-aid/?as_of=2024-03-01")
    assert "zebrafinch" in cell.content.decode()
    assert "Draft: not shown to analysts" in cell.content.decode()
    assert "no-store" in cell["Cache-Control"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("as_of=2024-02-30", "Give a real date as YYYY-MM-DD"),
        ("as_of=1899-12-31", "1900"),
        (f"as_of={today() + datetime.timedelta(days=1)}", "future"),
        ("as_of=yesterday", "Give a real date"),
    ],
)
def test_a_bad_day_is_a_400_naming_the_field(client, world, query, message):
    response = client.get(f"/agreements/clauses/?{query}")
    text = response.content.decode()
    assert response.status_code == 400
    assert message in text
    assert 'for="id_as_of">As of</label>:' in text
    assert '<table class="clause-matrix">' not in text


def test_a_bad_day_from_htmx_puts_back_the_form_alone(client, world):
    response = client.get("/agreements/clauses/?as_of=2024-13-01", **HTMX)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#filters"
    assert "<html" not in response.content.decode()


def test_an_unknown_parameter_is_a_400_naming_it(client, world):
    response = client.get("/agreements/clauses/?as_of=2024-03-01&party=FR&x=<b>")
    text = response.content.decode()
    assert response.status_code == 400
    assert "Unknown parameters: party, x. This page takes: as_of, format." in text
    assert "<b>" not in text


def test_an_htmx_request_gets_the_results_only(client, world):
    response = client.get("/agreements/clauses/?as_of=2024-03-01", **HTMX)
    text = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in text and 'id="clause-results"' in text
    assert '<dialog id="evidence-panel"' in text


def test_a_cell_opens_its_clauses_verbatim_and_escaped(client, world):
    path = "/agreements/clauses/FR/military-aid/?as_of=2024-03-01"
    page = client.get(path).content.decode()
    fragment = client.get(path, **HTMX).content.decode()
    # Without JavaScript: a page of its own, with the way back to the matrix that day.
    assert "<html" in page and "<h1>Clauses in force on 1 March 2024</h1>" in page
    assert 'href="/agreements/clauses/?as_of=2024-03-01"' in page
    # For the dialog: the section alone, titled.
    assert "<html" not in fragment
    assert '<h2 id="evidence-title">France: Military aid</h2>' in fragment
    for text in (page, fragment):
        assert "Synthetic aid &lt;b&gt;bold&lt;/b&gt; &amp; co." in text
        assert "<b>bold</b>" not in text
        assert "Article 3" in text and "Article 4" in text
        assert 'href="/agreements/synthetic-fr/">Synthetic French pact</a>' in text


def test_a_cell_shows_an_amount(client, world):
    text = client.get(
        "/agreements/clauses/FR/financial-support/?as_of=2024-03-01", **HTMX
    ).content.decode()
    assert "Article 5" in text and "3000000000.00 EUR (2024)" in text


def test_a_cell_of_an_organization_and_an_empty_cell(client, world):
    day = "?as_of=2023-08-31"
    club = client.get(f"/agreements/clauses/synthetic-club/consultations-24h/{day}", **HTMX)
    assert "Synthetic consultation words." in club.content.decode()
    netherlands = client.get(f"/agreements/clauses/NL/consultations-24h/{day}", **HTMX)
    text = netherlands.content.decode()
    assert "0 clauses" in text and "No clause of this kind" in text


def test_the_matrix_links_each_cell_to_its_clauses(client, world):
    text = client.get("/agreements/clauses/?as_of=2024-03-01").content.decode()
    assert (
        '<a href="/agreements/clauses/FR/military-aid/?as_of=2024-03-01" '
        'data-opens-evidence>2<span class="visually-hidden"> clauses</span></a>'
    ) in text
    assert 'href="/agreements/?party=synthetic-club&amp;in_force_on=2024-03-01"' in text


@pytest.mark.parametrize(
    "path",
    [
        "/agreements/clauses/ZZ/military-aid/",
        "/agreements/clauses/no-such-club/military-aid/",
        "/agreements/clauses/FR/no-such/",
        "/agreements/clauses/%00/military-aid/",
    ],
)
def test_a_cell_of_an_unknown_party_or_category_is_not_found(client, world, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("as_of=2024-02-30", "as_of: Give a real date"),
        ("as_of=1899-01-01", "as_of: Dates start in 1900."),
        ("sort=x&as_of=2024-01-01", "Unknown parameter: sort. This page takes: as_of."),
    ],
)
def test_a_bad_cell_day_or_parameter_is_a_400_naming_it(client, world, query, message):
    response = client.get(f"/agreements/clauses/FR/military-aid/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_downloads_hold_the_counts_as_shown(client, world):
    response = client.get("/agreements/clauses/?as_of=2024-03-01&format=csv")
    assert response["Content-Disposition"] == 'attachment; filename="clauses-2024-03-01.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    france = next(row for row in rows if row["holder.name"] == "France")
    assert france["as_of"] == "2024-03-01"
    assert france["cells.military-aid"] == "2" and france["agreements"] == "1"
    assert "agreements_unpublished" not in france
    body = client.get("/agreements/clauses/?as_of=2024-03-01&format=json").json()
    assert [c["slug"] for c in body["categories"]][:3] == [
        "nato-membership",
        "consultations-24h",
        "military-aid",
    ]
    club = body["rows"][-1]
    assert club["holder"] == {
        "type": "organization",
        "slug": "synthetic-club",
        "name": "Synthetic Club",
    }
    assert club["cells"]["consultations-24h"] == 1


def test_the_pages_link_to_it(client, world):
    listing = client.get("/agreements/").content.decode()
    assert 'href="/agreements/clauses/">What each ally had signed, clause by clause</a>' in listing
    detail = client.get("/agreements/synthetic-fr/").content.decode()
    assert 'href="/agreements/clauses/?as_of=2024-02-16"' in detail


# --- the signatures month by month ----------------------------------------------------------


def test_the_timeline_counts_allies_with_a_bilateral_agreement_month_by_month(world):
    months = {m.month: m for m in signature_timeline()}
    # From the first bilateral security agreement's month (the declaration is not one) ...
    assert min(months) == D(2024, 1, 1)
    assert max(months) == today().replace(day=1)
    assert len(months) == (today().year - 2024) * 12 + today().month
    # ... counting at each month's end: Germany from January, ended on 1 March; France from
    # February to 30 June; never the draft, Ukraine or the declaration's parties.
    assert months[D(2024, 1, 1)].allies == 1
    assert months[D(2024, 2, 1)].allies == 2
    assert months[D(2024, 3, 1)].allies == 1
    assert months[D(2024, 6, 1)].allies == 1 and months[D(2024, 6, 1)].day == D(2024, 6, 30)
    assert months[D(2024, 7, 1)].allies == 0
    # The allies of the day: Sweden counts among the members from March 2024.
    assert months[D(2024, 2, 1)].members == 3 and months[D(2024, 3, 1)].members == 4
    assert months[today().replace(day=1)].day == today()


def test_a_later_joiner_and_a_non_member_in_the_timeline(world):
    ukraine = CountryFactory(code="UA")
    AgreementFactory(
        signed_on=D(2025, 1, 15),
        parties=[
            {"country": ukraine},
            {"country": world["france"]},
            {"country": CountryFactory(code="QY", nato_joined=None)},
            {"country": CountryFactory(code="IT", name="Italy"), "joined_on": D(2025, 3, 1)},
        ],
    )
    months = {m.month: m for m in signature_timeline()}
    assert months[D(2025, 1, 1)].allies == 1  # France; not the country outside NATO
    assert months[D(2025, 2, 1)].allies == 1
    assert months[D(2025, 3, 1)].allies == 2  # Italy from its joining day


def test_a_bilateral_agreement_without_ukraine_is_not_counted(world):
    first, second = country_other_than(), country_other_than()
    AgreementFactory(signed_on=D(2023, 5, 1), parties=[{"country": first}, {"country": second}])
    assert min(m.month for m in signature_timeline()) == D(2024, 1, 1)


def test_no_bilateral_agreement_no_timeline(client):
    assert signature_timeline() == []
    text = client.get("/agreements/").content.decode()
    assert "No published bilateral security agreement with Ukraine is on record yet." in text


def test_the_list_page_draws_the_timeline_with_its_table(client, world):
    text = client.get("/agreements/").content.decode()
    assert '<svg viewBox="0 0' in text and 'role="img"' in text
    assert "<title>February 2024: 2 of 3 allies</title>" in text
    assert '<time datetime="2024-02">February 2024</time></th><td>2</td><td>3</td>' in text
    assert "Counted from January 2024, the month of the first signing." in text
    htmx = client.get("/agreements/?party=FR", **HTMX).content.decode()
    assert "<svg" not in htmx


# --- query counts ----------------------------------------------------------------------------


def grow(n: int) -> None:
    """n more allies, each with an agreement with Ukraine and clauses of three categories,
    and an organization party to each."""
    ukraine = CountryFactory(code="UA", name="Ukraine", nato_joined=None)
    for i in range(n):
        AgreementFactory(
            signed_on=D(2024, 1 + i % 12, 1 + i % 27),
            parties=[
                {"country": ukraine},
                {"country": country_other_than(ukraine)},
                {"organization": OrganizationFactory()},
            ],
            clauses=[
                synthetic_clause(slug)
                for slug in ("military-aid", "sanctions", "intelligence", "military-aid")
            ],
        )


def count_queries(client, path, headers=None):
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **(headers or {}))
    assert response.status_code == 200, path
    return len(queries), len(response.content)


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/agreements/clauses/?as_of=2025-01-01", None),
        ("/agreements/clauses/?as_of=2025-01-01", HTMX),
        ("/agreements/clauses/?as_of=2025-01-01&format=csv", None),
        ("/agreements/", None),
    ],
)
def test_the_pages_make_as_many_queries_whatever_their_rows(client, path, headers):
    grow(2)
    small, small_size = count_queries(client, path, headers)
    grow(6)
    large, large_size = count_queries(client, path, headers)
    assert large_size > small_size
    assert small == large <= 6, (small, large)


def test_a_cell_makes_as_many_queries_whatever_its_clauses(client):
    ukraine = CountryFactory(code="UA", name="Ukraine", nato_joined=None)
    france = CountryFactory(code="FR", name="France")
    path = "/agreements/clauses/FR/military-aid/?as_of=2025-01-01"
    counts = []
    for n in (1, 5):
        AgreementFactory(
            parties=[{"country": ukraine}, {"country": france}],
            clauses=[synthetic_clause("military-aid") for _ in range(n)],
        )
        counts.append(count_queries(client, path, HTMX)[0])
    assert counts[0] == counts[1] <= 4, counts
