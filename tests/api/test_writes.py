"""Writes go through the domain's services: the same rules and audit as the admin, every
refusal a 400 naming the field, and nothing stored when refused."""

import datetime

import pytest
from django.apps import apps

from apps.actors.models import Organization, Person, Role
from apps.core.models import Status
from apps.positions.models import Position
from apps.statements.models import Event, Quote, Source

D = datetime.date
TOMORROW = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()


def quote_body(desk, **changes):
    body = {
        "text": "There is a lot of uncertainty",
        "speaker": "juri-luik",
        "country": "EE",
        "role": desk["role"].pk,
        "said_on": "2023-06-10",
        "said_precision": "day",
        "source": desk["source"].pk,
        "channel": "told FP",
        "event": "vilnius-2023",
        "topics": ["membership", "guarantees"],
        "implied_stance": {"topic": "membership", "value": 1},
        "status": "published",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def assert_refused(response, field, model, count):
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert model.objects.count() == count


# --- quotes -----------------------------------------------------------------------------------


def test_an_editor_records_a_quote_and_reads_it_back(editor_client, desk):
    response = editor_client.post("/api/v1/quotes/", quote_body(desk), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    quote = Quote.objects.get(pk=body["id"])
    assert response["Location"].endswith(f"/api/v1/quotes/{quote.pk}/")
    assert response["ETag"] == '"1"'
    assert body["speaker"] == {"slug": "juri-luik", "name": "Jüri Luik"}
    assert body["topics"] == ["membership", "guarantees"] or set(body["topics"]) == {
        "membership",
        "guarantees",
    }
    assert body["implied_stance"] == {"topic": "membership", "value": 1, "label": "For"}
    assert quote.created_by == editor_client.user
    assert quote.role == desk["role"]


def test_the_write_is_audited_with_the_user_and_the_api_door(editor_client, desk):
    response = editor_client.post("/api/v1/quotes/", quote_body(desk), format="json")

    event = apps.get_model("statements", "QuoteEvent").objects.get(pgh_obj_id=response.json()["id"])
    assert event.pgh_context.metadata["door"] == "api"
    assert event.pgh_context.metadata["user"] == editor_client.user.pk


def test_text_is_stored_as_entered(editor_client, desk):
    text = "  <b>Nothing short</b> of “full inclusion”  "

    response = editor_client.post("/api/v1/quotes/", quote_body(desk, text=text), format="json")

    assert Quote.objects.get(pk=response.json()["id"]).text == text


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"speaker": None}, "speaker"),
        ({"speaker_label": "a diplomat"}, "speaker"),
        ({"speaker": "nobody"}, "speaker"),
        ({"source": 999999}, "source"),
        ({"source": ...}, "source"),
        ({"source": "1"}, "source"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({"text": 5}, "text"),
        ({"said_on": TOMORROW}, "said_on"),
        ({"said_on": "2023-06-31"}, "said_on"),
        ({"said_on": "2023-06-20"}, "said_on"),  # after the source was published
        ({"country": "ZZ"}, "country"),
        ({"topics": ["nope"]}, "topics"),
        ({"topics": "membership"}, "topics"),
        ({"implied_stance": {"topic": "guarantees", "value": 3}}, "implied_stance"),
        ({"topics": ["guarantees"]}, "implied_stance"),  # not on one of the quote's topics
        ({"is_paraphrase": "yes"}, "is_paraphrase"),
        ({"language": "English"}, "language"),
        ({"language": "en\n"}, "language"),
        ({"said_on": "2023-06-10\n"}, "said_on"),
        ({"status": "live"}, "status"),
        ({"said_precision": "week"}, "said_precision"),
        ({"event": "nope"}, "event"),
        ({"role": "1"}, "role"),
        ({"channel": "x" * 201}, "channel"),
    ],
)
def test_a_quote_breaking_a_rule_is_refused_and_not_stored(editor_client, desk, changes, field):
    before = Quote.objects.count()

    response = editor_client.post("/api/v1/quotes/", quote_body(desk, **changes), format="json")

    assert_refused(response, field, Quote, before)


def test_a_role_the_speaker_did_not_hold_is_refused(editor_client, desk):
    other = Role.objects.create(person=Person.objects.create(slug="x", name="X"), title="Minister")

    response = editor_client.post("/api/v1/quotes/", quote_body(desk, role=other.pk), format="json")

    assert_refused(response, "role", Quote, 1)


def test_an_anonymous_source_needs_a_label_not_a_speaker(editor_client, desk):
    body = quote_body(desk, speaker=None, role=None, speaker_label="a senior diplomat")

    response = editor_client.post("/api/v1/quotes/", body, format="json")

    assert response.status_code == 201
    assert response.json()["speaker"] is None
    assert response.json()["speaker_name"] == "a senior diplomat"


def test_a_body_that_is_not_json_is_refused(editor_client, desk):
    broken = editor_client.post("/api/v1/quotes/", "{not json", content_type="application/json")
    form = editor_client.post(
        "/api/v1/quotes/", "text=x", content_type="application/x-www-form-urlencoded"
    )
    listed = editor_client.post("/api/v1/quotes/", [1, 2], format="json")

    assert broken.status_code == 400
    assert form.status_code == 415
    assert listed.status_code == 400
    assert Quote.objects.count() == 1


# --- positions --------------------------------------------------------------------------------


def position_body(**changes):
    body = {
        "country": "US",
        "topic": "membership",
        "stance": -1,
        "valid_from": "2023-06-01",
        "confidence": "reported",
        "conditionality": "after_war",
        "summary": "Not during the war.",
        "status": "draft",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def test_recording_positions_out_of_order_fits_the_history(editor_client, desk, settings):
    # Published positions form the history; a one-editor deployment publishes directly.
    settings.FOUR_EYES = False
    quote = desk["quote"].pk
    for valid_from, stance in [("2023-09-01", 1), ("2022-01-01", -2), ("2023-06-01", -1)]:
        response = editor_client.post(
            "/api/v1/positions/",
            position_body(
                valid_from=valid_from, stance=stance, evidence=[quote], status="published"
            ),
            format="json",
        )
        assert response.status_code == 201, response.content

    history = list(
        Position.objects.filter(country__code="US")
        .order_by("valid_from")
        .values_list("valid_from", "valid_to", "stance__value")
    )
    assert history == [
        (D(2022, 1, 1), D(2023, 6, 1), -2),
        (D(2023, 6, 1), D(2023, 9, 1), -1),
        (D(2023, 9, 1), None, 1),
    ]


def test_an_editor_may_not_publish_a_position_they_wrote_but_another_may(
    editor_client, desk, settings
):
    settings.FOUR_EYES = True
    from tests.api.conftest import token_client
    from tests.factories import EditorFactory

    body = position_body(evidence=[desk["quote"].pk], status="in_review")
    created = editor_client.post("/api/v1/positions/", body, format="json").json()
    path = f"/api/v1/positions/{created['id']}/"

    own = editor_client.patch(path, {"status": "published"}, format="json", HTTP_IF_MATCH='"1"')
    other = token_client(EditorFactory()).patch(
        path, {"status": "published"}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert own.status_code == 400
    assert "four-eyes" in own.json()["status"][0]
    assert other.status_code == 200, other.content
    assert other.json()["status"] == "published"


def test_an_organization_holds_a_position(editor_client, desk):
    body = position_body(country=None, organization="nato", stance=0)

    response = editor_client.post("/api/v1/positions/", body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["holder"] == {"type": "organization", "slug": "nato", "name": "NATO"}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"organization": "nato"}, "country"),
        ({"country": None}, "country"),
        ({"country": ...}, "country"),
        ({"stance": 3}, "stance"),
        ({"stance": "1"}, "stance"),
        ({"topic": "nope"}, "topic"),
        ({"valid_from": TOMORROW}, "valid_from"),
        ({"valid_from": ...}, "valid_from"),
        ({"valid_to": "2023-05-01"}, "valid_to"),
        ({"status": "published"}, "evidence"),
        ({"evidence": [999999]}, "evidence"),
        ({"confidence": "certain"}, "confidence"),
        ({"conditionality": "never"}, "conditionality"),
        ({"organization": "nobody", "country": None}, "organization"),
        ({"summary": "a\x00"}, "summary"),
    ],
)
def test_a_position_breaking_a_rule_is_refused_and_not_stored(editor_client, desk, changes, field):
    before = Position.objects.count()

    response = editor_client.post("/api/v1/positions/", position_body(**changes), format="json")

    assert_refused(response, field, Position, before)


def test_a_second_position_from_the_same_day_is_refused(editor_client, desk, settings):
    settings.FOUR_EYES = False
    body = position_body(
        country="EE",
        stance=2,
        valid_from="2023-06-01",
        status="published",
        evidence=[desk["quote"].pk],
    )

    response = editor_client.post("/api/v1/positions/", body, format="json")

    assert_refused(response, "valid_from", Position, 1)
    assert "already has a position" in response.json()["valid_from"][0]


def test_an_explicit_end_overlapping_the_next_position_is_refused(editor_client, desk, settings):
    settings.FOUR_EYES = False
    body = position_body(
        country="EE",
        stance=0,
        valid_from="2023-01-01",
        valid_to="2023-07-01",
        status="published",
        evidence=[desk["quote"].pk],
    )

    response = editor_client.post("/api/v1/positions/", body, format="json")

    assert_refused(response, "valid_to", Position, 1)


def test_changing_a_positions_topic_keeps_its_stance_on_that_topic(editor_client, desk):
    # A draft: a published position's change would be a revision in review (test_revisions).
    position = desk["position"]
    Position.objects.filter(pk=position.pk).update(status=Status.DRAFT)
    path = f"/api/v1/positions/{position.pk}/"

    wrong = editor_client.patch(path, {"topic": "guarantees"}, format="json", HTTP_IF_MATCH='"1"')
    right = editor_client.patch(
        path, {"topic": "guarantees", "stance": 2}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert wrong.status_code == 400 and "stance" in wrong.json()
    assert right.status_code == 200, right.content
    assert right.json()["stance"]["value"] == 2


def test_naming_one_holder_replaces_the_other(editor_client, desk):
    position = desk["position"]
    Position.objects.filter(pk=position.pk).update(status=Status.DRAFT)
    path = f"/api/v1/positions/{position.pk}/"

    response = editor_client.patch(
        path, {"organization": "nato"}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 200, response.content
    assert response.json()["holder"]["type"] == "organization"


# --- sources and the simple resources -------------------------------------------------------


def test_an_editor_records_and_corrects_a_source(editor_client, desk):
    body = {
        "title": "Interview",
        "publisher": "nato",
        "url": "https://example.org/interview",
        "published_on": "2023-06-20",
        "published_precision": "day",
        "kind": "interview",
        "reliability": "primary",
        "language": "en",
    }
    created = editor_client.post("/api/v1/sources/", body, format="json")
    assert created.status_code == 201, created.content
    path = f"/api/v1/sources/{created.json()['id']}/"

    changed = editor_client.patch(
        path, {"title": "Interview, corrected"}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    assert changed["ETag"] == '"2"'
    assert Source.objects.get(pk=created.json()["id"]).updated_by == editor_client.user


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"publisher": "nobody"}, "publisher"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"published_on": TOMORROW}, "published_on"),
        ({"kind": "rumour"}, "kind"),
        ({"title": ""}, "title"),
    ],
)
def test_a_source_breaking_a_rule_is_refused(editor_client, desk, changes, field):
    body = {
        "title": "T",
        "published_on": "2023-06-20",
        "kind": "interview",
        "reliability": "primary",
    }

    response = editor_client.post("/api/v1/sources/", {**body, **changes}, format="json")

    assert_refused(response, field, Source, 1)


@pytest.mark.parametrize(
    "resource, body, field, model",
    [
        ("organizations", {"slug": "nato", "name": "Other", "kind": "ngo"}, "slug", Organization),
        ("organizations", {"slug": "new", "name": "NATO", "kind": "ngo"}, "name", Organization),
        ("organizations", {"slug": "bad slug", "name": "N", "kind": "ngo"}, "slug", Organization),
        ("people", {"slug": "juri-luik", "name": "Other"}, "slug", Person),
        ("people", {"slug": "p", "name": "P", "country": "ZZ"}, "country", Person),
        (
            "roles",
            {"person": "juri-luik", "title": "T", "start": "2023-01-02", "end": "2023-01-01"},
            "end",
            Role,
        ),
        ("roles", {"person": "nobody", "title": "T"}, "person", Role),
        ("roles", {"person": "juri-luik", "title": "T", "start": TOMORROW}, "start", Role),
        (
            "events",
            {
                "slug": "e",
                "name": "E",
                "kind": "summit",
                "start_date": "2023-01-02",
                "end_date": "2023-01-01",
            },
            "end_date",
            Event,
        ),
        (
            "events",
            {"slug": "vilnius-2023", "name": "E", "kind": "summit", "start_date": "2023-01-01"},
            "slug",
            Event,
        ),
    ],
)
def test_simple_resources_keep_their_rules(editor_client, desk, resource, body, field, model):
    before = model.objects.count()

    response = editor_client.post(f"/api/v1/{resource}/", body, format="json")

    assert_refused(response, field, model, before)


def test_a_duplicate_post_is_refused_naming_no_field_but_saying_why(editor_client, desk):
    body = {"person": "juri-luik", "title": "Permanent Representative", "country": "EE"}
    first = editor_client.post("/api/v1/roles/", {**body, "start": "2020-01-01"}, format="json")
    second = editor_client.post("/api/v1/roles/", {**body, "start": "2020-01-01"}, format="json")

    assert first.status_code == 201
    assert second.status_code == 400
    assert "already exists" in str(second.json())


def test_simple_writes_record_who(editor_client, desk):
    response = editor_client.post(
        "/api/v1/people/",
        {"slug": "kaja-kallas", "name": "Kaja Kallas", "country": "EE"},
        format="json",
    )

    person = Person.objects.get(slug="kaja-kallas")
    assert response.json()["country"] == {"code": "EE", "name": "Estonia"}
    assert person.created_by == editor_client.user


@pytest.mark.parametrize(
    "resource, body, field",
    [
        ("positions", {**position_body(), "evidence": {}}, "evidence"),
        ("roles", {"person": "juri-luik", "title": "T", "organization": ""}, "organization"),
        (
            "sources",
            {
                "title": "T",
                "published_on": "2023-06-01",
                "kind": "interview",
                "reliability": "primary",
                "author": "",
            },
            "author",
        ),
        ("quotes", {"topics": {"membership": 1}}, "topics"),
    ],
)
def test_references_take_exactly_the_json_the_schema_states(
    editor_client, desk, resource, body, field
):
    response = editor_client.post(f"/api/v1/{resource}/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "url, status",
    [
        ("https://foreignpolicy.com/2023/06/20/nato-ukraine/", 201),
        ("", 201),
        ("http://例え.jp/", 400),
        ("ftp://files.example.org/a", 201),
        ("mailto:a@example.org", 400),
        ("https://exa mple.org", 400),
    ],
)
def test_a_source_url_is_a_plain_web_address(editor_client, desk, url, status):
    body = {
        "title": "T",
        "published_on": "2023-06-01",
        "kind": "interview",
        "reliability": "primary",
    }

    response = editor_client.post("/api/v1/sources/", {**body, "url": url}, format="json")

    assert response.status_code == status, response.content


def test_a_published_position_is_retracted_with_a_note(editor_client, desk):
    path = f"/api/v1/positions/{desk['position'].pk}/"

    bare = editor_client.patch(path, {"status": "retracted"}, format="json", HTTP_IF_MATCH='"1"')
    noted = editor_client.patch(
        path,
        {"status": "retracted", "correction_note": "Misread the source."},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    on_create = editor_client.post(
        "/api/v1/positions/", position_body(correction_note="Why?"), format="json"
    )

    assert bare.status_code == 400 and "correction_note" in bare.json()
    assert noted.status_code == 200, noted.content
    assert noted.json()["status"] == "retracted"
    assert noted.json()["correction_note"] == "Misread the source."
    assert on_create.status_code == 400 and "correction_note" in on_create.json()
