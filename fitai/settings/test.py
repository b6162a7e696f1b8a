"""The test suite: fast hashing, deterministic tasks, an isolated media folder."""

import tempfile

from .base import *

SECRET_KEY = "test-secret-key-for-the-fitai-suite-only-0123456789-abcdefghijklmnop"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Unit and API tests run tasks inline even when a broker is configured; the e2e tests
# switch this off to send tasks to a real worker.
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = tempfile.mkdtemp(prefix="fitai-test-media-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"
LOGGING["loggers"]["django"]["level"] = "WARNING"
if not REDIS_URL:
    CACHES["default"]["LOCATION"] = "fitai-tests"
STATIC_ROOT = tempfile.mkdtemp(prefix="fitai-test-static-")
# Connections opened by worker threads (database_sync_to_async) must not outlive their call,
# or they keep the test database open when the suite drops it.
DATABASES["default"]["CONN_MAX_AGE"] = 0
