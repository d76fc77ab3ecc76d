"""Every editorial model's admin: pages render, changelists stay flat, only superusers delete."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.actors.models import Bloc, Country, Organization, Person, Role
from apps.positions.models import Position, PossibleShift, ShiftStatus, Stance, Topic
from apps.statements.models import Event, Quote, Source
from tests.factories import (
    BlocFactory,
    CountryFactory,
    EventFactory,
    OrganizationFactory,
    PersonFactory,
    RoleFactory,
    SourceFactory,
    TopicFactory,
    make_position,
    make_quote,
)


def make_bloc():
    bloc = BlocFactory()
    bloc.members.add(CountryFactory(), CountryFactory())
    return bloc


def make_organization():
    return OrganizationFactory(country=CountryFactory())


def make_person():
    person = PersonFactory()
    RoleFactory(person=person)
    return person


def make_role():
    return RoleFactory(organization=OrganizationFactory())


def make_source():
    source = SourceFactory(publisher=OrganizationFactory(kind="media"), author=PersonFactory())
    make_quote(source=source)
    return source


def make_full_quote():
    topic = TopicFactory()
    speaker = PersonFactory()
    return make_quote(
        speaker=speaker,
        role=RoleFactory(person=speaker, organization=OrganizationFactory()),
        country=speaker.country,
        event=EventFactory(),
        topics=[topic],
        implied_stance=topic.stances.get(value=1),
    )


def make_stance():
    return TopicFactory().stances.get(value=0)


# Each maker adds one row (with the related rows its changelist shows).
MODELS = [
    pytest.param(Country, CountryFactory, id="country"),
    pytest.param(Bloc, make_bloc, id="bloc"),
    pytest.param(Organization, make_organization, id="organization"),
    pytest.param(Person, make_person, id="person"),
    pytest.param(Role, make_role, id="role"),
    pytest.param(Event, EventFactory, id="event"),
    pytest.param(Source, make_source, id="source"),
    pytest.param(Quote, make_full_quote, id="quote"),
    pytest.param(Topic, TopicFactory, id="topic"),
    pytest.param(Stance, make_stance, id="stance"),
    pytest.param(Position, make_position, id="position"),
]


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def as_superuser(client, superuser):
    client.force_login(superuser)
    return client


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize(("model", "make"), MODELS)
def test_changelist_add_and_change_pages_render_for_an_editor(as_editor, model, make):
    obj = make()

    for url in (
        admin_url(model, "changelist"),
        admin_url(model, "add"),
        admin_url(model, "change", obj.pk),
    ):
        assert as_editor.get(url).status_code == 200, url


@pytest.mark.parametrize(("model", "make"), MODELS)
def test_changelist_query_count_does_not_grow_with_rows(
    as_editor, model, make, django_assert_num_queries
):
    url = admin_url(model, "changelist")
    for _ in range(2):
        make()
    as_editor.get(url)  # content types and other per-process caches warm up

    with CaptureQueriesContext(connection) as at_two:
        response = as_editor.get(url)
    assert response.status_code == 200

    for _ in range(6):
        make()
    with django_assert_num_queries(len(at_two.captured_queries)):
        response = as_editor.get(url)

    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count() >= 8


@pytest.mark.parametrize(("model", "make"), MODELS)
def test_an_editor_cannot_delete(as_editor, model, make):
    obj = make()

    assert as_editor.get(admin_url(model, "delete", obj.pk)).status_code == 403
    assert as_editor.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    changelist = as_editor.get(admin_url(model, "changelist"))
    assert "delete_selected" not in changelist.content.decode()
    as_editor.post(
        admin_url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize(("model", "make"), MODELS)
def test_a_superuser_is_offered_delete(as_superuser, model, make):
    obj = make()

    assert as_superuser.get(admin_url(model, "delete", obj.pk)).status_code == 200
    assert "delete_selected" in as_superuser.get(admin_url(model, "changelist")).content.decode()


def test_a_superuser_deletes(as_superuser):
    country = CountryFactory()

    response = as_superuser.post(admin_url(Country, "delete", country.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Country.objects.filter(pk=country.pk).exists()


def test_a_role_added_inline_with_its_person_records_the_editor(as_editor, editor):
    country = CountryFactory(code="EE", name="Estonia")
    data = {
        "slug": "jueri-luik",
        "name": "Jüri Luik",
        "country": country.pk,
        "bio": "",
        "roles-TOTAL_FORMS": "1",
        "roles-INITIAL_FORMS": "0",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        "roles-0-title": "Permanent representative to NATO",
        "roles-0-country": country.pk,
        "roles-0-organization": "",
        "roles-0-start": "2019-09-01",
        "roles-0-end": "",
    }

    response = as_editor.post(admin_url(Person, "add"), data)

    assert response.status_code == 302
    person = Person.objects.get(slug="jueri-luik")
    assert person.created_by == editor
    assert person.roles.get().created_by == editor


def test_the_evidence_autocomplete_finds_quotes_for_an_editor(as_editor):
    wanted = make_quote(text="Vilnius must send a clear signal.")
    make_quote(text="Something else entirely.")

    response = as_editor.get(
        "/admin/autocomplete/",
        {
            "app_label": "positions",
            "model_name": "position",
            "field_name": "evidence",
            "term": "Vilnius",
        },
    )

    assert response.status_code == 200
    results = response.json()["results"]
    assert [result["id"] for result in results] == [str(wanted.pk)]
    assert "Vilnius must send a clear signal." in results[0]["text"]


@pytest.mark.parametrize(
    ("model_name", "field_name", "term"),
    [
        ("quote", "speaker", "Person"),
        ("quote", "source", "Report"),
        ("quote", "topics", "Topic"),
        ("quote", "event", "Summit"),
        ("quote", "role", "Minister"),
        ("quote", "implied_stance", "Topic"),
        ("quote", "country", "Country"),
        ("position", "organization", "Organization"),
    ],
)
def test_the_pickers_autocomplete_for_an_editor(as_editor, model_name, field_name, term):
    make_full_quote()
    OrganizationFactory()
    app_label = "positions" if model_name == "position" else "statements"

    response = as_editor.get(
        "/admin/autocomplete/",
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )

    assert response.status_code == 200
    assert response.json()["results"]


def make_possible_shift():
    topic, country = TopicFactory(), CountryFactory()
    make_position(topic=topic, country=country, value=1)
    quote = make_quote(country=country, topics=[topic], implied_stance=topic.stances.get(value=-1))
    return PossibleShift.objects.get(quote=quote)


def test_the_possible_shift_queue_stays_flat_and_resolves(
    as_superuser, superuser, django_assert_num_queries
):
    url = admin_url(PossibleShift, "changelist")
    for _ in range(2):
        make_possible_shift()
    as_superuser.get(url)
    with CaptureQueriesContext(connection) as at_two:
        as_superuser.get(url)
    for _ in range(6):
        make_possible_shift()
    with django_assert_num_queries(len(at_two.captured_queries)):
        assert as_superuser.get(url).context["cl"].result_count == 8

    shift = PossibleShift.objects.first()
    change = admin_url(PossibleShift, "change", shift.pk)
    assert as_superuser.get(admin_url(PossibleShift, "add")).status_code == 403
    refused = as_superuser.post(change, {"status": ShiftStatus.OPEN, "note": "Still open."})
    assert "confirmed or dismissed" in refused.context["adminform"].form.errors["status"][0]

    response = as_superuser.post(change, {"status": ShiftStatus.DISMISSED, "note": "A slip."})

    assert response.status_code == 302
    shift.refresh_from_db()
    assert (shift.status, shift.note, shift.updated_by) == ("dismissed", "A slip.", superuser)
