"""Cache-aside for library reads: one version number for the whole library, bumped on every change.

Keys embed the version, so a bump makes every cached list, detail, catalog and popular page stale at
once without deleting anything (old keys simply expire). The version doubles as part of the ETag.
"""

import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

VERSION_KEY = "exercises:library-version"
TTL_SECONDS = 60 * 60


# Every library read and program detail needs the version first: a process remembers it this long
# rather than asking Redis each time (bench/results.md). A change made in this process is seen at
# once; one made in another process at most this late.
LOCAL_SECONDS = 1.0
_local: dict[str, Any] = {"version": None, "until": 0.0}


def library_version() -> int:
    now = time.monotonic()
    if _local["version"] is not None and now < _local["until"]:
        return _local["version"]
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    _local.update(version=version, until=now + LOCAL_SECONDS)
    return version


def library_changed() -> None:
    """Call after commit whenever anything a library read shows has changed."""
    _local["version"] = None
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def cache_key(kind: str, *parts: Any) -> tuple[str, str]:
    """The cache key and the ETag for one read at the current library version."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    version = library_version()
    return f"exercises:v{version}:{kind}:{digest}", f'"{version}-{digest}"'


def cached(key: str, build: Callable[[], Any]) -> Any:
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=TTL_SECONDS)
    return value
