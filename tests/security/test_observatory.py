"""Production responses grade A+ (100 or more) on a Mozilla-Observatory-style header scan."""

from http.cookies import SimpleCookie

import pytest
from django.urls import reverse

from tests.security.conftest import observe
from tests.security.observatory import Observed, grade_for, scan

PAGES = {
    "matrix": lambda: reverse("dashboard:matrix"),
    "quote search": lambda: reverse("dashboard:quotes") + "?q=membership",
    "admin login": lambda: reverse("admin:login"),
    "API docs": lambda: reverse("api:docs"),
}


@pytest.mark.parametrize("page", PAGES)
def test_production_pages_grade_a_plus(client, production, seeded, page):
    observed = observe(client, PAGES[page]())

    result = scan(observed)

    assert observed.status == 200
    assert result.grade == "A+", result.explain()
    assert result.score >= 100, result.explain()
    assert result.results["content-security-policy"] == (
        "csp-implemented-with-no-unsafe-default-src-none"
    )
    assert result.results["redirection"] == "redirection-to-https"
    assert result.results["strict-transport-security"] == (
        "hsts-implemented-max-age-at-least-six-months"
    )


def test_the_admin_login_cookies_earn_the_cookie_bonus(client, production, db):
    observed = observe(client, reverse("admin:login"))

    assert {cookie.key for cookie in observed.cookies} == {"__Host-csrftoken"}
    assert scan(observed).results["cookies"] == "cookies-secure-with-httponly-sessions-and-samesite"


def test_production_pages_send_hsts_for_a_year_and_the_other_headers(client, production, db):
    response = client.get(reverse("dashboard:matrix"), secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_without_production_settings_the_scan_loses_its_a(client, db):
    # Locally (plain HTTP allowed): no redirect to https, no HSTS.
    result = scan(observe(client, reverse("dashboard:matrix")))

    assert result.results["redirection"] == "redirection-missing"
    assert result.results["strict-transport-security"] == "hsts-not-implemented"
    assert result.score == 60  # 100 - 20 - 20, and no bonus below 90
    assert result.grade == "C+"


def test_a_missing_header_lowers_the_score(client, production, db):
    observed = observe(client, reverse("dashboard:matrix"))
    full = scan(observed)
    del observed.headers["x-content-type-options"]

    without = scan(observed)

    assert without.results["x-content-type-options"] == "x-content-type-options-not-implemented"
    assert without.score == full.score - 5


def headers(**values) -> Observed:
    return Observed(
        url="https://example.org/",
        headers={name.replace("_", "-").lower(): [value] for name, value in values.items()},
        cookies=[],
        body="<!doctype html><p>Hi</p>",
        http_route=["http://example.org/", "https://example.org/"],
    )


STRICT = dict(
    content_security_policy="default-src 'none'; script-src 'self'; frame-ancestors 'none'",
    strict_transport_security="max-age=31536000",
    x_content_type_options="nosniff",
    referrer_policy="same-origin",
    cross_origin_resource_policy="same-origin",
)


@pytest.mark.parametrize(
    ("change", "result", "score"),
    [
        ({}, "csp-implemented-with-no-unsafe-default-src-none", 130),
        (
            {"content_security_policy": "default-src 'self'; frame-ancestors 'none'"},
            "csp-implemented-with-no-unsafe",
            125,
        ),
        (
            {
                "content_security_policy": "default-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
            },
            "csp-implemented-with-unsafe-inline-in-style-src-only",
            120,
        ),
        (
            {
                "content_security_policy": "default-src 'self'; script-src 'unsafe-inline'; frame-ancestors 'none'"
            },
            "csp-implemented-with-unsafe-inline",
            # 100 - 20: below 90, so no bonus at all
            80,
        ),
        (
            {
                "content_security_policy": "default-src 'self'; script-src 'unsafe-eval'; frame-ancestors 'none'"
            },
            "csp-implemented-with-unsafe-eval",
            110,
        ),
        (
            {"content_security_policy": "script-src 'self'; script-src 'none'"},
            "csp-header-invalid",
            55,
        ),
    ],
)
def test_the_scorer_grades_content_security_policies(change, result, score):
    scanned = scan(headers(**{**STRICT, **change}))

    assert scanned.results["content-security-policy"] == result
    assert scanned.score == score, scanned.explain()


def test_the_scorer_penalises_insecure_session_cookies():
    observed = headers(**STRICT)
    cookie = SimpleCookie()
    cookie["sessionid"] = "abc"
    observed.cookies = list(cookie.values())

    scanned = scan(observed)

    # Not Secure, though HSTS protects it (-10); not HttpOnly either (-30), the worse.
    assert scanned.results["cookies"] == "cookies-session-without-httponly-flag"
    assert scanned.score == 70
    assert scanned.grade == "B"


@pytest.mark.parametrize(
    ("score", "grade"), [(135, "A+"), (100, "A+"), (99, "A"), (85, "A-"), (64, "C+"), (24, "F")]
)
def test_grades_follow_the_observatory_chart(score, grade):
    assert grade_for(score) == grade
