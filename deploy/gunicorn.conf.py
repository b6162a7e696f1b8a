"""gunicorn for FitAI's HTTP traffic: gthread WSGI workers on `fitai.wsgi` behind nginx.

Why WSGI and not an ASGI server for HTTP: a sync DRF view pays a thread hop per request (and per
sync middleware) under Daphne or uvicorn; gunicorn's threads run it directly (`make bench`,
bench/results.md). WebSockets go to Daphne (`fitai.asgi`) through nginx's `/ws/` location.

Every knob comes from the environment, so one image serves a laptop and a 16-core machine:
`gunicorn -c deploy/gunicorn.conf.py` (the application is named below).
"""

import json
import multiprocessing
import os
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from gunicorn import glogging


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "fitai.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
proc_name = "fitai-web"

# Processes and threads. Requests mostly wait on PostgreSQL and Redis, so a few threads per process
# keep a core busy; one process per core is the measured default (WEB_CONCURRENCY is the name
# gunicorn and most platforms use). Each thread may hold one persistent database connection:
# workers * threads * machines must stay under PostgreSQL's max_connections (docs/OPERATIONS.md).
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count())
threads = _int("GUNICORN_THREADS", 4)

# A worker that stops heartbeating this long is killed and replaced. With gthread the heartbeat
# comes from the main loop, so this bounds a stuck process, not a slow request: slow ones are
# bounded by their own timeouts (database, Redis, the LLM's OPENAI_TIMEOUT_SECONDS).
timeout = _int("GUNICORN_TIMEOUT", 60)
# On SIGTERM (deploys, scale-in), requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Idle keep-alive from nginx's upstream pool; nginx's `keepalive_timeout` there is shorter, so
# nginx never reuses a connection gunicorn is closing.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle each worker after this many requests (with jitter, so they do not all restart at once):
# cheap insurance against slow memory growth in long-lived processes. 0 turns it off.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)
# Header and request-line bounds (gunicorn's defaults, stated): nginx enforces the body size.
limit_request_line = 8190
limit_request_fields = 100
# gunicorn ≥ 25 opens a runtime-control socket (for `gunicornc`) in $HOME; nothing here uses it,
# and one management interface fewer is one less thing to secure.
control_socket_disable = True

# The heartbeat file lives in memory: a container's /tmp can be a slow overlay or a full disk.
# gunicorn only creates its own unlinked files there, so the shared directory is safe.
SHM = "/dev/shm"  # noqa: S108
if Path(SHM).is_dir():
    worker_tmp_dir = SHM

# Logs to stdout/stderr for the container runtime; the app's own lines are JSON already
# (LOG_JSON, with the request id), so the access log is JSON too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


# Query parameters that carry secrets (e-mailed verify and reset links, signed file URLs).
SECRET_PARAMETERS = {"token", "access", "refresh", "code", "key", "signature", "password"}


def logged_query(query: str) -> str | None:
    """The query string with secret values replaced, so logs never hold a usable token."""
    if not query:
        return None
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode(
        [(name, "REDACTED" if name.lower() in SECRET_PARAMETERS else value) for name, value in pairs]
    )


class JsonAccessLogger(glogging.Logger):
    """One JSON object per request, with the request id Django answered with (`X-Request-ID`)."""

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        response_headers = {name.lower(): value for name, value in (resp.headers or [])}
        record = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "logger": "gunicorn.access",
            "request_id": response_headers.get("x-request-id"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": logged_query(environ.get("QUERY_STRING", "")),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            # nginx appends the client's address last (FITAI_NUM_PROXIES=1); REMOTE_ADDR is nginx.
            "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
        }
        try:
            self.access_log.info(json.dumps(record, separators=(",", ":")))
        except Exception:  # a log line must never fail a request
            self.exception("Could not write the access log line.")


logger_class = JsonAccessLogger
