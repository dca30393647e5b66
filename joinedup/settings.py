"""Settings for every way joinedup runs, read from the environment.

JOINEDUP_MODE picks the defaults: `production` (the default: secure cookies, two-factor sign-in
mandatory for staff, a SECRET_KEY required), `demo` (loopback, printed logins work) and `test`.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import jinja2
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("JOINEDUP_VAR_DIR", BASE_DIR / "var"))
MODE = os.environ.get("JOINEDUP_MODE", "production")
if MODE not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"JOINEDUP_MODE must be production, demo or test, not {MODE!r}")
PRODUCTION = MODE == "production"


def _flag(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("Set SECRET_KEY in the environment: see .env.example")
    SECRET_KEY = f"joinedup-{MODE}-only-not-secret"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    # Before django_tasks_db: `db_worker` is joinedup.jobs' own, which also releases the jobs of a
    # worker that was killed.
    "joinedup.jobs",
    "django_tasks",
    "django_tasks_db",
    "joinedup.audit",
    "joinedup.agencies",
    "joinedup.people",
    "joinedup.access",
    "joinedup.index",
    "joinedup.index.review",
    "joinedup.casework",
    "joinedup.selfeval",
    "joinedup.evidence",
    "joinedup.synth",
    "joinedup.web",
    # The partner API (joinedup/api); ninja for the Swagger UI files it serves itself.
    "ninja",
    "joinedup.api",
]

MIDDLEWARE = [
    # Operations (README.md, "Deployment"): every request gets an id and a log line; probes are
    # answered before anything that needs a session, a signed-in user or the site's host name.
    "joinedup.web.request_log.request_id_and_log",
    "joinedup.web.health.health_checks",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "joinedup.web.middleware.no_store",  # above the two below, so their redirects are not cached either
    "joinedup.web.middleware.session_lifetime",
    "joinedup.web.middleware.two_factor_for_staff",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "joinedup.urls"
WSGI_APPLICATION = "joinedup.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "joinedup.web.jinja_env.environment",
            # govuk-frontend-jinja's template.html calls govukHeader() without params.
            "undefined": jinja2.ChainableUndefined,
            "autoescape": True,
            "context_processors": ["joinedup.web.navigation.navigation"],
        },
    },
]

if "DATABASE_URL" not in os.environ:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite creates the file, not its folder
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'joinedup.sqlite3'}"),
        conn_max_age=0 if MODE == "test" else 60,
        # A kept connection the server dropped (a restart, a failover) is replaced when the next
        # request begins, rather than failing that request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two people saving at once take turns instead of meeting "database is locked": a transaction
    # takes the write lock when it begins (a read lock upgraded later fails at once, whatever the
    # timeout), readers never block the writer (WAL), and a writer waits up to 20 s for its turn.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL",
    }
else:
    # No JIT: PostgreSQL compiled a manager's home-page count for 1.7 s of its 1.8 s at 250,000
    # children (the plan's cost crossed jit_above_cost); our queries are short and many.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# What the server's processes share: figures counted over the whole authority
# (people.queries.authority_figures), kept in files under VAR_DIR so that neither the demo nor
# production runs a cache server. Tests count afresh every time.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if MODE == "test"
    else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
}
# How long the authority's figures (children by locality and age) are kept before being counted again.
JOINEDUP_FIGURES_SECONDS = int(os.environ.get("JOINEDUP_FIGURES_SECONDS", "600"))

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "joinedup.people.passwords.ContextWordsValidator"},
]
if MODE == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never outside tests
LOGIN_URL = "web:sign_in"
LOGIN_REDIRECT_URL = "web:home"

# Two-factor sign-in with an authenticator app: mandatory for staff in production.
JOINEDUP_REQUIRE_TWO_FACTOR = _flag("JOINEDUP_REQUIRE_TWO_FACTOR", PRODUCTION)
OTP_TOTP_ISSUER = "joinedup"

# Casework: a practitioner assessing a child before any case keeps access to the child and the
# draft this many days from their last save; an assessment never sent to the panel lapses.
JOINEDUP_ASSESSOR_ACCESS_DAYS = int(os.environ.get("JOINEDUP_ASSESSOR_ACCESS_DAYS", "90"))
# The longest that information may be shared without consent before a practitioner records it again.
JOINEDUP_LAWFUL_SHARING_DAYS = int(os.environ.get("JOINEDUP_LAWFUL_SHARING_DAYS", "90"))

# The children's index: a full extract that would withdraw more than this share of its source's
# current records (or that holds none) is held until an index administrator confirms it, so a
# truncated or failed transfer never empties the index.
JOINEDUP_WITHDRAWAL_LIMIT = float(os.environ.get("JOINEDUP_WITHDRAWAL_LIMIT", "0.05"))

# The partner API (joinedup/api): calls one token may make a minute, and whether a webhook may
# send to a plain http address (by default only outside production: events travel encrypted).
JOINEDUP_API_CALLS_PER_MINUTE = int(os.environ.get("JOINEDUP_API_CALLS_PER_MINUTE", "120"))
JOINEDUP_API_WEBHOOKS_ALLOW_HTTP = _flag("JOINEDUP_API_WEBHOOKS_ALLOW_HTTP", not PRODUCTION)

# Login throttling: five failures lock the username from that address for an hour; twenty failures
# from one address across any usernames within fifteen minutes lock the address (web/lockout.py).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "joinedup.web.views.locked_out"
AXES_HANDLER = "joinedup.web.lockout.AddressLockoutHandler"
JOINEDUP_ADDRESS_FAILURE_LIMIT = int(os.environ.get("JOINEDUP_ADDRESS_FAILURE_LIMIT", "20"))
JOINEDUP_ADDRESS_FAILURE_WINDOW = timedelta(minutes=int(os.environ.get("JOINEDUP_ADDRESS_FAILURE_MINUTES", "15")))

# Evidence of impact: the measures `joinedup build-measures` writes and the evidence pages read
# (a DuckDB file; tests give each run its own). Key stage 3 absence over this share of sessions
# makes the LARC key group (its "over 20%" was the persistent-absence line of its day).
_EVIDENCE_FILE = "evidence-test.duckdb" if MODE == "test" else "evidence.duckdb"
JOINEDUP_EVIDENCE_PATH = Path(os.environ.get("JOINEDUP_EVIDENCE_PATH", VAR_DIR / _EVIDENCE_FILE))
JOINEDUP_KS3_ABSENCE_THRESHOLD = float(os.environ.get("JOINEDUP_KS3_ABSENCE_THRESHOLD", "0.20"))

# Background jobs (joinedup.jobs): imports, linkage and builds started in the browser run in
# `joinedup db_worker`, queued in the database itself (django-tasks' database backend), so the
# queue needs nothing beyond SQLite or PostgreSQL. A job that fails is tried again after
# JOINEDUP_JOB_RETRY_SECONDS, then twice that, up to JOINEDUP_JOB_MAX_ATTEMPTS attempts in all.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
JOINEDUP_JOB_MAX_ATTEMPTS = int(os.environ.get("JOINEDUP_JOB_MAX_ATTEMPTS", "3"))
JOINEDUP_JOB_RETRY_SECONDS = int(os.environ.get("JOINEDUP_JOB_RETRY_SECONDS", "60"))
# Exports made by the worker (returns, research extracts) are kept under VAR_DIR/exports for their
# maker to download, then deleted after JOINEDUP_EXPORT_RETENTION_DAYS. A running job whose
# heartbeat is older than JOINEDUP_JOB_HEARTBEAT_TIMEOUT_SECONDS had its worker killed: it is
# failed (and tried again) when a worker starts and every JOINEDUP_JOB_SWEEP_SECONDS while it runs.
JOINEDUP_EXPORT_RETENTION_DAYS = int(os.environ.get("JOINEDUP_EXPORT_RETENTION_DAYS", "7"))
JOINEDUP_JOB_HEARTBEAT_TIMEOUT_SECONDS = int(os.environ.get("JOINEDUP_JOB_HEARTBEAT_TIMEOUT_SECONDS", "600"))
JOINEDUP_JOB_SWEEP_SECONDS = int(os.environ.get("JOINEDUP_JOB_SWEEP_SECONDS", "60"))
# The source files (TOML) staff may choose from when they upload an extract in the browser: the
# synthetic authority's unless the authority keeps its own elsewhere.
JOINEDUP_SOURCE_FILES_DIR = Path(
    os.environ.get("JOINEDUP_SOURCE_FILES_DIR", BASE_DIR / "joinedup" / "index" / "sources" / "synthetic")
)

# Sessions end after 30 idle minutes (a page renews them, at most once a minute: web/middleware.py)
# and when the browser closes:
# a laptop left open in a shared office must not leave children's records on screen.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _flag("SECURE_COOKIES", PRODUCTION)
SECURE_SSL_REDIRECT = _flag("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
# Outside production whitenoise serves straight from the source folders, so no collectstatic.
STATIC_ROOT = Path(os.environ.get("JOINEDUP_STATIC_ROOT", VAR_DIR / "static")) if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "joinedup" / "web" / "assets"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "joinedup@localhost")

# Running in production (README.md, "Deployment"): every remaining setting from the environment.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS", False)
# Behind a proxy that ends TLS, the site's https origin (e.g. https://joinedup.example.gov.uk), comma-separated.
CSRF_TRUSTED_ORIGINS = [origin for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if origin]
# One JSON object a line with the request's id (joinedup.common.logs), or text for a person reading.
from joinedup.common.logs import logging_config_from_environment  # noqa: E402

LOGGING = logging_config_from_environment(MODE)

# Security (ASVS level 2, docs/asvs-l2.md). Behind a reverse proxy, sign-in lockouts count the
# address the proxy saw (web/lockout.py): set how many proxies stand in front of joinedup.
JOINEDUP_TRUSTED_PROXIES = int(os.environ.get("JOINEDUP_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "joinedup.web.lockout.client_address"
# Every failed sign-in kept on its own row (with address and browser), not only the running count
# that a successful sign-in resets; successful sign-ins are kept by axes' access log.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# However busy, a session ends this long after sign-in (the idle timeout is SESSION_COOKIE_AGE).
JOINEDUP_SESSION_MAX_HOURS = float(os.environ.get("JOINEDUP_SESSION_MAX_HOURS", "10"))
# Over HTTPS the cookies are bound to this exact host: no subdomain can set or read them.
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_NAME = "__Host-session"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
