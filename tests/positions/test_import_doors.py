"""The two import doors, the command (`import_statements --as USERNAME`) and the admin upload,
behave alike: the same reading (byte order mark, size, field and nesting limits), the same
refusals (duplicates, rows marked published), a named editor, all or nothing; and the work
per file does not grow a query per row."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.positions.imports import MAX_FIELD_CHARS, read_rows, statements_import
from apps.positions.models import Position
from apps.statements.models import Quote, Source
from tests.factories import (
    CountryFactory,
    EditorFactory,
    PersonFactory,
    TopicFactory,
    UserFactory,
)

IMPORT = reverse("admin:positions_statements_import")
HEADER = (
    "source_title,source_published_on,source_kind,source_reliability,text,speaker,said_on,"
    "topics,status,position_topic,position_stance,position_country,position_status\n"
)
LINE = "A report,2023-07-12,analysis,secondary,{text},olaf,2023-07-12,membership,{status},{pos}\n"
NO_POSITION = ",,,"


def line(text="Words.", status="draft", pos=NO_POSITION):
    return LINE.format(text=text, status=status, pos=pos)


@pytest.fixture
def world(db):
    TopicFactory(slug="membership")
    CountryFactory(code="DE", name="Germany")
    PersonFactory(slug="olaf")


@pytest.fixture
def importer(db):
    return EditorFactory(username="ingrid")


class CommandDoor:
    def __init__(self, tmp_path, capsys):
        self.tmp_path, self.capsys = tmp_path, capsys

    def run(self, body: bytes, name="statements.csv", user="ingrid"):
        """Return (ok, the messages) of an import through this door."""
        path = self.tmp_path / name
        path.write_bytes(body)
        try:
            call_command("import_statements", str(path), "--as", user)
        except CommandError as error:
            captured = self.capsys.readouterr()
            return False, f"{captured.err}\n{error}"
        return True, self.capsys.readouterr().out


class UploadDoor:
    def __init__(self, client, user):
        client.force_login(user)
        self.client = client

    def run(self, body: bytes, name="statements.csv"):
        """An unreadable file is a form error; a readable one is a run, whose page says how
        it ended."""
        response = self.client.post(IMPORT, {"file": SimpleUploadedFile(name, body)}, follow=True)
        assert response.status_code == 200  # never a 500
        run = response.context.get("run")
        return run is not None and run.ok, response.content.decode()


@pytest.fixture(params=["command", "upload"])
def door(request, tmp_path, capsys, client, importer, world):
    if request.param == "command":
        return CommandDoor(tmp_path, capsys)
    return UploadDoor(client, importer)


def test_a_byte_order_mark_is_accepted(door, importer):
    ok, _ = door.run(b"\xef\xbb\xbf" + (HEADER + line()).encode())

    assert ok
    quote = Quote.objects.get()
    assert quote.text == "Words." and quote.created_by == importer


def test_a_field_over_128_kb_is_a_message_and_nothing_is_stored(door):
    ok, message = door.run((HEADER + line("x" * (MAX_FIELD_CHARS + 10))).encode())

    assert not ok
    assert "longer than 131,072 characters" in message
    assert not Quote.objects.exists() and not Source.objects.exists()


@pytest.mark.parametrize("depth", [50, 100_000])
def test_deeply_nested_json_is_a_message(door, depth):
    ok, message = door.run(("[" * depth + "]" * depth).encode(), name="deep.json")

    assert not ok
    assert "nested too deeply" in message or "list of objects" in message
    assert not Quote.objects.exists()


def test_a_json_value_that_is_a_list_or_object_is_refused(door):
    row = {
        "source_title": "A report",
        "source_published_on": "2023-07-12",
        "source_kind": "analysis",
        "source_reliability": "secondary",
        "text": {"nested": ["words"]},
        "speaker": "olaf",
        "said_on": "2023-07-12",
    }

    ok, message = door.run(json.dumps([row]).encode(), name="rows.json")

    assert not ok
    assert "Object 1, key text: give text, a number or true/false" in message


def test_a_row_repeated_in_the_file_is_refused_naming_the_first(door):
    ok, message = door.run((HEADER + line() + line("Other words.") + line()).encode())

    assert not ok
    assert "The same quote as row 2: give it once." in message
    assert not Quote.objects.exists()


def test_a_row_repeating_a_stored_quote_is_refused(door, importer):
    assert statements_import(rows=read_rows(HEADER + line(), "csv"), by=importer).ok

    ok, message = door.run((HEADER + line("New words.") + line()).encode())

    assert not ok
    assert "This quote is already stored" in message
    assert Quote.objects.count() == 1


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (line(status="published"), "status"),
        (line(pos="membership,1,DE,published"), "position_status"),
    ],
)
def test_rows_marked_published_are_refused_imports_go_to_review(door, row, column):
    ok, message = door.run((HEADER + row).encode())

    assert not ok
    assert "Imported rows go to review" in message and column in message
    assert not Quote.objects.exists() and not Position.objects.exists()


def test_rows_in_review_are_imported_with_their_author_for_four_eyes(door, importer):
    ok, _ = door.run((HEADER + line(status="in_review", pos="membership,1,DE,in_review")).encode())

    assert ok
    position = Position.objects.get()
    assert (position.status, position.created_by) == ("in_review", importer)
    assert Quote.objects.get().created_by == importer


def test_a_file_over_5_mb_is_refused(door):
    body = (HEADER + line("x" * 100_000) * 53).encode()
    assert len(body) > 5 * 1024 * 1024

    ok, message = door.run(body)

    assert not ok
    assert "larger than 5 MB" in message


def test_the_command_needs_an_active_editor(world, tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_text(HEADER + line())
    UserFactory(username="reader")
    EditorFactory(username="gone", is_active=False)

    with pytest.raises(CommandError, match="--as"):
        call_command("import_statements", str(path))
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_statements", str(path), "--as", "nobody")
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_statements", str(path), "--as", "gone")
    with pytest.raises(CommandError, match="may not add quotes and positions"):
        call_command("import_statements", str(path), "--as", "reader")
    assert not Quote.objects.exists()


def test_the_import_itself_refuses_to_run_as_nobody(world):
    with pytest.raises(ValueError, match="named editor"):
        statements_import(rows=read_rows(HEADER + line(), "csv"), by=None)


def test_the_queries_do_not_grow_with_the_rows(world, importer):
    def queries(count):
        body = HEADER + "".join(line(f"Words {n}.") for n in range(count))
        with CaptureQueriesContext(connection) as captured:
            result = statements_import(rows=read_rows(body, "csv"), by=importer, dry_run=True)
        assert result.ok and result.quotes == count, result.errors
        return len(captured.captured_queries)

    assert queries(200) - queries(5) <= 4  # a batch or two more, not 195 rows' lookups
