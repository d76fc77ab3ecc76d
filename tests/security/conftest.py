from urllib.parse import urljoin, urlsplit

import pytest

from config.security import transport_settings
from tests.security.observatory import Observed

SCANNER_ORIGIN = "https://http-observatory.security.mozilla.org"


@pytest.fixture
def production(settings):
    """The HTTPS, HSTS and cookie settings PRODUCTION=true selects (with no overrides from
    the environment). Applied before the test's first request, which builds the middleware."""
    for name, value in transport_settings(production=True, env={}).items():
        setattr(settings, name, value)
    settings.DEBUG = False
    return settings


def observe(client, path: str) -> Observed:
    """Fetch a path the way the Observatory does: over https (with an Origin, for its CORS
    test), and from its http address following redirects, collecting every cookie set."""
    response = client.get(path, secure=True, HTTP_ORIGIN=SCANNER_ORIGIN)
    cookies = list(response.cookies.values())
    route = [f"http://testserver{path}"]
    hop = client.get(path)
    while hop.status_code in {301, 302, 303, 307, 308} and len(route) < 10:
        route.append(urljoin(route[-1], hop["Location"]))
        target = urlsplit(route[-1])
        hop = client.get(
            target.path + (f"?{target.query}" if target.query else ""),
            secure=target.scheme == "https",
        )
        cookies += hop.cookies.values()
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.items():
        headers.setdefault(name.lower(), []).append(value)
    return Observed(
        url=f"https://testserver{path}",
        headers=headers,
        cookies=cookies,
        body=response.content.decode(errors="replace"),
        status=response.status_code,
        http_route=route,
        cors_origin_sent=SCANNER_ORIGIN,
    )
