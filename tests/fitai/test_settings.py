"""Settings come from the environment: embedded defaults, real services when configured, production hardening.

Each case starts a fresh interpreter, because settings are read once at start-up.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "x7#Qp!vR2@mZ9^kL4&nB8*wT6(yH1)sD3-fG5+jK0=cV7_uE2~aS9!oP4?iM6%lN8"
PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "db": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "storage": settings.STORAGES["default"]["BACKEND"],
    "email": settings.EMAIL_BACKEND,
    "rates": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    "debug": settings.DEBUG,
}))
"""
CONFIG_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "EMAIL_URL",
    "DJANGO_ENV",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "FITAI_THROTTLE_RATES",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in CONFIG_VARS}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def settings_seen(**env: str) -> dict:
    code = "import django; from fitai.bootstrap import use_default_settings; use_default_settings(); " + PROBE
    result = run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_defaults_need_nothing_but_python():
    seen = settings_seen()
    assert seen["db"] == "django.db.backends.sqlite3"
    assert seen["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert seen["layer"] == "channels.layers.InMemoryChannelLayer"
    assert seen["eager"] is True
    assert seen["storage"] == "django.core.files.storage.FileSystemStorage"
    assert seen["email"] == "django.core.mail.backends.console.EmailBackend"
    assert seen["debug"] is False


def test_environment_switches_each_part_to_the_real_service():
    seen = settings_seen(
        DATABASE_URL="postgres://fitai:pw@db.internal:5432/fitai",
        REDIS_URL="redis://cache.internal:6379/0",
        AWS_STORAGE_BUCKET_NAME="fitai-media",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.internal:587",
    )
    assert seen["db"] == "django.db.backends.postgresql"
    assert seen["db_name"] == "fitai"
    assert seen["cache"] == "fitai.cache.FailSoftRedisCache"
    assert seen["layer"] == "channels_redis.core.RedisChannelLayer"
    assert seen["eager"] is False
    assert seen["broker"] == "redis://cache.internal:6379/0"
    assert seen["storage"] == "storages.backends.s3.S3Storage"
    assert seen["email"] == "django.core.mail.backends.smtp.EmailBackend"


def test_throttle_rates_are_overridden_scope_by_scope():
    rates = settings_seen(FITAI_THROTTLE_RATES="anon=1000/min,login=50/min")["rates"]
    assert rates["anon"] == "1000/min"
    assert rates["login"] == "50/min"
    assert rates["register"] == "10/hour"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_secrets(missing):
    env = {"DJANGO_ENV": "production", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "fitai.example.com"}
    del env[missing]
    result = run(["manage.py", "check"], **env)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_production_passes_the_deploy_check_without_warnings():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_ENV="production",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="fitai.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


PAGE_PROBE = """
import json
from fitai.bootstrap import use_default_settings; use_default_settings()
import django; django.setup()
from django.conf import settings
from django.test import Client, override_settings
# Hashed static names need collectstatic, which the image runs at build; headers do not.
plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain_static}).enable()
client = Client(SERVER_NAME="fitai.example.com")
page = client.get("/accounts/login", HTTP_X_FORWARDED_PROTO="https")
plain = client.get("/accounts/login")
health = client.get("/health/live")
print(json.dumps({
    "status": page.status_code,
    "headers": dict(page.headers),
    "csrf_cookie_secure": bool(page.cookies["csrftoken"]["secure"]),
    "plain": [plain.status_code, plain.headers.get("Location")],
    "health": health.status_code,
}))
"""


def test_production_pages_carry_hsts_the_policy_and_secure_cookies(tmp_path):
    result = run(
        ["-c", PAGE_PROBE],
        DJANGO_ENV="production",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="fitai.example.com",
        SQLITE_PATH=str(tmp_path / "unused.sqlite3"),
        STATIC_ROOT=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    headers = seen["headers"]
    assert seen["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert seen["csrf_cookie_secure"] is True
    assert seen["plain"] == [301, "https://fitai.example.com/accounts/login"]
    assert seen["health"] == 200, "probes inside the network stay on plain HTTP"


def test_production_logs_are_json_lines_with_the_request_id():
    code = (
        "from fitai.bootstrap import use_default_settings; use_default_settings(); import django; "
        "django.setup(); import logging; from django_guid import set_guid; set_guid('req-77'); "
        "logging.getLogger('fitai.api').warning('hello %s', 'there')"
    )
    result = run(
        ["-c", code], DJANGO_ENV="production", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="fitai.example.com"
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello there"
    assert line["level"] == "WARNING"
    assert line["request_id"] == "req-77"
    assert line["name"] == "fitai.api"
