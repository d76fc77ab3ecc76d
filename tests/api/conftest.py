import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.accounts.services import api_token_issue
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The factories hash a password for every user; PBKDF2's cost buys nothing in these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def reader(db):
    """An authenticated user who is not an editor."""
    return UserFactory()


def token_client(user) -> APIClient:
    _, key = api_token_issue(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.user = user
    return client


@pytest.fixture
def reader_client(reader):
    return token_client(reader)


@pytest.fixture
def editor_client(editor):
    return token_client(editor)


@pytest.fixture
def administrator_client(superuser):
    return token_client(superuser)


@pytest.fixture
def clients(anon, reader_client, editor_client, administrator_client):
    return {
        "anonymous": anon,
        "reader": reader_client,
        "editor": editor_client,
        "admin": administrator_client,
    }


@pytest.fixture
def desk(db):
    """A small editorial world to write into."""
    import datetime

    from tests.factories import (
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

    ee = CountryFactory(code="EE", name="Estonia")
    us = CountryFactory(code="US", name="United States")
    membership = TopicFactory(slug="membership", name="Membership")
    guarantees = TopicFactory(slug="guarantees", name="Guarantees")
    nato = OrganizationFactory(slug="nato", name="NATO")
    luik = PersonFactory(slug="juri-luik", name="Jüri Luik", country=ee)
    role = RoleFactory(person=luik, title="Permanent Representative", organization=nato, country=ee)
    source = SourceFactory(title="Report", published_on=datetime.date(2023, 6, 15))
    event = EventFactory(slug="vilnius-2023")
    quote = make_quote(text="Words", speaker=luik, source=source, topics=[membership])
    position = make_position(topic=membership, country=ee, value=1, evidence=[quote])
    return locals()
