"""Trigram indexes for user search (`accounts/search.py`), on PostgreSQL only.

The indexed expressions must stay exactly those the search query compares with `<%`; SQLite
has no trigrams and searches without them. The indexes are built CONCURRENTLY so a large user
table keeps taking writes meanwhile (hence a non-atomic migration). Reversing drops the
indexes but keeps `pg_trgm`, which other apps' searches may use.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_user_search_trgm ON accounts_user "
        "USING gin ((username || ' ' || first_name || ' ' || last_name) gin_trgm_ops)"
    ),
    (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_profile_search_trgm ON accounts_profile "
        "USING gin ((location || ' ' || interests::text) gin_trgm_ops)"
    ),
]
BACKWARD = [
    "DROP INDEX CONCURRENTLY IF EXISTS accounts_profile_search_trgm",
    "DROP INDEX CONCURRENTLY IF EXISTS accounts_user_search_trgm",
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0004_profiles_metrics_friendships"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD), elidable=False),
    ]
