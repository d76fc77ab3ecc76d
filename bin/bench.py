#!/usr/bin/env python3
"""Measure the analysts' hot pages and API reads under load, on this machine only.

Starts gunicorn (DEBUG off, 2 workers, connection reuse) on a free loopback port against
the configured database, warms up, then for each URL runs N client threads for a fixed
time and prints requests per second and latency percentiles. Bounded in count and time;
traffic goes to 127.0.0.1 only. Never part of the test suite or CI.

    make bench                      # default URLs, 8 threads, 10 s each
    bin/bench.py --seconds 5 /quotes/?q=nuclear
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

DEFAULT_URLS = [
    "/",
    "/?as_of=2023-07-10",
    "/compare/?countries=US,DE,PL,EE",
    "/changes/?from=2023-05-01",
    "/quotes/?q=nuclear",
    "/topics/guarantees/",
    "/api/v1/matrix/",
    "/api/v1/quotes/",
]
MAX_REQUESTS_PER_URL = 200_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("The server did not start.")


def hammer(port: int, url: str, seconds: float, threads: int) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client():
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, bad = [], 0
        while time.monotonic() < stop_at and len(mine) < MAX_REQUESTS_PER_URL // threads:
            started = time.perf_counter()
            try:
                conn.request("GET", url)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except OSError:
                bad += 1
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors += bad

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(latencies), latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="*", default=DEFAULT_URLS)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    port = free_port()
    env = {**os.environ, "DEBUG": "false", "CONN_MAX_AGE": "60", "API_THROTTLE_ANON": "1000000/min"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        wait_until_up(port)
        print(f"{'URL':45} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
        for url in args.urls:
            hammer(port, url, 1, 2)  # warm-up
            count, latencies, errors = hammer(port, url, args.seconds, args.threads)
            latencies.sort()
            p50 = statistics.median(latencies) * 1000 if latencies else 0
            p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000 if latencies else 0
            print(f"{url:45} {count / args.seconds:8.0f} {p50:8.1f} {p95:8.1f} {errors:7}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
