"""A second article entered through the API as a script would, read back as a story.

On top of the seeded Foreign Policy report (June 2023), an editor enters what the Vilnius
summit produced: Biden's "not ready" (9 July), the communiqué's formula (11 July), Zelensky's
"absurd" (11 July) and the G7's long-term commitments (12 July), coding positions for NATO,
the United States, the United Kingdom, France and Germany. The positions are entered out of
chronological order, as drafts submitted for review, and a second editor publishes them.
Then matrix/ and changes/ must tell the story: before the summit, and after it.
"""

import pytest

from tests.api.conftest import token_client
from tests.factories import EditorFactory


class Script:
    """What an editor's import script does: find or create, then record."""

    def __init__(self, client):
        self.client = client

    def ok(self, response, status=200):
        assert response.status_code == status, response.content
        return response.json()

    def get(self, path, **params):
        return self.ok(self.client.get(path, params))

    def post(self, path, body):
        return self.ok(self.client.post(path, body, format="json"), 201)

    def person(self, slug, name, country, title, start):
        if self.client.get(f"/api/v1/people/{slug}/").status_code == 404:
            self.post("/api/v1/people/", {"slug": slug, "name": name, "country": country})
        roles = self.get("/api/v1/roles/", person=slug, held_on="2023-07-11")["results"]
        if roles:
            return roles[0]["id"]
        role = {"person": slug, "title": title, "country": country, "start": start}
        return self.post("/api/v1/roles/", role)["id"]

    def quote(self, **body):
        return self.post("/api/v1/quotes/", {"status": "in_review", **body})["id"]

    def position(self, **body):
        return self.post(
            "/api/v1/positions/", {"status": "in_review", "confidence": "stated", **body}
        )["id"]

    def publish(self, resource, pk):
        path = f"/api/v1/{resource}/{pk}/"
        etag = self.client.get(path)["ETag"]
        patch = self.client.patch(path, {"status": "published"}, format="json", HTTP_IF_MATCH=etag)
        return self.ok(patch)


@pytest.fixture
def editor_script(seeded, editor):
    return Script(token_client(editor))


@pytest.fixture
def reviewer_script(seeded):
    return Script(token_client(EditorFactory()))


def stances(matrix, holder):
    row = next(
        r for r in matrix["rows"] if holder in (r["holder"].get("code"), r["holder"].get("slug"))
    )
    return {slug: cell and cell["stance"]["value"] for slug, cell in row["cells"].items()}


def test_a_second_article_entered_through_the_api_tells_its_story(
    editor_script, reviewer_script, anon
):
    api = editor_script
    before = anon.get("/api/v1/matrix/", {"as_of": "2023-07-13"}).json()

    # --- the source and the people --------------------------------------------------------
    source = api.post(
        "/api/v1/sources/",
        {
            "title": "Vilnius: what the allies offered Ukraine",
            "publisher": "foreign-policy",
            "published_on": "2023-07-14",
            "published_precision": "day",
            "kind": "analysis",
            "reliability": "secondary",
        },
    )["id"]
    biden_role = api.person(
        "joe-biden", "Joe Biden", "US", "President of the United States", "2021-01-20"
    )
    zelensky_role = api.person(
        "volodymyr-zelensky", "Volodymyr Zelensky", "UA", "President of Ukraine", "2019-05-20"
    )

    # --- the quotes -------------------------------------------------------------------------
    biden = api.quote(
        text="I don't think it's ready for membership in NATO",
        speaker="joe-biden",
        role=biden_role,
        country="US",
        said_on="2023-07-09",
        source=source,
        channel="CNN interview",
        topics=["membership"],
        implied_stance={"topic": "membership", "value": -1},
    )
    communique = api.quote(
        text="We will be in a position to extend an invitation to Ukraine to join the Alliance "
        "when Allies agree and conditions are met.",
        speaker_label="NATO heads of state and government (Vilnius communiqué)",
        said_on="2023-07-11",
        source=source,
        channel="summit communiqué",
        event="vilnius-summit-2023",
        topics=["membership", "timeline"],
    )
    zelensky = api.quote(
        text="It's unprecedented and absurd when time frame is not set neither for the "
        "invitation nor for Ukraine's membership.",
        speaker="volodymyr-zelensky",
        role=zelensky_role,
        country="UA",
        said_on="2023-07-11",
        source=source,
        channel="on Twitter",
        event="vilnius-summit-2023",
        topics=["timeline"],
    )
    g7 = api.quote(
        text="The G7 launched negotiations on long-term bilateral security commitments to Ukraine.",
        is_paraphrase=True,
        speaker_label="G7 leaders",
        said_on="2023-07-12",
        source=source,
        channel="joint declaration",
        event="vilnius-summit-2023",
        topics=["guarantees"],
    )
    for quote in (biden, communique, zelensky, g7):
        reviewer_script.publish("quotes", quote)

    # --- the positions, latest first ----------------------------------------------------------
    positions = [
        api.position(
            country=code, topic="guarantees", stance=1, valid_from="2023-07-12", evidence=[g7]
        )
        for code in ("US", "GB", "FR", "DE")
    ]
    positions.append(
        api.position(
            organization="nato",
            topic="timeline",
            stance=0,
            conditionality="conditions_met",
            valid_from="2023-07-11",
            evidence=[communique, zelensky],
        )
    )
    positions.append(
        api.position(
            country="US",
            topic="membership",
            stance=0,
            conditionality="conditions_met",
            confidence="inferred",
            summary="Signed the communiqué's formula.",
            valid_from="2023-07-11",
            evidence=[communique],
        )
    )
    # Entered last, dated earliest: it must end where the 11 July position begins.
    positions.append(
        api.position(
            country="US", topic="membership", stance=-1, valid_from="2023-07-09", evidence=[biden]
        )
    )

    # Drafts in review change nothing analysts see.
    assert anon.get("/api/v1/matrix/", {"as_of": "2023-07-13"}).json() == before
    for position in positions:
        reviewer_script.publish("positions", position)

    # --- the story: before and after the summit ------------------------------------------------
    eve = anon.get("/api/v1/matrix/", {"as_of": "2023-07-10"}).json()
    after = anon.get("/api/v1/matrix/", {"as_of": "2023-07-13"}).json()

    assert stances(eve, "nato")["timeline"] == -1
    assert stances(eve, "US") == {"membership": -1, "timeline": -1, "guarantees": None}
    assert stances(after, "nato") == {"membership": 0, "timeline": 0, "guarantees": 0}
    assert stances(after, "US") == {"membership": 0, "timeline": -1, "guarantees": 1}
    assert stances(after, "GB")["guarantees"] == stances(after, "FR")["guarantees"] == 1
    assert stances(after, "UA") == {"membership": 2, "timeline": 2, "guarantees": 2}
    us_cell = next(r for r in after["rows"] if r["holder"].get("code") == "US")["cells"][
        "membership"
    ]
    assert us_cell["conditionality"] == "conditions_met"
    assert us_cell["confidence"] == "inferred"

    changes = anon.get("/api/v1/changes/", {"from": "2023-07-10", "to": "2023-07-13"}).json()
    moved = {
        (e["holder"].get("code") or e["holder"]["slug"], e["topic"]): (
            e["before"] and e["before"]["value"],
            e["after"] and e["after"]["value"],
            e["direction"],
        )
        for e in changes["entries"]
    }
    assert moved == {
        ("nato", "timeline"): (-1, 0, "up"),
        ("US", "membership"): (-1, 0, "up"),
        ("US", "guarantees"): (None, 1, "new"),
    }
    us_guarantees = next(e for e in changes["entries"] if e["topic"] == "guarantees")
    assert [q["id"] for q in us_guarantees["evidence"]] == [g7]
    nato_timeline = next(e for e in changes["entries"] if e["holder"]["type"] == "organization")
    assert {q["id"] for q in nato_timeline["evidence"]} == {communique, zelensky}

    # --- the history behind one cell, and the words behind it -------------------------------
    history = api.get("/api/v1/positions/", country="US", topic="membership", ordering="valid_from")
    assert [(p["valid_from"], p["valid_to"], p["stance"]["value"]) for p in history["results"]] == [
        ("2023-06-01", "2023-07-09", -1),
        ("2023-07-09", "2023-07-11", -1),
        ("2023-07-11", None, 0),
    ]
    found = anon.get("/api/v1/quotes/", {"q": "absurd", "event": "vilnius-summit-2023"}).json()
    assert [q["speaker_name"] for q in found["results"]] == ["Volodymyr Zelensky"]
    assert found["results"][0]["source"]["title"] == "Vilnius: what the allies offered Ukraine"
