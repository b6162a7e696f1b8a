"""`make bench`: FitAI under load on this machine, measured the way its clients meet it.

Starts the stack (a seeded PostgreSQL database, Redis, the web server(s) of one topology and a
Celery worker), drives each endpoint with wrk over real HTTP, counts the SQL each request costs,
measures WebSocket fan-out and idle sockets, prints one table and writes it into
`bench/results.md` between the markers of its topology. Throughput is reported as a ratio of
`/api/v1/ping` in the same run: absolute numbers depend on the machine, ratios show what our
code costs on top of the framework.

    .venv/bin/python bench/run.py                      # Daphne, every endpoint, WebSockets
    .venv/bin/python bench/run.py --topology nginx-gthread --no-ws
    .venv/bin/python bench/run.py --compare            # the production-topology comparison

The seeded database is built once per (users, weeks, seed, migrations) as a PostgreSQL template
and cloned for every run, so a second run starts in seconds. Timings never enter the test suite.
"""

import argparse
import asyncio
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results.md"
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project's apps import
API = "/api/v1"
PASSWORD = "fitai-demo-load-2026"  # noqa: S105 - seed_demo's documented load-test password

TOPOLOGIES = {
    "daphne": "Daphne serves HTTP and WebSockets (`make run`)",
    "uvicorn": "uvicorn serves HTTP and WebSockets",
    "gunicorn-uvicorn": "gunicorn with uvicorn workers serves HTTP and WebSockets",
    "nginx-gthread": "nginx: HTTP to gunicorn gthread (WSGI), /ws/ to Daphne",
}


@dataclass
class Endpoint:
    """One row of the table: a name, the wrk requests it sends and its target ratio to /ping."""

    name: str
    lua: str  # the request table or generator for bench/wrk.lua
    target: float | None
    sample: dict | Callable[[], tuple[dict, dict]]  # the request whose SQL is counted (after a warm one)
    offset: int = 0  # requests sent so far: request numbering continues across runs


@dataclass
class Row:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    queries: int | None
    target: float | None
    ratio: float = 0.0


# --- processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """A subprocess with its output in a log file, stopped with its process group."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_until(self, ready: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited:\n{self.log_path.read_text(errors='replace')[-3000:]}"
                )
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout}s (log: {self.log_path})")

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
        self._log.close()


def http_ok(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def web_stack(topology: str, processes: int, env: dict[str, str], log_dir: Path) -> Iterator[tuple[str, int]]:
    """Start one topology on a free port; yield its base URL and the HTTP server's PID; stop it all."""
    services: list[Service] = []
    port = free_port()

    def start(name: str, args: list[str]) -> Service:
        service = Service(name, args, env, log_dir)
        services.append(service)
        return service

    try:
        if topology == "daphne":
            if processes != 1:
                raise SystemExit("Daphne runs one process per port: use --processes 1 or another topology.")
            start(
                "daphne", [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "fitai.asgi:application"]
            )
        elif topology == "uvicorn":
            start(
                "uvicorn",
                [
                    str(BIN / "uvicorn"),
                    "fitai.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(processes),
                    "--no-access-log",
                    "--lifespan",
                    "off",
                ],
            )
        elif topology == "gunicorn-uvicorn":
            start(
                "gunicorn",
                [
                    str(BIN / "gunicorn"),
                    "fitai.asgi:application",
                    "-k",
                    "uvicorn_worker.UvicornWorker",
                    "-w",
                    str(processes),
                    "-b",
                    f"127.0.0.1:{port}",
                ],
            )
        elif topology == "nginx-gthread":
            http_port, ws_port = free_port(), free_port()
            start(
                "gunicorn",
                [
                    str(BIN / "gunicorn"),
                    "fitai.wsgi:application",
                    "-k",
                    "gthread",
                    "-w",
                    str(processes),
                    "--threads",
                    env.get("BENCH_THREADS", "4"),
                    "-b",
                    f"127.0.0.1:{http_port}",
                ],
            )
            start(
                "daphne",
                [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(ws_port), "fitai.asgi:application"],
            )
            start("nginx", nginx_command(port, http_port, ws_port, log_dir))
        else:
            raise SystemExit(f"Unknown topology {topology!r}; choose from {', '.join(TOPOLOGIES)}.")
        base_url = f"http://127.0.0.1:{port}"
        services[0].wait_until(lambda: http_ok(base_url + "/health/live"))
        yield base_url, services[0].popen.pid
    finally:
        for service in reversed(services):
            service.stop()


def nginx_command(port: int, http_port: int, ws_port: int, log_dir: Path) -> list[str]:
    """nginx in the foreground with the production config's proxy rules, on bench ports."""
    executable = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(executable).exists():
        raise SystemExit("nginx is not installed (Debian: apt-get install nginx-light).")
    conf = log_dir / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
worker_processes 1;
pid {log_dir}/nginx.pid;
error_log {log_dir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {log_dir}/nginx-body;
    proxy_temp_path {log_dir}/nginx-proxy;
    fastcgi_temp_path {log_dir}/nginx-fastcgi;
    uwsgi_temp_path {log_dir}/nginx-uwsgi;
    scgi_temp_path {log_dir}/nginx-scgi;
    upstream http_app {{ server 127.0.0.1:{http_port}; keepalive 64; }}
    upstream ws_app {{ server 127.0.0.1:{ws_port}; }}
    server {{
        listen 127.0.0.1:{port};
        location /ws/ {{
            proxy_pass http://ws_app;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $host;
            proxy_read_timeout 3600s;
        }}
        location / {{
            proxy_pass http://http_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""
    )
    return [executable, "-c", str(conf), "-e", str(log_dir / "nginx-error.log")]


def celery_worker(env: dict[str, str], log_dir: Path) -> Service:
    worker = Service(
        "celery",
        [
            str(BIN / "celery"),
            "-A",
            "fitai",
            "worker",
            "--pool",
            "solo",
            "--queues",
            "default,emails,analytics,ai",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env,
        log_dir,
    )
    return worker


# --- the seeded database ---------------------------------------------------------------------


def admin_connection(database_url: str):
    import psycopg

    parts = urlsplit(database_url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def database_exists(conn, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def seed_key(users: int, weeks: int, seed: int) -> str:
    """Name the template by what shapes its rows: a changed migration or seeder rebuilds it."""
    digest = hashlib.sha256()
    for path in [*sorted(ROOT.glob("*/migrations/*.py")), ROOT / "fitai/management/commands/seed_demo.py"]:
        digest.update(path.read_bytes())
    day = datetime.now(UTC).date().isoformat().replace("-", "")
    return f"fitai_bench_seed_{users}u_{weeks}w_{seed}s_{day}_{digest.hexdigest()[:8]}"


def prepare_database(database_url: str, users: int, weeks: int, seed: int, env: dict[str, str]) -> None:
    """Clone a seeded template into the bench database, building the template when missing."""
    target = urlsplit(database_url).path.lstrip("/")
    template = seed_key(users, weeks, seed)
    with admin_connection(database_url) as conn:
        if not database_exists(conn, template):
            for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'fitai_bench_seed_%'"
            ):
                conn.execute(f'DROP DATABASE "{row[0]}"')
            build = template + "_build"
            conn.execute(f'DROP DATABASE IF EXISTS "{build}"')
            conn.execute(f'CREATE DATABASE "{build}"')
            build_env = env | {"DATABASE_URL": urlunsplit(urlsplit(database_url)._replace(path="/" + build))}
            say(f"seeding {users} users x {weeks} weeks into {build} (once; later runs clone it)")
            for command in (
                ["migrate", "--noinput", "-v", "0"],
                ["seed"],
                ["seed_demo", "--users", str(users), "--weeks", str(weeks), "--seed", str(seed)],
            ):
                subprocess.run(
                    [sys.executable, "manage.py", *command],
                    cwd=ROOT,
                    env=build_env,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
            conn.execute(f'ALTER DATABASE "{build}" RENAME TO "{template}"')
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{template}"')
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.db import connection; connection.cursor().execute('ANALYZE')",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )


# --- the workload ----------------------------------------------------------------------------


@dataclass
class Fixture:
    """Who and what the load touches: demo members with tokens and their live workouts."""

    tokens: list[str]
    template_id: str
    workouts: list[tuple[str, str]]  # (token, workout id): a running workout each, EXERCISES_PER_WORKOUT long


EXERCISES_PER_WORKOUT = 5
# New sets per second across the live workouts during the fan-out run: every workout gets one
# every 20 seconds, several times busier than real lifting (a set every minute or two) and well
# under one process's set-logging capacity, so the figure is delivery time, not queueing.
FANOUT_RATE = 5


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def build_fixture(base_url: str, users: int, live: int) -> Fixture:
    """Tokens minted in-process (no argon2 per login), live workouts started over HTTP."""
    import httpx
    from django.contrib.auth import get_user_model

    from accounts.services import login_open
    from exercises.models import Exercise
    from templates_app.models import WorkoutTemplate

    members = get_user_model().objects.filter(email__startswith="demo-user-").order_by("pk")
    tokens = [login_open(user=member, user_agent="bench").access for member in members[: max(users, live)]]
    exercises = Exercise.objects.filter(status="approved", category="strength").order_by("pk")
    exercise_ids = [
        str(public_id) for public_id in exercises.values_list("public_id", flat=True)[:EXERCISES_PER_WORKOUT]
    ]
    template = WorkoutTemplate.objects.filter(visibility="public", deleted_at__isnull=True).order_by(
        "-days_per_week", "pk"
    )
    workouts = []
    with httpx.Client(base_url=base_url + API, timeout=30) as client:
        for token in tokens[:live]:
            body = {"name": "Bench session", "exercises": [{"exercise_id": pk} for pk in exercise_ids]}
            created = client.post("/workouts", json=body, headers=auth(token))
            created.raise_for_status()
            workout_id = created.json()["id"]
            client.post(f"/workouts/{workout_id}/start", headers=auth(token)).raise_for_status()
            workouts.append((token, workout_id))
    return Fixture(tokens[:users], str(template.first().public_id), workouts)


def set_logging(fixture: Fixture) -> str:
    """Lua for request n: a new set (with the client id a phone sends) on workout n mod W.

    Consecutive requests go to different workouts, so no two in flight touch the same row lock
    unless the connections outnumber the workouts; the set index walks the exercises in order.
    """
    rows = ",\n".join(f'{{token = "{token}", id = "{workout_id}"}}' for token, workout_id in fixture.workouts)
    return f"""
workouts = {{
{rows}
}}
function make_request(n)
  local w = workouts[(n % #workouts) + 1]
  local round = math.floor(n / #workouts)
  local body = string.format(
    '{{"exercise_index": %d, "reps": %d, "weight_kg": "%d", "client_id": "00000000-0000-4000-8000-%012d"}}',
    round % {EXERCISES_PER_WORKOUT}, 5 + n % 6, 40 + n % 30, n)
  local path = "{API}/workouts/" .. w.id .. "/set/" .. math.floor(round / {EXERCISES_PER_WORKOUT})
  local headers = {{["Authorization"] = "Bearer " .. w.token, ["Content-Type"] = "application/json"}}
  return wrk.format("PUT", path, headers, body)
end
"""


def endpoints(fixture: Fixture) -> list[Endpoint]:
    def gets(path: str) -> str:
        return lua_requests(
            [{"method": "GET", "path": API + path, "headers": auth(token)} for token in fixture.tokens]
        )

    token, workout_id = fixture.workouts[0]

    def set_samples() -> tuple[dict, dict]:
        """Two new sets, appended one after the other, as the load appended them."""
        index = next_set_indexes(fixture.workouts[:1], EXERCISES_PER_WORKOUT - 1).get(workout_id, 0)
        return tuple(
            {
                "method": "PUT",
                "path": f"{API}/workouts/{workout_id}/set/{index + n}",
                "body": json.dumps(
                    {"exercise_index": EXERCISES_PER_WORKOUT - 1, "reps": 5 + n, "weight_kg": "50"}
                ),
                "headers": auth(token),
            }
            for n in range(2)
        )

    user = {"headers": auth(fixture.tokens[0])}
    return [
        Endpoint(
            "ping", lua_requests([{"method": "GET", "path": API + "/ping"}]), None, {"path": API + "/ping"}
        ),
        Endpoint("exercise list (cached)", gets("/exercises"), 0.5, user | {"path": API + "/exercises"}),
        Endpoint("exercise search", gets(SEARCH), None, user | {"path": API + SEARCH}),
        Endpoint(
            "program detail",
            gets(f"/templates/{fixture.template_id}"),
            0.35,
            user | {"path": f"{API}/templates/{fixture.template_id}"},
        ),
        Endpoint("set logging (live workout)", set_logging(fixture), 0.3, set_samples),
        Endpoint("workout history", gets("/workouts"), None, user | {"path": API + "/workouts"}),
        Endpoint("feed", gets("/community/feed"), 0.25, user | {"path": API + "/community/feed"}),
        Endpoint("analytics overview", gets(OVERVIEW), 0.35, user | {"path": API + OVERVIEW}),
        Endpoint("leaderboard", gets(LEADERBOARD), None, user | {"path": API + LEADERBOARD}),
    ]


SEARCH = "/exercises/search?q=dumbel%20curl"
OVERVIEW = "/analytics/overview?period=month"
LEADERBOARD = "/community/leaderboard?metric=workouts&period=month&scope=global"


def lua_requests(requests: list[dict]) -> str:
    def quote(value: str) -> str:
        return json.dumps(value)  # a JSON string literal is a valid Lua string literal here

    items = []
    for r in requests:
        headers = ", ".join(f"[{quote(k)}] = {quote(v)}" for k, v in r.get("headers", {}).items())
        body = quote(r["body"]) if r.get("body") else "nil"
        items.append(
            f"{{method = {quote(r['method'])}, path = {quote(r['path'])}, "
            f"headers = {{{headers}}}, body = {body}}}"
        )
    return "requests = {\n" + ",\n".join(items) + "\n}\n"


def run_wrk(base_url: str, endpoint: Endpoint, seconds: int, connections: int, work_dir: Path) -> dict:
    script = work_dir / "wrk-request.lua"
    script.write_text(endpoint.lua + (ROOT / "bench" / "wrk.lua").read_text())
    command = [
        "wrk",
        "-t",
        "1",
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    result = subprocess.run(
        [*command, base_url, "--", str(endpoint.offset)], capture_output=True, text=True, check=True
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH-JSON "))
    stats = json.loads(line.removeprefix("BENCH-JSON "))
    endpoint.offset += stats["requests"] + connections  # the next run continues the numbering
    return stats


def count_queries(endpoint: Endpoint) -> int | None:
    """SQL per request, in-process through Django's test client on the same database and cache."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def send(sample: dict):
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in sample.get("headers", {}).items()}
        method = getattr(Client(), sample.get("method", "GET").lower())
        kwargs = {"data": sample["body"], "content_type": "application/json"} if sample.get("body") else {}
        return method(sample["path"], **kwargs, **meta)

    warm, measured = endpoint.sample() if callable(endpoint.sample) else (endpoint.sample, endpoint.sample)
    send(warm)  # warm the caches as the load did
    with CaptureQueriesContext(connection) as queries:
        response = send(measured)
    return len(queries) if response.status_code < 400 else None


def measure(
    base_url: str, rows: list[Endpoint], seconds: int, connections: int, work_dir: Path, profile_pid: int = 0
) -> list[Row]:
    measured = []
    for endpoint in rows:
        run_wrk(base_url, endpoint, max(2, seconds // 5), connections, work_dir)  # warm-up
        profiler = start_profile(profile_pid, endpoint.name, seconds, work_dir) if profile_pid else None
        stats = run_wrk(base_url, endpoint, seconds, connections, work_dir)
        if profiler is not None:
            profiler.wait(timeout=seconds + 30)
            raw = profiler.args[profiler.args.index("--output") + 1]
            say(f"profile of {endpoint.name}:\n{profile_summary(raw)}")
        rps = stats["requests"] / (stats["duration_us"] / 1e6)
        errors = stats["status_errors"] + stats["socket_errors"] + stats["timeouts"]
        row = Row(
            endpoint.name,
            rps,
            stats["p50_us"] / 1000,
            stats["p99_us"] / 1000,
            errors,
            count_queries(endpoint),
            endpoint.target,
        )
        say(
            f"{row.name:<28} {row.rps:8.0f} req/s  p50 {row.p50_ms:6.1f} ms  "
            f"p99 {row.p99_ms:6.1f} ms  errors {errors}"
        )
        measured.append(row)
    if len(rows) > 1:  # /ping again: the ceiling is the mean of both, the machine drifts over a run
        again = run_wrk(base_url, rows[0], seconds, connections, work_dir)
        rps_again = again["requests"] / (again["duration_us"] / 1e6)
        say(f"ping again: {rps_again:.0f} req/s")
        measured[0].rps = (measured[0].rps + rps_again) / 2
    ceiling = measured[0].rps or 1.0
    for row in measured:
        row.ratio = row.rps / ceiling
    return measured


def project_frames() -> re.Pattern:
    """py-spy frames in FitAI's own apps (those installed from this checkout)."""
    from django.apps import apps

    ours = [
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and "site-packages" not in config.path
    ]
    return re.compile(r"\((" + "|".join(ours) + r")/")


def start_profile(pid: int, name: str, seconds: int, work_dir: Path) -> subprocess.Popen:
    """py-spy samples the server (and its worker processes) while wrk measures: where time goes."""
    executable = BIN / "py-spy"
    if not executable.exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    output = work_dir / (re.sub(r"\W+", "-", name).strip("-") + ".txt")
    command = [
        str(executable),
        "record",
        "--pid",
        str(pid),
        "--subprocesses",
        "--rate",
        "250",
        "--nonblocking",
    ]
    command += ["--duration", str(seconds), "--format", "raw", "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def profile_summary(raw_path: str, top: int = 25) -> str:
    """The functions with the most samples on the stack (inclusive), from py-spy's collapsed stacks."""
    inclusive: dict[str, int] = {}
    total = 0
    for line in Path(raw_path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        for frame in set(stack.split(";")):
            inclusive[frame] = inclusive.get(frame, 0) + int(count)
    ranked = sorted(inclusive.items(), key=lambda item: -item[1])
    own = project_frames()
    ours = [(frame, n) for frame, n in ranked if own.search(frame)]
    lines = [f"  {100 * n / max(total, 1):5.1f}%  {frame[:150]}" for frame, n in ranked[:top]]
    lines += ["  -- FitAI's own frames --"]
    lines += [f"  {100 * n / max(total, 1):5.1f}%  {frame[:150]}" for frame, n in ours[:top]]
    return "\n".join(lines)


# --- WebSockets ------------------------------------------------------------------------------


def next_set_indexes(workouts: list[tuple[str, str]], exercise_index: int) -> dict[str, int]:
    """How many sets each workout's exercise holds: where the next appended set goes."""
    from django.db.models import Count

    from workouts.models import WorkoutExercise

    rows = WorkoutExercise.objects.filter(
        workout__public_id__in=[w for _, w in workouts], index=exercise_index
    )
    counts = rows.annotate(n=Count("sets")).values_list("workout__public_id", "n")
    return {str(public_id): n for public_id, n in counts}


async def ws_fanout(base_url: str, workouts: list[tuple[str, str]], rate: float, seconds: float) -> dict:
    """Two devices per live workout; new sets logged over REST at `rate`/s; time until both sockets see each.

    The clock starts when the REST request is sent, so the figure is what a user sees: their
    other device showing the set they just logged.
    """
    import uuid

    import httpx
    import websockets
    from asgiref.sync import sync_to_async

    exercise_index = EXERCISES_PER_WORKOUT - 1
    next_index = await sync_to_async(next_set_indexes)(workouts, exercise_index)
    ws_base = base_url.replace("http://", "ws://")
    sockets: dict[str, list] = {}
    for token, workout_id in workouts:
        url = f"{ws_base}/ws/workouts/{workout_id}/?token={token}"
        sockets[workout_id] = [await websockets.connect(url, max_size=2**22) for _ in range(2)]
        for device in sockets[workout_id]:
            await device.recv()  # the snapshot
    sent_at: dict[tuple[str, int], float] = {}
    latencies: list[float] = []

    async def listen(workout_id: str, device) -> None:
        try:
            while True:
                key = (workout_id, find_reps(json.loads(await device.recv())))
                if key in sent_at:
                    latencies.append(time.perf_counter() - sent_at[key])
        except (websockets.ConnectionClosed, asyncio.CancelledError):
            return

    listeners = [asyncio.create_task(listen(w, d)) for w, pair in sockets.items() for d in pair]
    async with httpx.AsyncClient(base_url=base_url + API, timeout=30) as client:
        pending: set[asyncio.Task] = set()
        for n in range(int(rate * seconds)):
            token, workout_id = workouts[n % len(workouts)]
            reps = 100 + n // len(workouts)  # unique per workout round: identifies the event
            index = next_index.get(workout_id, 0)
            next_index[workout_id] = index + 1
            body = {
                "exercise_index": exercise_index,
                "reps": reps,
                "weight_kg": "50",
                "client_id": str(uuid.uuid4()),
            }
            sent_at[(workout_id, reps)] = time.perf_counter()
            request = client.put(f"/workouts/{workout_id}/set/{index}", json=body, headers=auth(token))
            pending.add(asyncio.create_task(request))
            await asyncio.sleep(1 / rate)
        responses = await asyncio.gather(*pending)
        await asyncio.sleep(2)
    failed = sum(1 for response in responses if response.status_code >= 400)
    for task in listeners:
        task.cancel()
    for pair in sockets.values():
        for device in pair:
            await device.close()
    expected = len(sent_at) * 2
    missing = expected - len(latencies)
    latencies.sort()
    return {
        "sockets": sum(len(pair) for pair in sockets.values()),
        "failed_requests": failed,
        "events": expected,
        "missing": missing,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1] if latencies else None,
    }


def find_reps(frame: object) -> int | None:
    """The `reps` of a logged set wherever the frame nests it (the marker of one REST call)."""
    if isinstance(frame, dict):
        if isinstance(frame.get("reps"), int) and "exercise_index" in frame:
            return frame["reps"]
        for value in frame.values():
            found = find_reps(value)
            if found is not None:
                return found
    return None


async def idle_sockets(base_url: str, token: str, user_id: int, count: int, hold: float) -> dict:
    """`count` notification sockets of one member held open on one process, then one broadcast to all."""
    import websockets
    from asgiref.sync import sync_to_async
    from django.contrib.auth import get_user_model

    from community.notifications import notification_group
    from fitai import realtime

    ws_url = base_url.replace("http://", "ws://") + f"/ws/notifications/?token={token}"
    sockets = []
    for start in range(0, count, 50):  # devices reconnecting in bursts of 50
        batch = await asyncio.gather(*(websockets.connect(ws_url) for _ in range(min(50, count - start))))
        sockets.extend(batch)
    await asyncio.sleep(hold)
    open_now = sum(1 for s in sockets if s.state == websockets.protocol.State.OPEN)
    user = await sync_to_async(get_user_model().objects.get)(pk=user_id)
    await sync_to_async(realtime.broadcast)(notification_group(user), "bench.ping", {"n": 1})

    async def received(sock) -> bool:
        try:
            while True:
                if "bench.ping" in await asyncio.wait_for(sock.recv(), timeout=10):
                    return True
        except (TimeoutError, websockets.ConnectionClosed):
            return False

    got = sum(await asyncio.gather(*(received(s) for s in sockets)))
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
    return {"opened": len(sockets), "open_after_hold": open_now, "received_broadcast": got}


def server_rss_mb(pid: int) -> float | None:
    """Resident memory of the web server process (Linux /proc; None elsewhere)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmRSS:\s+(\d+)", status)
    return int(match.group(1)) / 1024 if match else None


# --- report ----------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    lines = [
        "| endpoint | req/s | ratio to /ping | target | p50 ms | p99 ms | errors | SQL/request |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        target = (
            ""
            if row.target is None
            else f"≥ {row.target:.2f} {'met' if row.ratio >= row.target else '**missed**'}"
        )
        queries = "—" if row.queries is None else str(row.queries)
        lines.append(
            f"| {row.name} | {row.rps:.0f} | {row.ratio:.2f} | {target} "
            f"| {row.p50_ms:.1f} | {row.p99_ms:.1f} "
            f"| {row.errors} | {queries} |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.platform()}"


def write_section(key: str, body: str) -> None:
    """Replace the block between `<!-- bench:KEY -->` markers, keeping the hand-written analysis."""
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topology", choices=TOPOLOGIES, default="daphne")
    parser.add_argument(
        "--compare", action="store_true", help="Every topology, HTTP only, one comparison table."
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="Web processes serving HTTP (same in every topology)."
    )
    parser.add_argument("--users", type=int, default=int(os.environ.get("BENCH_USERS", 300)))
    parser.add_argument("--weeks", type=int, default=int(os.environ.get("BENCH_WEEKS", 26)))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
    # 8, as in the reference measurement; more only adds threads fighting for one GIL.
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", default="", help="Comma-separated endpoint names (substring match).")
    parser.add_argument("--no-ws", action="store_true", help="Skip the WebSocket runs.")
    parser.add_argument("--live-workouts", type=int, default=100)
    parser.add_argument("--idle-sockets", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true", help="Print only; leave bench/results.md alone.")
    parser.add_argument(
        "--profile", action="store_true", help="py-spy each measured run; print the hot frames."
    )
    args = parser.parse_args()

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk); `make bench` installs it.")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, 65536), hard), hard))

    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fitai_bench")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    env = keep | {
        "DJANGO_SETTINGS_MODULE": "fitai.settings.base",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # The throttles still run (their cache round trips are part of the cost), they just never refuse.
        "FITAI_THROTTLE_RATES": "anon=1000000/min,user=1000000/min,search=1000000/min",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "DB_POOL_MAX_SIZE": os.environ.get("DB_POOL_MAX_SIZE", "16"),
        "PYTHONUNBUFFERED": "1",
    }
    prepare_database(database_url, args.users, args.weeks, args.seed, env)
    os.environ.update(env)
    import django
    import redis

    django.setup()
    redis.Redis.from_url(redis_url).flushdb()

    log_dir = Path(tempfile.mkdtemp(prefix="fitai-bench-"))
    say(f"logs in {log_dir}")
    worker = celery_worker(env, log_dir)
    try:
        if args.compare:
            compare(args, env, log_dir)
        else:
            single(args, env, log_dir)
    finally:
        worker.stop()


def selected(rows: list[Endpoint], only: str) -> list[Endpoint]:
    names = [name.strip() for name in only.split(",") if name.strip()]
    return [
        row for n, row in enumerate(rows) if n == 0 or not names or any(name in row.name for name in names)
    ]


def single(args, env: dict[str, str], log_dir: Path) -> None:
    with web_stack(args.topology, args.processes, env, log_dir) as (base_url, pid):
        fixture = build_fixture(base_url, users=40, live=max(args.live_workouts, 40))
        profile_pid = pid if args.profile else 0
        rows = measure(
            base_url,
            selected(endpoints(fixture), args.only),
            args.seconds,
            args.connections,
            log_dir,
            profile_pid,
        )
        ws_lines = []
        if not args.no_ws:
            fan = asyncio.run(
                ws_fanout(base_url, fixture.workouts[: args.live_workouts], rate=FANOUT_RATE, seconds=20)
            )
            say(f"fan-out: {fan}")
            ws_lines.append(
                f"- WebSocket fan-out: {args.live_workouts} live workouts x 2 devices "
                f"({fan['sockets']} sockets), new sets logged over REST at {FANOUT_RATE}/s for 20 s: "
                f"p50 {fan['p50_ms']:.1f} ms, p99 {fan['p99_ms']:.1f} ms "
                f"(target p99 < 100 ms: {'met' if (fan['p99_ms'] or 1e9) < 100 else '**missed**'}), "
                f"{fan['missing']} of {fan['events']} deliveries missing."
            )
            from django.contrib.auth import get_user_model

            member = get_user_model().objects.filter(email__startswith="demo-user-").order_by("pk").first()
            from accounts.services import login_open

            idle = asyncio.run(
                idle_sockets(base_url, login_open(user=member).access, member.pk, args.idle_sockets, hold=10)
            )
            rss = server_rss_mb(pid)
            say(f"idle sockets: {idle}, server RSS {rss} MB")
            ws_lines.append(
                f"- Idle sockets on one process: {idle['opened']} opened, "
                f"{idle['open_after_hold']} still open after "
                f"10 s, {idle['received_broadcast']} received a broadcast afterwards; server RSS "
                f"{rss:.0f} MB."
                if rss
                else "- Idle sockets: " + json.dumps(idle)
            )
    report = "\n".join(
        [
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · topology `{args.topology}` "
            f"({TOPOLOGIES[args.topology]}), {args.processes} web process(es) · wrk 1 thread, "
            f"{args.connections} connections, {args.seconds} s per "
            f"endpoint after a warm-up · seed_demo {args.users} users x {args.weeks} weeks · {machine()}",
            "",
            table(rows),
            "",
            *ws_lines,
        ]
    )
    print("\n" + report)
    if not args.no_write:
        write_section(f"{args.topology}", report)


def compare(args, env: dict[str, str], log_dir: Path) -> None:
    """The same HTTP table under every topology: which one production should run."""
    results: dict[str, list[Row]] = {}
    for topology in TOPOLOGIES:
        processes = 1 if topology == "daphne" else args.processes
        with web_stack(topology, processes, env, log_dir) as (base_url, _pid):
            fixture = build_fixture(base_url, users=40, live=40)
            say(f"topology {topology}")
            results[topology] = measure(
                base_url, selected(endpoints(fixture), args.only), args.seconds, args.connections, log_dir
            )
        finish_live_workouts()
    names = [row.name for row in next(iter(results.values()))]
    lines = [
        "| endpoint | " + " | ".join(f"{t} req/s (p99 ms)" for t in results) + " |",
        "|---|" + "---:|" * len(results),
    ]
    for n, name in enumerate(names):
        cells = [
            f"{rows[n].rps:.0f} ({rows[n].p99_ms:.0f})"
            + (f" ·{rows[n].errors} err" if rows[n].errors else "")
            for rows in results.values()
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    report = "\n".join(
        [
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {args.processes} HTTP process(es) per topology "
            "(Daphne: 1) · "
            f"wrk 1 thread, {args.connections} connections, {args.seconds} s per endpoint · {machine()}",
            "",
            *lines,
        ]
    )
    print("\n" + report)
    if not args.no_write:
        write_section("topologies", report)


def finish_live_workouts() -> None:
    """Complete the bench's running workouts so the next topology can start new ones."""
    from workouts.models import Workout

    Workout.objects.filter(name="Bench session", status__in=["in_progress", "paused"]).update(
        status="completed"
    )


if __name__ == "__main__":
    main()
