"""Retraining in the background, and the rule that protects residents from a worse model.

A run trains a candidate model (`rasa train --force` into the work folder, never over the
active model), evaluates the candidate and the active model on the held-out set
(bot/evaluation.py, each in its own process), and activates the candidate only when its
per-dispositif accuracy, the figure that decides which answer a resident gets, is not lower
than the active model's. Activation copies the candidate over the active model file (the
previous one is kept next to the candidates) and, when a Rasa server URL is configured, asks
that server to load it (PUT /model). One run at a time; progress is in the database and the
run's log file, shown by the console.
"""

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import shutil
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import List, Optional

from aiohttp import web
from sqlalchemy import select

from bot.storage.database import transaction
from bot.storage.models import TrainingRun, utc_now
from bot.texts import text
from console.database import run_db
from console.settings import ROOT, Settings

logger = logging.getLogger(__name__)

TRAINING = "training"
EVALUATING = "evaluating"
ACTIVATED = "activated"
REJECTED = "rejected"
FAILED = "failed"
RUNNING = (TRAINING, EVALUATING)
LOG_TAIL_LINES = 40
JOBS = web.AppKey("retrain_jobs", object)


@dataclass
class Decision:
    activate: bool
    reason: str


def decide(active: dict, candidate: dict) -> Decision:
    """Activate when the candidate's per-dispositif accuracy is not lower than the active one's."""
    before, after = active["dispositif_accuracy"], candidate["dispositif_accuracy"]
    scores = {"after": f"{after:.1%}", "before": f"{before:.1%}"}
    if after >= before:
        return Decision(True, text("console.retrain.activated", **scores))
    return Decision(False, text("console.retrain.kept", **scores))


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The end of a log; progress bars rewrite their line with \\r, only the last state counts."""
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8", errors="replace")
    kept = [line.rsplit("\r", 1)[-1] for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join([line for line in kept if line.strip()][-lines:])


class RetrainJobs:
    """Starts runs and carries them through, as asyncio tasks of the console's event loop."""

    def __init__(self, app: web.Application, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.work_dir = Path(settings.work_dir)
        self._task: Optional[asyncio.Task] = None
        self._process: Optional[asyncio.subprocess.Process] = None

    def log_path(self, run_id: int) -> Path:
        return self.work_dir / f"run-{run_id}.log"

    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self, account_id: Optional[int]) -> int:
        """Create a run and start it; refused (RuntimeError) while another one runs."""
        if self.running():
            raise RuntimeError(text("console.retrain.already_running"))
        self.work_dir.mkdir(parents=True, exist_ok=True)

        def create(db) -> int:
            with transaction(db):
                run = TrainingRun(
                    created_at=utc_now(), created_by=account_id, status=TRAINING, candidate_path=""
                )
                db.add(run)
                db.flush()
                run.candidate_path = str(self.work_dir / f"candidate-{run.id}.tar.gz")
            return run.id

        run_id = await run_db(self.app, create)
        self._task = asyncio.create_task(self._carry(run_id))
        return run_id

    async def wait(self) -> None:
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _carry(self, run_id: int) -> None:
        log = self.log_path(run_id)
        candidate = self.work_dir / f"candidate-{run_id}.tar.gz"
        try:
            await self._run_command(
                log,
                [
                    *self.settings.python,
                    "-m",
                    "rasa",
                    "train",
                    "--force",
                    "--config",
                    str(self.settings.config_file),
                    "--domain",
                    str(self.settings.domain_file),
                    "--data",
                    str(self.settings.data_dir),
                    "--out",
                    str(self.work_dir),
                    "--fixed-model-name",
                    f"candidate-{run_id}",
                ],
            )
            if not candidate.exists():
                raise RuntimeError(text("console.retrain.no_model"))
            await self._update(run_id, status=EVALUATING)
            active_scores = await self._active_scores(log)
            candidate_scores = await self._evaluate(
                log, candidate, self.work_dir / f"candidate-{run_id}.json"
            )
            decision = decide(active_scores, candidate_scores)
            message = decision.reason
            if decision.activate:
                message += " " + await asyncio.to_thread(self.activate, candidate)
            await self._update(
                run_id,
                status=ACTIVATED if decision.activate else REJECTED,
                message=message,
                scores=json.dumps(
                    {"active": _figures(active_scores), "candidate": _figures(candidate_scores)}
                ),
            )
        except asyncio.CancelledError:
            await self._update(run_id, status=FAILED, message=text("console.retrain.stopped"))
            raise
        except Exception as error:
            logger.exception("retraining run %s failed", run_id)
            await self._update(
                run_id, status=FAILED, message=text("console.retrain.failed", error=error)
            )

    async def _run_command(self, log: Path, command: List[str]) -> None:
        with log.open("ab") as output:
            output.write(("$ " + " ".join(command) + "\n").encode("utf-8"))
            output.flush()
            self._process = await asyncio.create_subprocess_exec(
                *command,
                cwd=ROOT,
                stdout=output,
                stderr=asyncio.subprocess.STDOUT,
                env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"},
            )
            try:
                code = await self._process.wait()
            except asyncio.CancelledError:
                self._process.terminate()
                await self._process.wait()
                raise
        if code != 0:
            raise RuntimeError(
                text("console.retrain.command_failed", command=command[2:4], code=code)
            )

    async def _evaluate(self, log: Path, model: Path, report: Path) -> dict:
        await self._run_command(
            log,
            [
                *self.settings.python,
                "-m",
                "bot.evaluation",
                "--model",
                str(model),
                "--data",
                str(self.settings.heldout_file),
                "--json",
                str(report),
            ],
        )
        return json.loads(report.read_text(encoding="utf-8"))

    async def _active_scores(self, log: Path) -> dict:
        """The active model's report, computed once per model file (keyed by its content)."""
        digest = await asyncio.to_thread(_file_digest, self.settings.active_model)
        cached = self.work_dir / f"active-{digest[:16]}.json"
        if cached.exists():
            return json.loads(cached.read_text(encoding="utf-8"))
        return await self._evaluate(log, self.settings.active_model, cached)

    def activate(self, candidate: Path) -> str:
        """Put the candidate in place of the active model; what happened, in French."""
        active = Path(self.settings.active_model)
        if active.exists():
            backup = self.work_dir / f"previous-{datetime.now():%Y%m%d-%H%M%S}.tar.gz"
            shutil.copy2(active, backup)
        partial = active.with_name(active.name + ".partial")
        shutil.copy2(candidate, partial)
        os.replace(partial, active)
        if not self.settings.rasa_url:
            return text("console.retrain.restart_rasa")
        url = self.settings.rasa_url.rstrip("/") + "/model"
        if self.settings.rasa_token:
            url += f"?token={self.settings.rasa_token}"
        request = urllib.request.Request(
            url,
            method="PUT",
            data=json.dumps({"model_file": str(active)}).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=300):
                return text("console.retrain.loaded")
        except OSError as error:
            logger.error("the Rasa server did not load the new model: %s", error)
            return text("console.retrain.not_loaded", error=error)

    async def _update(self, run_id: int, **values) -> None:
        tail = log_tail(self.log_path(run_id))

        def update(db) -> None:
            with transaction(db):
                run = db.get(TrainingRun, run_id)
                for name, value in values.items():
                    setattr(run, name, value)
                run.log_tail = tail
                if values.get("status") not in RUNNING:
                    run.finished_at = utc_now()

        await run_db(self.app, update)

    async def close(self) -> None:
        if self.running():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _figures(report: dict) -> dict:
    return {k: report[k] for k in ("dispositif_accuracy", "intent_accuracy", "examples")}


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as model:
        for chunk in iter(lambda: model.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def setup_retrain(app: web.Application, settings: Settings) -> None:
    """Attach the job runner; runs left unfinished by a previous console are marked failed."""
    app[JOBS] = RetrainJobs(app, settings)

    async def interrupted(app: web.Application) -> None:
        def mark(db) -> None:
            with transaction(db):
                for run in db.execute(
                    select(TrainingRun).where(TrainingRun.status.in_(RUNNING))
                ).scalars():
                    run.status, run.finished_at = FAILED, utc_now()
                    run.message = text("console.retrain.interrupted")

        await run_db(app, mark)

    async def stop(app: web.Application) -> None:
        await app[JOBS].close()

    app.on_startup.append(interrupted)
    app.on_cleanup.append(stop)
