"""Editors writing while readers read, for bin/bench.py's mixed load.

Each editor's client loops until the time is up. One turn:
1. it reads its source's newest quote as a reader, writes a published quote to that source
   (POST /api/v1/quotes/), then reads, as a reader, the quote itself, the source's newest
   quote in the API and the quote search page for that source: each must show it;
2. it records a position in review on that quote (POST /api/v1/positions/), held by the
   benchmark's organization on a day of its own; the author must read it in review and a
   reader must not find it;
3. it reads the matrix on that day as a reader; the other editor publishes the position
   (PATCH status=published with If-Match: the four-eyes rule refuses the author); then a
   reader must find it published, and in the organization's cell of the matrix on that day.
A read that misses what was just written is a mismatch. The reads before the writes fill
the readers' cache with the old answer, so a stale cache would be caught.
"""

import dataclasses
import datetime
import itertools
import json
import threading
import time
import urllib.error
import urllib.request

FORWARDED = {"X-Forwarded-Proto": "https"}


@dataclasses.dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Client:
    """HTTP to the local server, as a reader (no token) or as an editor (their API token)."""

    def __init__(self, port: int, token: str | None = None):
        self.base = f"http://127.0.0.1:{port}"
        self.token = token

    def call(self, method: str, path: str, body=None, headers=None) -> Answer:
        sent = {**FORWARDED, "Accept": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Token {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return Answer(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())

    def page(self, path: str) -> Answer:
        return self.call("GET", path, headers={"Accept": "text/html"})


@dataclasses.dataclass
class Tally:
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    writes: dict = dataclasses.field(default_factory=dict)
    write_ms: list = dataclasses.field(default_factory=list)
    refused: list = dataclasses.field(default_factory=list)
    read_backs: int = 0
    mismatches: list = dataclasses.field(default_factory=list)

    def wrote(self, kind: str, started: float) -> None:
        with self.lock:
            self.writes[kind] = self.writes.get(kind, 0) + 1
            self.write_ms.append((time.monotonic() - started) * 1000)

    def refuse(self, what: str, answer: Answer) -> None:
        with self.lock:
            self.refused.append(f"{what}: {answer.status} {answer.body[:200]!r}")

    def expect(self, ok: bool, what: str) -> bool:
        with self.lock:
            self.read_backs += 1
            if not ok:
                self.mismatches.append(what)
        return ok


class Editor:
    def __init__(self, port, me: dict, other: dict, org: str, topics, days, tally):
        self.me, self.other = Client(port, me["token"]), Client(port, other["token"])
        self.reader = Client(port)
        self.name, self.source = me["username"], me["source"]
        self.org, self.topics, self.days, self.tally = org, topics, days, tally

    def turn(self, n: int) -> None:
        quote = self.write_quote(n)
        if quote is not None:
            self.write_position(n, quote)

    def write_quote(self, n: int) -> int | None:
        newest = f"/api/v1/quotes/?source={self.source}&page_size=1"
        self.reader.call("GET", newest)
        text = f"Benchmark write {n} by {self.name}."
        started = time.monotonic()
        answer = self.me.call(
            "POST",
            "/api/v1/quotes/",
            {
                "text": text,
                "said_on": datetime.datetime.now(datetime.UTC).date().isoformat(),
                "source": self.source,
                "speaker_label": "A benchmark client",
                "status": "published",
            },
        )
        if answer.status != 201:
            self.tally.refuse("quote", answer)
            return None
        self.tally.wrote("quote", started)
        pk = answer.json()["id"]
        got = self.reader.call("GET", f"/api/v1/quotes/{pk}/")
        self.tally.expect(
            got.status == 200 and (got.json() or {}).get("text") == text,
            f"quote {pk}: its address answered {got.status}",
        )
        got = self.reader.call("GET", newest)
        results = (got.json() or {}).get("results") or [{}]
        self.tally.expect(
            got.status == 200 and results[0].get("id") == pk,
            f"quote {pk}: the source's newest quote is {results[0].get('id')} ({got.status})",
        )
        got = self.reader.page(f"/quotes/?source={self.source}")
        self.tally.expect(
            got.status == 200 and text.encode() in got.body,
            f"quote {pk}: not on the quote search page ({got.status})",
        )
        return pk

    def write_position(self, n: int, quote: int) -> None:
        topic, values = self.topics[n % len(self.topics)]
        day = next(self.days)
        started = time.monotonic()
        answer = self.me.call(
            "POST",
            "/api/v1/positions/",
            {
                "organization": self.org,
                "topic": topic,
                "stance": values[n % len(values)],
                "valid_from": day.isoformat(),
                "confidence": "stated",
                "evidence": [quote],
                "status": "in_review",
            },
        )
        if answer.status != 201:
            self.tally.refuse("position", answer)
            return
        self.tally.wrote("position", started)
        pk, etag = answer.json()["id"], answer.headers.get("ETag", "")
        got = self.me.call("GET", f"/api/v1/positions/{pk}/")
        self.tally.expect(
            got.status == 200 and (got.json() or {}).get("status") == "in_review",
            f"position {pk}: its author read {got.status}",
        )
        got = self.reader.call("GET", f"/api/v1/positions/{pk}/")
        self.tally.expect(got.status == 404, f"position {pk} in review: a reader got {got.status}")
        matrix = f"/api/v1/matrix/?as_of={day}"
        self.reader.call("GET", matrix)
        started = time.monotonic()
        answer = self.other.call(
            "PATCH", f"/api/v1/positions/{pk}/", {"status": "published"}, {"If-Match": etag}
        )
        if answer.status != 200:
            self.tally.refuse("publish", answer)
            return
        self.tally.wrote("publish", started)
        got = self.reader.call("GET", f"/api/v1/positions/{pk}/")
        self.tally.expect(
            got.status == 200 and (got.json() or {}).get("status") == "published",
            f"position {pk} published: a reader got {got.status}",
        )
        got = self.reader.call("GET", matrix)
        cell = None
        for row in (got.json() or {}).get("rows", []):
            if row["holder"].get("slug") == self.org:
                cell = (row["cells"].get(topic) or {}).get("position")
        self.tally.expect(
            got.status == 200 and cell == pk,
            f"position {pk} published: the matrix on {day} shows {cell} ({got.status})",
        )


def run(port: int, fixtures: dict, seconds: float) -> dict:
    """Run the editors' clients for `seconds` (each finishes its turn); return the tally."""
    reader = Client(port)
    topics = [
        (topic["slug"], [stance["value"] for stance in topic["stances"]])
        for topic in reader.call("GET", "/api/v1/topics/").json()["results"]
    ]
    # Each position on a day of its own, counting back from yesterday: a published
    # position's day is unique to its holder and topic, and never in the future.
    yesterday = datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1)
    day_numbers = itertools.count()
    days_lock = threading.Lock()

    class Days:
        def __next__(self):
            with days_lock:
                return yesterday - datetime.timedelta(days=next(day_numbers))

    tally = Tally()
    editors = fixtures["editors"]
    clients = [
        Editor(
            port,
            me,
            editors[(i + 1) % len(editors)],
            fixtures["organization"],
            topics,
            Days(),
            tally,
        )
        for i, me in enumerate(editors)
    ]
    turns = itertools.count()
    deadline = time.monotonic() + seconds
    failures: list[str] = []

    def loop(editor: Editor) -> None:
        try:
            while time.monotonic() < deadline:
                editor.turn(next(turns))
        except Exception as error:  # a crash is reported, never silently dropped
            failures.append(f"{editor.name}: {error!r}")

    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(editor,)) for editor in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    writes = sum(tally.writes.values())
    ordered = sorted(tally.write_ms)
    return {
        "editors": len(clients),
        "seconds": round(elapsed, 1),
        "writes": tally.writes,
        "writes_per_s": round(writes / elapsed, 2),
        "write_p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else None,
        "refused_writes": len(tally.refused) + len(failures),
        "refused_examples": (failures + tally.refused)[:5],
        "read_backs": tally.read_backs,
        "mismatches": len(tally.mismatches),
        "mismatch_examples": tally.mismatches[:5],
    }
