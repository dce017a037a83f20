"""Settings for Pause, driven entirely by environment variables.

Three situations share this one module:

* **Embedded default** (no variables at all): SQLite, Celery tasks run eagerly, usage counters kept in
  the database. `make run` works on a bare machine.
* **Real mode**: `DATABASE_URL` (PostgreSQL) and `REDIS_URL` switch on full-text search, the Celery
  worker and beat, and Redis-backed counters.
* **Production** (`PRODUCTION=1`): `SECRET_KEY`, `DATABASE_URL`, `REDIS_URL` and `ALLOWED_HOSTS` have no
  default, so a missing variable stops the process at start-up with a clear message.

Every variable is documented in README.md.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = env_bool("PRODUCTION")


def required(name: str, development_default: str) -> str:
    """Return an environment variable; in production a missing one stops start-up."""
    value = os.environ.get(name, "")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"{name} must be set when PRODUCTION=1. See the configuration table in README.md."
        )
    return development_default


# --- Core -------------------------------------------------------------------------------------------

SITE_NAME = os.environ.get("SITE_NAME", "Pause")
# The public address of the site, used for the QR code on the printable handout and canonical URLs.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Demo mode shows clearly marked example listings so the search can be tried. Never in production.
DEMO = env_bool("DEMO")
# Discreet tab titles: every page is titled with SITE_NAME only and carries no description.
DISCREET_TITLES = env_bool("DISCREET_TITLES")
# Where the quick-exit button goes: a neutral, non-personalised page.
QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "https://www.bom.gov.au/")

SECRET_KEY = required("SECRET_KEY", "development-only-not-secret-" + "x" * 40)
# Earlier keys, comma-separated, while a new SECRET_KEY is rolled out (docs/operations.md): what was
# signed or keyed with them (signed forms, sessions, portal backup codes) keeps working.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or (
    [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when PRODUCTION=1.")

INSTALLED_APPS = [
    # The admin, with a default site that asks for the second factor (providers/admin_site.py).
    "providers.admin_config.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_forms_gds",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "simple_history",
    # Our apps, cut by domain.
    "usage",
    "content",
    "selfcheck",
    "services_directory",
    "providers",
]

MIDDLEWARE = [
    # First: the User-Agent header is gone before any app, library or log can keep it.
    "config.middleware.ForgetUserAgentMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Counts public page views by section (usage app); first, so it sees the final status.
    "usage.middleware.VisitCounterMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.PublicFormOriginMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Portal sessions end after 30 minutes idle and 12 hours in all (only under /providers/).
    "providers.middleware.PortalSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.middleware.FriendlyErrorsMiddleware",
    # Axes must be last: it turns lock-outs into responses.
    "axes.middleware.AxesMiddleware",
]

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
                "config.context_processors.site",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------------

DATABASE_URL = required("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend plus a short memory of a failed connection (config/breaker.py): with a hung
    # database a page waits on one connect timeout at most, then answers with the 503 page.
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    # Fail fast instead of hanging a request when the database is unreachable. 2 s is the least
    # libpq and psycopg accept (smaller values are raised to 2).
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 2
    # --- services directory: no JIT. Search queries are short, but their cost estimates can pass the JIT
    # threshold, and compiling then takes seconds (measured: 3.1 s of a 3.3 s directory query). ---
    # random_page_cost 1.1 (PostgreSQL's default of 4 models spinning disks; managed databases run on
    # SSDs): with it the planner walks the location index nearest-first and stops after the results
    # it needs, instead of loading every location within 50 km (measured: 40 ms against 630 ms in
    # Sydney with 500,000 listings; docs/directory.md). ---
    DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off -c random_page_cost=1.1"
    # Web processes (config/wsgi.py sets PAUSE_PROCESS=web) give every statement a limit, so a page
    # stuck behind a slow query or a lock answers with the 503 page before gunicorn's own timeout.
    # Celery workers, migrations and management commands have none: a nightly import may take minutes.
    # Set in the connection's options rather than per request (SET LOCAL needs a transaction around
    # every request; a plain SET would outlive the request on the kept connection): it costs nothing.
    STATEMENT_TIMEOUT_MS = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "3000"))
    if os.environ.get("PAUSE_PROCESS") == "web" and STATEMENT_TIMEOUT_MS > 0:
        DATABASES["default"]["OPTIONS"]["options"] += f" -c statement_timeout={STATEMENT_TIMEOUT_MS}"
# Public requests in gunicorn's sync workers end within this many seconds (config/deadline.py): the
# one limit that reaches a kept connection to a database that stopped answering. 0 switches it off.
REQUEST_DEADLINE_SECONDS = float(os.environ.get("REQUEST_DEADLINE_SECONDS", "4"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery ---------------------------------------------------------------------------

REDIS_URL = required("REDIS_URL", "")
# Short timeouts everywhere Redis is touched from a request: a page must never wait on it.
REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.5"))

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pause",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Australia/Sydney"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 3600
# A task must finish well inside the visibility timeout, or Redis hands it to a second worker.
CELERY_BROKER_VISIBILITY_TIMEOUT = 3600
# A periodic job's lock lives this long past its holder's last heartbeat (config.jobs.single_instance):
# a worker killed with kill -9 blocks the next run for at most this long.
JOB_LOCK_TTL_SECONDS = float(os.environ.get("JOB_LOCK_TTL_SECONDS", "60"))
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 900
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    # kombu retries a failed connection with these (its default first pause is 2 s): once, briefly.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing from a web request must not hang when Redis is down: try once, briefly.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 2
# The result backend reconnects on its own schedule (20 tries by default, ~20 s): once, briefly.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
}
# Times are Australian (CELERY_TIMEZONE); quiet hours, off the hour so they do not all start at once.
CELERY_BEAT_SCHEDULE = {
    "aggregate-usage-hourly": {"task": "usage.tasks.aggregate_usage", "schedule": crontab(minute=5)},
    # HSDS feeds (services_directory/refresh.py, docs/hsds.md).
    "refresh-directory-nightly": {
        "task": "services_directory.tasks.refresh_directory",
        "schedule": crontab(minute=40, hour=2),
    },
    "rebuild-search-points-nightly": {
        "task": "services_directory.tasks.rebuild_search_points",
        "schedule": crontab(minute=20, hour=3),
    },
    "check-listings-weekly": {
        "task": "services_directory.tasks.check_listings",
        "schedule": crontab(minute=30, hour=3, day_of_week="mon"),
    },
    "verification-reminders-monthly": {
        "task": "services_directory.tasks.send_verification_reminders",
        "schedule": crontab(minute=0, hour=10, day_of_month=1),
    },
    "retention-purge-daily": {
        "task": "config.tasks.retention_purge",
        "schedule": crontab(minute=15, hour=4),
    },
}

# --- HSDS open data: the nightly directory refresh (beat entry above) reads these feeds ---
# Comma-separated HSDS 3.0 API base URLs, HSDS JSON files or CSV data packages (datapackage.json).
HSDS_SOURCES = env_list("HSDS_SOURCES")

# --- Internationalisation ---------------------------------------------------------------------------

LANGUAGE_CODE = "en-au"
TIME_ZONE = "Australia/Sydney"
USE_I18N = False
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION or env_bool("MANIFEST_STATIC")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000 if PRODUCTION else 60

# --- Forms ------------------------------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Bodies larger than this are refused with 400 (Django) before a view sees them.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(256 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 400

# --- Privacy: cookies only under /providers/ --------------------------------------------------------

# The portal and the admin live under this prefix; it is the only part of the site with cookies.
PROVIDERS_PREFIX = "/providers/"
SESSION_COOKIE_PATH = PROVIDERS_PREFIX
CSRF_COOKIE_PATH = PROVIDERS_PREFIX
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 60 * 60  # hard limit; the portal also ends idle sessions after 30 minutes
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
if PRODUCTION:
    # The __Secure- prefix makes browsers refuse the cookie over plain HTTP or from a subdomain.
    SESSION_COOKIE_NAME = "__Secure-sessionid"
    CSRF_COOKIE_NAME = "__Secure-csrftoken"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

LOGIN_URL = "/providers/sign-in/"
LOGIN_REDIRECT_URL = "/providers/"

# --- Security headers -------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(), geolocation=(), gyroscope=(), hid=(), idle-detection=(), interest-cohort=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), "
    "publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"
)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # A TLS-terminating proxy in front of gunicorn tells us the scheme.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'none'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "upgrade-insecure-requests": PRODUCTION,
    },
}

# --- Auth -------------------------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lock out by account, never by IP address: we do not process visitors' addresses at all.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_IPWARE_META_PRECEDENCE_ORDER = []
AXES_CLIENT_IP_CALLABLE = "config.privacy.no_client_ip"
AXES_CLIENT_STR_CALLABLE = "config.privacy.no_client_str"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
OTP_TOTP_ISSUER = SITE_NAME
# The admin shows no one's authenticator secret or QR code and no backup codes: staff who could read
# them could sign in as that person.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Email ------------------------------------------------------------------------------------------

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS: list = []  # never e-mail error reports: they would carry request headers

# --- Logging ----------------------------------------------------------------------------------------

# Log records never carry the request: Django attaches it to errors, and its repr includes headers.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"strip_request": {"()": "config.privacy.StripRequestFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["strip_request"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # runserver's own access log; ours carries the request line and status only.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# axes.W006 asks to lock out by IP address too. We deliberately never process visitors' addresses;
# lock-out is by account (see docs/decisions/0003-no-ip-addresses.md).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION and not env_bool("MANIFEST_STATIC")
# models.W047: SQLite cannot enforce the usage-count uniqueness over a null hour. The embedded default
# is single-process and readers sum cells anyway; PostgreSQL (real mode) enforces it.
SILENCED_SYSTEM_CHECKS += ["models.W047"]

# --- Provider portal (providers/) -------------------------------------------------------------------

# Messages live in the session: the cookie store would set a cookie on path "/", outside /providers/.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Accounts are keyed by lower-cased e-mail address, so "A@x" and "a@x" share one failure count.
AXES_USERNAME_CALLABLE = "providers.auth.axes_username"
AXES_LOCKOUT_TEMPLATE = "providers/locked.html"
# Successful sign-ins are not logged by axes (its log rows would hold the browser's user agent).
AXES_DISABLE_ACCESS_LOG = True
AXES_RESET_ON_SUCCESS = True
# Password reset links work once and for two hours.
PASSWORD_RESET_TIMEOUT = 2 * 60 * 60
