"""Cost: the project's training time (a forced `rasa train` into bench/work/, never models/),
cold start to the first REST answer and peak memory of the Rasa server plus the action server
(measured while the latency benchmark serves: bench/latency.py)."""

import json
import shutil
import subprocess
import sys
import time
from typing import Dict, Optional

from bench.common import BENCH, RASA, ROOT, WORK, load_average, log, run_timed

LAST_TRAINING = WORK / "last-training.json"


def train_project() -> Dict:
    out = WORK / "train"
    log(
        "cost: training the project (rasa train --force) into bench/work/train; "
        "log in bench/work/logs/train-project.log"
    )
    before = load_average()
    started = time.time()
    seconds = run_timed(
        RASA
        + [
            "train",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "bot/data",
            "--out",
            str(out),
            "--fixed-model-name",
            "project-bench",
            "--force",
        ],
        WORK / "logs" / "train-project.log",
    )
    shutil.rmtree(out, ignore_errors=True)  # 30 MB nobody needs: the figure is what we keep
    figure = {
        "training_s": round(seconds, 1),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
        "load_average_before": before,
        "load_average_after": load_average(),
        "reused": False,
    }
    LAST_TRAINING.write_text(json.dumps(figure))
    return figure


def last_training() -> Optional[Dict]:
    for source in (LAST_TRAINING, BENCH / "report.json"):
        try:
            data = json.loads(source.read_text())
        except (OSError, ValueError):
            continue
        figure = data.get("cost", {}).get("training") if source.name == "report.json" else data
        if figure and figure.get("training_s"):
            return {**figure, "reused": True}
    return None


def load_phases() -> Optional[Dict]:
    """bench/load_phases.py in a fresh process: imports, the slowest parts of the model's load."""
    log("cost: timing the phases of a cold start (python -m bench.load_phases)")
    done = subprocess.run(
        [sys.executable, "-m", "bench.load_phases"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        log(f"cost: load phases not measured: {done.stderr.strip()[-500:]}")
        return None


def run(serving: Optional[Dict], skip_training: bool = False, quiet: bool = False) -> Dict:
    training = last_training() if skip_training else None
    if skip_training and training is None and not quiet:
        log("cost: --skip-training but no earlier figure: training time left out")
    if not skip_training:
        training = train_project()
    serving = serving or {}
    return {
        "training": training,
        "cold_start": serving.get("cold_start"),
        "load_phases": serving.get("load_phases"),
        "memory_after_start_mb": serving.get("memory_after_start_mb"),
        "peak_memory_mb": serving.get("peak_memory_mb"),
        "minimal_bot": {
            "cold_start_s": serving.get("minimal_cold_start_s"),
            "peak_memory_mb": serving.get("minimal_peak_memory_mb"),
        },
    }
