"""A production-like deployment for the scale-out and fault tests (tests/scale, tests/faults), as
deploy/README.md describes it, on this machine: PostgreSQL for the trackers and PostgreSQL for the
booking database (two clusters, so that the booking database can be stopped alone), Redis for the
conversation locks, one action server, two Rasa servers with the same model and
deploy/endpoints.production.yml, the reminder and alert senders. Everything from Debian's
packages, on loopback and free ports, in temporary directories; stopped at the end of the session
(and at exit, should pytest be interrupted). Started once per session, for both directories.
"""

import atexit
import json
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import redis

from bot.launcher import DEFAULT_MODEL, ROOT, Assistant
from tests.conftest import free_port
from tests.storage.conftest import PostgresCluster

ENDPOINTS = ROOT / "deploy" / "endpoints.production.yml"
LOG_DIR = ROOT / "tests" / "logs" / "scale"
START_TIMEOUT = 600  # two Rasa servers loading spaCy and the model on a busy 2-core machine
REQUEST_TIMEOUT = 150  # above Rasa's lock lifetime (60 s): a message may wait for a stale lock


class RedisServer:
    """Debian's redis-server on a free loopback port, nothing saved to disk, a password."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(self.binary).exists():
            pytest.fail(
                "redis-server not found: install it with `apt-get install -y redis-server` "
                "(Debian); .ci/run does it on CI"
            )
        self.port = free_port()
        self.password = uuid.uuid4().hex
        self.dir = Path(tempfile.mkdtemp(prefix="cites-emploi-redis-"))
        self.process: Optional[subprocess.Popen] = None

    def client(self) -> redis.Redis:
        return redis.Redis(
            host="127.0.0.1", port=self.port, password=self.password, socket_timeout=5
        )

    def start(self, timeout: float = 30) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
                "--requirepass",
                self.password,
                "--daemonize",
                "no",
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"redis-server exited: {(self.dir / 'redis.log').read_text()}")
            try:
                if self.client().ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.2)
        pytest.fail("redis-server did not answer")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def pg_stop(cluster: PostgresCluster) -> None:
    """Stop a cluster, keeping its data (pg_resume starts it again)."""
    cluster._run("pg_ctl", "-D", str(cluster.data), "-m", "fast", "-w", "-t", "60", "stop")


def pg_resume(cluster: PostgresCluster) -> None:
    options = (
        f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {cluster.root} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    cluster._run(
        "pg_ctl",
        "-D",
        str(cluster.data),
        "-o",
        options,
        "-l",
        str(cluster.root / "log"),
        "-w",
        "-t",
        "60",
        "start",
    )


class Deployment:
    """Two Rasa servers (`rasa[0]`, `rasa[1]`) sharing one action server, the trackers in
    PostgreSQL (`tracker_pg`), the locks in Redis, the booking database in PostgreSQL
    (`app_pg`, `database_url`)."""

    def __init__(self) -> None:
        self.tracker_pg = PostgresCluster()
        self.app_pg = PostgresCluster()
        self.redis = RedisServer()
        self.action_port = free_port()
        self.rasa: List[Assistant] = []
        self.database_url = ""
        self.env: Dict[str, str] = {}

    def start(self) -> None:
        assert DEFAULT_MODEL.exists(), "no trained model: run the tests with `make test`"
        self.tracker_pg.start()
        self.app_pg.start()
        self.redis.start()
        self.database_url = self.app_pg.new_database()
        tracker_db = self.tracker_pg.new_database().rsplit("/", 1)[1]
        # What a compose file gives each Rasa server (deploy/compose.yml).
        self.env = {
            "TRACKER_DB_HOST": "127.0.0.1",
            "TRACKER_DB_PORT": str(self.tracker_pg.port),
            "TRACKER_DB_NAME": tracker_db,
            "TRACKER_DB_USER": "postgres",
            "TRACKER_DB_PASSWORD": "",  # trust authentication on this throwaway cluster
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(self.redis.port),
            "REDIS_DB": "1",
            "REDIS_PASSWORD": self.redis.password,
            # As behind nginx (deploy/): the servers see one address and do not limit it; the
            # fuzz test sends 3 000 requests from 40 conversations on purpose.
            "WEBHOOK_LIMIT_PER_ADDRESS": "0",
            "WEBHOOK_LIMIT_PER_SENDER": "1000",
            # One action server for both Rasa servers: one secret.
            "ACTION_SERVER_TOKEN": secrets.token_urlsafe(32),
        }
        for name in ("a", "b"):
            self.rasa.append(
                Assistant(
                    rasa_port=free_port(),
                    action_port=self.action_port,
                    log_dir=LOG_DIR / name,
                    database_url=self.database_url,
                    endpoints=ENDPOINTS,
                    env=self.env,
                )
            )
        first = self.rasa[0]
        first.prepare_database()
        self.action_process = first.start_action_server()
        for assistant in self.rasa:
            assistant.rasa_process = assistant.start_rasa_server()
        first.start_reminder_sender()
        first.start_alert_sender()
        for assistant in self.rasa:
            assistant.wait_until_ready(START_TIMEOUT)

    def stop(self) -> None:
        for assistant in self.rasa:
            assistant.stop()
        self.redis.stop()
        self.app_pg.stop()
        self.tracker_pg.stop()

    @property
    def urls(self) -> List[str]:
        return [assistant.rasa_url for assistant in self.rasa]

    # Killing and restarting parts, for the fault tests.

    def kill_action_server(self) -> None:
        _kill(self.rasa[0], self.action_process)

    def restart_action_server(self) -> None:
        self.action_process = self.rasa[0].start_action_server()
        _wait_for(f"http://127.0.0.1:{self.action_port}/health", 120)

    def kill_rasa(self, index: int) -> None:
        _kill(self.rasa[index], self.rasa[index].rasa_process)

    def restart_rasa(self, index: int) -> None:
        assistant = self.rasa[index]
        assistant.rasa_process = assistant.start_rasa_server()
        _wait_for(f"{assistant.rasa_url}/webhooks/rest/", START_TIMEOUT, assistant.rasa_process)

    def ensure_running(self) -> None:
        """Bring back whatever a fault test left stopped."""
        if self.action_process.poll() is not None:
            self.rasa[0].processes.remove(self.action_process)
            self.restart_action_server()
        for index, assistant in enumerate(self.rasa):
            if assistant.rasa_process.poll() is not None:
                assistant.processes.remove(assistant.rasa_process)
                self.restart_rasa(index)


def _kill(assistant: Assistant, process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assistant.processes.remove(process)


def _wait_for(url: str, timeout: float, process: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(f"the process serving {url} exited during start-up (see tests/logs/scale)")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} not answering after {timeout:.0f} s")


# The fixtures of tests/faults and tests/scale, which import them into their conftest.py.

_deployment: Optional[Deployment] = None


@pytest.fixture(scope="session")
def session_deployment(request) -> Deployment:
    """The session's deployment, started on first use, stopped at the end of the session.

    Each conftest importing this makes a fixture of its own: the deployment is kept here, so
    that a session running both directories starts only one.
    """
    global _deployment
    if _deployment is None:
        started = Deployment()
        atexit.register(started.stop)  # an interrupted run leaves no process behind
        request.addfinalizer(started.stop)
        try:
            started.start()
        except BaseException:
            started.stop()
            raise
        _deployment = started
    return _deployment


@pytest.fixture
def deployment(session_deployment) -> Deployment:
    """The deployment, every part running (a fault test may have left one stopped)."""
    session_deployment.ensure_running()
    return session_deployment


# Talking to it over HTTP.


def post(
    url: str,
    body: bytes,
    content_type: str = "application/json",
    timeout: float = REQUEST_TIMEOUT,
    headers: Optional[dict] = None,
):
    """(status, body text) of a POST, whatever the status."""
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": content_type, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def tracker(rasa_url: str, sender: str) -> dict:
    with urllib.request.urlopen(f"{rasa_url}/conversations/{sender}/tracker", timeout=60) as r:
        return json.loads(r.read().decode("utf-8"))


def user_texts(rasa_url: str, sender: str) -> List[str]:
    """What the resident typed, in the tracker, in order."""
    return [e["text"] for e in tracker(rasa_url, sender)["events"] if e["event"] == "user"]


class Resident:
    """One resident whose messages go, in turn, to each Rasa server (as a load balancer without
    sticky sessions would send them); with `failover`, a message a server cannot take (refused
    connection, timeout, 5xx) goes to the next one, as a load balancer retries it."""

    def __init__(self, urls: List[str], failover: bool = False, start: int = 0) -> None:
        self.urls = urls
        self.sender = f"scale-{uuid.uuid4().hex[:12]}"
        self.turn = start
        self.failover = failover
        self.sent: List[str] = []

    def say(self, text: str, deadline: Optional[float] = None) -> list:
        deadline = deadline or time.monotonic() + 2 * REQUEST_TIMEOUT
        body = json.dumps({"sender": self.sender, "message": text}).encode("utf-8")
        while True:
            url = self.urls[self.turn % len(self.urls)]
            self.turn += 1
            try:
                status, answer = post(f"{url}/webhooks/rest/webhook", body)
                if status == 200:
                    self.sent.append(text)
                    return json.loads(answer)
                failure = f"HTTP {status}: {answer[:200]}"
            except (urllib.error.URLError, ConnectionError, OSError) as error:
                failure = repr(error)
            if not self.failover or time.monotonic() > deadline:
                raise AssertionError(f"{self.sender} {text!r} to {url}: {failure}")
            time.sleep(1)
