#!/usr/bin/env python3
"""Load-test the analysts' pages and the API at a synthetic scale, side by side with Datasette.

1. The bench database (`allied_bench`, on the same server as the application's database:
   the embedded PostgreSQL, or DATABASE_URL's server) is filled once by
   `manage.py generate_synthetic` and reused; it is migrated on every run.
2. Its published quotes are exported once to a SQLite file under var/bench/ for Datasette.
3. gunicorn serves the application with production settings (DEBUG off, a fresh SECRET_KEY,
   connection reuse, manifest static files through whitenoise, throttling raised so the load
   is measured, not refused), and `datasette serve -i` serves the SQLite file.
4. wrk drives each URL from another process: a warm-up, then a fixed time at a fixed
   concurrency, and a Lua `done` hook prints the latency percentiles.

It prints a table and writes var/bench/latest.json. Traffic goes to 127.0.0.1 only. It is
never part of the test suite or CI.

    make bench                                # xl, 20 s per URL, concurrency 8
    bin/bench.py --scale small --seconds 5    # a quick try
"""

import argparse
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_sqlite  # noqa: E402
import psycopg  # noqa: E402
from local_servers import database_url, free_port, gunicorn_command, wait_until_up  # noqa: E402

BENCH_DIR = BASE_DIR / "var" / "bench"
DATABASE = "allied_bench"
MARK = "allied-positions synthetic"  # as apps.devtools.synthetic.MARK, without importing Django

# wrk's `done` hook: one JSON line with the counts and the latency percentiles (microseconds).
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "errors": %d, "p50": %d, "p95": %d, "p99": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


# --- the database ----------------------------------------------------------------------------


def database_mark(url: str) -> str | None:
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                "WHERE datname = current_database()"
            ).fetchone()
    except psycopg.OperationalError:
        return None
    return row[0] if row and row[0] and row[0].startswith(MARK) else None


def manage(*args: str, env: dict | None = None) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def prepare_database(url: str, scale: str, database: str) -> str:
    mark = database_mark(url)
    if mark is None or f"scale={scale} " not in mark + " ":
        print(f"Filling {database} at scale {scale} (once; later runs reuse it)…", flush=True)
        started = time.monotonic()
        manage("generate_synthetic", "--scale", scale, "--database-url", url, "--replace")
        print(f"  filled in {time.monotonic() - started:.0f} s", flush=True)
        mark = database_mark(url)
    manage("migrate", "--noinput", "-v", "0", env={**os.environ, "DATABASE_URL": url})
    return mark


def prepare_sqlite(url: str, database: str, scale: str, mark: str) -> Path:
    target = BENCH_DIR / f"{database}-{scale}.db"
    if bench_sqlite.export_mark(target) != mark:
        print(f"Exporting to SQLite for Datasette (once): {target.name}", flush=True)
        bench_sqlite.export(url, target, mark)
    return target


def parameters(url: str) -> dict:
    """Values that exist in the bench data: a country with many quotes, a topic, a quote."""
    with psycopg.connect(url, autocommit=True) as conn:
        codes = [
            row[0]
            for row in conn.execute(
                "SELECT code FROM actors_country WHERE nato_joined IS NOT NULL ORDER BY id"
            )
        ]
        preferred = [c for c in ("PL", "DE", "US", "EE", "FR") if c in codes]
        compare = (preferred + [c for c in codes if c not in preferred])[:4]
        country = compare[0]
        country_id = conn.execute(
            "SELECT id FROM actors_country WHERE code = %s", [country]
        ).fetchone()[0]
        topic_id, topic = conn.execute(
            'SELECT id, slug FROM positions_topic ORDER BY "order", id LIMIT 1'
        ).fetchone()
        quote_id = conn.execute(
            "SELECT id FROM statements_quote WHERE status = 'published' "
            "ORDER BY id OFFSET (SELECT count(*) / 2 FROM statements_quote) / 2 LIMIT 1"
        ).fetchone()[0]
    return {
        "country": country,
        "country_id": country_id,
        "compare": ",".join(compare),
        "topic": topic,
        "topic_id": topic_id,
        "quote_id": quote_id,
        "word": "nuclear",
        "past": "2023-07-10",
        "from": "2023-06-01",
        "to": "2023-07-31",
    }


def our_urls(p: dict) -> list[tuple[str, str]]:
    return [
        ("matrix", "/"),
        ("matrix as of a past date", f"/?as_of={p['past']}"),
        ("compare", f"/compare/?countries={p['compare']}"),
        ("changes", f"/changes/?from={p['from']}&to={p['to']}"),
        ("quote search with facets", f"/quotes/?q={p['word']}"),
        ("country page", f"/countries/{p['country']}/"),
        ("topic page", f"/topics/{p['topic']}/"),
        (
            "API quotes by country and topic",
            f"/api/v1/quotes/?country={p['country']}&topic={p['topic']}",
        ),
        ("API matrix", "/api/v1/matrix/"),
        ("API changes", f"/api/v1/changes/?from={p['from']}&to={p['to']}"),
    ]


def side_by_side(p: dict, db: str) -> list[tuple[str, str, str]]:
    """(name, our URL, Datasette's URL) for the same question. Datasette filters a
    many-to-many through `_where` (a subquery on the link table); both newest first."""
    plain = "_shape=array&_size=50&_labels=on&_nocount=1&_nofacet=1&_nosuggest=1"
    in_topic = urllib.parse.quote(
        f"id in (select quote_id from quote_topics where topic_id = {p['topic_id']})"
    )
    return [
        (
            "quotes by country and topic (50, JSON)",
            f"/api/v1/quotes/?country={p['country']}&topic={p['topic']}",
            f"/{db}/quotes.json?{plain}&_sort_desc=said_on&country_id={p['country_id']}"
            f"&_where={in_topic}",
        ),
        (
            "full-text search (50, JSON)",
            f"/api/v1/quotes/?q={p['word']}",
            f"/{db}/quotes.json?{plain}&_sort_desc=said_on&_search={p['word']}",
        ),
        (
            "one quote by id",
            f"/api/v1/quotes/{p['quote_id']}/",
            f"/{db}/quotes/{p['quote_id']}.json?_shape=array&_labels=on",
        ),
    ]


# --- the servers -----------------------------------------------------------------------------


def production_env(url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "PRODUCTION": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # As behind the TLS-terminating proxy of a deployment: requests say they came over
        # HTTPS (FORWARDED_PROTO), so production's HTTPS redirection stays on and is not hit.
        "BEHIND_TLS_PROXY": "true",
        "CONN_MAX_AGE": "60",
        # Throttling stays in the measured path, raised so the load is not refused. Over a
        # one-second window: DRF keeps every request's time within the window, so a client
        # holds at most a few hundred (as at production's 600/min), not a minute of the
        # bench's load, which would make the throttle itself the cost being measured.
        "API_THROTTLE_ANON": "1000000/s",
        "API_THROTTLE_USER": "1000000/s",
        "LOG_LEVEL": "WARNING",
    }


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    manage("collectstatic", "--noinput", "-v", "0", env=env)
    # Production logs every request (JSON lines): kept, as their cost is part of the answer,
    # but written to a file rather than the terminal.
    log = (BENCH_DIR / "gunicorn.log").open("w")
    return subprocess.Popen(
        gunicorn_command(port, workers),
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def start_datasette(path: Path, port: int, threads: int) -> subprocess.Popen:
    datasette = shutil.which("datasette", path=str(Path(sys.executable).parent)) or "datasette"
    return subprocess.Popen(
        [
            datasette,
            "serve",
            "-i",
            str(path),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--setting",
            "num_sql_threads",
            str(threads),
            "--setting",
            "sql_time_limit_ms",
            "10000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# --- the load --------------------------------------------------------------------------------


FORWARDED_PROTO = ("X-Forwarded-Proto", "https")


def wrk(port: int, path: str, seconds: float, connections: int, threads: int, script: Path):
    command = [
        "wrk",
        "-H",
        ": ".join(FORWARDED_PROTO),
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}{path}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^BENCH (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk gave no report for {path}:\n{output}")
    data = json.loads(match.group(1))
    if not data["requests"]:
        # Nothing answered within the time: wrk counts no timeout for a request it never saw
        # finish, so every connection is counted as one error and there is no latency.
        return {
            "rps": 0.0,
            "p50_ms": None,
            "p95_ms": None,
            "p99_ms": None,
            "errors": max(data["errors"], connections),
        }
    if data["errors"] >= data["requests"]:
        # Every request timed out: wrk's histogram holds none of them, so no latency is known.
        return {
            "rps": round(data["requests"] / (data["duration_us"] / 1e6), 1),
            "p50_ms": None,
            "p95_ms": None,
            "p99_ms": None,
            "errors": data["errors"],
        }
    return {
        "rps": round(data["requests"] / (data["duration_us"] / 1e6), 1),
        "p50_ms": round(data["p50"] / 1000, 1),
        "p95_ms": round(data["p95"] / 1000, 1),
        "p99_ms": round(data["p99"] / 1000, 1),
        "errors": data["errors"],
    }


def ms(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def check(port: int, path: str) -> str:
    """One request before the load, so a broken URL is named rather than timed."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers=dict([FORWARDED_PROTO])
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return f"{answer.status}, {len(answer.read()):,} bytes"
    except urllib.error.HTTPError as error:
        return f"{error.code} (!)"


def measure(port: int, path: str, args, script: Path) -> dict:
    wrk(port, path, args.warmup, args.connections, args.threads, script)
    return wrk(port, path, args.seconds, args.connections, args.threads, script)


def machine() -> str:
    model = "unknown CPU"
    try:
        text = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
        model = found.group(1).strip() if found else platform.processor() or model
        mem_kb = int(re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M)[1])
        memory = f"{round(mem_kb / 1024 / 1024)} GiB"
    except (OSError, TypeError):
        memory = "unknown memory"
    return f"{os.cpu_count()} cores, {model}, {memory}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="xl", choices=["small", "large", "xl"])
    parser.add_argument("--seconds", type=float, default=20, help="measured time per URL")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up time per URL")
    parser.add_argument("--connections", type=int, default=8, help="concurrency")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--database",
        help=f"the bench database's name: {DATABASE} at xl, {DATABASE}_<scale> otherwise",
    )
    parser.add_argument("--no-datasette", action="store_true")
    args = parser.parse_args()
    # One database per scale, so that a quick try at small never replaces the xl data.
    args.database = args.database or (
        DATABASE if args.scale == "xl" else f"{DATABASE}_{args.scale}"
    )
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk (make bench does it).")

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    script = BENCH_DIR / "wrk-report.lua"
    script.write_text(WRK_REPORT)
    url = database_url(args.database)
    mark = prepare_database(url, args.scale, args.database)
    params = parameters(url)
    sqlite_path = (
        None if args.no_datasette else prepare_sqlite(url, args.database, args.scale, mark)
    )

    ours_port, theirs_port = free_port(), free_port()
    servers = [start_gunicorn(production_env(url), ours_port, args.workers)]
    if sqlite_path:
        servers.append(start_datasette(sqlite_path, theirs_port, args.workers))
    results, versus = [], []
    try:
        wait_until_up(ours_port, "/healthz/", timeout=300)
        if sqlite_path:
            wait_until_up(theirs_port, "/-/versions.json", timeout=300)
        print(
            f"\n{args.scale}: {args.seconds:g} s per URL after {args.warmup:g} s of warm-up, "
            f"{args.connections} connections, {args.workers} gunicorn workers; load average "
            f"before: {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        header = f"{'name':34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
        print(header + "   URL")
        for name, path in our_urls(params):
            status = check(ours_port, path)
            row = measure(ours_port, path, args, script)
            results.append({"name": name, "url": path, **row})
            print(
                f"{name:34} {row['rps']:8.1f} {ms(row['p50_ms']):>8} {ms(row['p95_ms']):>8} "
                f"{ms(row['p99_ms']):>8} {row['errors']:7}   {path} [{status}]",
                flush=True,
            )
        if sqlite_path:
            print(f"\nSide by side with Datasette ({sqlite_path.name}, immutable)")
            print(
                f"{'request':40} {'ours/s':>8} {'theirs/s':>9} {'ours p95':>9} "
                f"{'theirs p95':>11} {'ratio':>6}"
            )
            for name, ours_path, theirs_path in side_by_side(params, sqlite_path.stem):
                check(ours_port, ours_path)
                status = check(theirs_port, theirs_path)
                ours = measure(ours_port, ours_path, args, script)
                theirs = measure(theirs_port, theirs_path, args, script)
                ratio = round(ours["rps"] / theirs["rps"], 2) if theirs["rps"] else None
                versus.append(
                    {
                        "name": name,
                        "ours_rps": ours["rps"],
                        "datasette_rps": theirs["rps"],
                        "ours_p95_ms": ours["p95_ms"],
                        "datasette_p95_ms": theirs["p95_ms"],
                        "ratio": ratio,
                    }
                )
                errors = (
                    f"  errors {ours['errors']}/{theirs['errors']}"
                    if (ours["errors"] or theirs["errors"])
                    else ""
                )
                print(
                    f"{name:40} {ours['rps']:8.1f} {theirs['rps']:9.1f} {ms(ours['p95_ms']):>9} "
                    f"{ms(theirs['p95_ms']):>11} {ratio!s:>6}{errors}  [{status}]",
                    flush=True,
                )
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)

    report = {
        "scale": args.scale,
        "machine": machine(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "results": results,
        "datasette": versus,
    }
    (BENCH_DIR / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"Load average after: {os.getloadavg()[0]:.1f} (other work on the machine skews it)")
    print(f"\nWrote {(BENCH_DIR / 'latest.json').relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
