"""Which database serves heavy reads (analytics, feeds, search).

With `DATABASE_REPLICA_URL` set, the settings define a `replica` alias and selectors that may
lag a little behind writes read from it; otherwise everything reads from `default`. The router that
pins a user's reads to the primary right after they write belongs with the performance work.
"""

from django.conf import settings

REPLICA = "replica"


def read_alias() -> str:
    """The alias for reads that tolerate replication lag."""
    return REPLICA if REPLICA in settings.DATABASES else "default"
