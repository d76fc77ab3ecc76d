"""Anonymous clients and tokens are rate-limited; the limit answers 429 with Retry-After."""

import pytest


@pytest.fixture
def tiny_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min"},
    }


def test_an_anonymous_client_is_limited(anon, desk, tiny_rates):
    statuses = [anon.get("/api/v1/countries/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = anon.get("/api/v1/countries/")
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"].lower()


def test_a_token_has_its_own_larger_allowance(anon, editor_client, desk, tiny_rates):
    for _ in range(3):
        anon.get("/api/v1/countries/")

    statuses = [editor_client.get("/api/v1/countries/").status_code for _ in range(6)]

    assert anon.get("/api/v1/countries/").status_code == 429
    assert statuses == [200] * 5 + [429]


def test_the_default_rates_come_from_the_environment(settings):
    from config import settings as config

    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {
        "anon": config.os.environ.get("API_THROTTLE_ANON", "600/min"),
        "user": config.os.environ.get("API_THROTTLE_USER", "1200/min"),
    }
