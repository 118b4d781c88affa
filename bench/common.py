"""Shared helpers: paths, the machine, free ports, timed Rasa training cached by a hash of its
inputs, the memory high-water mark of processes."""

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterable, List

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
WORK = BENCH / "work"
PROJECT_MODEL = Path(os.environ.get("RASA_MODEL") or ROOT / "models" / "cites-emploi.tar.gz")
RASA = [sys.executable, "-m", "rasa"]


def log(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", flush=True)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> List[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine() -> dict:
    """What the figures were measured on, and when."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    mem_total = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_total = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import rasa

    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": git("rev-parse", "HEAD"),
        "work_tree_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "memory_gb": mem_total,
        "python": platform.python_version(),
        "rasa": rasa.__version__,
        "load_average_at_start": load_average(),
    }


def files_hash(paths: Iterable[Path], extra: str = "") -> str:
    """A hash of the files' paths and contents (folders: every file inside), plus `extra`."""
    digest = hashlib.sha256(extra.encode("utf-8"))
    files: List[Path] = []
    for path in paths:
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def run_timed(command: List[str], log_file: Path) -> float:
    """Run `command` from the project root, output to `log_file`; its wall time in seconds."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }
    started = time.perf_counter()
    with open(log_file, "wb") as output:
        result = subprocess.run(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[2:5])}... failed ({result.returncode}); see {log_file}"
        )
    return elapsed


def cached_model(name: str, inputs: Iterable[Path], command_for, extra: str = "") -> Dict:
    """The model `name` trained by `command_for(out_dir, fixed_name)`, reused while the hash of
    `inputs` (and the Rasa version) is unchanged.

    Returns {"model", "hash", "training_s", "cached"}."""
    import rasa

    key = files_hash(inputs, extra=extra + rasa.__version__)
    out = WORK / "models"
    fixed = f"{name}-{key}"
    model = out / f"{fixed}.tar.gz"
    meta = out / f"{fixed}.json"
    if model.exists() and meta.exists():
        info = json.loads(meta.read_text())
        return {**info, "model": str(model), "cached": True}
    for old in out.glob(f"{name}-*"):
        old.unlink()
    log(f"training {name} (hash {key}); log in bench/work/logs/train-{name}.log")
    seconds = run_timed(command_for(out, fixed), WORK / "logs" / f"train-{name}.log")
    if not model.exists():
        raise RuntimeError(f"training {name} wrote no {model}")
    info = {"hash": key, "training_s": round(seconds, 1)}
    meta.write_text(json.dumps(info))
    return {**info, "model": str(model), "cached": False}


def process_tree(pid: int) -> List[int]:
    """`pid` and its descendants (Linux /proc)."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo += [int(c) for c in children]
        except OSError:
            pass
    return pids


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of `pid` and its descendants, in MB."""
    return round(sum(_status_kb(p, "VmHWM") for p in process_tree(pid)) / 1024, 1)


def rss_mb(pid: int) -> float:
    return round(sum(_status_kb(p, "VmRSS") for p in process_tree(pid)) / 1024, 1)
