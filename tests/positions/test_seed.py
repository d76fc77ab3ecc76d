"""load_seed brings in the whole report, word for word, and a second run changes nothing."""

import pytest
import yaml
from django.core.management import call_command
from django.db import connection

from apps.actors.models import Bloc, Country, Organization, Person, Role
from apps.positions.models import Position, Stance, Topic
from apps.positions.seed import SEED_DIR
from apps.statements.models import Event, Quote, Source

MODELS = [Country, Bloc, Organization, Person, Role, Event, Source, Quote, Topic, Stance, Position]
REPORT_TEXT = (SEED_DIR / "texts" / "fp-2023-06-nato-has-no-good-news-for-ukraine.txt").read_text(
    encoding="utf-8"
)


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("pk", "updated_at")) for model in MODELS
    }


def history_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM positions_positionevent")
        positions = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM statements_quoteevent")
        return positions, cursor.fetchone()[0]


def test_the_seed_has_the_reports_content(seeded):
    assert Country.objects.count() == 33
    assert Country.objects.nato_members(on="2023-06-30").count() == 31
    assert set(Country.objects.filter(nato_joined__isnull=True).values_list("code", flat=True)) == {
        "UA"
    }
    assert Person.objects.count() == 12
    assert Quote.objects.count() == 49
    assert Quote.objects.filter(is_paraphrase=False).count() == 18
    assert Position.objects.count() == 16
    assert set(Topic.objects.values_list("slug", flat=True)) == {
        "membership",
        "timeline",
        "guarantees",
    }
    assert Stance.objects.count() == 15
    assert {"bucharest-nine", "nordic-baltic-eight", "g7", "eastern-central-europe"} <= set(
        Bloc.objects.values_list("slug", flat=True)
    )
    assert {
        "bucharest-summit-2008",
        "budapest-memorandum-1994",
        "brussels-defence-ministers-2023-06",
        "vilnius-summit-2023",
    } <= set(Event.objects.values_list("slug", flat=True))


def test_every_quote_is_word_for_word_from_the_report(seeded):
    texts = list(Quote.objects.values_list("text", flat=True))

    assert texts
    assert [text for text in texts if text not in REPORT_TEXT] == []


def test_every_direct_quote_in_the_report_is_seeded(seeded):
    # The report's quotation marks are curly; every quoted passage must be a stored quote
    # or be contained in one (a trailing comma or full stop inside the marks is dropped).
    import re

    quoted = [q.rstrip(",. ") for q in re.findall(r"“([^”]+)”", REPORT_TEXT.split("---", 1)[1])]
    stored = list(Quote.objects.filter(is_paraphrase=False).values_list("text", flat=True))

    missing = [
        q for q in quoted if not any(q in s or s.rstrip(",.") in q and len(s) > 3 for s in stored)
    ]
    assert missing == []


def test_anonymous_diplomats_are_speaker_labels(seeded):
    labels = set(Quote.objects.filter(speaker__isnull=True).values_list("speaker_label", flat=True))

    assert "a senior diplomat" in labels
    assert "an anonymous NATO diplomat" in labels


def test_quoted_people_carry_the_role_they_held(seeded):
    luik = Quote.objects.filter(speaker__slug="juri-luik").select_related("role").first()

    assert luik.role.title == "Permanent Representative of Estonia to NATO"
    assert luik.source.published_precision == "month"


def test_every_seeded_position_is_published_with_evidence(seeded):
    positions = Position.objects.all()

    assert all(p.status == "published" for p in positions)
    assert all(p.evidence.exists() for p in positions)
    assert {p.confidence for p in positions} <= {"stated", "reported", "inferred"}


def test_loading_twice_changes_nothing(seeded):
    before, history_before = snapshot(), history_rows()

    call_command("load_seed", verbosity=0)

    assert snapshot() == before
    assert history_rows() == history_before


def test_the_seed_files_are_plain_yaml():
    for path in SEED_DIR.glob("*.yaml"):
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict), path.name


@pytest.mark.django_db
def test_load_seed_records_its_changes_as_the_command_door():
    call_command("load_seed", verbosity=0)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.metadata->>'door' FROM positions_positionevent e "
            "JOIN pghistory_context c ON c.id = e.pgh_context_id"
        )
        assert [row[0] for row in cursor.fetchall()] == ["command"]
