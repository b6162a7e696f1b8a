"""Container health checks for the FitAI image, with nothing but the standard library.

    python deploy/healthcheck.py http http://127.0.0.1:8000/health/live
    python deploy/healthcheck.py file /var/lib/fitai/beat/celerybeat-schedule --max-age 600

`http` sends a `Host` that `ALLOWED_HOSTS` accepts (the probe connects to 127.0.0.1, which
production's `ALLOWED_HOSTS` rightly does not list, and Django would answer 400). `file` checks
that a heartbeat file (or any `PATH*` file, as dbm may add a suffix) was written lately: Celery
beat rewrites its schedule file at least every few minutes while it runs. Exit 0 when healthy.
"""

import argparse
import glob
import os
import sys
import time
import urllib.error
import urllib.request


def probe_host() -> str:
    """The first concrete name in ALLOWED_HOSTS (`.example.com` → `example.com`; `*` → localhost)."""
    for name in os.environ.get("ALLOWED_HOSTS", "").split(","):
        name = name.strip().lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def check_http(url: str, timeout: float) -> bool:
    if not url.startswith(("http://", "https://")):
        print(f"unhealthy: {url} is not an http(s) URL", file=sys.stderr)
        return False
    headers = {"Host": probe_host(), "User-Agent": "fitai-healthcheck"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (scheme checked above)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return False


def check_file(path: str, max_age: float) -> bool:
    now = time.time()
    ages = [now - os.path.getmtime(name) for name in glob.glob(glob.escape(path) + "*")]
    if not ages or min(ages) > max_age:
        print(f"unhealthy: {path} not written in the last {max_age:.0f} s", file=sys.stderr)
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    kinds = parser.add_subparsers(dest="kind", required=True)
    http = kinds.add_parser("http", help="GET a URL on this container; healthy on 200")
    http.add_argument("url")
    http.add_argument("--timeout", type=float, default=4.0)
    heartbeat = kinds.add_parser("file", help="a file written within --max-age seconds")
    heartbeat.add_argument("path")
    heartbeat.add_argument("--max-age", type=float, default=600.0)
    args = parser.parse_args(argv)
    if args.kind == "http":
        return 0 if check_http(args.url, args.timeout) else 1
    return 0 if check_file(args.path, args.max_age) else 1


if __name__ == "__main__":
    sys.exit(main())
