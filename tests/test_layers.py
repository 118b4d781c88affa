"""The architecture as a rule: each layer imports only the layers below it, so that the next
person can change a channel without touching the core, and the core runs without Rasa.

    core         bot.storage, bot.knowledge, texts, settings, phone, dates, redaction…
    transports   bot.transports (SMS operator, email, webhook)
    skills       bot.actions, bot.nlu (what the Rasa servers load)
    workers      bot.reminders, bot.alerts, bot.worker (background senders)
    channels     channels.* (Rasa input channels)
    console      console.* (the coordinators' web app)
    tools        the launcher, the servers' wrappers, the evaluations, bench: may use anything

Nothing outside tests imports tests; no module imports another top-level package's private
name; runtime code reads nothing from tests/ (only the evaluation tools read the test sets).
"""

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "channels", "console", "bench")

CORE = (
    "bot.storage",
    "bot.knowledge",
    "bot.redaction",
    "bot.french_dates",
    "bot.gsm7",
    "bot.plain_text",
    "bot.settings",
    "bot.texts",
    "bot.rate_limit",
    "bot.log_privacy",
    "bot.notices",
    "bot.offer",
)
LAYERS: Dict[str, Tuple[str, ...]] = {
    "core": CORE,
    "transports": ("bot.transports",),
    "skills": ("bot.actions", "bot.nlu"),
    "workers": ("bot.reminders", "bot.alerts", "bot.worker"),
    "channels": ("channels",),
    "console": ("console",),
    "tools": (
        "bot.launcher",
        "bot.server",
        "bot.action_server",
        "bot.rasa_fixes",
        "bot.lock_store",
        "bot.evaluation",
        "bot.blind_evaluation",
        "bot.danger_evaluation",
        "bot.crossval",
        "bot.__init__",
        "bench",
    ),
}
# What each layer may import, besides itself.
ALLOWED = {
    "core": (),
    "transports": ("core",),
    "skills": ("core",),
    "workers": ("core", "transports"),
    "channels": ("core", "transports"),
    "console": ("core", "transports"),
    "tools": ("core", "transports", "skills", "workers", "channels", "console"),
}
# Libraries the core must not need: it runs in every process, Rasa's or not.
CORE_FORBIDDEN_LIBRARIES = ("rasa", "rasa_sdk", "sanic", "aiohttp", "twilio")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1 and parts[:-1] != ["bot"]:
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> Iterator[Tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield _module_name(path), path


def _layer(module: str) -> Optional[str]:
    for layer, prefixes in LAYERS.items():
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return layer
    return None


def _imports(path: Path) -> Iterator[Tuple[int, str, List[str]]]:
    """(line, module imported, names imported from it), relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = (
        _module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else (_module_name(path))
    )
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([module] if module else []))
            yield node.lineno, module, [alias.name for alias in node.names]


MODULES = list(_modules())


def test_every_module_has_a_layer():
    assert [module for module, _ in MODULES if _layer(module) is None] == []


@pytest.mark.parametrize("module, path", MODULES, ids=[m for m, _ in MODULES])
def test_a_module_imports_only_the_layers_below_it(module, path):
    layer = _layer(module)
    wrong = []
    for line, imported, names in _imports(path):
        top = imported.split(".")[0]
        if top == "tests":
            wrong.append(f"{path.name}:{line} imports {imported} (tests)")
            continue
        if layer == "core" and top in CORE_FORBIDDEN_LIBRARIES:
            wrong.append(f"{path.name}:{line} imports {imported} (the core runs without it)")
        if top not in PACKAGES:
            continue
        # "from bot import x" names no layer: each name imported does.
        target = _layer(imported)
        targets = [target] if target else [_layer(f"{imported}.{name}") for name in names]
        for target in targets:
            if target not in (layer, *ALLOWED[layer]):
                wrong.append(f"{path.name}:{line} ({layer}) imports {imported} ({target})")
        private = [name for name in names if name.startswith("_")]
        if private and top != module.split(".")[0]:
            wrong.append(f"{path.name}:{line} imports private {private} of {imported}")
    assert wrong == []


RUNTIME_LAYERS = ("core", "transports", "skills", "workers", "channels", "console")


@pytest.mark.parametrize(
    "module, path",
    [(m, p) for m, p in MODULES if _layer(m) in RUNTIME_LAYERS],
    ids=[m for m, _ in MODULES if _layer(m) in RUNTIME_LAYERS],
)
def test_runtime_code_reads_nothing_from_the_tests(module, path):
    """The tests folder is not shipped (Dockerfile, .dockerignore): nothing may need it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    strings = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    docstrings = {
        ast.get_docstring(node, clean=False)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
    }
    assert [s for s in strings if s not in docstrings and (s == "tests" or "tests/" in s)] == []
