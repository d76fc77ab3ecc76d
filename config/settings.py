"""Allied Positions settings: one module, driven by environment variables."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.cache import cache_config
from config.database import database_config
from config.routers import replica_database
from config.security import transport_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# PRODUCTION=true: served over HTTPS to the world. It turns on HTTPS redirection, HSTS,
# secure cookies and JSON logs, and refuses to start with DEBUG or without a SECRET_KEY.
PRODUCTION = env_bool("PRODUCTION", False)
DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be false in production (PRODUCTION=true).")
_LOCAL_SECRET = "local-only-insecure-secret-key-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or _LOCAL_SECRET
if SECRET_KEY == _LOCAL_SECRET and PRODUCTION:
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "apps.core",
    "apps.codebook",
    "apps.actors",
    "apps.statements",
    "apps.positions",
    "apps.agreements",
    "apps.dashboard",
    "apps.api",
    "apps.accounts",
    "apps.devtools",
]

MIDDLEWARE = [
    # First, so every request, redirects and static files included, is logged with its id.
    "apps.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the path: a NUL in it is a 404.
    "apps.core.middleware.NulPathMiddleware",
    # A view that cannot reach the database answers 503 (handler500 does for a middleware).
    "apps.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.middleware.PrivateModeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.core.middleware.AuditContextMiddleware",
    # Last, as django-axes asks: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

# Where the editors' admin lives (a less guessable path keeps scripted login attempts down).
ADMIN_PATH = os.environ.get("ADMIN_PATH", "admin/").strip("/") + "/"
if ADMIN_PATH == "/":
    raise ImproperlyConfigured("ADMIN_PATH must not be empty.")

# Private mode: the dashboard and the API answer signed-in users only (read at request time).
REQUIRE_LOGIN = env_bool("REQUIRE_LOGIN", False)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:matrix"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout of repeated failed logins (the admin's and the readers' sign-in pages).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The address a lockout counts: the client's behind the proxies (apps.core.clients), by the
# same rule and count as the API's rate limits.
AXES_CLIENT_IP_CALLABLE = "apps.core.clients.client_address"

# Proxies in front that add X-Forwarded-For (1: the TLS proxy; 0: none, and the header is
# ignored, since a client could then choose its own address). Read once, for every use of
# the client's address: the API's rate limits, the login lockout and the request logs.
NUM_PROXIES = int(os.environ.get("API_NUM_PROXIES", "0"))
if NUM_PROXIES < 0:
    raise ImproperlyConfigured("API_NUM_PROXIES must be 0 or more.")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "string_if_invalid": os.environ.get("TEMPLATE_STRING_IF_INVALID", ""),
        },
    }
]

CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "60"))
DATABASES = {"default": database_config(BASE_DIR, CONN_MAX_AGE)}
# DATABASE_REPLICA_URL: analysts' reads go to a PostgreSQL read replica (config/routers.py).
_REPLICA = replica_database(CONN_MAX_AGE)
if _REPLICA:
    DATABASES["replica"] = _REPLICA
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
    # After AuthenticationMiddleware: it asks whether the user is an editor.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("apps.accounts.middleware.PrivateModeMiddleware") + 1,
        "config.routers.ReplicaReadsMiddleware",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHE_URL (or REDIS_URL): redis://… or rediss://… shares one Redis or Valkey server among
# every web process and container (kept answers, the API's rate-limit counts); unset or
# locmem://, each process keeps its own in memory (config/cache.py).
CACHES = cache_config(base_dir=BASE_DIR)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND",
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# HTTPS redirection (but for /healthz/), HSTS, secure cookies: see config/security.py.
_TRANSPORT = transport_settings(production=PRODUCTION)
globals().update(_TRANSPORT)
if not _TRANSPORT["SECURE_HSTS_PRELOAD"]:
    # Preloading is the operator's opt-in (SECURE_HSTS_PRELOAD=true), not a default.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
# Nothing reads the CSRF cookie from JavaScript: forms carry the token, and so do the
# browsable API and Swagger UI (rendered into their pages).
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent by apps.core.middleware.SecurityHeadersMiddleware: no other site may embed our
# responses, and pages may not use these browser features.
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "apps.api.schema.ApiAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.permissions.EditorialPermissions"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["apps.api.parsers.BoundedJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "apps.api.negotiation.FormatNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.api.throttling.AnonThrottle",
        "apps.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "600/min"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/min"),
    },
    # Client addresses come from REMOTE_ADDR unless this many proxies add X-Forwarded-For.
    "NUM_PROXIES": NUM_PROXIES,
    "EXCEPTION_HANDLER": "apps.api.exceptions.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Allied Positions API",
    "DESCRIPTION": "Where allies stand on Ukraine's NATO membership, a timeline and guarantees.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["apps.api.permissions.SignedInInPrivateMode"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.api.schema.harden_query_parameters",
        "apps.api.schema.link_created_objects",
        "apps.api.schema.merge_blank_alternatives",
    ],
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "apps.core.models.Status",
        "DatePrecisionEnum": "apps.core.models.DatePrecision",
        "OrganizationKindEnum": "apps.actors.models.OrganizationKind",
        "EventKindEnum": "apps.statements.models.EventKind",
        "SourceKindEnum": "apps.statements.models.SourceKind",
        "ReliabilityEnum": "apps.statements.models.Reliability",
        "ConditionalityEnum": "apps.positions.models.Conditionality",
        "ConfidenceEnum": "apps.positions.models.Confidence",
        "AgreementKindEnum": "apps.agreements.models.AgreementKind",
        "AgreementEventEnum": "apps.agreements.changes.EVENT_KINDS",
    },
}

# Logs: one structured record per event, JSON lines in production (LOG_FORMAT=json) and
# readable lines locally (console). django-structlog logs every request (request_started,
# request_finished with its status, request_failed with the traceback) under a request id
# that also tags Django's own error records and goes back in the X-Request-ID header.
import structlog  # noqa: E402

LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "console")
if LOG_FORMAT not in {"json", "console"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or console.")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
REQUEST_LOG_LEVEL = os.environ.get("REQUEST_LOG_LEVEL", "INFO")
_LOG_CHAIN: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]
structlog.configure(
    processors=[
        structlog.stdlib.filter_by_level,
        *_LOG_CHAIN,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.StackInfoRenderer(),
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)


def _log_formatter(*renderers) -> dict:
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        # Records from the standard library (Django's own) get the same fields, the
        # request id among them.
        "foreign_pre_chain": _LOG_CHAIN,
        "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderers],
    }


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": _log_formatter(
            structlog.processors.format_exc_info, structlog.processors.JSONRenderer()
        ),
        "console": _log_formatter(structlog.dev.ConsoleRenderer(colors=False)),
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's records go through the root handler only (not also its plain DEBUG one).
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django_structlog": {"level": REQUEST_LOG_LEVEL},
    },
}
# The user id is logged only when the request already loaded the user: logging must not
# cost a session or user query.
DJANGO_STRUCTLOG_USER_ID_FIELD = "pk"
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True

# History: every insert, update and delete of tracked models is recorded by triggers,
# with the request's user and door; the event tables refuse UPDATE and DELETE.
import pghistory  # noqa: E402

PGHISTORY_DEFAULT_TRACKERS = (
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
)
PGHISTORY_APPEND_ONLY = True
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# Publishing a position needs a reviewer other than its author; a one-editor deployment
# sets FOUR_EYES=false.
FOUR_EYES = env_bool("FOUR_EYES", True)

# The admin's uploads (statements, agreements) import in a thread of the web process and show
# a progress page (apps/core/import_runs.py), so a 5 MB file never meets the worker timeout. The
# tests import inside the request (tests/conftest.py).
IMPORT_IN_BACKGROUND = env_bool("IMPORT_IN_BACKGROUND", True)

# Content Security Policy (django-csp): our pages load scripts and styles from this site
# only; no inline script or style attribute is needed anywhere.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        # Nothing is allowed unless named below.
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
