"""Fixtures shared by the whole suite."""

import os
from importlib import import_module
from pathlib import Path

import pytest
from celery._state import _set_task_join_will_block
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters and cached reads must not leak from one test into the next."""
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_join_guard():
    """Put back Celery's process-wide "joining a result would block" flag after each test.

    An eager task runs under that flag, saved and restored around it; when threads of a
    concurrency test run eager tasks at once, the save/restore pairs interleave and can leave the
    flag set, and every later `result.get()` in the process would raise "Never call result.get()
    within a task!". (Only eager mode shares it across threads: workers run tasks one at a time.)
    """
    yield
    _set_task_join_will_block(False)


@pytest.fixture(scope="session", autouse=True)
def _release_test_database(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end the sessions that worker threads left open.

    Connections opened by `database_sync_to_async` threads and by Playwright's event loop belong
    to other threads, which the suite cannot close; PostgreSQL refuses to drop a database in use.
    """
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


REFERENCE_DATA_MIGRATIONS = [
    ("accounts.migrations.0002_roles", "create_roles"),
    ("exercises.migrations.0002_catalogs", "create_catalogs"),
    ("templates_app.migrations.0002_trainer_permissions", "grant_program_permissions"),
]


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Put back the rows data migrations create (role groups, muscle and equipment catalogs).

    A transactional test empties every table when it ends, so the tests after it would otherwise
    run without them.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    for module, function in REFERENCE_DATA_MIGRATIONS:
        getattr(import_module(module), function)(apps, None)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def auth_client(db):
    """`auth_client(user)` → an APIClient sending that user's real JWT access token."""

    def make(user=None) -> APIClient:
        user = user or UserFactory()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        client.user = user
        return client

    return make


STACK = os.environ.get("FITAI_STACK") == "1"
E2E_DIR = Path(__file__).parent / "e2e"


def pytest_report_header(config) -> list[str]:
    """Say which real services this run uses, so CI output shows it."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    return [
        f"FitAI {'stack' if STACK else 'embedded'} mode: database={database['ENGINE'].rsplit('.', 1)[-1]}"
        f" cache={settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
        f" channel_layer={settings.CHANNEL_LAYERS['default']['BACKEND'].rsplit('.', 1)[-1]}"
        f" broker={settings.CELERY_BROKER_URL or 'none (eager)'}"
    ]


def pytest_collection_modifyitems(config, items) -> None:
    """End-to-end tests need the real stack: they run under `make test-stack` only."""
    skip = pytest.mark.skip(reason="end-to-end: run with `make test-stack` (FITAI_STACK=1)")
    for item in items:
        if E2E_DIR in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
            if not STACK:
                item.add_marker(skip)
