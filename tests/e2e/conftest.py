"""The stack harness: real Daphne, Celery and Redis processes on free loopback ports.

Each process is started as a subprocess with its output in a log file, waited for until it is
ready, and stopped by PID at the end. The servers use the suite's own test database, so a test
that commits data (`transactional_db`) sees it served over real HTTP.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None):
    """A real HTTP request: (status, parsed JSON body or text, headers)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            status, raw, response_headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, response_headers = error.code, error.read(), error.headers
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = raw.decode(errors="replace")
    return status, payload, response_headers


class Process:
    """A subprocess with a log file, started ready and stopped by PID."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until(self, ready: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.log()}")
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)
        self._log.close()


def database_url() -> str:
    """The URL of the suite's test database (created by pytest-django)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def stack_env(django_db_setup, tmp_path_factory) -> dict[str, str]:
    """The environment of every server process: the test database and the stack's Redis."""
    assert connection.vendor == "postgresql", "make test-stack runs the e2e tests on PostgreSQL"
    mail_dir = tmp_path_factory.mktemp("mail")
    keep = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "fitai.settings.base",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "FITAI_THROTTLE_RATES": "anon=10000/min,user=10000/min",
        "PYTHONUNBUFFERED": "1",
    }


def start_daphne(env: dict[str, str], log_dir: Path, name: str = "daphne") -> tuple[Process, str]:
    port = free_port()
    process = Process(
        name,
        [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "fitai.asgi:application"],
        env,
        log_dir,
    )
    base_url = f"http://127.0.0.1:{port}"
    process.wait_until(lambda: http("GET", base_url + "/health/live")[0] == 200)
    return process, base_url


@pytest.fixture(scope="session")
def live_url(stack_env, tmp_path_factory) -> Iterator[str]:
    """Base URL of a real Daphne server serving the whole app."""
    process, base_url = start_daphne(stack_env, tmp_path_factory.mktemp("daphne"))
    yield base_url
    process.stop()


def celery_worker_args(*extra: str) -> list[str]:
    """A Celery worker consuming every queue (plus `extra` options, e.g. `--beat`)."""
    return [
        str(BIN / "celery"),
        "-A",
        "fitai",
        "worker",
        *extra,
        "--pool",
        "solo",
        "--queues",
        "default,emails,analytics,ai",
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
    ]


@pytest.fixture(scope="session")
def celery_worker(stack_env, tmp_path_factory) -> Iterator[Process]:
    """A real Celery worker consuming every queue from the stack's Redis."""
    process = Process("celery", celery_worker_args(), stack_env, tmp_path_factory.mktemp("celery"))
    process.wait_until(lambda: " ready." in process.log())
    yield process
    process.stop()


@pytest.fixture
def tasks_over_broker():
    """Send tasks to the real broker instead of running them inline in the test process."""
    from fitai.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def redis_server(tmp_path) -> Iterator[tuple[Process, str]]:
    """A throwaway Redis of our own, which a test may stop without disturbing the others."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail("redis-server is required by the stack tests")
    port = free_port()
    process = Process(
        "redis",
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        {"PATH": os.environ["PATH"]},
        tmp_path,
    )
    process.wait_until(lambda: "Ready to accept connections" in process.log())
    yield process, f"redis://127.0.0.1:{port}/0"
    process.stop()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def page(monkeypatch):
    """A page in Debian's headless Chromium driven by Playwright (never a downloaded browser).

    Playwright's sync API runs an event loop in this thread until it stops, so it lives only as
    long as one test; the ORM calls around it are still plain calls from one thread.
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test-stack` installs Debian's chromium package")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser.new_context().new_page()
        browser.close()
