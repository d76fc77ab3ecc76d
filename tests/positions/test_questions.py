"""The matrix, the comparison and the changes: one question each, the same at both doors.

Given the seeded report, the page's `?format=json` download is the API's answer for the same
query string, the page's CSV is the API's CSV, a bad value gets the same message at both
doors, and the page takes every parameter the API takes.
"""

import datetime
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.codebook.models import Stance
from apps.core.params import QUERY_VALUE_MAX
from apps.positions.models import Position
from apps.positions.questions import ChangesParams, MatrixParams
from tests.factories import CountryFactory, TopicFactory, UserFactory, make_position


@pytest.fixture
def anon():
    return APIClient()


QUESTIONS = [
    ("/", "/api/v1/matrix/", "as_of=2023-07-10"),
    ("/", "/api/v1/matrix/", "as_of=2023-07-10&topics=membership,guarantees&countries=EE,US"),
    ("/", "/api/v1/matrix/", "as_of=2023-07-10&bloc=bucharest-nine&nato=true"),
    ("/compare/", "/api/v1/compare/", "countries=US,DE,EE&as_of=2023-07-10"),
    ("/changes/", "/api/v1/changes/", "from=2023-05-01&to=2023-07-12"),
    ("/changes/", "/api/v1/changes/", "from=2022-01-01&to=2023-07-12&topics=timeline&countries=EE"),
]


@pytest.mark.parametrize(("page", "api", "query"), QUESTIONS)
def test_a_pages_json_download_is_the_apis_answer(client, anon, seeded, page, api, query):
    downloaded = client.get(f"{page}?{query}&format=json")
    answered = anon.get(f"{api}?{query}")

    assert downloaded.status_code == answered.status_code == 200
    assert downloaded["Content-Disposition"].startswith("attachment;")
    body = json.loads(downloaded.content)
    assert body == answered.json()
    assert body.get("rows") or body.get("entries")  # the seed answers each of these


@pytest.mark.parametrize(("page", "api", "query"), QUESTIONS)
def test_a_pages_csv_download_is_the_apis_csv(client, anon, seeded, page, api, query):
    downloaded = client.get(f"{page}?{query}&format=csv")
    answered = anon.get(f"{api}?{query}&format=csv")

    assert downloaded.status_code == answered.status_code == 200
    assert downloaded.content == answered.content
    assert downloaded.content.count(b"\r\n") > 1


@pytest.mark.django_db
def test_a_formula_in_the_data_reaches_the_pages_csv_neutralised(client):
    topic = TopicFactory(slug="membership")
    Stance.objects.filter(topic=topic, value=1).update(
        label='=HYPERLINK("http://evil.example","x")'
    )
    country = CountryFactory(code="EE", name="+Estonia")
    make_position(country=country, topic=topic, value=1, valid_from=datetime.date(2023, 1, 1))

    for path in ("/?as_of=2023-07-10", "/changes/?from=2022-12-31&to=2023-07-10"):
        text = client.get(f"{path}&format=csv").content.decode()

        assert "'=HYPERLINK(" in text
        assert ",=HYPERLINK(" not in text
    assert ",'+Estonia" in client.get("/?as_of=2023-07-10&format=csv").content.decode()


BAD_VALUES = [
    ("/", "/api/v1/matrix/", "as_of", "2023-13-01", "Give a real date as YYYY-MM-DD"),
    ("/", "/api/v1/matrix/", "as_of", "1899-12-31", "Dates start in 1900."),
    ("/", "/api/v1/matrix/", "as_of", "2999-01-01", "The date cannot be in the future."),
    ("/", "/api/v1/matrix/", "countries", "EE,XX", "Unknown country code “XX”."),
    ("/", "/api/v1/matrix/", "countries", "EE,EE", "“EE” is given twice."),
    ("/", "/api/v1/matrix/", "topics", "membership,nope", "Unknown topic “nope”."),
    ("/", "/api/v1/matrix/", "bloc", "nowhere", "Unknown bloc “nowhere”."),
    ("/", "/api/v1/matrix/", "nato", "yes", "Use true or false."),
    ("/", "/api/v1/matrix/", "as_of", "2" * (QUERY_VALUE_MAX + 1), "At most 500 characters."),
    ("/compare/", "/api/v1/compare/", "countries", "EE", "Compare two to four countries."),
    ("/compare/", "/api/v1/compare/", "countries", "EE,\x00", "May not contain NUL characters."),
    ("/changes/", "/api/v1/changes/", "topics", "\x00", "May not contain NUL characters."),
    ("/changes/", "/api/v1/changes/", "to", "2023-02-30", "Give a real date as YYYY-MM-DD"),
    ("/changes/", "/api/v1/changes/", "from_event", "no-such", "Unknown event “no-such”."),
]


@pytest.mark.parametrize(("page", "api", "name", "value", "message"), BAD_VALUES)
def test_a_bad_value_gets_the_same_message_at_both_doors(
    client, anon, seeded, page, api, name, value, message
):
    shown = client.get(page, {name: value})
    answered = anon.get(api, {name: value})

    assert shown.status_code == answered.status_code == 400
    assert message in answered.json()[name][0]
    assert message in shown.content.decode()


def test_an_end_before_the_start_is_refused_at_both_doors(client, anon, seeded):
    query = {"from": "2023-07-12", "to": "2023-05-01"}

    answered = anon.get("/api/v1/changes/", query)

    assert answered.status_code == 400
    assert answered.json()["to"] == ["The end date must be on or after the start date."]
    assert "The end date must be on or after the start date." in (
        client.get("/changes/", query).content.decode()
    )


def test_a_saved_link_with_the_old_checkbox_value_is_redirected(client, seeded):
    response = client.get("/?as_of=2023-07-10&nato=on")

    assert response.status_code == 301
    assert response["Location"] == "/?as_of=2023-07-10&nato=true"
    assert client.get(response["Location"]).status_code == 200


def test_the_matrix_page_takes_the_apis_countries_filter_and_names_them(client, seeded):
    page = client.get("/", {"as_of": "2023-07-10", "countries": ["EE", "US"]}).content.decode()

    assert '<option value="EE" selected>Estonia</option>' in page
    assert "Poland</a>" not in page
    assert "Estonia</a>" in page and "United States</a>" in page
    assert 'name="topics" value="membership"' in page  # topics are checkboxes
    assert 'name="nato" value="true"' in page


@pytest.mark.parametrize(("value", "ticked"), [("true", True), ("false", False), (None, False)])
def test_the_nato_checkbox_shows_what_was_asked(client, seeded, value, ticked):
    query = {"as_of": "2023-07-10"} | ({"nato": value} if value else {})
    page = client.get("/", query).content.decode()

    checkbox = page[page.index('name="nato"') - 60 : page.index('name="nato"') + 140]
    assert ("checked" in checkbox) is ticked


def test_blank_form_fields_mean_not_given_on_the_page(client, seeded):
    response = client.get("/?as_of=&bloc=&countries=&nato=")

    assert response.status_code == 200
    assert response.context["as_of"] == timezone.localdate()


def test_the_api_still_refuses_an_empty_value(anon, seeded):
    response = anon.get("/api/v1/matrix/?bloc=")

    assert response.status_code == 400
    assert "bloc" in response.json()


@pytest.mark.django_db
def test_in_force_is_one_rule_in_the_database_and_in_memory():
    position = make_position(
        valid_from=datetime.date(2023, 1, 10), valid_to=datetime.date(2023, 2, 1)
    )
    for day in (
        datetime.date(2023, 1, 9),
        datetime.date(2023, 1, 10),
        datetime.date(2023, 1, 31),
        datetime.date(2023, 2, 1),
    ):
        in_db = Position.objects.in_force(day).filter(pk=position.pk).exists()
        assert in_db == position.in_force_on(day)
        assert in_db == (datetime.date(2023, 1, 10) <= day < datetime.date(2023, 2, 1))


@pytest.mark.django_db
def test_drafts_are_visible_to_editors_only(editor):
    reader_user = UserFactory()
    draft = make_position(status="draft")

    assert Position.objects.visible_to(editor).filter(pk=draft.pk).exists()
    assert not Position.objects.visible_to(reader_user).filter(pk=draft.pk).exists()
    assert not Position.objects.visible_to(None).filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_the_changes_start_by_default_on_the_eve_of_the_latest_change():
    make_position(valid_from=datetime.date(2023, 3, 5))

    params = ChangesParams({"to": "2023-06-01"})

    assert params.is_valid(), params.errors
    assert params.cleaned_data["from"] == datetime.date(2023, 3, 4)


@pytest.mark.django_db
def test_matrix_params_default_to_today_and_all():
    params = MatrixParams({})

    assert params.is_valid()
    assert params.cleaned_data["as_of"] == timezone.localdate()
    assert params.cleaned_data["topics"] == [] and params.cleaned_data["nato"] is False


@pytest.mark.django_db
def test_the_comparison_costs_the_same_queries_for_two_or_four_countries(
    anon, django_assert_max_num_queries
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    topic = TopicFactory(slug="membership")
    codes = [make_position(topic=topic).country.code for _ in range(4)]
    counts = []
    for size in (2, 4):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = anon.get("/api/v1/compare/", {"countries": ",".join(codes[:size])})
        entries = response.json()["entries"]
        assert len(entries) == size
        assert all(entry["current"]["evidence"] for entry in entries)
        counts.append(len(captured.captured_queries))

    assert counts[0] == counts[1]
