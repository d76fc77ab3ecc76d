"""Importing agreements (apps/agreements/imports.py): CSV with a row per clause, or JSON shaped
as the API's body; every agreement through the services' rules, all or nothing, each problem
named by row and column; imported agreements wait for review, by their importer."""

import datetime
import decimal
import json

import pytest

from apps.agreements.imports import agreements_import, read_file, read_rows
from apps.agreements.models import Agreement, Clause, Party
from apps.core.models import Status
from tests.factories import (
    AgreementFactory,
    CountryFactory,
    EditorFactory,
    OrganizationFactory,
    SourceFactory,
)

D = datetime.date
HEADER = (
    "slug,title,kind,signed_on,duration_years,expires_on,source,status,parties,"
    "clause_category,clause_article,clause_text,clause_amount,clause_currency,clause_period\n"
)


@pytest.fixture
def world(db):
    CountryFactory(code="UA", name="Ukraine", nato_joined=None)
    CountryFactory(code="FR", name="France")
    OrganizationFactory(slug="nato", name="NATO")
    return {"source": SourceFactory(title="Synthetic source"), "editor": EditorFactory()}


def row(world, **values) -> str:
    """One CSV row of a synthetic agreement and its clause; ``values`` override columns."""
    columns = {
        "slug": "synthetic-pact",
        "title": "Synthetic pact",
        "kind": "bilateral_security",
        "signed_on": "2024-02-16",
        "duration_years": "10",
        "expires_on": "",
        "source": str(world["source"].pk),
        "status": "in_review",
        "parties": "UA FR nato@2024-03-01",
        "clause_category": "military-aid",
        "clause_article": "1",
        "clause_text": "Synthetic clause text one.",
        "clause_amount": "2500000000",
        "clause_currency": "EUR",
        "clause_period": "2024",
        **values,
    }
    return ",".join(columns[c] for c in HEADER.strip().split(",")) + "\n"


def more(**values) -> str:
    """A further clause row of the agreement above, its agreement columns left empty."""
    columns = dict.fromkeys(HEADER.strip().split(","), "")
    columns.update(
        slug="synthetic-pact",
        clause_category="financial-support",
        clause_article="2",
        clause_text="Synthetic clause text two.",
    )
    columns.update(values)
    return ",".join(columns[c] for c in HEADER.strip().split(",")) + "\n"


def csv_import(world, body: str, **kwargs):
    return agreements_import(rows=read_rows(body, "csv"), by=world["editor"], **kwargs)


def problems(result) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in result.errors]


def nothing_stored():
    return not Agreement.objects.exists() and not Party.objects.exists()


# --- good files -------------------------------------------------------------------------------


def test_a_good_csv_stores_agreements_with_parties_and_clauses_in_review(world):
    body = (
        HEADER
        + row(world)
        + more()
        + row(world, slug="synthetic-accord", title="Synthetic accord", status="", parties="UA FR")
    )

    result = csv_import(world, body)

    assert result.ok, result.errors
    assert (result.rows, result.agreements, result.parties, result.clauses) == (3, 2, 5, 3)
    pact = Agreement.objects.get(slug="synthetic-pact")
    assert (pact.title, pact.signed_on, pact.expires_on) == (
        "Synthetic pact",
        D(2024, 2, 16),
        D(2034, 2, 16),
    )
    assert (pact.status, pact.created_by, pact.source) == (
        Status.IN_REVIEW,
        world["editor"],
        world["source"],
    )
    parties = {str(p.holder): p.joined_on for p in pact.parties.all()}
    assert parties == {"Ukraine": None, "France": None, "NATO": D(2024, 3, 1)}
    clauses = [
        (c.category.slug, c.article, c.text, c.amount, c.currency) for c in pact.clauses.all()
    ]
    assert clauses == [
        ("military-aid", "1", "Synthetic clause text one.", decimal.Decimal(2_500_000_000), "EUR"),
        ("financial-support", "2", "Synthetic clause text two.", None, ""),
    ]
    accord = Agreement.objects.get(slug="synthetic-accord")
    assert accord.status == Status.DRAFT  # the default: a draft
    assert accord.clauses.count() == 1


def test_a_good_json_stores_what_the_api_body_holds(world):
    body = [
        {
            "slug": "synthetic-declaration",
            "title": "Synthetic declaration",
            "kind": "joint_declaration",
            "signed_on": "2023-07-12",
            "place": "Synthetic place",
            "source": world["source"].pk,
            "status": "in_review",
            "needs_ratification": False,
            "parties": [
                {"country": "UA"},
                {"country": "fr"},
                {"organization": "nato", "joined_on": "2023-09-01"},
            ],
            "clauses": [
                {
                    "category": "other",
                    "article": "4",
                    "text": "Synthetic words, verbatim for a test.",
                    "amount": 1500.5,
                    "currency": "USD",
                    "period": "per year",
                }
            ],
        }
    ]

    result = agreements_import(
        rows=read_file(json.dumps(body).encode(), "agreements.json"), by=world["editor"]
    )

    assert result.ok, result.errors
    agreement = Agreement.objects.get()
    assert (agreement.kind, agreement.place, agreement.expires_on) == (
        "joint_declaration",
        "Synthetic place",
        None,
    )
    assert agreement.status == Status.IN_REVIEW
    joined = {str(p.holder): p.joined_on for p in agreement.parties.all()}
    assert joined == {"Ukraine": None, "France": None, "NATO": D(2023, 9, 1)}
    clause = Clause.objects.get()
    assert (clause.amount, clause.currency, clause.period) == (
        decimal.Decimal("1500.50"),
        "USD",
        "per year",
    )


def test_the_history_records_the_import_as_its_author(world):
    assert csv_import(world, HEADER + row(world)).ok

    agreement = Agreement.objects.get()
    event = Agreement.pgh_event_model.objects.get(pgh_obj_id=agreement.pk)
    assert event.created_by_id == world["editor"].pk
    assert Clause.pgh_event_model.objects.filter(pgh_obj__agreement=agreement).count() == 1


def test_a_dry_run_checks_and_stores_nothing(world):
    result = csv_import(world, HEADER + row(world) + more(), dry_run=True)

    assert result.ok and (result.agreements, result.clauses) == (1, 2)
    assert nothing_stored()


def test_a_byte_order_mark_is_accepted(world):
    rows = read_file(b"\xef\xbb\xbf" + (HEADER + row(world)).encode(), "agreements.csv")

    assert agreements_import(rows=rows, by=world["editor"]).ok
    assert Agreement.objects.get().slug == "synthetic-pact"


# --- every rule: its row, its column, and nothing stored ----------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "column", "words"),
    [
        ({"parties": "UA"}, {}, "parties", "at least two parties"),
        ({"parties": "UA UA"}, {}, "parties", "Party 2 (UA): Ukraine is already a party"),
        ({"expires_on": "2024-01-01"}, {}, "expires_on", "ends after it starts"),
        ({"signed_on": "2999-01-01"}, {}, "signed_on", "cannot be in the future"),
        ({"signed_on": "1899-12-31"}, {}, "signed_on", "Dates start in 1900"),
        ({"signed_on": "16/02/2024"}, {}, "signed_on", "not a date as YYYY-MM-DD"),
        ({"signed_on": ""}, {}, "signed_on", "This column is required"),
        ({"title": ""}, {}, "title", "cannot be blank"),
        ({"kind": "pact"}, {}, "kind", "not a valid choice"),
        ({"duration_years": "ten"}, {}, "duration_years", "not a whole number"),
        ({"source": "999999"}, {}, "source", "No source has the id “999999”"),
        ({"source": "9" * 40}, {}, "source", "No source has the id"),
        ({"source": "²"}, {}, "source", "No source has the id “²”"),
        ({"status": "published"}, {}, "status", "Imported rows go to review"),
        ({"parties": "UA XX"}, {}, "parties", "Party 2 (XX): No country has the code “XX”"),
        ({"parties": "UA no-such-body"}, {}, "parties", "No organization has the slug"),
        (
            {"parties": "UA FR@2024-01-01"},
            {},
            "parties",
            "Party 2 (FR@2024-01-01): A party joins on or after the signing (16 February 2024)",
        ),
        ({}, {"clause_amount": "-5", "clause_currency": "EUR"}, "clause_amount", "or equal to 0"),
        ({}, {"clause_amount": "5 000"}, "clause_amount", "is not a number"),
        ({}, {"clause_amount": "5"}, "clause_currency", "comes with its currency"),
        ({}, {"clause_text": ""}, "clause_text", "cannot be blank"),
        ({}, {"clause_category": "warp-drive"}, "clause_category", "No clause category"),
        ({}, {"clause_category": ""}, "clause_category", "This column is required"),
        ({}, {"title": "Synthetic other"}, "title", "Row 2 gives this agreement's title"),
    ],
)
def test_each_rule_is_refused_on_its_row_and_column_and_nothing_is_stored(
    world, first, second, column, words
):
    """Row 3 breaks the rule: a second agreement (after a good one), or a second clause."""
    if first:
        body = HEADER + row(world, slug="synthetic-good") + row(world, **first)
    else:
        body = HEADER + row(world) + more(**second)

    result = csv_import(world, body)

    assert not result.ok
    where = {(r, c): m for r, c, m in problems(result)}
    assert (3, column) in where, problems(result)
    assert words in where[(3, column)]
    assert nothing_stored()


def test_a_stored_slug_is_refused_not_merged(world):
    stored = AgreementFactory(slug="synthetic-pact", title="Synthetic stored")

    result = csv_import(world, HEADER + row(world))

    assert problems(result) == [
        (
            2,
            "slug",
            "An agreement with this slug is already stored: an import adds new agreements only "
            "(change a stored one in the admin or through the API).",
        )
    ]
    assert Agreement.objects.get() == stored
    assert Agreement.objects.get().title == "Synthetic stored"


def test_an_agreement_given_twice_is_refused_on_its_second_start(world):
    body = HEADER + row(world) + row(world, slug="synthetic-b") + more()

    result = csv_import(world, body)

    assert problems(result) == [
        (
            4,
            "slug",
            "Agreement “synthetic-pact” began at row 2: give an agreement once, its rows one "
            "after another.",
        )
    ]
    assert nothing_stored()


def test_unknown_columns_are_refused_not_ignored(world):
    body = HEADER.replace("expires_on", "expiry") + row(world)

    result = csv_import(world, body)

    assert (1, "expiry") in [(r, c) for r, c, _ in problems(result)]
    assert nothing_stored()


def test_every_problem_of_the_file_is_listed_by_row(world):
    """A value refused on reading does not hide the rules the rest of its agreement breaks."""
    body = (
        HEADER
        + row(world, parties="UA", status="published")
        + more(clause_text="", clause_category="warp-drive")
        + row(world, slug="synthetic-b", signed_on="2999-01-01", parties="UA XX")
    )

    result = csv_import(world, body)

    assert [(r, c) for r, c, _ in problems(result)] == [
        (2, "status"),
        (2, "parties"),
        (3, "clause_category"),
        (3, "clause_text"),
        (4, "parties"),
        (4, "signed_on"),
    ]
    assert nothing_stored()


def test_json_problems_name_the_agreement_and_the_key(world):
    good = {
        "slug": "synthetic-good",
        "title": "Synthetic good",
        "kind": "memorandum",
        "signed_on": "2024-01-12",
        "source": world["source"].pk,
        "parties": [{"country": "UA"}, {"country": "FR"}],
    }
    bad = {
        **good,
        "slug": "synthetic-bad",
        "parties": [{"country": "UA"}, {"organization": "nato", "joined_on": "2020-01-01"}],
        "clauses": [
            {"category": "other", "text": "Synthetic words."},
            {"category": "other", "text": "", "amount": -1, "currency": "EUR"},
        ],
        "colour": "blue",
    }
    rows = read_rows(json.dumps([good, bad, {**good, "title": "Synthetic again"}]), "json")

    result = agreements_import(rows=rows, by=world["editor"])

    assert [(r, c) for r, c, _ in problems(result)] == [
        (2, "colour"),
        (2, "parties.2.joined_on"),
        (2, "clauses.2.text"),
        (2, "clauses.2.amount"),
        (3, "slug"),
    ]
    assert "The same slug as agreement 1" in result.errors[-1].message
    assert nothing_stored()


# --- files that cannot be read ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"slug\n", "agreements.txt", "Upload a .csv or a .json file."),
        (b"\xff\xfe\x00s", "agreements.csv", "not UTF-8"),
        (b"slug,title\nsynthetic\x00,x\n", "agreements.csv", "NUL characters"),
        (b"{not json", "agreements.json", "This is not JSON"),
        (b'{"slug": "x"}', "agreements.json", "a list of objects, one per agreement"),
        (b'[{"slug": "x", "parties": "UA FR"}]', "agreements.json", "key parties: give a list"),
        (b'[{"slug": "x", "clauses": [["a"]]}]', "agreements.json", "key clauses: give a list"),
        (b'[{"slug": {"a": 1}}]', "agreements.json", "Object 1, key slug: give text"),
        (b'[{"parties": [{"country": ["UA"]}]}]', "agreements.json", "parties 1, key country"),
        (b"x" * (5 * 1024 * 1024 + 1), "agreements.csv", "larger than 5 MB"),
        (b"slug\n" + b"x" * (128 * 1024 + 1) + b"\n", "agreements.csv", "longer than 131,072"),
    ],
)
def test_a_bad_file_is_refused_whole_with_a_message(data, name, words):
    with pytest.raises(ValueError, match=words):
        read_file(data, name)


def test_the_import_itself_refuses_to_run_as_nobody(world):
    with pytest.raises(ValueError, match="named editor"):
        agreements_import(rows=read_rows(HEADER + row(world), "csv"), by=None)
