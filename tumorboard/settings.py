"""Settings, all from the environment.

Nothing set gives the embedded first-run default: a SQLite file, Celery tasks run in-process, e-mail
to the console. Setting DATABASE_URL / CELERY_BROKER_URL switches to PostgreSQL and a real broker.
With DEBUG off, SECRET_KEY and ALLOWED_HOSTS are required and start-up stops without them.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env")  # optional; real deployments set the environment directly

# Nothing set at all is the local first run (SQLite): development mode. As soon as a real database
# is configured, DEBUG defaults to off, so a deployment that forgets DEBUG is safe, not verbose.
DEBUG = env.bool("DEBUG", default=not env.str("DATABASE_URL", default=""))

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
else:
    try:
        SECRET_KEY = env.str("SECRET_KEY")
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(
            "DEBUG is off, so SECRET_KEY and ALLOWED_HOSTS must be set in the environment "
            "(for a local demo set DEBUG=true, or use `make run`)."
        ) from exc
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name at least one host.")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # OpClass in index expressions (the name-prefix search index)
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    # Two-factor sign-in for staff (tumorboard.two_factor): TOTP apps and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "cases",
    "recommendations",
    "scheduling",
    "audit",  # the read log: who read which patient's data
    "tumorboard",  # no models: the wiring layer's `seed_demo` command
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, loading with the user whether their session's second-factor device still exists.
    "tumorboard.session_policy.AuthenticationMiddleware",
    # Writes the reads of patient data a view noted, once it has answered (audit.reads).
    "audit.middleware.ReadLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions end when idle or too old; unverified staff are sent to two-factor sign-in.
    "tumorboard.session_policy.SessionPolicyMiddleware",
    "tumorboard.queue.QueueProblemsMiddleware",
    # A database outage in a view: a 503 page saying nothing was saved (tumorboard.errors).
    "tumorboard.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a clear refusal.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tumorboard.urls"
WSGI_APPLICATION = "tumorboard.wsgi.application"

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
                "tumorboard.roles.roles_context",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if env.str("TEST_DATABASE_NAME", default=""):  # parallel test runs on one server
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DB_PREPARED_STATEMENTS", default=True
):
    # Server-side parameter binding lets psycopg prepare a statement once it has run
    # `prepare_threshold` times on a connection, so PostgreSQL stops re-planning the same
    # many-join queries on every request (planning cost more than executing on the case page).
    # Turn off behind a transaction-pooling PgBouncer, which cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
    DATABASES["default"]["OPTIONS"].setdefault(
        "prepare_threshold", env.int("DB_PREPARE_THRESHOLD", default=5)
    )
# The cache holds rate-limit counts (password reset requests): per process by default; set
# CACHE_URL (e.g. redis://127.0.0.1:6379/2) so that every web worker counts together.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=12)
if not 8 <= PASSWORD_MIN_LENGTH <= 128:
    raise ImproperlyConfigured("PASSWORD_MIN_LENGTH must be between 8 and 128.")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Ends the API token whenever a password is saved (admin and manage.py included).
    {"NAME": "tumorboard.auth.TokensEndWithThePassword"},
]
AUTHENTICATION_BACKENDS = [
    # Login throttling: repeated failures lock the username for a cool-off period.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that loads the user's roles with the user (one query, not two, per request).
    "tumorboard.roles.RoleAwareModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "tumorboard.auth.throttle_username"

# A change's reason is written by people (a deferral, a cancellation: up to 300 characters) and
# is kept in full; the default 100-character column turned a long reason into a 500.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
LOGIN_URL = "login"

# Staff sessions (clinical roles, admin accounts) end after this long without a request, and this
# long after sign-in whatever the activity (tumorboard.session_policy). Patients keep Django's
# two-week session.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
if not 1 <= SESSION_IDLE_MINUTES <= 24 * 60:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES must be between 1 and 1440.")
if not 1 <= SESSION_MAX_HOURS <= 24 * 14:
    raise ImproperlyConfigured("SESSION_MAX_HOURS must be between 1 and 336.")
# API tokens (POST /api/v1/auth/token/) stop working this long after they were issued.
API_TOKEN_HOURS = env.int("API_TOKEN_HOURS", default=12)
if not 1 <= API_TOKEN_HOURS <= 24 * 365:
    raise ImproperlyConfigured("API_TOKEN_HOURS must be between 1 and 8760.")
# Staff must sign in with a second factor (an authenticator app's code, or a recovery code).
# On by default in production; off in DEBUG (the first-run demo, the test suite).
REQUIRE_STAFF_2FA = env.bool("REQUIRE_STAFF_2FA", default=not DEBUG)
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Spine Tumour Board")
# A password-reset link works this long.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_MINUTES", default=60) * 60
# Reset requests each client address, and each e-mail address, may make in an hour
# (tumorboard.password_reset); over it the page answers as always and nothing is sent.
PASSWORD_RESET_REQUESTS_PER_HOUR = env.int("PASSWORD_RESET_REQUESTS_PER_HOUR", default=5)
if not 1 <= PASSWORD_RESET_REQUESTS_PER_HOUR <= 1000:
    raise ImproperlyConfigured("PASSWORD_RESET_REQUESTS_PER_HOUR must be between 1 and 1000.")
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Case attachments (reports, key images, DICOM; cases.uploads): never under a public URL, served
# only by views that check the user's access to the case. The local filesystem by default
# (ATTACHMENTS_ROOT, outside STATIC_ROOT and any served folder); ATTACHMENT_STORAGE=s3 stores them
# in an S3-compatible bucket through django-storages (AWS_* settings below, boto3 installed).
ATTACHMENTS_MAX_MB = env.int("ATTACHMENTS_MAX_MB", default=50)
if not 1 <= ATTACHMENTS_MAX_MB <= 1024:
    raise ImproperlyConfigured("ATTACHMENTS_MAX_MB must be between 1 and 1024.")
ATTACHMENT_STORAGE = env.str("ATTACHMENT_STORAGE", default="local")
if ATTACHMENT_STORAGE == "local":
    STORAGES["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.str("ATTACHMENTS_ROOT", default=str(BASE_DIR / "attachments")),
            "base_url": None,
            "file_permissions_mode": 0o640,
            "directory_permissions_mode": 0o750,
        },
    }
elif ATTACHMENT_STORAGE == "s3":
    try:
        STORAGES["attachments"] = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
                "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
                "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
                "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
                "location": env.str("AWS_LOCATION", default="attachments"),
                # Private objects; never a public or pre-signed URL handed out.
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(
            "ATTACHMENT_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME (and credentials)."
        ) from exc
else:
    raise ImproperlyConfigured("ATTACHMENT_STORAGE must be 'local' or 's3'.")
# The attachment size limit is enforced while a request body is read (cases.uploads).
FILE_UPLOAD_HANDLERS = [
    "cases.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# In development static files are served from the app folders; production runs collectstatic.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# E-mail: console unless configured (EMAIL_URL, e.g. smtp+tls://user:pass@host:587).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tumorboard@localhost")


def _site_url(value: str, *, debug: bool, allowed_hosts: list[str]) -> str:
    """The site's public address, as every e-mail's links start: http(s)://host[:port][/prefix]."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(
            f"SITE_URL must be an http:// or https:// address with a host, not {value!r}."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ImproperlyConfigured("SITE_URL must not carry a query, a fragment or credentials.")
    if not debug and "*" not in allowed_hosts and parts.hostname not in allowed_hosts:
        raise ImproperlyConfigured(
            f"SITE_URL's host {parts.hostname!r} is not one of ALLOWED_HOSTS: e-mailed links "
            "would not open."
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


# Links in e-mails are absolute, built from this address (a mail has no request to ask).
SITE_URL = _site_url(
    env.str("SITE_URL", default="http://127.0.0.1:8000"),
    debug=DEBUG,
    allowed_hosts=ALLOWED_HOSTS,
)

# Celery: no broker configured -> tasks run in-process (first-run default only).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers a message whose worker died without acknowledging it (acks_late) once it has
# been unacknowledged this long: keep it above the longest task time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE

# Pre-meeting summaries are prepared this many agenda items per task: each task loads its items in
# a constant number of queries, so fewer, larger tasks spend less on the broker round trip.
SUMMARY_BATCH_SIZE = env.int("SUMMARY_BATCH_SIZE", default=20)
if not 1 <= SUMMARY_BATCH_SIZE <= 200:
    raise ImproperlyConfigured("SUMMARY_BATCH_SIZE must be between 1 and 200.")

# Work a dead worker left behind is taken up again by beat (tumorboard/celery.py), long before the
# broker's visibility timeout redelivers it. A summary still "running" this many seconds after it
# was claimed is queued again: keep it above the preparation tasks' hard time limit (90 s), so a
# live run is never taken from its worker.
SUMMARY_PREPARATION_LEASE_SECONDS = env.int("SUMMARY_PREPARATION_LEASE_SECONDS", default=300)
if not 120 <= SUMMARY_PREPARATION_LEASE_SECONDS <= 3600:
    raise ImproperlyConfigured("SUMMARY_PREPARATION_LEASE_SECONDS must be between 120 and 3600.")
# Notifications not e-mailed this many minutes after they were made (the broker was down, the mail
# server failed every retry) are sent again, for this many hours; older ones stay in the app only.
NOTIFICATION_RESEND_AFTER_MINUTES = env.int("NOTIFICATION_RESEND_AFTER_MINUTES", default=10)
NOTIFICATION_RESEND_WITHIN_HOURS = env.int("NOTIFICATION_RESEND_WITHIN_HOURS", default=48)
if NOTIFICATION_RESEND_AFTER_MINUTES < 1 or NOTIFICATION_RESEND_WITHIN_HOURS < 1:
    raise ImproperlyConfigured("NOTIFICATION_RESEND_* must be at least 1.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "tumorboard.roles.RoleAwareTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "tumorboard.api.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "tumorboard.pagination.LimitOffsetPages",
    "DEFAULT_PARSER_CLASSES": [
        "tumorboard.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "tumorboard.errors.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# /api/schema/ and /api/docs/ describe the whole API: signed-in users only unless set (e.g. for a
# public developer portal).
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)

# FHIR exchange (docs/fhir.md): the identifier system of the hospital's MRN in Patient.identifier,
# and the largest Bundle the referral import reads.
FHIR_MRN_SYSTEM = env.str("FHIR_MRN_SYSTEM", default="urn:oid:2.16.840.1.113883.19.5.99999.1")
FHIR_MAX_BUNDLE_BYTES = env.int("FHIR_MAX_BUNDLE_BYTES", default=2_000_000)
if not FHIR_MRN_SYSTEM.strip() or ":" not in FHIR_MRN_SYSTEM:
    raise ImproperlyConfigured("FHIR_MRN_SYSTEM must be a URI (e.g. urn:oid:... or https://...).")
if FHIR_MAX_BUNDLE_BYTES < 10_000:
    raise ImproperlyConfigured("FHIR_MAX_BUNDLE_BYTES must be at least 10000.")
SPECTACULAR_SETTINGS = {
    "TITLE": "tumorboard API",
    "DESCRIPTION": "Spine-metastasis multidisciplinary tumor board.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from local static files: no CDN, so the Content Security Policy stays strict.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tumorboard.openapi.document_unsupported_media_type",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.Case.Status",
        "MeetingStatusEnum": "scheduling.models.Meeting.Status",
        "SpinalLevelEnum": "clinical.levels.SPINAL_LEVEL_CHOICES",
        "NeuroGradeEnum": "cases.models.GRADE_CHOICES",
        "DisciplineEnum": "scheduling.models.Discipline",
        "AttachmentKindEnum": "cases.models.CaseAttachment.Kind",
        "ScheduleFrequencyEnum": "scheduling.recurrence.FREQUENCY_CHOICES",
        # The board's own setting or the project default (SBRT list, too-ill thresholds).
        "SettingSourceEnum": ["board", "project"],
    },
}

# The read log (audit/): every read of a patient's data is recorded; rows older than the
# retention period are purged daily. Turning the log off is for the benchmark's comparison only.
READ_LOG_ENABLED = env.bool("READ_LOG_ENABLED", default=True)
# False (the default): a read entry commits without waiting for its WAL flush; a crash of the
# database server may lose its last fraction of a second of read entries
# (audit.reads.asynchronous_commit).
READ_LOG_SYNCHRONOUS_COMMIT = env.bool("READ_LOG_SYNCHRONOUS_COMMIT", default=False)
READ_LOG_RETENTION_DAYS = env.int("READ_LOG_RETENTION_DAYS", default=2557)  # 7 years
if not 30 <= READ_LOG_RETENTION_DAYS <= 36600:
    raise ImproperlyConfigured("READ_LOG_RETENTION_DAYS must be between 30 and 36600.")

# The benchmark's floor endpoint (`/bench/floor`, bench/endpoints.py): mounted only when set.
BENCH_FLOOR = env.bool("BENCH_FLOOR", default=False)

# Security headers. The deploy-time ones are on whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP inside the network
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Behind the TLS proxy its headers are trusted: X-Forwarded-Proto, and the last X-Forwarded-For
# address as the client's (the read log).
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: only our own scripts, styles, images and fonts; no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Patient data never goes to logs: log levels and messages only; no request bodies.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Feed, summary-link and invitation tokens in a logged URL are masked (tumorboard.log_filters).
    "filters": {"mask_url_tokens": {"()": "tumorboard.log_filters.MaskUrlTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_url_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # SQL with its parameters (names, MRNs) is never logged, even with DEBUG and LOG_LEVEL=DEBUG.
    "loggers": {
        "django.db.backends": {"level": "INFO", "propagate": True},
        # pydicom's warnings quote header values (names, IDs): errors only.
        "pydicom": {"level": "ERROR", "propagate": True},
        # runserver's request lines, through the handler that masks URL tokens.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
