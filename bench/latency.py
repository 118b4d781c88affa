"""Latency and throughput through the REST channel (POST /webhooks/rest/webhook), with a real
async HTTP client: the real assistant (bot/launcher.py's `Assistant`: Rasa server, action
server, reminder and alert senders, a temporary SQLite database) against a minimal Rasa bot
(the project's NLU pipeline with Rasa's default policies, two intents, utter responses, no custom
actions, Rasa's own `rasa run`), at 1, 10 and 50 concurrent conversations, each a new
conversation asking one knowledge question.

To see where the time goes, the same run also times the NLU alone (POST /model/parse) on both
servers and the knowledge action alone (POST <action server>/webhook with a real tracker).
"""

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from bench.common import (
    BENCH,
    PROJECT_MODEL,
    RASA,
    ROOT,
    WORK,
    cached_model,
    log,
    peak_rss_mb,
    rss_mb,
)
from bot.launcher import free_port

# Residents' knowledge questions, as they write them (not from the training or held-out data).
QUESTIONS = [
    "c koi le cej",
    "jveux passer le permi mais g pa d'argent",
    "c'est quoi les emplois francs ?",
    "je cherche une crèche pour ma fille pour pouvoir aller bosser",
    "la mission locale ça sert à quoi",
    "je veux apprendre le français pour trouver du travail",
]
LEVELS = (1, 10, 50)
# Requests measured at each concurrency level (each a new conversation), full and --quick.
REQUESTS = {1: 60, 10: 200, 50: 300}
REQUESTS_QUICK = {1: 12, 10: 30, 50: 50}
TIMEOUT_S = 120

MINIMAL_DOMAIN = """\
version: "3.1"
intents:
  - greet
  - ask_info
responses:
  utter_greet:
    - text: "Bonjour ! Posez votre question sur l'emploi."
  utter_info:
    - text: "Le contrat d'engagement jeune (CEJ) : un accompagnement intensif de 15 à 20 heures par semaine, avec une allocation jusqu'à 520 € par mois selon les ressources. Renseignez-vous auprès de la mission locale ou de France Travail."
  utter_default:
    - text: "Je n'ai pas compris, pouvez-vous reformuler ?"
session_config:
  session_expiration_time: 60
  carry_over_slots_to_new_session: true
"""
MINIMAL_NLU = """\
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - bonjour
      - bjr
      - salut
      - slt
      - coucou
      - bonsoir
      - hello
      - wesh
  - intent: ask_info
    examples: |
      - c quoi le contrat d'engagement jeune
      - je cherche du travail
      - comment trouver une formation
      - aide pour le permis de conduire
      - je veux une place en crèche
      - c'est quoi la mission locale
      - je cherche un emploi dans mon quartier
      - quelles aides pour les jeunes
"""
MINIMAL_STORIES = """\
version: "3.1"
stories:
  - story: greet then ask
    steps:
      - intent: greet
      - action: utter_greet
      - intent: ask_info
      - action: utter_info
"""
MINIMAL_RULES = """\
version: "3.1"
rules:
  - rule: greet
    steps:
      - intent: greet
      - action: utter_greet
  - rule: info
    steps:
      - intent: ask_info
      - action: utter_info
"""


# The policies `rasa init` lists (Rasa's defaults): a minimal bot is what Rasa gives out of the
# box, whatever this project chose for its own dialogue.
DEFAULT_POLICIES = [
    {"name": "MemoizationPolicy"},
    {"name": "TEDPolicy", "max_history": 5, "epochs": 100},
    {"name": "RulePolicy"},
]


def minimal_config() -> str:
    """The project's NLU pipeline (spaCy fr_core_news_md included) with Rasa's default policies."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config["policies"] = DEFAULT_POLICIES
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False)


def minimal_bot() -> Dict:
    """bench/work/minimal: the project's NLU pipeline and Rasa's default policies, a two-intent
    domain, trained once and cached by a hash of its files; served by Rasa's own `rasa run`."""
    folder = WORK / "minimal"
    (folder / "data").mkdir(parents=True, exist_ok=True)
    files = {
        "config.yml": minimal_config(),
        "domain.yml": MINIMAL_DOMAIN,
        "data/nlu.yml": MINIMAL_NLU,
        "data/rules.yml": MINIMAL_RULES,
        # One story so that TEDPolicy is trained and predicts, as in the project.
        "data/stories.yml": MINIMAL_STORIES,
        "credentials.yml": "rest:\n",
    }
    for name, text in files.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    inputs = [
        folder / "config.yml",
        folder / "domain.yml",
        folder / "data",
        ROOT / "bot" / "nlu",
    ]  # the config names the project's custom component
    return cached_model(
        "minimal",
        inputs,
        lambda out, name: (
            RASA
            + [
                "train",
                "--config",
                str(folder / "config.yml"),
                "--domain",
                str(folder / "domain.yml"),
                "--data",
                str(folder / "data"),
                "--out",
                str(out),
                "--fixed-model-name",
                name,
            ]
        ),
    )


class MinimalServer:
    """`rasa run` of the minimal model, REST channel and HTTP API, no action server."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.port = free_port()
        self.process: Optional[subprocess.Popen] = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 300) -> None:
        log_file = WORK / "logs" / "minimal-server.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            RASA
            + [
                "run",
                "--model",
                self.model,
                "--enable-api",
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--credentials",
                str(WORK / "minimal" / "credentials.yml"),
            ],
            cwd=ROOT,
            stdout=open(log_file, "ab"),  # noqa: SIM115 (the server's log, for its whole life)
            stderr=subprocess.STDOUT,
            # Rasa reads the project's endpoints.yml, which names the action server's secret;
            # this bot calls no action.
            env={**os.environ, "ACTION_SERVER_TOKEN": "unused-the-minimal-bot-has-no-actions"},
        )
        from bot.launcher import answers

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"minimal Rasa server exited; see {log_file}")
            if answers(f"{self.url}/webhooks/rest/"):
                return
            time.sleep(0.5)
        self.stop()
        raise TimeoutError("minimal Rasa server not ready")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def percentiles(samples_s: List[float]) -> Dict:
    import numpy as np

    ms = np.array(samples_s) * 1000
    return {
        "n": len(ms),
        "mean_ms": round(float(ms.mean()), 1),
        **{f"p{q}_ms": round(float(np.percentile(ms, q)), 1) for q in (50, 95, 99)},
        "max_ms": round(float(ms.max()), 1),
    }


async def _load(
    url: str, concurrency: int, total: int, body_for, headers: Optional[Dict[str, str]] = None
) -> Dict:
    """`total` POSTs to `url`, `concurrency` at a time; latencies, errors, messages per second."""
    import aiohttp

    latencies: List[float] = []
    errors: List[str] = []
    counter = iter(range(total))

    async def worker(session) -> None:
        for index in counter:
            body = body_for(index)
            started = time.perf_counter()
            try:
                async with session.post(url, json=body, headers=headers) as response:
                    payload = await response.json(content_type=None)
                    ok = response.status == 200 and bool(payload)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                ok, payload = False, repr(error)
            elapsed = time.perf_counter() - started
            if ok:
                latencies.append(elapsed)
            else:
                errors.append(str(payload)[:200])

    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=timeout
    ) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": total,
        "errors": len(errors),
        "error_samples": errors[:3],
        "wall_s": round(wall, 2),
        "messages_per_s": round(len(latencies) / wall, 2) if wall else 0.0,
        **percentiles(latencies or [0.0]),
        "_latencies": latencies,
    }


def _conversation_body(tag: str):
    run = uuid.uuid4().hex[:6]
    return lambda i: {"sender": f"bench-{tag}-{run}-{i}", "message": QUESTIONS[i % len(QUESTIONS)]}


def _parse_body(i: int) -> Dict:
    return {"text": QUESTIONS[i % len(QUESTIONS)]}


def load(
    url: str, concurrency: int, total: int, body_for, headers: Optional[Dict[str, str]] = None
) -> Dict:
    return asyncio.run(_load(url, concurrency, total, body_for, headers))


def warm_up(base: str, tag: str) -> None:
    """Every question once, alone, then a round at 10: caches, lazy imports, connection pools."""
    load(f"{base}/webhooks/rest/webhook", 1, 2 * len(QUESTIONS), _conversation_body(tag + "-warm"))
    load(f"{base}/webhooks/rest/webhook", 10, 20, _conversation_body(tag + "-warm10"))
    load(f"{base}/model/parse", 1, len(QUESTIONS), _parse_body)


def measure_server(base: str, tag: str, quick: bool) -> Dict:
    requests = REQUESTS_QUICK if quick else REQUESTS
    webhook = {}
    for level in LEVELS:
        log(f"latency: {tag}, {level} concurrent, {requests[level]} conversations")
        webhook[level] = load(
            f"{base}/webhooks/rest/webhook", level, requests[level], _conversation_body(tag)
        )
    parse = {}
    for level in (1, 10):
        parse[level] = load(f"{base}/model/parse", level, requests[level], _parse_body)
    return {"webhook": webhook, "parse": parse}


def first_answer(base: str, deadline_s: float = 120) -> float:
    """Seconds until the REST channel gives an answer (retrying while it cannot)."""
    import json
    import urllib.request

    started = time.perf_counter()
    body = json.dumps(
        {"sender": f"bench-cold-{uuid.uuid4().hex[:6]}", "message": QUESTIONS[0]}
    ).encode()
    while time.perf_counter() - started < deadline_s:
        request = urllib.request.Request(
            f"{base}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                if response.status == 200 and json.loads(response.read()):
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError("no answer")


def time_action_alone(assistant, quick: bool) -> Dict:
    """The knowledge action alone: the action server's /webhook with the tracker and domain the
    Rasa server would send (taken from its HTTP API after a real conversation)."""
    import json
    import urllib.request

    def get(url: str):
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    sender = f"bench-action-{uuid.uuid4().hex[:6]}"
    load(
        f"{assistant.rasa_url}/webhooks/rest/webhook",
        1,
        1,
        lambda i: {"sender": sender, "message": QUESTIONS[0]},
    )
    tracker = get(f"{assistant.rasa_url}/conversations/{sender}/tracker")
    domain = get(f"{assistant.rasa_url}/domain")
    import rasa

    body = {
        "next_action": "action_answer_fiche",
        "sender_id": sender,
        "tracker": tracker,
        "domain": domain,
        "version": rasa.__version__,
    }
    url = f"{assistant.action_url}/webhook"
    secret = {"Authorization": f"Bearer {assistant.action_token}"}  # as the Rasa server sends it
    load(url, 1, 5, lambda i: body, secret)  # warm-up
    result = load(url, 1, 20 if quick else 60, lambda i: body, secret)
    if result["errors"]:
        raise RuntimeError(f"the action server refused the benchmark's calls: {result}")
    result["payload_kb"] = round(len(json.dumps(body)) / 1024, 1)
    return result


def schema_validation_ms(repeat: int = 30) -> Dict:
    """Rasa 3.6 validates every action server response with `jsonschema.validate`, which checks
    the schema itself against its metaschema on every call; timed here in process against a
    validator built once, on a response like the knowledge action's."""
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    response = {
        "events": [{"event": "slot", "timestamp": None, "name": "dispositif", "value": "cej"}],
        "responses": [
            {"text": "x" * 800, "custom": {"fiche": "cej", "sources": []}},
            {"response": "utter_fiche_followup"},
        ],
    }
    validator = jsonschema.validators.validator_for(schema)(schema)

    def timed(function) -> float:
        function()
        started = time.perf_counter()
        for _ in range(repeat):
            function()
        return round(1000 * (time.perf_counter() - started) / repeat, 2)

    return {
        "rasa_validate_ms": timed(lambda: jsonschema.validate(response, schema)),
        "validator_built_once_ms": timed(lambda: validator.validate(response)),
    }


def histogram(project: Dict, minimal: Dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, len(LEVELS), figsize=(6 * len(LEVELS), 4.5))
    for ax, level in zip(axes, LEVELS):
        series = [
            ("projet", project["webhook"][level]["_latencies"], "tab:blue"),
            ("bot minimal", minimal["webhook"][level]["_latencies"], "tab:grey"),
        ]
        values = [1000 * x for _, lat, _ in series for x in lat] or [1.0]
        bins = np.logspace(np.log10(max(min(values), 1) * 0.9), np.log10(max(values) * 1.1), 40)
        for label, lat, color in series:
            ax.hist([1000 * x for x in lat], bins=bins, alpha=0.6, label=label, color=color)
        p95 = project["webhook"][level]["p95_ms"]
        ax.axvline(p95, color="tab:blue", linestyle="--", linewidth=1)
        ax.text(p95, ax.get_ylim()[1] * 0.9, f" p95 {p95:.0f} ms", color="tab:blue", fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel("latence (ms, échelle log)")
        ax.set_title(f"{level} conversation(s) simultanée(s)")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("requêtes")
    fig.suptitle("POST /webhooks/rest/webhook, une question de connaissance par conversation")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _strip(result: Dict) -> Dict:
    return {k: v for k, v in result.items() if not k.startswith("_")}


def run(quick: bool = False) -> Dict:
    from bot.launcher import Assistant

    minimal = minimal_bot()
    database_dir = Path(tempfile.mkdtemp(prefix="bench-db-"))
    assistant = Assistant(
        model=PROJECT_MODEL,
        rasa_port=free_port(),
        action_port=free_port(),
        log_dir=WORK / "logs" / "assistant",
        database_url=f"sqlite:///{database_dir}/bench.db",
        # Load on purpose: the webhooks' limits (channels/rate_limit.py) off.
        env={"WEBHOOK_LIMIT_PER_SENDER": "0"},
    )
    serving: Dict = {}
    log("latency: starting the assistant (cold start timed to the first REST answer)")
    started = time.perf_counter()
    try:
        assistant.start(timeout=400)
        ready = time.perf_counter() - started
        first = first_answer(assistant.rasa_url)
        serving["cold_start"] = {
            "servers_ready_s": round(ready, 2),
            "first_answer_s": round(ready + first, 2),
            "first_request_s": round(first, 2),
        }
        action_pid, rasa_pid = assistant.processes[0].pid, assistant.processes[1].pid
        serving["memory_after_start_mb"] = {
            "rasa_server": rss_mb(rasa_pid),
            "action_server": rss_mb(action_pid),
        }
        warm_up(assistant.rasa_url, "project")
        project = measure_server(assistant.rasa_url, "project", quick)
        log("latency: the knowledge action alone, on the action server")
        project["action_alone"] = time_action_alone(assistant, quick)
        serving["peak_memory_mb"] = {
            "rasa_server": peak_rss_mb(rasa_pid),
            "action_server": peak_rss_mb(action_pid),
            "reminder_and_alert_senders": round(
                sum(peak_rss_mb(p.pid) for p in assistant.processes[2:]), 1
            ),
        }
        serving["peak_memory_mb"]["rasa_plus_action"] = round(
            serving["peak_memory_mb"]["rasa_server"] + serving["peak_memory_mb"]["action_server"], 1
        )
    finally:
        assistant.stop()
        shutil.rmtree(database_dir, ignore_errors=True)

    server = MinimalServer(minimal["model"])
    log("latency: starting the minimal bot")
    started = time.perf_counter()
    try:
        server.start()
        serving["minimal_cold_start_s"] = round(
            time.perf_counter() - started + first_answer(server.url), 2
        )
        warm_up(server.url, "minimal")
        minimal_result = measure_server(server.url, "minimal", quick)
        serving["minimal_peak_memory_mb"] = peak_rss_mb(server.process.pid)
    finally:
        server.stop()
    from bench.cost import load_phases

    serving["load_phases"] = load_phases()

    plot = BENCH / "latency_histogram.png"
    histogram(project, minimal_result, plot)
    ratios = {}
    for level in LEVELS:
        p, m = project["webhook"][level], minimal_result["webhook"][level]
        ratios[level] = {
            "p95": round(p["p95_ms"] / m["p95_ms"], 2) if m["p95_ms"] else None,
            "p50": round(p["p50_ms"] / m["p50_ms"], 2) if m["p50_ms"] else None,
            "throughput": round(p["messages_per_s"] / m["messages_per_s"], 2)
            if m["messages_per_s"]
            else None,
        }

    def clean(result: Dict) -> Dict:
        return {
            key: (
                {str(k): _strip(v) for k, v in value.items()}
                if key in ("webhook", "parse")
                else _strip(value)
            )
            for key, value in result.items()
        }

    return {
        "quick": quick,
        "questions": QUESTIONS,
        "project": clean(project),
        "minimal": {
            **clean(minimal_result),
            "training": {k: minimal[k] for k in ("hash", "training_s", "cached")},
        },
        "ratio_project_over_minimal": {str(k): v for k, v in ratios.items()},
        "action_response_validation": schema_validation_ms(),
        "serving": serving,
        "plot": plot.name,
    }
