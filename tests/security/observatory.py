"""A header scorer after Mozilla's HTTP Observatory (the MDN edition): the same ten tests, score
modifiers and grades, applied to responses of Django's test client instead of a live site.

Scoring, as the Observatory does it: start at 100, subtract every penalty; only when the
result is 90 (A) or more add the bonuses. Grades: 100+ A+, 90 A, 85 A-, 80 B+, 70 B, 65 B-,
60 C+, 50 C, 45 C-, 40 D+, 30 D, 25 D-, below F.

Left out, because a test client cannot observe them: the HSTS preload list (no bonus is
claimed), certificate validity (assumed valid), and crossdomain.xml / clientaccesspolicy.xml
(only the Access-Control-* headers are read).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import Morsel
from urllib.parse import urlsplit

MODIFIERS = {
    # Content Security Policy
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    # Cookies
    "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0,
    "cookies-not-found": 0,
    "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
    "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20,
    "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30,
    "cookies-session-without-secure-flag": -40,
    # Cross-origin resource sharing
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    # Redirection
    "redirection-to-https": 0,
    "redirection-not-needed-no-http": 0,
    "redirection-off-host-from-http": -5,
    "redirection-not-to-https-on-initial-redirection": -10,
    "redirection-not-to-https": -20,
    "redirection-missing": -20,
    # Referrer policy
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    # Strict transport security
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    # Subresource integrity
    "sri-implemented-and-all-scripts-loaded-securely": 5,
    "sri-implemented-and-external-scripts-loaded-securely": 5,
    "sri-not-implemented-response-not-html": 0,
    "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5,
    "sri-implemented-but-external-scripts-not-loaded-securely": -20,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    # X-Content-Type-Options
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    # X-Frame-Options
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 0,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    # Cross-Origin-Resource-Policy
    "corp-implemented-with-same-origin": 10,
    "corp-implemented-with-same-site": 10,
    "corp-implemented-with-cross-origin": 0,
    "corp-not-implemented": 0,
    "corp-header-invalid": -5,
}

GRADES = [
    (100, "A+"),
    (90, "A"),
    (85, "A-"),
    (80, "B+"),
    (70, "B"),
    (65, "B-"),
    (60, "C+"),
    (50, "C"),
    (45, "C-"),
    (40, "D+"),
    (30, "D"),
    (25, "D-"),
    (0, "F"),
]
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
SIX_MONTHS = 15_552_000  # the Observatory's own rounding of six months

DANGEROUSLY_BROAD = {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*"}
DANGEROUSLY_BROAD |= {"https://*.*"}
UNSAFE_INLINE = {"'unsafe-inline'", "data:"}
NONCES_AND_HASHES = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")


@dataclass
class Observed:
    """What the scanner saw: the page over https (headers, cookies, body), the hops taken
    from its http address, and whether the page answered a cross-origin request with CORS."""

    url: str
    headers: dict[str, list[str]]
    cookies: list[Morsel]
    body: str
    status: int = 200
    http_route: list[str] = field(default_factory=list)
    cors_origin_sent: str | None = None

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return self.headers.get(name.lower(), [])


@dataclass
class Scan:
    score: int
    grade: str
    results: dict[str, str]

    def explain(self) -> str:
        return "; ".join(f"{test}: {result} ({MODIFIERS[result]:+d})" for test, result in self)

    def __iter__(self):
        return iter(self.results.items())


def grade_for(score: int) -> str:
    return next(grade for floor, grade in GRADES if score >= floor)


def scan(observed: Observed) -> Scan:
    """Run the ten tests on what was observed and grade the result."""
    results = {name: test(observed) for name, test in TESTS.items()}
    modifiers = [MODIFIERS[result] for result in results.values()]
    penalised = 100 + sum(m for m in modifiers if m < 0)
    score = penalised + sum(m for m in modifiers if m > 0)
    if penalised < MINIMUM_SCORE_FOR_EXTRA_CREDIT:
        score = penalised
    score = max(score, 0)
    return Scan(score=score, grade=grade_for(score), results=results)


# --- Content Security Policy ---------------------------------------------------------------


class InvalidPolicy(ValueError):
    pass


def parse_csp(policies: Iterable[str]) -> dict[str, set[str]]:
    """Parse policies into directive -> sources; a repeated directive makes it invalid.
    (Of several policies the first is taken whole; ours send one.)"""
    policies = [p.replace("\r", "").replace("\n", "").strip() for p in policies]
    if not policies:
        return {}
    if any(len(p) < len("img-src") - 1 for p in policies):
        raise InvalidPolicy(policies)
    csp: dict[str, set[str]] = {}
    for entry in policies[0].split(";"):
        if not entry.split():
            continue
        directive, *sources = entry.split()
        directive = directive.lower()
        if directive in csp and directive not in {"report-uri", "report-to"}:
            raise InvalidPolicy(f"duplicate directive {directive}")
        values = {s.lower() for s in sources}
        if not values and directive.endswith("-src"):
            values = {"'none'"}
        csp[directive] = values
    return csp


def csp_policies(observed: Observed) -> list[str]:
    return [
        p.strip() for header in observed.all("content-security-policy") for p in header.split(",")
    ]


def check_csp(observed: Observed) -> str:
    try:
        csp = parse_csp(csp_policies(observed))
    except InvalidPolicy:
        return "csp-header-invalid"
    if not csp:
        return "csp-not-implemented"
    https = urlsplit(observed.url).scheme == "https"
    default = csp.get("default-src")
    object_src = set(csp.get("object-src") or default or {"*"})
    script_src = set(csp.get("script-src") or default or {"*"})
    style_src = set(csp.get("style-src") or default or {"*"})
    for sources in (script_src, style_src):
        if any(s.startswith(NONCES_AND_HASHES) for s in sources):
            sources.discard("'unsafe-inline'")
    if "'strict-dynamic'" in script_src:
        if not any(s.startswith(NONCES_AND_HASHES) for s in script_src):
            return "csp-header-invalid"
        script_src = {
            s
            for s in script_src
            if s not in {"'self'", "'unsafe-inline'"}
            and not any(s.startswith(b) for b in DANGEROUSLY_BROAD)
        }
    passive = {"img-src", "media-src"}
    active_sources = [s for d, v in csp.items() if d not in passive | {"script-src"} for s in v]
    active_sources += list(script_src)
    passive_sources = [s for d in passive for s in (csp.get(d) or default or set())]

    def insecure(sources):
        return any(s.startswith(("http:", "ftp:")) for s in sources)

    if script_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE) or object_src & DANGEROUSLY_BROAD:
        return "csp-implemented-with-unsafe-inline"
    if https and insecure(active_sources):
        return "csp-implemented-with-insecure-scheme"
    if "'unsafe-eval'" in script_src | style_src:
        return "csp-implemented-with-unsafe-eval"
    if https and insecure(passive_sources):
        return "csp-implemented-with-insecure-scheme-in-passive-content-only"
    if style_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE):
        return "csp-implemented-with-unsafe-inline-in-style-src-only"
    if default == {"'none'"}:
        return "csp-implemented-with-no-unsafe-default-src-none"
    return "csp-implemented-with-no-unsafe"


# --- Cookies -----------------------------------------------------------------------------

COOKIE_BADNESS = [
    "cookies-without-secure-flag-but-protected-by-hsts",
    "cookies-without-secure-flag",
    "cookies-session-without-secure-flag-but-protected-by-hsts",
    "cookies-samesite-flag-invalid",
    "cookies-anticsrf-without-samesite-flag",
    "cookies-session-without-httponly-flag",
    "cookies-session-without-secure-flag",
]


def _worse(new: str, current: str | None) -> str:
    if current is None or COOKIE_BADNESS.index(new) > COOKIE_BADNESS.index(current):
        return new
    return current


def check_cookies(observed: Observed) -> str:
    if not observed.cookies:
        return "cookies-not-found"
    hsts = check_hsts(observed) == "hsts-implemented-max-age-at-least-six-months"
    result = None
    missing_samesite = False
    for cookie in observed.cookies:
        name = cookie.key.lower()
        session = "login" in name or "sess" in name
        anticsrf = "csrf" in name
        secure = bool(cookie["secure"])
        samesite = (cookie["samesite"] or "").strip().lower()
        if samesite and samesite not in {"lax", "strict", "none"}:
            result = _worse("cookies-samesite-flag-invalid", result)
        if samesite == "none" and not secure:
            result = _worse("cookies-samesite-flag-invalid", result)
        if not secure:
            result = _worse(
                "cookies-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-without-secure-flag",
                result,
            )
        if anticsrf and not samesite:
            result = _worse("cookies-anticsrf-without-samesite-flag", result)
        if session and not secure:
            result = _worse(
                "cookies-session-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-session-without-secure-flag",
                result,
            )
        if session and not cookie["httponly"]:
            result = _worse("cookies-session-without-httponly-flag", result)
        missing_samesite = missing_samesite or not samesite
    if result:
        return result
    if missing_samesite:
        return "cookies-secure-with-httponly-sessions"
    return "cookies-secure-with-httponly-sessions-and-samesite"


# --- CORS, redirection, referrer policy, HSTS ----------------------------------------------


def check_cors(observed: Observed) -> str:
    allowed = observed.header("access-control-allow-origin")
    if not allowed:
        return "cross-origin-resource-sharing-not-implemented"
    allowed = allowed.strip().lower()
    if allowed == "*":
        return "cross-origin-resource-sharing-implemented-with-public-access"
    credentials = (observed.header("access-control-allow-credentials") or "").strip().lower()
    if (
        observed.cors_origin_sent
        and allowed == observed.cors_origin_sent.lower()
        and credentials == "true"
    ):
        return "cross-origin-resource-sharing-implemented-with-universal-access"
    return "cross-origin-resource-sharing-implemented-with-restricted-access"


def check_redirection(observed: Observed) -> str:
    route = [urlsplit(url) for url in observed.http_route]
    if not route:
        return "redirection-not-needed-no-http"
    if len(route) == 1:
        return "redirection-missing"
    if route[-1].scheme != "https":
        return "redirection-not-to-https"
    if route[1].scheme == "http":
        return "redirection-not-to-https-on-initial-redirection"
    if route[0].hostname != route[1].hostname:
        return "redirection-off-host-from-http"
    return "redirection-to-https"


def check_referrer_policy(observed: Observed) -> str:
    good = ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"]
    bad = ["origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"]
    headers = observed.all("referrer-policy")
    if not headers:
        return "referrer-policy-not-implemented"
    values = [v.strip().lower() for v in ", ".join(headers).split(",")]
    valid = [v for v in values if v in good + bad]
    policy = valid[-1] if valid else ""
    if policy in good:
        return "referrer-policy-private"
    if policy in bad:
        return "referrer-policy-unsafe"
    return "referrer-policy-header-invalid"


def check_hsts(observed: Observed) -> str:
    header = observed.header("strict-transport-security")
    if urlsplit(observed.url).scheme != "https" or header is None:
        return "hsts-not-implemented"
    if "," in header:
        return "hsts-header-invalid"
    max_age = None
    for parameter in (p.strip().lower() for p in header.split(";")):
        if parameter.startswith("max-age="):
            try:
                max_age = int(parameter[len("max-age=") :].strip('"'))
            except ValueError:
                return "hsts-header-invalid"
    if max_age is None:
        return "hsts-header-invalid"
    if max_age < SIX_MONTHS:
        return "hsts-implemented-max-age-less-than-six-months"
    return "hsts-implemented-max-age-at-least-six-months"


# --- Subresource integrity -----------------------------------------------------------------


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))


def _site(host: str | None) -> str:
    return ".".join((host or "").split(".")[-2:])


def check_sri(observed: Observed) -> str:
    content_type = (observed.header("content-type") or "").split(";")[0].strip()
    if content_type and content_type not in {"text/html", "application/xhtml+xml"}:
        return "sri-not-implemented-response-not-html"
    parser = _Scripts()
    parser.feed(observed.body)
    if not parser.scripts:
        return "sri-not-implemented-but-no-scripts-loaded"
    page = urlsplit(observed.url)
    badness = [
        "sri-implemented-and-all-scripts-loaded-securely",
        "sri-implemented-and-external-scripts-loaded-securely",
        "sri-implemented-but-external-scripts-not-loaded-securely",
        "sri-not-implemented-but-external-scripts-loaded-securely",
        "sri-not-implemented-and-external-scripts-not-loaded-securely",
    ]
    result = None
    foreign = False

    def worse(new):
        nonlocal result
        if result is None or badness.index(new) > badness.index(result):
            result = new

    for script in parser.scripts:
        src = script.get("src")
        if not src:
            continue
        integrity = script.get("integrity")
        protocol_relative = src.startswith("//")
        absolute = src.startswith(("http://", "https://"))
        relative = not (protocol_relative or absolute)
        same_site = (
            relative or protocol_relative or _site(urlsplit(src).hostname) == _site(page.hostname)
        )
        secure_origin = relative or (same_site and not protocol_relative)
        secure_scheme = (absolute and src.startswith("https://")) or (
            relative and page.scheme == "https"
        )
        if not secure_origin:
            foreign = True
            if integrity and not secure_scheme:
                worse("sri-implemented-but-external-scripts-not-loaded-securely")
            elif not integrity and secure_scheme:
                worse("sri-not-implemented-but-external-scripts-loaded-securely")
            elif not integrity:
                worse("sri-not-implemented-and-external-scripts-not-loaded-securely")
        elif integrity and secure_scheme and result is None:
            result = "sri-implemented-and-all-scripts-loaded-securely"
    if result:
        return result
    if foreign:
        return "sri-implemented-and-external-scripts-loaded-securely"
    return "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"


# --- X-Content-Type-Options, X-Frame-Options, CORP ------------------------------------------


def check_x_content_type_options(observed: Observed) -> str:
    header = observed.header("x-content-type-options")
    if header is None:
        return "x-content-type-options-not-implemented"
    if header.strip().lower() == "nosniff":
        return "x-content-type-options-nosniff"
    return "x-content-type-options-header-invalid"


def check_x_frame_options(observed: Observed) -> str:
    try:
        if "frame-ancestors" in parse_csp(csp_policies(observed)):
            return "x-frame-options-implemented-via-csp"
    except InvalidPolicy:
        pass
    header = observed.header("x-frame-options")
    if header is None:
        return "x-frame-options-not-implemented"
    value = header.strip().lower()
    if value in {"deny", "sameorigin"}:
        return "x-frame-options-sameorigin-or-deny"
    if value.startswith("allow-from"):
        return "x-frame-options-allow-from-origin"
    return "x-frame-options-header-invalid"


def check_corp(observed: Observed) -> str:
    header = observed.header("cross-origin-resource-policy")
    if not header:
        return "corp-not-implemented"
    return {
        "same-origin": "corp-implemented-with-same-origin",
        "same-site": "corp-implemented-with-same-site",
        "cross-origin": "corp-implemented-with-cross-origin",
    }.get(header[:256].strip().lower(), "corp-header-invalid")


TESTS: dict[str, Callable[[Observed], str]] = {
    "content-security-policy": check_csp,
    "cookies": check_cookies,
    "cross-origin-resource-sharing": check_cors,
    "redirection": check_redirection,
    "referrer-policy": check_referrer_policy,
    "strict-transport-security": check_hsts,
    "subresource-integrity": check_sri,
    "x-content-type-options": check_x_content_type_options,
    "x-frame-options": check_x_frame_options,
    "cross-origin-resource-policy": check_corp,
}
