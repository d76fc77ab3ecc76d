"""The settings that differ between production (served over HTTPS) and a local run over HTTP.

settings.py applies `transport_settings(production=PRODUCTION)`; the security tests apply
`transport_settings(production=True, env={})` to check the headers a production response
carries, so both read the same values.
"""

import os
from collections.abc import Mapping

ONE_YEAR = 365 * 24 * 60 * 60


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def transport_settings(*, production: bool, env: Mapping[str, str] = os.environ) -> dict:
    """Return HTTPS redirection, HSTS and cookie settings: strict in production, plain HTTP
    locally; each can be overridden by the environment variable of the same name."""
    secure_cookies = env_bool(env, "SECURE_COOKIES", production)
    behind_proxy = env_bool(env, "BEHIND_TLS_PROXY", False)
    return {
        "SECURE_SSL_REDIRECT": env_bool(env, "SECURE_SSL_REDIRECT", production),
        # The container's health check asks over plain HTTP from inside the container.
        "SECURE_REDIRECT_EXEMPT": [r"^healthz/$"],
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if behind_proxy else None,
        "SECURE_HSTS_SECONDS": int(env.get("SECURE_HSTS_SECONDS", ONE_YEAR if production else 0)),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": env_bool(env, "SECURE_HSTS_INCLUDE_SUBDOMAINS", True),
        # Preloading is an opt-in: the domain must also be submitted to the browsers' list.
        "SECURE_HSTS_PRELOAD": env_bool(env, "SECURE_HSTS_PRELOAD", False),
        "SESSION_COOKIE_SECURE": secure_cookies,
        "CSRF_COOKIE_SECURE": secure_cookies,
        # The __Host- prefix makes browsers refuse the cookie unless it is Secure, for this
        # host only and for the whole site: a sibling subdomain cannot plant one. Over plain
        # HTTP (a local run) browsers would drop such a cookie, so it needs secure cookies.
        "SESSION_COOKIE_NAME": "__Host-sessionid" if secure_cookies else "sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken" if secure_cookies else "csrftoken",
    }
