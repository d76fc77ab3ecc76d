#!/usr/bin/env python3
"""Export the benchmark's PostgreSQL data to a SQLite file for Datasette.

What an anonymous client may read (published quotes) with the rows they point at: countries,
people, sources, topics and the quote-topic links, foreign keys declared so that Datasette's
`_labels=on` expands them, the indexes a careful Datasette publisher would add, and an FTS5
table over the quotes' words (sqlite-utils `enable_fts`).

    bin/bench_sqlite.py POSTGRES_URL FILE.db
"""

import sqlite3
import sys
import time
from pathlib import Path

import psycopg
import sqlite_utils

TABLES = {
    "countries": (
        "SELECT id, code, name FROM actors_country ORDER BY id",
        "id INTEGER PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL",
    ),
    "topics": (
        "SELECT id, slug, name FROM positions_topic ORDER BY id",
        "id INTEGER PRIMARY KEY, slug TEXT NOT NULL, name TEXT NOT NULL",
    ),
    "people": (
        "SELECT id, slug, name, country_id FROM actors_person ORDER BY id",
        "id INTEGER PRIMARY KEY, slug TEXT NOT NULL, name TEXT NOT NULL,"
        " country_id INTEGER REFERENCES countries(id)",
    ),
    "sources": (
        "SELECT id, title, url, published_on::text FROM statements_source ORDER BY id",
        "id INTEGER PRIMARY KEY, title TEXT NOT NULL, url TEXT, published_on TEXT",
    ),
    "quotes": (
        "SELECT id, text, translation, language, speaker_id, speaker_label, country_id,"
        " said_on::text, source_id, channel FROM statements_quote"
        " WHERE status = 'published' ORDER BY id",
        "id INTEGER PRIMARY KEY, text TEXT NOT NULL, translation TEXT, language TEXT,"
        " speaker_id INTEGER REFERENCES people(id), speaker_label TEXT,"
        " country_id INTEGER REFERENCES countries(id), said_on TEXT,"
        " source_id INTEGER REFERENCES sources(id), channel TEXT",
    ),
    "quote_topics": (
        "SELECT qt.quote_id, qt.topic_id FROM statements_quote_topics qt"
        " JOIN statements_quote q ON q.id = qt.quote_id WHERE q.status = 'published'"
        " ORDER BY qt.quote_id, qt.topic_id",
        "quote_id INTEGER NOT NULL REFERENCES quotes(id),"
        " topic_id INTEGER NOT NULL REFERENCES topics(id), PRIMARY KEY (quote_id, topic_id)",
    ),
}
INDEXES = [
    "CREATE INDEX quotes_said ON quotes (said_on DESC, id DESC)",
    "CREATE INDEX quotes_country_said ON quotes (country_id, said_on DESC, id DESC)",
    "CREATE INDEX quotes_speaker ON quotes (speaker_id)",
    "CREATE INDEX quote_topics_topic ON quote_topics (topic_id, quote_id)",
]


def export(pg_url: str, target: Path, mark: str = "") -> None:
    """Write the SQLite file (through a temporary name, so a half export is never reused)."""
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    with psycopg.connect(pg_url) as pg:
        for table, (select, columns) in TABLES.items():
            started = time.monotonic()
            db.execute(f"CREATE TABLE {table} ({columns})")
            with pg.cursor(name=f"export_{table}") as cur:
                cur.itersize = 20_000
                cur.execute(select)
                while rows := cur.fetchmany(20_000):
                    marks = ", ".join("?" * len(rows[0]))
                    db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            db.commit()
            print(f"  {table}: {time.monotonic() - started:.0f} s", flush=True)
    for statement in INDEXES:
        db.execute(statement)
    db.execute("CREATE TABLE export_info (mark TEXT)")
    db.execute("INSERT INTO export_info VALUES (?)", [mark])
    db.commit()
    db.close()
    started = time.monotonic()
    sqlite_utils.Database(partial)["quotes"].enable_fts(
        ["text", "translation", "speaker_label"], fts_version="FTS5"
    )
    print(f"  full-text index: {time.monotonic() - started:.0f} s", flush=True)
    db = sqlite3.connect(partial)
    db.execute("ANALYZE")
    db.execute("VACUUM")
    db.close()
    partial.replace(target)


def export_mark(target: Path) -> str | None:
    """The mark an export was made with, or None if there is no finished export."""
    if not target.exists():
        return None
    with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as db:
        try:
            return db.execute("SELECT mark FROM export_info").fetchone()[0]
        except sqlite3.Error:
            return None


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    export(sys.argv[1], Path(sys.argv[2]))
