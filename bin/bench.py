#!/usr/bin/env python3
"""Load-test the analysts' pages and the API at a synthetic scale, warm and cold, side by side
with Datasette, with a spread of searches and under a mixed load of readers and editors.

1. The bench database (`allied_bench`, on the same server as the application's database:
   the embedded PostgreSQL, or DATABASE_URL's server) is filled once by
   `manage.py generate_synthetic` and reused; it is migrated on every run.
2. Its published quotes are exported once to a SQLite file under var/bench/ for Datasette.
3. bin/bench_fixtures.py adds what the cold and mixed runs need (a signed-in reader, two
   editors with API tokens, planted search words, a source and an organization for the
   editors' writes) and removes it all again at the end.
4. gunicorn serves the application with production settings (DEBUG off, a fresh SECRET_KEY,
   connection reuse, manifest static files through whitenoise, throttling raised so the load
   is measured, not refused), and `datasette serve -i` serves the SQLite file.
5. wrk drives each URL from another process: a warm-up, then a fixed time at a fixed
   concurrency, and a Lua `done` hook prints the latency percentiles.

The parts (`--only`, comma-separated; all by default):
- warm: each URL repeated, so the anonymous readers' cache answers (what readers mostly get);
- cold: each URL asked of another day, countries, topic, word or quote on every request
  (bin/bench_addresses.py), each request under a host name of its own, so that no kept
  answer can serve it: as an anonymous reader, then as a signed-in one;
- datasette: the side-by-side questions, warm and cold;
- search: the quote search for words at every selectivity, a phrase and a negation, on the
  page and in the API, alone and filtered, cold; the worst is named;
- mixed: readers asking the warm addresses in turn (each write changes the data version, so
  the first read of each address after it is cold) and two editors' clients writing through
  the API at once; every accepted write is read back (bin/bench_mixed.py).
Each p95 is printed beside its target (50 ms for the matrix page and every API address,
100 ms for every other page, our throughput at least Datasette's) and a miss is marked.
The cold runs and the search spread keep one request in flight per gunicorn worker (2)
unless --cold-connections says otherwise: every worker busy, none queueing, so a cold p95 is
what one request costs when nothing is cached (as the performance issue measured it, one at
a time, but with both cores at work). `--cold-connections 8` adds the queueing of 8 clients
on 2 workers (about four requests waiting per worker).

It prints tables and writes var/bench/latest.json. Traffic goes to 127.0.0.1 only. It is
never part of the test suite or CI.

    make bench                                           # xl, everything (half an hour)
    bin/bench.py --scale small --seconds 5               # a quick try
    bin/bench.py --only cold,search --seconds 10         # some parts
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

import bench_addresses  # noqa: E402
import bench_mixed  # noqa: E402
import bench_sqlite  # noqa: E402
import psycopg  # noqa: E402
from local_servers import database_url, free_port, gunicorn_command, wait_until_up  # noqa: E402

BENCH_DIR = BASE_DIR / "var" / "bench"
DATABASE = "allied_bench"
MARK = "allied-positions synthetic"  # as apps.devtools.synthetic.MARK, without importing Django
SHAPE = 2  # as apps.devtools.synthetic.SHAPE: an older fill is made again

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

# A cold run's script: each request takes the next address of the list (the threads take
# turns) and names a host of its own, `<bench run>-<wrk run>-<n>.bench.localhost` (allowed
# by the server's ALLOWED_HOSTS): the readers' cache keys answers by the full address, host
# included, so even an address asked again (the list ran out) is answered afresh.
# wrk.format replaces all headers with the table it is given, so the table starts as a copy
# of wrk's (-H).
ROTATION_SCRIPT = """
local paths = {%(paths)s}
local run, threads, start = "%(run)s", %(threads)d, %(start)d
local next_index = 0
function setup(thread)
  thread:set("index", next_index)
  next_index = next_index + 1
end
local headers, n
function init(args)
  headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  n = start + index
end
function request()
  %(host_line)s
  local path = paths[n %% #paths + 1]
  n = n + threads
  return wrk.format("GET", path, headers)
end
"""
COLD_HOSTS = ".bench.localhost"

# p95 targets (ms): the matrix page and every API address, every other page (issue 13).
TARGET_FAST, TARGET_PAGE = 50, 100
PARTS = ("warm", "cold", "datasette", "search", "mixed")


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
    if mark is None or f"scale={scale} " not in mark + " " or f"shape={SHAPE}" not in mark:
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
        agreement = conn.execute(
            "SELECT slug FROM agreements_agreement WHERE status = 'published' ORDER BY id LIMIT 1"
        ).fetchone()[0]
    return {
        "agreement": agreement,
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
        ("agreements in force", f"/agreements/?in_force_on={p['past']}"),
        ("agreement page", f"/agreements/{p['agreement']}/"),
        ("clauses by ally", f"/agreements/clauses/?as_of={p['past']}"),
        ("API agreements of a party", f"/api/v1/agreements/?party={p['country']}"),
        ("consensus", f"/consensus/?topic={p['topic']}&as_of={p['past']}"),
        ("API consensus", f"/api/v1/consensus/?topic={p['topic']}&as_of={p['past']}"),
        ("API consensus series", f"/api/v1/consensus/series/?topic={p['topic']}&to={p['past']}"),
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
        # The cold runs' requests each name a host of their own (ROTATION_SCRIPT).
        "ALLOWED_HOSTS": f"127.0.0.1,{COLD_HOSTS}",
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
# wrk runs are numbered within this bench run, which has a name of its own: a cache shared
# across processes (CACHE_URL) may still hold the answers of an earlier bench run.
_runs = iter(range(1, 1_000_000))
_BENCH_RUN = secrets.token_hex(4)


def wrk_command(port: int, path: str, seconds: float, connections: int, threads: int, script):
    return [
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


def wrk_result(output: str, connections: int, what: str) -> dict:
    match = re.search(r"^BENCH (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk gave no report for {what}:\n{output}")
    data = json.loads(match.group(1))
    rps = round(data["requests"] / (data["duration_us"] / 1e6), 1)
    unknown = {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    if not data["requests"]:
        # Nothing answered within the time: wrk counts no timeout for a request it never saw
        # finish, so every connection is counted as one error and there is no latency.
        return {"requests": 0, "rps": 0.0, **unknown, "errors": max(data["errors"], connections)}
    if data["errors"] >= data["requests"]:
        # Every request timed out: wrk's histogram holds none of them, so no latency is known.
        return {"requests": data["requests"], "rps": rps, **unknown, "errors": data["errors"]}
    return {
        "requests": data["requests"],
        "rps": rps,
        "p50_ms": round(data["p50"] / 1000, 1),
        "p95_ms": round(data["p95"] / 1000, 1),
        "p99_ms": round(data["p99"] / 1000, 1),
        "errors": data["errors"],
    }


def wrk(port: int, path: str, seconds: float, connections: int, threads: int, script, headers=()):
    command = wrk_command(port, path, seconds, connections, threads, script)
    for header in headers:
        command[1:1] = ["-H", header]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return wrk_result(output, connections, path)


def rotation_script(
    paths: list[str], threads: int, start: int = 0, name="rotation", own_hosts: bool = True
) -> Path:
    """A wrk script asking `paths` in turn from index `start`, each request under a host
    name no other request of this bench run uses (with `own_hosts`, so no kept answer can
    serve it), or all under the server's own name (a kept answer serves a repeated address
    until the data changes)."""
    script = BENCH_DIR / f"wrk-{name}.lua"
    listed = ",\n".join(json.dumps(path) for path in paths)
    run = f"{_BENCH_RUN}-{next(_runs)}"
    text = ROTATION_SCRIPT % {
        "paths": listed,
        "run": run,
        "threads": threads,
        "start": start,
        "host_line": (
            f'headers["Host"] = string.format("%s-%d{COLD_HOSTS}", run, n)' if own_hosts else ""
        ),
    }
    script.write_text(text + WRK_REPORT)
    return script


def ms(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def check(port: int, path: str, headers: dict | None = None) -> str:
    """One request before the load, so a broken URL is named rather than timed."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={**dict([FORWARDED_PROTO]), **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return f"{answer.status}, {len(answer.read()):,} bytes"
    except urllib.error.HTTPError as error:
        return f"{error.code} (!)"


def measure(port: int, path: str, args, script: Path) -> dict:
    wrk(port, path, args.warmup, args.connections, args.threads, script)
    return wrk(port, path, args.seconds, args.connections, args.threads, script)


def measure_cold(port: int, paths: list[str], args, seconds: float, warmup: float, headers=()):
    """Warm up, then measure, asking `paths` in turn at --cold-connections; the measured run
    goes on from where the warm-up stopped."""
    connections = args.cold_connections
    threads = min(args.threads, connections)
    done = 0
    if warmup:
        script = rotation_script(paths, threads)
        done = wrk(port, paths[0], warmup, connections, threads, script, headers)["requests"]
    script = rotation_script(paths, threads, start=done)
    return wrk(port, paths[0], seconds, connections, threads, script, headers)


def target_for(path: str) -> int:
    """The p95 target of an address: 50 ms for the matrix page and the API, 100 ms else."""
    matrix_page = path == "/" or path.startswith("/?")
    return TARGET_FAST if matrix_page or path.startswith("/api/") else TARGET_PAGE


def judged(row: dict, target: int) -> dict:
    """The row with its target and whether it met it: p95 within, and no errors."""
    met = row["p95_ms"] is not None and row["p95_ms"] <= target and not row["errors"]
    return {**row, "target_p95_ms": target, "meets_target": met}


def verdict(row: dict) -> str:
    return f"≤ {row['target_p95_ms']:<4}" + ("" if row["meets_target"] else " MISS")


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


# --- the fixtures ----------------------------------------------------------------------------


def fixtures(env: dict, *args: str) -> dict:
    """Run bin/bench_fixtures.py in the server's environment; return its JSON answer."""
    answer = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("bench_fixtures.py")), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if answer.returncode:
        raise SystemExit(f"bench_fixtures.py {args[0]} failed:\n{answer.stderr[-3000:]}")
    return json.loads(answer.stdout.strip().splitlines()[-1])


def signed_in(port: int, cookie: str) -> None:
    """Stop unless the reader's session cookie signs the reader in."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/accounts/login/",
        headers={**dict([FORWARDED_PROTO]), "Cookie": cookie},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        page = answer.read().decode()
    if "signed in as <strong>bench-reader</strong>" not in page:
        raise SystemExit("The reader's session cookie does not sign the reader in.")


# --- the parts -------------------------------------------------------------------------------

HEADER = (
    f"{'name':34} {'mode':4} {'reader':9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
    f"{'p99 ms':>8} {'errors':>6}  {'target':11} URL"
)


def print_row(row: dict, note: str = "") -> None:
    print(
        f"{row['name']:34} {row['mode']:4} {row['reader']:9} {row['rps']:8.1f} "
        f"{ms(row['p50_ms']):>8} {ms(row['p95_ms']):>8} {ms(row['p99_ms']):>8} "
        f"{row['errors']:6}  {verdict(row):11} {row['url']}{note}",
        flush=True,
    )


def run_warm(port: int, params: dict, args, script: Path) -> list[dict]:
    results = []
    for name, path in our_urls(params):
        status = check(port, path)
        row = measure(port, path, args, script)
        row = judged(
            {"name": name, "mode": "warm", "reader": "anonymous", "url": path, **row},
            target_for(path),
        )
        results.append(row)
        print_row(row, f" [{status}]")
    return results


def run_cold(port: int, params: dict, cold: dict, cookie: str, args) -> list[dict]:
    results = []
    for name, _ in our_urls(params):
        pattern, paths = cold[name]
        for reader, headers in (("anonymous", {}), ("signed-in", {"Cookie": cookie})):
            status = check(port, paths[-1], headers)
            row = measure_cold(
                port,
                paths,
                args,
                args.seconds,
                args.warmup,
                [f"{k}: {v}" for k, v in headers.items()],
            )
            row = judged(
                {
                    "name": name,
                    "mode": "cold",
                    "reader": reader,
                    "url": pattern,
                    "example": paths[-1],
                    "addresses": len(paths),
                    **row,
                },
                target_for(paths[0]),
            )
            results.append(row)
            print_row(row, f" ({len(paths):,} addresses) [{status}]")
    return results


def run_datasette(ours_port, theirs_port, params, space, words, db, args, script) -> list:
    print(f"\nSide by side with Datasette ({db}.db, immutable); target: ratio ≥ 1.0")
    print(
        f"{'request':40} {'mode':4} {'ours/s':>8} {'theirs/s':>9} {'ours p95':>9} "
        f"{'theirs p95':>11} {'ratio':>6}"
    )
    questions = [
        ("warm", name, [ours], [theirs]) for name, ours, theirs in side_by_side(params, db)
    ]
    questions += [
        ("cold", name, ours, theirs)
        for name, ours, theirs in bench_addresses.cold_side_by_side(space, db, words)
    ]
    versus = []
    for mode, name, ours_paths, theirs_paths in questions:
        check(ours_port, ours_paths[0])
        status = check(theirs_port, theirs_paths[0])
        if mode == "warm":
            ours = measure(ours_port, ours_paths[0], args, script)
            theirs = measure(theirs_port, theirs_paths[0], args, script)
        else:
            ours = measure_cold(ours_port, ours_paths, args, args.seconds, args.warmup)
            theirs = measure_cold(theirs_port, theirs_paths, args, args.seconds, args.warmup)
        ratio = round(ours["rps"] / theirs["rps"], 2) if theirs["rps"] else None
        versus.append(
            {
                "name": name,
                "mode": mode,
                "addresses": len(ours_paths),
                "ours_rps": ours["rps"],
                "datasette_rps": theirs["rps"],
                "ours_p95_ms": ours["p95_ms"],
                "datasette_p95_ms": theirs["p95_ms"],
                "ours_errors": ours["errors"],
                "datasette_errors": theirs["errors"],
                "ratio": ratio,
                "meets_target": ratio is not None and ratio >= 1.0 and not ours["errors"],
            }
        )
        errors = (
            f"  errors {ours['errors']}/{theirs['errors']}"
            if (ours["errors"] or theirs["errors"])
            else ""
        )
        miss = "" if versus[-1]["meets_target"] else " MISS"
        print(
            f"{name:40} {mode:4} {ours['rps']:8.1f} {theirs['rps']:9.1f} "
            f"{ms(ours['p95_ms']):>9} {ms(theirs['p95_ms']):>11} {ratio!s:>6}{miss}{errors}"
            f"  [{status}]",
            flush=True,
        )
    return versus


def run_search(port: int, params: dict, searches, args) -> tuple[list[dict], dict | None]:
    print(
        f"\nSearch spread, cold, anonymous ({args.search_seconds:g} s each); matches are the "
        "published quotes holding the words"
    )
    print(
        f"{'search':38} {'matches':>8} {'shape':24} {'req/s':>8} {'p95 ms':>8} {'errors':>6}"
        f"  {'target':11} q"
    )
    results = []
    for search in searches:
        for shape, path in bench_addresses.search_addresses(search, params):
            status = check(port, path)
            row = measure_cold(port, [path], args, args.search_seconds, min(args.warmup, 1))
            row = judged(
                {
                    "name": search.label,
                    "q": search.q,
                    "matches": search.matches,
                    "shape": shape,
                    "url": path,
                    **row,
                },
                target_for(path),
            )
            results.append(row)
            print(
                f"{search.label:38} {search.matches:8,} {shape:24} {row['rps']:8.1f} "
                f"{ms(row['p95_ms']):>8} {row['errors']:6}  {verdict(row):11} {search.q}"
                f" [{status}]",
                flush=True,
            )
    worst = max(
        results,
        key=lambda row: (row["p95_ms"] is None, row["p95_ms"] or 0),
        default=None,
    )
    if worst:
        p95 = "no answer within the run" if worst["p95_ms"] is None else f"{worst['p95_ms']} ms"
        print(
            f"Worst: {worst['name']} ({worst['q']}), {worst['shape']}: p95 {p95}, target "
            f"{worst['target_p95_ms']} ms"
        )
    return results, worst


def run_mixed(port: int, params: dict, made: dict, args) -> dict:
    """Readers on two wrk processes (the 50 ms addresses, the 100 ms ones) while the editors'
    clients write; the readers' figures against the cold targets.

    The readers ask the warm run's addresses in turn, as analysts come back to the same pages:
    each accepted write changes the data version, so the first read of each address after it
    misses every kept answer and is computed again (the first reader after an edit), and the
    reads between writes are what a reader then gets."""
    groups: dict[int, list[list[str]]] = {TARGET_FAST: [], TARGET_PAGE: []}
    for _name, path in our_urls(params):
        groups[target_for(path)].append([path])
    half = max(1, args.connections // 2)
    print(
        f"\nMixed load, {args.mixed_seconds:g} s: {half} + {args.connections - half} connections "
        f"reading (the warm addresses, anonymous; cold after each write) while "
        f"{len(made['editors'])} editors write through the API"
    )
    readers = []
    for (target, lists), connections in zip(
        groups.items(), (half, args.connections - half), strict=True
    ):
        # The URLs' addresses interleaved: one of each URL in turn.
        paths = [path for turn in zip(*lists, strict=False) for path in turn]
        script = rotation_script(
            paths, min(args.threads, connections), name=f"mixed-{target}", own_hosts=False
        )
        command = wrk_command(
            port, paths[0], args.mixed_seconds, connections, min(args.threads, connections), script
        )
        readers.append(
            (target, connections, subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
        )
    editors = bench_mixed.run(port, made, args.mixed_seconds)
    reads = []
    for target, connections, process in readers:
        output, _ = process.communicate()
        label = "matrix page and API" if target == TARGET_FAST else "other pages"
        row = judged(
            {"group": label, "connections": connections, **wrk_result(output, connections, label)},
            target,
        )
        reads.append(row)
        print(
            f"reads, {label:22} {row['rps']:8.1f}/s  p50 {ms(row['p50_ms'])}  p95 "
            f"{ms(row['p95_ms'])}  p99 {ms(row['p99_ms'])} ms  errors {row['errors']}  "
            f"{verdict(row)}"
        )
    print(
        f"writes: {editors['writes']} in {editors['seconds']:g} s = "
        f"{editors['writes_per_s']:g}/s, p95 {ms(editors['write_p95_ms'])} ms; refused "
        f"{editors['refused_writes']}; read back {editors['read_backs']} times, mismatches "
        f"{editors['mismatches']}"
        + ("" if not editors["mismatches"] and not editors["refused_writes"] else " MISS")
    )
    for example in editors["refused_examples"] + editors["mismatch_examples"]:
        print(f"  {example}")
    return {
        "seconds": args.mixed_seconds,
        "publishing": "each position is recorded in review by one editor and published by "
        "the other (four eyes)",
        "reads": reads,
        **editors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="xl", choices=["small", "large", "xl"])
    parser.add_argument("--seconds", type=float, default=20, help="measured time per URL")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up time per URL")
    parser.add_argument(
        "--search-seconds",
        type=float,
        help="measured time per search (default: --seconds, at most 8)",
    )
    parser.add_argument("--mixed-seconds", type=float, default=60, help="time of the mixed load")
    parser.add_argument("--connections", type=int, default=8, help="concurrency")
    parser.add_argument(
        "--cold-connections",
        type=int,
        help="concurrency of the cold runs and the search spread (default: --workers, one "
        "request in flight per worker; 1 asks one request at a time)",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--database",
        help=f"the bench database's name: {DATABASE} at xl, {DATABASE}_<scale> otherwise",
    )
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"the parts to run, comma-separated: {', '.join(PARTS)} (default: all)",
    )
    parser.add_argument("--no-datasette", action="store_true", help="leave out datasette")
    args = parser.parse_args()
    args.search_seconds = args.search_seconds or min(args.seconds, 8)
    args.cold_connections = args.cold_connections or args.workers
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    if unknown := sorted(set(parts) - set(PARTS)):
        parser.error(f"unknown part {', '.join(unknown)}: choose from {', '.join(PARTS)}")
    if args.no_datasette and "datasette" in parts:
        parts.remove("datasette")
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
    space = bench_addresses.space(url)
    cold = bench_addresses.cold_addresses(params, space)
    words = bench_addresses.vocabulary(url) if {"datasette", "search"} & set(parts) else None
    sqlite_path = (
        prepare_sqlite(url, args.database, args.scale, mark) if "datasette" in parts else None
    )
    env = production_env(url)
    made = None
    if {"cold", "search", "mixed"} & set(parts):
        made = fixtures(env, "prepare", params["country"], params["topic"])
    searches = bench_addresses.search_spread(url, words, made) if "search" in parts and made else []

    ours_port, theirs_port = free_port(), free_port()
    servers = [start_gunicorn(env, ours_port, args.workers)]
    if sqlite_path:
        servers.append(start_datasette(sqlite_path, theirs_port, args.workers))
    report: dict = {
        "scale": args.scale,
        "machine": machine(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "parts": parts,
        "seconds": args.seconds,
        "connections": args.connections,
        "cold_connections": args.cold_connections,
        "workers": args.workers,
        "results": [],
        "datasette": [],
    }
    try:
        wait_until_up(ours_port, "/healthz/", timeout=300)
        if sqlite_path:
            wait_until_up(theirs_port, "/-/versions.json", timeout=300)
        if made:
            signed_in(ours_port, made["session_cookie"])
        print(
            f"\n{args.scale}: {', '.join(parts)}; {args.seconds:g} s per URL after "
            f"{args.warmup:g} s of warm-up, {args.connections} connections "
            f"({args.cold_connections} cold), {args.workers} "
            f"gunicorn workers; load average before: {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        if "warm" in parts or "cold" in parts:
            print(HEADER)
        if "warm" in parts:
            report["results"] += run_warm(ours_port, params, args, script)
        if "cold" in parts:
            report["results"] += run_cold(ours_port, params, cold, made["session_cookie"], args)
        if sqlite_path:
            report["datasette"] = run_datasette(
                ours_port,
                theirs_port,
                params,
                space,
                [word for word, _ in words.shares if len(word) >= 4],
                sqlite_path.stem,
                args,
                script,
            )
        if "search" in parts:
            report["search"], report["search_worst"] = run_search(ours_port, params, searches, args)
        if "mixed" in parts:
            report["mixed"] = run_mixed(ours_port, params, made, args)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
        if made:
            removed = fixtures(env, "clean", made["session_key"])
            print(f"\nRemoved the benchmark's rows: {removed}")

    misses = [row for row in report["results"] if not row["meets_target"]]
    misses += [row for row in report.get("search", []) if not row["meets_target"]]
    misses += [row for row in report["datasette"] if not row["meets_target"]]
    if mixed := report.get("mixed"):
        misses += [row for row in mixed["reads"] if not row["meets_target"]]
        misses += [mixed] if mixed["mismatches"] or mixed["refused_writes"] else []
    report["misses"] = len(misses)
    (BENCH_DIR / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"Load average after: {os.getloadavg()[0]:.1f} (other work on the machine skews it)")
    print(f"Targets missed: {len(misses)}")
    print(f"\nWrote {(BENCH_DIR / 'latest.json').relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
