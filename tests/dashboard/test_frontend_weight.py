"""What the analysts' pages make a browser download and run: small, local, and within a
strict Content Security Policy (htmx may not evaluate strings or inject styles)."""

import gzip
import json
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.usefixtures("seeded")

PAGES = ["/", "/quotes/", "/quotes/?q=membership", "/countries/EE/"]
JS_BUDGET = 25_000  # bytes, gzipped, all scripts of a page together
CSS_BUDGET = 15_000  # bytes, gzipped, all stylesheets of a page together


class Assets(HTMLParser):
    """Collects a page's scripts, stylesheets and htmx-config meta."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.stylesheets: list[str] = []
        self.htmx_config: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        elif tag == "link" and "stylesheet" in (attributes.get("rel") or "").split():
            self.stylesheets.append(attributes["href"])
        elif tag == "meta" and attributes.get("name") == "htmx-config":
            self.htmx_config = attributes["content"]


def assets(client, url) -> Assets:
    response = client.get(url)
    assert response.status_code == 200
    parser = Assets()
    parser.feed(response.content.decode())
    return parser


def static_file(url: str) -> bytes:
    """The bytes behind a static URL, found as collectstatic would find them."""
    assert url.startswith(settings.STATIC_URL), f"{url} is not one of our static files"
    path = finders.find(url.removeprefix(settings.STATIC_URL))
    assert path, f"no static file behind {url}"
    with open(path, "rb") as file:
        return file.read()


def gzipped_size(urls: list[str]) -> int:
    return sum(len(gzip.compress(static_file(url), compresslevel=9)) for url in urls)


@pytest.mark.parametrize("url", PAGES)
def test_a_page_loads_at_most_25_kb_of_javascript_and_15_kb_of_css_gzipped(client, url):
    page = assets(client, url)
    scripts = [script["src"] for script in page.scripts]

    assert any("htmx" in src for src in scripts), "htmx is not on the page"
    assert any(src.endswith("js/site.js") for src in scripts)
    assert page.stylesheets, "no stylesheet on the page"
    assert gzipped_size(scripts) <= JS_BUDGET
    assert gzipped_size(page.stylesheets) <= CSS_BUDGET


@pytest.mark.parametrize("url", PAGES)
def test_every_script_is_a_deferred_file_of_ours(client, url):
    page = assets(client, url)

    for script in page.scripts:
        assert script.get("src"), "inline script: a strict CSP refuses it"
        assert "defer" in script, f"{script['src']} blocks rendering"


def test_htmx_evaluates_no_strings_injects_no_styles_and_asks_only_this_site(client):
    config = json.loads(assets(client, "/").htmx_config)

    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["selfRequestsOnly"] is True


def test_the_stylesheet_carries_the_indicator_rules_htmx_no_longer_injects(client):
    css = b"".join(static_file(url) for url in assets(client, "/").stylesheets).decode()
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    rules: dict[str, str] = {}
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        rules[selector.strip()] = rules.get(selector.strip(), "") + body

    hidden = rules[".htmx-indicator"]
    shown = rules[".htmx-request .htmx-indicator, .htmx-request.htmx-indicator"]
    assert "opacity: 0" in hidden and "visibility: hidden" in hidden
    assert "opacity: 1" in shown and "visibility: visible" in shown
