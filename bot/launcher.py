"""Start the assistant: bring the booking database up to date (schema migrations, the territory
file's centres and sessions, its local offer from knowledge/offer/), then the Rasa server, the
action server, the reminder sender and the alert sender; wait until the servers answer; stop
everything together.

`make run` uses it in the foreground; the tests use it to talk to the real servers over HTTP,
with their own database (`database_url`). A production-like instance passes its own endpoints
file (`endpoints`, say deploy/endpoints.production.yml: SQL tracker store, Redis lock store) and
the environment it reads (`env`); several Rasa servers can share one action server (deploy/).
"""

import argparse
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import yaml

from bot.knowledge import served_territories, territory_path
from bot.offer.importer import (
    SERVICE,
    STRUCTURE,
    ExportError,
    ImportReport,
    UnknownTerritoryError,
    import_file,
)
from bot.settings import ACTION_TOKEN_VARIABLE
from bot.storage.database import database_session
from bot.storage.database import database_url as default_database_url
from bot.storage.territory import LoadReport, TerritoryError, load_territory
from bot.texts import text


def free_port() -> int:
    """A free TCP port on loopback, for servers started by tests, benchmarks and evaluations."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ROOT = Path(__file__).resolve().parents[1]
logger = logging.getLogger(__name__)
# RASA_MODEL serves another model (say, one trained elsewhere) without touching models/.
DEFAULT_MODEL = Path(os.environ.get("RASA_MODEL") or ROOT / "models" / "cites-emploi.tar.gz")


def answers(url: str) -> bool:
    """Whether `url` answers 200 within two seconds (a server is up)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


@dataclass
class TerritoryReport:
    """What start-up loaded for one territory: its file's centres and sessions, and its local
    offer (knowledge/offer/<territory>.json; None when the territory has no such file)."""

    territory: LoadReport
    offer: Optional[ImportReport] = None

    def __str__(self) -> str:
        if self.offer is None:
            return str(self.territory)
        offer = ", ".join(
            f"{self.offer.count(kind, 'created') + self.offer.count(kind, 'updated')} "
            f"{kind}s loaded, {self.offer.count(kind, 'skipped')} skipped"
            for kind in (STRUCTURE, SERVICE)
        )
        return f"{self.territory}; local offer: {offer}"


def offer_path(territory_file: Path) -> Path:
    """The territory's data·inclusion export: knowledge/offer/<territory>.json, beside the
    territory/ folder its file is in."""
    return territory_file.parent.parent / "offer" / f"{territory_file.stem}.json"


class Assistant:
    """The processes of the assistant, on the given ports of the given interface, all using the
    booking database at `database_url` (default: DATABASE_URL, else the SQLite file in var/).

    `endpoints`: an endpoints file given to Rasa as it is, `${VAR}` placeholders included (Rasa
    expands them from its environment); its action endpoint should be `${ACTION_ENDPOINT_URL}`,
    which is set to this instance's action server. Default: the project's endpoints.yml, pointed
    at `action_port`. `env`: variables added to every process's environment (the tracker and
    lock stores' settings, say). `rasa_args`: more arguments for `rasa run`."""

    def __init__(
        self,
        model: Path = DEFAULT_MODEL,
        rasa_port: int = 5005,
        action_port: int = 5055,
        interface: str = "127.0.0.1",
        auth_token: Optional[str] = None,
        log_dir: Optional[Path] = None,
        database_url: Optional[str] = None,
        territories: Sequence[Path] = (),
        endpoints: Optional[Path] = None,
        env: Optional[Dict[str, str]] = None,
        rasa_args: Sequence[str] = (),
    ) -> None:
        self.model = Path(model)
        self.database_url = database_url or default_database_url()
        self.territories = [Path(p) for p in territories] or [
            territory_path(territory=t) for t in served_territories()
        ]
        self.rasa_port = rasa_port
        self.action_port = action_port
        self.interface = interface
        self.auth_token = auth_token
        self.log_dir = log_dir
        self.endpoints = Path(endpoints) if endpoints else None
        self.env = dict(env or {})
        self.rasa_args = list(rasa_args)
        # The secret the Rasa server shows the action server (endpoints.yml): one per start
        # unless the environment gives one.
        self.action_token = (
            self.env.get(ACTION_TOKEN_VARIABLE)
            or os.environ.get(ACTION_TOKEN_VARIABLE)
            or secrets.token_urlsafe(32)
        )
        self.processes: List[subprocess.Popen] = []
        self._workdir = Path(tempfile.mkdtemp(prefix="cites-emploi-"))

    @property
    def rasa_url(self) -> str:
        return f"http://{self.interface}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    def _endpoints_file(self) -> Path:
        """endpoints.yml, pointed at this instance's action server port (or the given file)."""
        if self.endpoints:
            return self.endpoints
        endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
        endpoints["action_endpoint"]["url"] = f"{self.action_url}/webhook"
        path = self._workdir / "endpoints.yml"
        path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
        return path

    def _spawn(
        self, name: str, command: List[str], uses_database: bool = False
    ) -> subprocess.Popen:
        output = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            # The child process writes to it for its whole life: closed with the process.
            output = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115
        env = {
            **os.environ,
            "ACTION_ENDPOINT_URL": f"{self.action_url}/webhook",
            **self.env,
            ACTION_TOKEN_VARIABLE: self.action_token,
            **({"DATABASE_URL": self.database_url} if uses_database else {}),
        }
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )
        if output:
            output.close()  # the child has its own copy
        self.processes.append(process)
        return process

    def prepare_database(self) -> Dict[str, TerritoryReport]:
        """Migrate the schema, load each territory file, then import its local offer
        (knowledge/offer/<territory>.json) when there is one. Idempotent: nothing twice. A record
        of the offer that fails validation is skipped and logged; an unreadable export is logged
        and skips that territory's offer, never the start."""
        reports: Dict[str, TerritoryReport] = {}
        with database_session(self.database_url) as db:
            for path in self.territories:
                report = TerritoryReport(load_territory(db, path))
                export = offer_path(path)
                if export.exists():
                    report.offer = self._import_offer(db, export, path)
                reports[path.stem] = report
        return reports

    @staticmethod
    def _import_offer(db, export: Path, territory_file: Path) -> Optional[ImportReport]:
        try:
            report = import_file(
                db, export, territory_file.stem, knowledge_dir=territory_file.parent.parent
            )
        except (ExportError, UnknownTerritoryError) as error:
            logger.error("local offer not loaded: %s", error)
            return None
        for problem in report.problems:
            logger.warning("local offer of %s: skipped %s", territory_file.stem, problem)
        return report

    def start_reminder_sender(self) -> None:
        self._spawn("reminders", [sys.executable, "-m", "bot.reminders"], uses_database=True)

    def start_alert_sender(self) -> None:
        self._spawn("alerts", [sys.executable, "-m", "bot.alerts"], uses_database=True)

    def start_console(self, port: int) -> str:
        """The coordinator console (console/), on this instance's database and model; its URL.
        It loads an activated model into this Rasa server (PUT /model)."""
        self._spawn(
            "console",
            [
                sys.executable,
                "-m",
                "console",
                "--port",
                str(port),
                "--rasa-url",
                self.rasa_url,
                "--model",
                str(self.model),
            ],
            uses_database=True,
        )
        return f"http://127.0.0.1:{port}"

    def start_action_server(self) -> subprocess.Popen:
        return self._spawn(
            "action-server",
            [sys.executable, "-m", "bot.action_server", "--port", str(self.action_port)],
            uses_database=True,
        )

    def start_rasa_server(self) -> subprocess.Popen:
        command = [
            sys.executable,
            "-m",
            "bot.server",
            "run",
            "--model",
            str(self.model),
            "--endpoints",
            str(self._endpoints_file()),
            "--credentials",
            str(ROOT / "credentials.yml"),
            "--interface",
            self.interface,
            "--port",
            str(self.rasa_port),
            "--enable-api",
        ]
        if self.auth_token:
            command += ["--auth-token", self.auth_token]
        return self._spawn("rasa-server", command + self.rasa_args, uses_database=True)

    def start(self, timeout: float = 300) -> Dict[str, TerritoryReport]:
        """Prepare the database, start every process, wait for the servers; what was loaded."""
        report = self.prepare_database()
        self.start_action_server()
        self.start_rasa_server()
        self.start_reminder_sender()
        self.start_alert_sender()
        self.wait_until_ready(timeout)
        return report

    def wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        checks = [f"{self.action_url}/health", f"{self.rasa_url}/webhooks/rest/"]
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in self.processes):
                self.stop()
                raise RuntimeError("a server process exited during start-up (see its log)")
            if all(answers(url) for url in checks):
                return
            time.sleep(0.1)  # a cold start is measured to the first answer
        self.stop()
        raise TimeoutError(f"servers not ready after {timeout:.0f} s")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--action-port", type=int, default=int(os.environ.get("ACTION_PORT", 5055)))
    parser.add_argument("--interface", default=os.environ.get("RASA_INTERFACE", "127.0.0.1"))
    parser.add_argument(
        "--endpoints",
        type=Path,
        default=os.environ.get("RASA_ENDPOINTS") or None,
        help="endpoints file given to Rasa as it is (deploy/endpoints.production.yml: SQL "
        "tracker store and Redis lock store, settings from the environment)",
    )
    args = parser.parse_args()

    assistant = Assistant(
        model=args.model,
        rasa_port=args.port,
        action_port=args.action_port,
        interface=args.interface,
        auth_token=os.environ.get("RASA_AUTH_TOKEN") or None,
        endpoints=args.endpoints,
    )
    stop_requested = False

    def request_stop(signum, frame):
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGTERM, request_stop)
    # Here, not at the top: the SMS channel imports Rasa, which the tests' import of this module
    # need not pay for.
    from channels.sms.example import curl_command

    try:
        report = assistant.start()
        console_url = assistant.start_console(int(os.environ.get("CONSOLE_PORT", 5080)))
        rest_curl = (
            f"curl -s -X POST {assistant.rasa_url}/webhooks/rest/webhook "
            "-H 'Content-Type: application/json' "
            '-d \'{"sender": "demo", "message": "c koi le cej"}\''
        )
        print(
            text(
                "launcher.ready",
                report="; ".join(f"{name} ({loaded})" for name, loaded in report.items()),
                rasa_url=assistant.rasa_url,
                action_url=assistant.action_url,
                console_url=console_url,
                rest_curl=rest_curl,
                token_note=text("launcher.token_note") if assistant.auth_token else "",
                sms_curl=curl_command(assistant.rasa_url, "c koi le cej"),
            ),
            flush=True,
        )
        while not stop_requested and all(p.poll() is None for p in assistant.processes):
            time.sleep(0.5)
    except TerritoryError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        pass
    finally:
        assistant.stop()


if __name__ == "__main__":
    main()
