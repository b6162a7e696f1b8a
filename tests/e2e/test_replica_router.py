"""Read replicas over a real Daphne: a second PostgreSQL database stands in for the replica.

The replica is a copy of the test database taken with pg_dump, then changed on purpose (every
daily summary says 7 workouts where the primary says 1), so each answer shows which database
served it. Replication lag is therefore infinite here: exactly the case read-your-own-writes is for.
"""

import subprocess
import time
from collections.abc import Iterator

import psycopg
import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from progress.models import DailySummary
from tests.e2e.conftest import database_url, http, start_daphne
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PIN_SECONDS = 2
PRIMARY_WORKOUTS = 1
REPLICA_WORKOUTS = 7


@pytest.fixture
def replica_url() -> Iterator[str]:
    """A fresh database holding a copy of the test database's current rows."""
    primary = database_url()
    server, _, name = primary.rpartition("/")
    replica_name = f"{name}_replica"
    admin = f"{server}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{replica_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{replica_name}"')
    url = f"{server}/{replica_name}"
    dump = subprocess.run(["pg_dump", "--no-owner", primary], capture_output=True, check=True)
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", url], input=dump.stdout, capture_output=True, check=True
    )
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{replica_name}" WITH (FORCE)')


@pytest.fixture
def replica_server(stack_env, replica_url, tmp_path) -> Iterator[str]:
    """Daphne with DATABASE_REPLICA_URL set and a short read-your-own-writes window."""
    env = {
        **stack_env,
        "DATABASE_REPLICA_URL": replica_url,
        "FITAI_READ_YOUR_WRITES_SECONDS": str(PIN_SECONDS),
    }
    process, base_url = start_daphne(env, tmp_path, name="daphne-replica")
    yield base_url
    process.stop()


@pytest.fixture
def members():
    """Two members whose aggregates say one workout today, on the primary."""
    users = [UserFactory(), UserFactory()]
    for user in users:
        DailySummary.objects.create(user=user, day=timezone.localdate(), workouts=PRIMARY_WORKOUTS)
    return users


def overview_workouts(base_url: str, user) -> int:
    """Workouts in the progress overview: read from the aggregates, uncached, so the answer says
    which database served it (the analytics overview is cached in front of both)."""
    status, body, _ = http(
        "GET",
        f"{base_url}/api/v1/progress",
        headers={"Authorization": f"Bearer {AccessToken.for_user(user)}"},
    )
    assert status == 200, body
    return body["totals"]["workouts"]


def test_reads_after_a_write_come_from_the_primary_and_later_reads_from_the_replica(members, request):
    writer, other = members
    replica_url = request.getfixturevalue("replica_url")
    with psycopg.connect(replica_url, autocommit=True) as conn:
        conn.execute("UPDATE progress_dailysummary SET workouts = %s", [REPLICA_WORKOUTS])
    base_url = request.getfixturevalue("replica_server")

    assert overview_workouts(base_url, writer) == REPLICA_WORKOUTS

    status, body, _ = http(
        "PATCH",
        f"{base_url}/api/v1/users/profile",
        {"bio": "Squats on Mondays."},
        headers={"Authorization": f"Bearer {AccessToken.for_user(writer)}"},
    )
    assert status == 200, body

    assert overview_workouts(base_url, writer) == PRIMARY_WORKOUTS
    assert overview_workouts(base_url, other) == REPLICA_WORKOUTS

    time.sleep(PIN_SECONDS + 0.5)

    assert overview_workouts(base_url, writer) == REPLICA_WORKOUTS


def test_writes_reach_the_primary_only(members, request):
    writer, _ = members
    replica_url = request.getfixturevalue("replica_url")
    base_url = request.getfixturevalue("replica_server")

    status, body, _ = http(
        "PATCH",
        f"{base_url}/api/v1/users/profile",
        {"bio": "Written once."},
        headers={"Authorization": f"Bearer {AccessToken.for_user(writer)}"},
    )
    assert status == 200, body

    writer.profile.refresh_from_db()
    assert writer.profile.bio == "Written once."
    with psycopg.connect(replica_url) as conn:
        row = conn.execute("SELECT bio FROM accounts_profile WHERE user_id = %s", [writer.pk]).fetchone()
    assert row is None or row[0] != "Written once."
