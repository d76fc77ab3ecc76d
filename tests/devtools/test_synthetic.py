"""generate_synthetic: a seeded dataset in a separate database, whole and consistent."""

import uuid

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.actors.models import Country
from apps.devtools import synthetic


def _drop(url: str) -> None:
    maintenance, name = synthetic._maintenance_url(url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                psycopg.sql.Identifier(name)
            )
        )


def _throwaway(django_db_blocker) -> str:
    """A new database name on the test database's server."""
    with django_db_blocker.unblock():
        params = connection.get_connection_params()
    return synthetic.url_for(params, f"test_synthetic_{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def small(django_db_setup, django_db_blocker):
    """The small scale loaded once into a throwaway database (dropped after the module)."""
    url = _throwaway(django_db_blocker)
    try:
        with django_db_blocker.unblock():
            call_command("generate_synthetic", "--scale", "small", "--database-url", url)
        yield url
    finally:
        _drop(url)


@pytest.fixture
def throwaway_url(django_db_blocker):
    url = _throwaway(django_db_blocker)
    yield url
    _drop(url)


def _one(url: str, sql: str):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchone()[0]


def test_small_scale_fills_every_table_with_the_promised_counts(small):
    url = small
    scale = synthetic.SCALES["small"]
    assert _one(url, "SELECT count(*) FROM actors_country") == scale.countries
    assert _one(url, "SELECT count(*) FROM positions_topic") == scale.topics
    assert _one(url, "SELECT count(*) FROM positions_stance") == scale.topics * 5
    assert _one(url, "SELECT count(*) FROM actors_person") == scale.people
    assert _one(url, "SELECT count(*) FROM statements_source") == scale.sources
    assert _one(url, "SELECT count(*) FROM statements_quote") == scale.quotes
    assert _one(url, "SELECT count(*) FROM positions_position") == scale.positions
    assert (
        synthetic.filled_mark(url)
        == f"{synthetic.MARK} scale=small seed=2023 shape={synthetic.SHAPE}"
    )
    assert _one(url, "SELECT count(*) FROM agreements_agreement") == scale.agreements
    assert _one(url, "SELECT count(*) FROM agreements_clause") == scale.clauses
    # Every agreement has two parties or more; some parties joined later; a few ended.
    assert (
        _one(
            url,
            "SELECT min(n) FROM (SELECT count(*) n FROM agreements_party GROUP BY agreement_id) s",
        )
        >= 2
    )
    assert _one(url, "SELECT count(*) FROM agreements_agreement WHERE status = 'published'") > (
        0.85 * scale.agreements
    )

    # Realistic shape: most quotes published, some anonymous, topics linked, years spread.
    published = _one(url, "SELECT count(*) FROM statements_quote WHERE status = 'published'")
    assert 0.85 * scale.quotes < published < scale.quotes
    anonymous = _one(url, "SELECT count(*) FROM statements_quote WHERE speaker_id IS NULL")
    assert 0 < anonymous < 0.2 * scale.quotes
    assert _one(url, "SELECT count(DISTINCT quote_id) FROM statements_quote_topics") == scale.quotes
    assert _one(url, "SELECT count(DISTINCT extract(year FROM said_on)) FROM statements_quote") > 10

    # Histories: several published positions per holder and topic, all but the last closed.
    assert (
        _one(
            url,
            "SELECT min(n) FROM (SELECT count(*) n FROM positions_position "
            "WHERE status = 'published' GROUP BY country_id, organization_id, topic_id) s",
        )
        >= 3
    )
    assert _one(
        url, "SELECT count(*) FROM positions_position WHERE status IN ('draft', 'retracted')"
    )


def test_the_rows_satisfy_the_rules_the_database_does_not_check_itself(small):
    url = small

    # Every published position has evidence; evidence quotes are published.
    assert not _one(
        url,
        "SELECT count(*) FROM positions_position p WHERE status = 'published' AND NOT EXISTS "
        "(SELECT 1 FROM positions_position_evidence e WHERE e.position_id = p.id)",
    )
    # Nothing is dated after the last synthetic day; roles end after they start.
    last = synthetic.LAST_DAY.isoformat()
    assert not _one(url, f"SELECT count(*) FROM statements_quote WHERE said_on > '{last}'")
    assert not _one(url, f"SELECT count(*) FROM positions_position WHERE valid_from > '{last}'")
    # The constraints were enforced while loading (none was switched off or left unvalidated).
    assert not _one(url, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated")
    # The history triggers are back on for the bulk tables.
    disabled = _one(
        url,
        "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'",
    )
    assert disabled == 0
    # The evidence tally counts what the links say, for every position.
    assert not _one(
        url,
        "SELECT count(*) FROM positions_position p WHERE "
        "coalesce((SELECT published FROM positions_evidence_tally t WHERE t.position_id = p.id), 0)"
        " <> (SELECT count(*) FROM positions_position_evidence e JOIN statements_quote q "
        "ON q.id = e.quote_id WHERE e.position_id = p.id AND q.status = 'published')",
    )
    assert _one(url, "SELECT count(*) FROM positions_evidence_tally") > 0
    # Sequences continue after the loaded ids.
    assert _one(url, "SELECT nextval(pg_get_serial_sequence('statements_quote', 'id'))") == (
        synthetic.SCALES["small"].quotes + 1
    )
    # Positions inserted with their history triggers on have their insert events.
    assert _one(url, "SELECT count(*) FROM positions_positionevent") == (
        synthetic.SCALES["small"].positions
    )


def test_a_database_constraint_would_have_refused_bad_rows(small):
    with psycopg.connect(small) as conn:
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE statements_quote SET speaker_label = '' WHERE speaker_id IS NULL")
        conn.rollback()
        with pytest.raises(psycopg.errors.ExclusionViolation):
            conn.execute(
                "INSERT INTO positions_position (country_id, topic_id, stance_id, conditionality,"
                " conditionality_note, valid_from, confidence, summary, status, correction_note,"
                " version, review_note, created_at, updated_at) SELECT country_id, topic_id,"
                " stance_id, 'none', '', valid_from, 'stated', '', 'published', '', 1, '', now(),"
                " now()"
                " FROM positions_position WHERE status = 'published' AND country_id IS NOT NULL"
                " LIMIT 1"
            )


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(small, throwaway_url):
    synthetic.ensure_database(throwaway_url, replace=False)
    synthetic.migrate(throwaway_url)

    synthetic.load(throwaway_url, "small", 2023)

    assert synthetic.digest(small) == synthetic.digest(throwaway_url)
    quotes = {}
    for seed in (2023, 7):
        dataset = synthetic.Dataset(synthetic.SCALES["small"], seed)
        rows = next(rows for table, _c, rows in dataset.tables if table == "statements_quote")
        quotes[seed] = [next(rows) for _ in range(20)]
    assert quotes[2023] != quotes[7]


def test_a_loaded_database_is_not_filled_twice(small):
    with pytest.raises(synthetic.SyntheticError, match="already has data"):
        synthetic.load(small, "small", 2023)

    assert _one(small, "SELECT count(*) FROM statements_quote") == synthetic.SCALES["small"].quotes


@pytest.mark.django_db
def test_it_refuses_the_database_the_application_uses(db):
    working = synthetic.url_for(
        connection.get_connection_params(), connection.settings_dict["NAME"]
    )

    with pytest.raises(CommandError, match="Refusing to fill the database the application uses"):
        call_command("generate_synthetic", "--scale", "small", "--database-url", working)

    assert not Country.objects.exists()
