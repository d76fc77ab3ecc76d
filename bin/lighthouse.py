#!/usr/bin/env python3
"""Run Lighthouse on the analysts' main pages, served as in production.

1. The Lighthouse database (`allied_lighthouse`, on the same server as the application's
   database: the embedded PostgreSQL, or DATABASE_URL's server) is created if missing,
   migrated and seeded (`manage.py load_seed`, idempotent) on every run.
2. `collectstatic` writes the hashed, compressed files; gunicorn serves the application with
   production settings (DEBUG off, manifest static files through whitenoise, the security
   headers and CSP) on a free loopback port. HTTPS redirection is off: Lighthouse asks
   over plain HTTP on 127.0.0.1.
3. Lighthouse 12.8 (through npx, never installed into the project's node_modules) audits
   each page with Debian's Chromium, with its default mobile settings and with the desktop
   preset, for performance and accessibility.

Reports go to var/lighthouse/ (JSON and HTML, one pair a page and form factor). It prints a
table of scores and key metrics and exits non-zero if a page misses a target on a form
factor that has one (by default: mobile, performance >= 95 and accessibility 100).

    make lighthouse
    bin/lighthouse.py --form-factor mobile --pages matrix,country --runs 5
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from local_servers import database_url, free_port, gunicorn_command, wait_until_up  # noqa: E402

REPORT_DIR = BASE_DIR / "var" / "lighthouse"
DATABASE = "allied_lighthouse"
LIGHTHOUSE = "lighthouse@12.8.2"
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
PAGES = [
    ("matrix", "/"),
    ("quotes", "/quotes/"),
    ("quote-search", "/quotes/?q=membership"),
    ("country", "/countries/EE/"),
]
TARGETS = {"performance": 95, "accessibility": 100}
METRICS = [
    ("FCP", "first-contentful-paint"),
    ("LCP", "largest-contentful-paint"),
    ("TBT", "total-blocking-time"),
    ("CLS", "cumulative-layout-shift"),
    ("SI", "speed-index"),
]


# --- the database and the server ---------------------------------------------------------


def create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.", flush=True)


def production_env(url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "PRODUCTION": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Lighthouse asks over plain HTTP on the loopback: no redirect to HTTPS, and
        # cookies a browser keeps over HTTP. Every other production setting stays.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
        "REQUEST_LOG_LEVEL": "WARNING",
    }


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        gunicorn_command(port, 2),
        cwd=BASE_DIR,
        env=env,
    )


# --- Lighthouse ------------------------------------------------------------------------------


# A run that errors (no score at all) is tried again this many times in all.
ATTEMPTS = 3


def lighthouse(url: str, output: Path, form_factor: str, chrome: str) -> dict:
    """Audit one URL; return the report's JSON (also written next to its HTML)."""
    command = [
        "npx",
        "-y",
        LIGHTHOUSE,
        url,
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=performance,accessibility",
        "--output=json",
        "--output=html",
        f"--output-path={output}",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    for attempt in range(1, ATTEMPTS + 1):
        done = subprocess.run(command, cwd=BASE_DIR, env={**os.environ, "CHROME_PATH": chrome})
        if done.returncode == 0:
            return json.loads(output.with_suffix(".report.json").read_text())
        # Lighthouse sometimes loses the browser's trace of a load (NO_NAVSTART, NO_FCP):
        # a failed run, not a score, so it is run again.
        print(f"  Lighthouse failed on {url} (attempt {attempt} of {ATTEMPTS})", flush=True)
    raise SystemExit(f"Lighthouse failed {ATTEMPTS} times on {url}.")


def summary(report: dict) -> dict:
    categories = report["categories"]
    audits = report["audits"]
    row = {name: round((categories[name]["score"] or 0) * 100) for name in TARGETS}
    for short, audit in METRICS:
        row[short] = audits[audit].get("numericValue")
    row["failing"] = sorted(
        audit_id
        for category in categories.values()
        for ref in category["auditRefs"]
        if ref["weight"]
        and (audit_id := ref["id"]) in audits
        and audits[audit_id]["score"] is not None
        and audits[audit_id]["score"] < 0.9
    )
    return row


def median_run(rows: list[dict]) -> dict:
    """The run with the median performance score (Lighthouse's own advice for variance)."""
    ordered = sorted(rows, key=lambda row: row["performance"])
    return ordered[len(ordered) // 2] | {"runs": [row["performance"] for row in rows]}


def metric(short: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if short == "CLS" else f"{value / 1000:.2f}s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--form-factor", choices=["mobile", "desktop", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the median is kept")
    parser.add_argument(
        "--enforce",
        choices=["mobile", "desktop", "both", "none"],
        default="mobile",
        help="form factors whose scores must meet the targets",
    )
    parser.add_argument(
        "--pages",
        default=",".join(name for name, _ in PAGES),
        help="comma-separated page names (default: all)",
    )
    parser.add_argument("--database", default=DATABASE)
    args = parser.parse_args()
    chrome = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chrome:
        raise SystemExit("Chromium is missing: apt-get install -y chromium.")
    if not shutil.which("npx"):
        raise SystemExit("npx is missing: Node.js 20 (with npm) is needed for Lighthouse.")

    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    url = database_url(args.database)
    create_database(url)
    env = production_env(url)
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("load_seed", "-v", "0", env=env)
    manage("collectstatic", "--noinput", "-v", "0", env=env)

    chosen = set(args.pages.split(","))
    unknown = chosen - {name for name, _ in PAGES}
    if unknown:
        parser.error(f"unknown page: {', '.join(sorted(unknown))}")
    form_factors = ["mobile", "desktop"] if args.form_factor == "both" else [args.form_factor]
    port = free_port()
    server = start_gunicorn(env, port)
    results = []
    try:
        wait_until_up(port, "/healthz/", timeout=120)
        for form_factor in form_factors:
            for name, path in [page for page in PAGES if page[0] in chosen]:
                rows = []
                for run in range(args.runs):
                    stem = f"{name}-{form_factor}" + (f"-{run + 1}" if args.runs > 1 else "")
                    report = lighthouse(
                        f"http://127.0.0.1:{port}{path}", REPORT_DIR / stem, form_factor, chrome
                    )
                    rows.append(summary(report))
                results.append(
                    {"page": name, "url": path, "form_factor": form_factor} | median_run(rows)
                )
    finally:
        server.terminate()
        server.wait(timeout=30)

    enforced = {"both": ["mobile", "desktop"], "none": []}.get(args.enforce, [args.enforce])
    print()
    header = f"{'page':14} {'form':8} {'perf':>5} {'a11y':>5}"
    header += "".join(f" {short:>7}" for short, _ in METRICS) + "   URL"
    print(header)
    missed = []
    for row in results:
        line = f"{row['page']:14} {row['form_factor']:8} {row['performance']:5} "
        line += f"{row['accessibility']:5}"
        line += "".join(f" {metric(short, row[short]):>7}" for short, _ in METRICS)
        line += f"   {row['url']}"
        if args.runs > 1:
            line += f"  (performance runs: {row['runs']})"
        print(line)
        if row["failing"]:
            print(f"{'':24}below 0.9: {', '.join(row['failing'])}")
        if row["form_factor"] in enforced:
            missed += [
                f"{row['page']} ({row['form_factor']}): {category} {row[category]} < {target}"
                for category, target in TARGETS.items()
                if row[category] < target
            ]
    (REPORT_DIR / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nReports: {REPORT_DIR.relative_to(BASE_DIR)}/")
    if missed:
        print("Targets missed:\n  " + "\n  ".join(missed))
        raise SystemExit(1)
    print(
        "Targets met: "
        + ", ".join(f"{category} >= {target}" for category, target in TARGETS.items())
        + f" ({', '.join(enforced) or 'none enforced'})."
    )


if __name__ == "__main__":
    main()
