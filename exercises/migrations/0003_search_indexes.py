"""Indexes for exercise search (`exercises/search.py`), on PostgreSQL only.

Three GIN indexes pick the candidates of one search: trigrams of `name`, trigrams of `name_key`
without spaces ("benchpress"), and the weighted full-text vector of name and description. Each
indexed expression must stay exactly what the search query compares, or the planner cannot use
it. SQLite has no trigrams and searches without them. The indexes are built CONCURRENTLY so the
table keeps taking writes meanwhile (hence a non-atomic migration), and without GIN's pending
list: the library is written rarely, and rows parked in that list (until a vacuum) make every
search read them all and the planner shun the index. Reversing drops the indexes
but keeps `pg_trgm`, which other apps' searches use.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS exercises_exercise_name_trgm ON exercises_exercise "
        "USING gin (name gin_trgm_ops) WITH (fastupdate = off)"
    ),
    (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS exercises_exercise_name_key_compact_trgm "
        "ON exercises_exercise USING gin (REPLACE(name_key, ' ', '') gin_trgm_ops) WITH (fastupdate = off)"
    ),
    (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS exercises_exercise_search_vector ON exercises_exercise "
        "USING gin ((setweight(to_tsvector('english'::regconfig, COALESCE(name, '')), 'A') "
        "|| setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'C'))) "
        "WITH (fastupdate = off)"
    ),
]
BACKWARD = [
    "DROP INDEX CONCURRENTLY IF EXISTS exercises_exercise_search_vector",
    "DROP INDEX CONCURRENTLY IF EXISTS exercises_exercise_name_key_compact_trgm",
    "DROP INDEX CONCURRENTLY IF EXISTS exercises_exercise_name_trgm",
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
        ("exercises", "0002_catalogs"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD), elidable=False),
    ]
