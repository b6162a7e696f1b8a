"""Settings read from the environment, with embedded defaults that need nothing but Python.

Every external part is optional: without its variable FitAI uses SQLite, the local-memory cache,
the in-memory channel layer, eager Celery, local files and console e-mail. Setting the variable
(see the README's table) switches that part to the real service.
"""

from datetime import timedelta
from pathlib import Path

import environ
from corsheaders.defaults import default_headers
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# --- Core -------------------------------------------------------------------------------------
DJANGO_ENV = env.str("DJANGO_ENV", default="local")
# Only ever used outside production: production.py refuses to start without SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-local-only-fitai-key-never-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("FITAI_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "django_guid",
    "django_prometheus",
    "channels",
    # FitAI apps, in layer order: each may import only the ones above it.
    "fitai",
    "accounts",
    "exercises",
    "templates_app",
    "workouts",
    "progress",
    "community",
    "ai",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_guid.middleware.guid_middleware",
    "fitai.middleware.api_trailing_slash_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Which database a read may use, and the read-your-own-writes pin (see fitai/db.py).
    "fitai.db.read_your_writes_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "fitai.urls"
WSGI_APPLICATION = "fitai.wsgi.application"
ASGI_APPLICATION = "fitai.asgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Paths are matched with and without a trailing slash by our middleware; never redirect a POST.
APPEND_SLASH = False
CSRF_FAILURE_VIEW = "fitai.pages.csrf_failure"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
SQLITE_OPTIONS = {
    # WAL + IMMEDIATE transactions let concurrent requests write without "database is locked".
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
# PostgreSQL connections. Under an ASGI server every request runs its sync code in a fresh thread,
# so persistent per-thread connections (CONN_MAX_AGE) pile up until PostgreSQL refuses clients:
# ASGI processes set DB_POOL_MAX_SIZE to share a psycopg pool instead (bench/results.md). WSGI
# workers keep one persistent connection per thread.
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=0)


def _postgres(url_variable: str) -> dict:
    database = env.db_url(url_variable)
    if DB_POOL_MAX_SIZE:
        database["CONN_MAX_AGE"] = 0
        pool = {"min_size": min(2, DB_POOL_MAX_SIZE), "max_size": DB_POOL_MAX_SIZE, "timeout": 10}
        database.setdefault("OPTIONS", {})["pool"] = pool
    else:
        database.setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
        database["CONN_HEALTH_CHECKS"] = True
    return database


if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": _postgres("DATABASE_URL")}
else:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(env.str("SQLITE_PATH", default=str(VAR_DIR / "db.sqlite3"))),
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
if env.str("DATABASE_REPLICA_URL", default=""):
    # Read by `fitai.db.read_alias()` for analytics and feeds; tests read it as the primary.
    DATABASES["replica"] = _postgres("DATABASE_REPLICA_URL") | {"TEST": {"MIRROR": "default"}}
    # Feed and aggregate reads go to the replica; writes, and reads right after them, to the primary.
    DATABASE_ROUTERS = ["fitai.db.ReplicaRouter"]
# After a user's write, their reads stay on the primary this long (read-your-own-writes).
FITAI_READ_YOUR_WRITES_SECONDS = env.int("FITAI_READ_YOUR_WRITES_SECONDS", default=5)

# --- Redis: cache, channel layer, Celery ----------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Short socket timeouts: a dead Redis must fail a request (and /health/ready) fast, not hang it.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=2.0)
# What can do without Redis (cache, broadcasts, boards) waits for it less, and after an error skips
# it for REDIS_RETRY_SECONDS before trying again (fitai/cache.py: a dead Redis is a cache miss).
REDIS_SOFT_TIMEOUT = env.float("REDIS_SOFT_TIMEOUT", default=0.5)
REDIS_RETRY_SECONDS = env.float("REDIS_RETRY_SECONDS", default=2.0)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "fitai.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "fitai",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOFT_TIMEOUT,
                "socket_timeout": REDIS_SOFT_TIMEOUT,
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py refuses (not queues) a 101st pooled connection: a burst of sockets joining
            # their groups at once (a reconnect storm) needs more (bench/results.md). Its default
            # 5 s read timeout equals channels_redis's 5 s blocking pop, so a loaded process timed
            # out waiting and dropped the socket: reads get twice that.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": env.int("CHANNEL_REDIS_MAX_CONNECTIONS", 1000),
                        "socket_timeout": 10,
                        "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                    }
                ],
                "prefix": "fitai:asgi",
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fitai"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# No broker configured means tasks run inline, in the request that queued them.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(hours=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": REDIS_SOCKET_TIMEOUT, "socket_connect_timeout": 2}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Workers are scaled per queue; tasks are routed by the app that defines them.
CELERY_TASK_ROUTES = {
    "accounts.tasks.*": {"queue": "emails"},
    "exercises.tasks.*": {"queue": "analytics"},
    "community.tasks.send_*": {"queue": "emails"},
    "progress.tasks.*": {"queue": "analytics"},
    "ai.tasks.*": {"queue": "ai"},
}
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "exercises-popularity": {"task": "exercises.tasks.popularity_recompute_task", "schedule": 60 * 60},
    "exercises-ratings": {"task": "exercises.tasks.ratings_rescore_task", "schedule": 24 * 60 * 60},
    # Hourly although deadlines are days: a day ends at a different hour in every time zone.
    "progress-goals-expire": {"task": "progress.tasks.goals_expire_task", "schedule": 60 * 60},
    "progress-export-cleanup": {"task": "progress.tasks.data_export_cleanup_task", "schedule": 24 * 60 * 60},
    # Hourly: a challenge is over once its last day has ended in every time zone.
    "community-challenges-finish": {"task": "community.tasks.challenges_finish_task", "schedule": 60 * 60},
    # The aggregates are kept up to date by events; the nightly rebuild repairs anything missed.
    "progress-analytics-rebuild": {"task": "progress.tasks.analytics_rebuild_task", "schedule": 24 * 60 * 60},
    # Recommendations read the item-item model; a nightly rebuild keeps it a day fresh at most.
    "ai-similarity-rebuild": {"task": "ai.tasks.similarity_rebuild_task", "schedule": 24 * 60 * 60},
    # Tasks whose publish failed (broker down) wait in the outbox; a stale run is dropped, not queued.
    "fitai-outbox-relay": {"task": "fitai.tasks.outbox_relay_task", "schedule": 5, "options": {"expires": 5}},
}

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Outside production the app finds static files in place, so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = DJANGO_ENV != "production"

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="path"),
            # Private by default: files are reached through expiring signed URLs.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=900),
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail -----------------------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="FitAI <no-reply@fitai.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Authentication ---------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailOrUsernameBackend"]
LOGIN_URL = "/accounts/login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Refresh tokens rotate on every use; their state lives in accounts.TokenFamily (see README).
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=30)),
    "USER_ID_FIELD": "public_id",
    "USER_ID_CLAIM": "sub",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
    # Access tokens carry a digest of the password hash: a password change ends them at once.
    "CHECK_REVOKE_TOKEN": True,
}
# Single-use e-mailed tokens.
FITAI_EMAIL_VERIFICATION_TTL = timedelta(days=3)
FITAI_PASSWORD_RESET_TTL = timedelta(hours=1)
# How many verification or reset e-mails one address may receive per hour; more are dropped silently.
FITAI_ACCOUNT_EMAILS_PER_HOUR = env.int("FITAI_ACCOUNT_EMAILS_PER_HOUR", default=3)
# Progressive lockout: after THRESHOLD failures in a row, an account (or unknown login name) is
# locked for BASE seconds, doubling with each further failure up to MAX. It stays on whatever the
# throttle rates are.
FITAI_LOGIN_LOCKOUT_THRESHOLD = env.int("FITAI_LOGIN_LOCKOUT_THRESHOLD", default=5)
FITAI_LOGIN_LOCKOUT_BASE_SECONDS = env.int("FITAI_LOGIN_LOCKOUT_BASE_SECONDS", default=60)
FITAI_LOGIN_LOCKOUT_MAX_SECONDS = env.int("FITAI_LOGIN_LOCKOUT_MAX_SECONDS", default=3600)

# Social sign-in: a provider is on when its credentials are set.
GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env.str("GOOGLE_CLIENT_SECRET", default="")
APPLE_CLIENT_ID = env.str("APPLE_CLIENT_ID", default="")
APPLE_TEAM_ID = env.str("APPLE_TEAM_ID", default="")
APPLE_KEY_ID = env.str("APPLE_KEY_ID", default="")
APPLE_PRIVATE_KEY = env.str("APPLE_PRIVATE_KEY", default="", multiline=True)
SOCIAL_HTTP_TIMEOUT_SECONDS = env.float("SOCIAL_HTTP_TIMEOUT_SECONDS", default=5.0)

# --- API --------------------------------------------------------------------------------------
THROTTLE_RATES = {
    "anon": "120/min",
    "user": "600/min",
    "login": "10/min",
    "register": "10/hour",
    "forgot_password": "5/hour",
    "resend_verification": "5/hour",
    "rating": "30/min",
    "post": "20/min",
    "comment": "30/min",
    "search": "60/min",
    "ai": "20/min",
}
# `FITAI_THROTTLE_RATES=anon=60/min,login=10/min` overrides scopes one by one.
THROTTLE_RATES |= env.dict("FITAI_THROTTLE_RATES", default={})

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "fitai.api.throttling.AnonRateThrottle",
        "fitai.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    # How many reverse proxies in front of the app append to X-Forwarded-For. 0 trusts only the
    # socket's address: a client cannot pick its own IP, and with it a fresh throttle allowance.
    "NUM_PROXIES": env.int("FITAI_NUM_PROXIES", default=0),
    "DEFAULT_PAGINATION_CLASS": "fitai.api.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_PARSER_CLASSES": [
        "fitai.api.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "fitai.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "fitai.api.exceptions.exception_handler",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    "ORDERING_PARAM": "ordering",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "FitAI API",
    "DESCRIPTION": (
        "Exercise library, workout programs, live workout sessions, progress, community and an AI "
        "coach. Every error is answered in one envelope: "
        '`{"error": {"code", "message", "fields"?}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "VisibilityEnum": "accounts.preferences.VISIBILITIES",
        "FriendActionEnum": ["accept", "decline", "block"],
        "BodyMetricKindEnum": "accounts.models.BodyMetric.Kind",
        "EquipmentKindEnum": "exercises.models.Equipment.Kind",
        "MechanicsEnum": "exercises.models.Exercise.Mechanics",
        "ForceEnum": "exercises.models.Exercise.Force",
        "ExerciseStatusEnum": "exercises.models.Exercise.Status",
        "WorkoutStatusEnum": "workouts.models.Workout.Status",
        "ProgramVisibilityEnum": "templates_app.models.Visibility",
        "TemplateSourceEnum": "templates_app.models.WorkoutTemplate.Source",
        "NewWorkoutStatusEnum": ["planned", "completed"],
        "ShareVisibilityEnum": ["friends", "public"],
        "GoalTypeEnum": "progress.models.Goal.Type",
        "FitnessLevelEnum": "accounts.models.FitnessLevel",
        "ChallengeTypeEnum": "community.models.Challenge.Type",
        "ChallengeVisibilityEnum": "community.models.Challenge.Visibility",
        "ChallengeStatusEnum": "community.challenges.Status.ALL",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Nothing leaves the machine: no online validator badge.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True, "persistAuthorization": True},
    "APPEND_COMPONENTS": {
        "securitySchemes": {"jwtAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    },
}

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After", "ETag"]
# Browser clients send If-Match (offline sync, program edits) and If-None-Match (cached reads).
CORS_ALLOW_HEADERS = (*default_headers, "if-match", "if-none-match", "x-request-id")

# Pages are ours alone: scripts and styles from the app itself, sockets to the same host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Swagger UI sets inline styles on its elements.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'", "ws:", "wss:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Observability ----------------------------------------------------------------------------
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": False,
    "RETURN_HEADER": True,
    # corsheaders exposes X-Request-ID with the others; django_guid would overwrite that list.
    "EXPOSE_HEADER": False,
    "UUID_LENGTH": 32,
    # Tasks carry the id of the request (or task) that queued them, and workers log with it;
    # workers use the LOGGING below instead of Celery's own format.
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True)],
}
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_JSON = env.bool("LOG_JSON", default=DJANGO_ENV == "production")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "correlation_id": "request_id"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_JSON else "text",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # Our exception handler logs unexpected errors itself, with the request id.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django_guid": {"level": "WARNING"},
    },
}

# --- AI ---------------------------------------------------------------------------------------
AI_PROVIDER = env.str("AI_PROVIDER", default="rules")
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="") or None
OPENAI_MODEL = env.str("OPENAI_MODEL", default="gpt-4o-mini")
# How the server is asked for JSON: `json_schema` (OpenAI, vLLM), `json_object` with the schema
# inside (llama.cpp's dialect), or `prompt` (the schema only in the prompt; any server).
OPENAI_STRUCTURED_OUTPUT = env.str("OPENAI_STRUCTURED_OUTPUT", default="json_schema")
OPENAI_TIMEOUT_SECONDS = env.float("OPENAI_TIMEOUT_SECONDS", default=20)
OPENAI_MAX_TOKENS = env.int("OPENAI_MAX_TOKENS", default=1500)
OPENAI_MAX_RETRIES = env.int("OPENAI_MAX_RETRIES", default=1)
# Estimated cost in USD per million tokens, `model=input:output,...`; unknown models cost
# OPENAI_PRICE_DEFAULT (a local server costs nothing).
OPENAI_PRICES = {"gpt-4o-mini": "0.15:0.60", "gpt-4o": "2.50:10.00", "gpt-4.1-mini": "0.40:1.60"} | env.dict(
    "OPENAI_PRICES", default={}
)
OPENAI_PRICE_DEFAULT = env.str("OPENAI_PRICE_DEFAULT", default="0:0")
FITAI_AI_DAILY_QUOTA = env.int("FITAI_AI_DAILY_QUOTA", default=50)
FITAI_AI_CACHE_SECONDS = env.int("FITAI_AI_CACHE_SECONDS", default=300)

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Health -----------------------------------------------------------------------------------
HEALTH_CHECK_TIMEOUT_SECONDS = env.float("HEALTH_CHECK_TIMEOUT_SECONDS", default=3.0)

# --- Exercise library ------------------------------------------------------------------------
# Weight of the prior (the library mean) in the Bayesian average: like this many average votes.
FITAI_RATING_PRIOR_WEIGHT = env.int("FITAI_RATING_PRIOR_WEIGHT", default=5)
# Ratings from accounts younger than this are stored but left out of the public summary.
FITAI_RATING_MIN_ACCOUNT_AGE_DAYS = env.int("FITAI_RATING_MIN_ACCOUNT_AGE_DAYS", default=0)

# --- Progress -------------------------------------------------------------------------------
# Lifetime of the signed links to private files (photos, exports) on local disk; S3 signs its own
# with AWS_QUERYSTRING_EXPIRE.
FITAI_PRIVATE_URL_TTL = env.int("FITAI_PRIVATE_URL_TTL", default=900)
# Exports up to this many rows are answered at once; larger ones run in the background.
FITAI_EXPORT_SYNC_MAX_ROWS = env.int("FITAI_EXPORT_SYNC_MAX_ROWS", default=5000)
FITAI_EXPORT_TTL_HOURS = env.float("FITAI_EXPORT_TTL_HOURS", default=24)

# --- Community ------------------------------------------------------------------------------
# Where push notifications go: a dotted path to a `community.push.PushBackend`; the default logs.
FITAI_PUSH_BACKEND = env.str("FITAI_PUSH_BACKEND", default="community.push.LoggingPushBackend")
# Distinct reporters that hide a post or comment pending review; links a post may carry.
FITAI_REPORT_HIDE_THRESHOLD = env.int("FITAI_REPORT_HIDE_THRESHOLD", default=3)
FITAI_COMMUNITY_MAX_LINKS = env.int("FITAI_COMMUNITY_MAX_LINKS", default=2)

# --- Seed data --------------------------------------------------------------------------------
# `make run` creates demo@fitai.local with this password outside production; empty turns it off.
FITAI_DEMO_PASSWORD = env.str("FITAI_DEMO_PASSWORD", default="fitai-demo-2026")
