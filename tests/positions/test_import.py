"""import_statements: every row through the services, errors by row and column, all or nothing."""

import json

import pytest
from django.core.management import CommandError, call_command

from apps.positions.imports import read_rows, statements_import
from apps.positions.models import Position
from apps.statements.models import Quote, Source
from tests.factories import CountryFactory, EditorFactory, PersonFactory, TopicFactory

HEADER = (
    "source_title,source_published_on,source_kind,source_reliability,text,speaker,"
    "speaker_label,country,said_on,topics,status,position_topic,position_stance,"
    "position_country,position_valid_from,position_confidence\n"
)


@pytest.fixture
def world(db):
    TopicFactory(slug="membership")
    CountryFactory(code="DE", name="Germany")
    CountryFactory(code="PL", name="Poland")
    PersonFactory(slug="olaf")
    return EditorFactory(username="ingrid")


def write(tmp_path, body, name="statements.csv"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_a_good_file_imports_quotes_sources_and_positions(world, tmp_path, capsys):
    path = write(
        tmp_path,
        HEADER
        + "Second report,2023-07-12,news_report,secondary,Not now.,olaf,,DE,2023-07-12,membership,draft,membership,-1,DE,2023-07-12,stated\n"
        + "Second report,2023-07-12,news_report,secondary,Invite now!,,a diplomat,PL,2023-07-01,membership,draft,membership,2,PL,,reported\n",
    )

    call_command("import_statements", str(path), "--as", "ingrid")

    assert "Imported 2 quote(s), 2 position(s) and 1 new source(s)" in capsys.readouterr().out
    assert Source.objects.count() == 1
    assert Quote.objects.count() == 2
    assert set(Position.objects.values_list("country__code", "stance__value")) == {
        ("DE", -1),
        ("PL", 2),
    }


def test_errors_are_reported_by_row_and_column_and_nothing_is_stored(world, tmp_path, capsys):
    path = write(
        tmp_path,
        HEADER
        + "Second report,2023-07-12,news_report,secondary,Fine words.,olaf,,DE,2023-07-12,membership,draft,,,,,\n"
        + "Second report,2023-07-12,news_report,secondary,No speaker.,,,DE,2023-07-12,membership,draft,,,,,\n"
        + "Second report,2023-07-12,news_report,secondary,Bad date.,olaf,,DE,2023-02-30,membership,draft,,,,,\n"
        + "Second report,2023-07-12,news_report,secondary,Bad topic.,olaf,,DE,2023-07-12,nope,draft,,,,,\n"
        + "Second report,2023-07-12,news_report,secondary,Bad stance.,olaf,,DE,2023-07-12,membership,draft,membership,7,DE,,stated\n",
    )

    with pytest.raises(CommandError, match="4 error"):
        call_command("import_statements", str(path), "--as", "ingrid")

    errors = capsys.readouterr().err
    assert "row 3, column speaker:" in errors
    assert "row 4, column said_on:" in errors
    assert "row 5, column topics: Unknown topic: nope" in errors
    assert "row 6, column position_stance:" in errors
    assert not Quote.objects.exists() and not Source.objects.exists()


def test_a_dry_run_validates_and_stores_nothing(world, tmp_path, capsys):
    path = write(
        tmp_path,
        HEADER
        + "Second report,2023-07-12,news_report,secondary,Not now.,olaf,,DE,2023-07-12,membership,draft,,,,,\n",
    )

    call_command("import_statements", str(path), "--as", "ingrid", "--dry-run")

    assert "Would import 1 quote(s)" in capsys.readouterr().out
    assert not Quote.objects.exists()


def test_json_rows_use_the_same_columns(world):
    rows = read_rows(
        json.dumps(
            [
                {
                    "source_title": "Third report",
                    "source_published_on": "2023-07-12",
                    "source_kind": "transcript",
                    "source_reliability": "primary",
                    "text": "Words",
                    "speaker": "olaf",
                    "said_on": "2023-07-12",
                    "topics": "membership",
                }
            ]
        ),
        "json",
    )

    result = statements_import(rows=rows, by=world)

    assert result.ok and result.quotes == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [("[1, 2]", "list of objects"), ("not json", "This is not JSON"), ("a\x00b", "NUL")],
)
def test_unreadable_files_are_refused(world, tmp_path, body, message):
    path = write(tmp_path, body, "bad.json")

    with pytest.raises(CommandError, match=message):
        call_command("import_statements", str(path), "--as", "ingrid")


def test_overlapping_positions_inside_one_file_are_refused(world, settings):
    # Only where nobody reviews (FOUR_EYES off) may an import publish.
    settings.FOUR_EYES = False
    base = {
        "source_title": "R",
        "source_published_on": "2023-07-12",
        "source_kind": "analysis",
        "source_reliability": "secondary",
        "speaker": "olaf",
        "said_on": "2023-07-12",
        "topics": "membership",
        "position_topic": "membership",
        "position_country": "DE",
        "position_stance": "1",
        "status": "published",
        "position_status": "published",
    }

    result = statements_import(rows=[{**base, "text": "One"}, {**base, "text": "Two"}], by=world)

    assert [(e.row, e.column) for e in result.errors] == [(3, "position_valid_from")]
    assert not Position.objects.exists()


def test_a_quote_said_after_its_new_source_was_published_is_refused(world, tmp_path, capsys):
    # The rule the other doors apply holds for a source the file itself brings in.
    path = write(
        tmp_path,
        HEADER
        + "Third report,2023-07-12,news_report,secondary,Said later.,olaf,,DE,2023-08-01,membership,draft,,,,,\n",
    )

    with pytest.raises(CommandError, match="1 error"):
        call_command("import_statements", str(path), "--as", "ingrid")

    errors = capsys.readouterr().err
    assert "row 2, column said_on: A quote cannot be said after its source was published." in errors
    assert not Source.objects.filter(title="Third report").exists()
    assert not Quote.objects.filter(text="Said later.").exists()
