"""The deployment files agree with the repository, checked without Docker.

The Dockerfile copies files that exist (and that .dockerignore lets through); every `python -m`
module deploy/compose.yml runs is a module of the repository and is in the image; every file a
command or a volume names exists; compose's image is the one the Dockerfile builds and trains
the served model into; nginx's upstreams are compose services listening on those ports.
"""

import fnmatch
import re
import shlex
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
DOCKERFILE = ROOT / "Dockerfile"
IMAGE = "cites-emploi-assistant:latest"
MODEL = "models/cites-emploi.tar.gz"


def dockerfile_instructions() -> List[Tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, arguments = current.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


def copied_sources() -> List[str]:
    """Sources of the COPY instructions that take files from the build context."""
    sources = []
    for keyword, arguments in dockerfile_instructions():
        if keyword not in ("COPY", "ADD"):
            continue
        words = shlex.split(arguments)
        if any(word.startswith("--from") for word in words):
            continue  # from another stage, not from the repository
        paths = [word for word in words if not word.startswith("--")]
        assert len(paths) >= 2, f"{keyword} {arguments}: a source and a destination"
        sources.extend(paths[:-1])
    return sources


def image_paths() -> List[str]:
    """What the image holds under /app, as repository paths ("bot", "deploy/x.yml")."""
    return [
        source.rstrip("/") for source in copied_sources() if not source.startswith("requirements/")
    ]


def in_image(path: str) -> bool:
    path = path.strip("/")
    return any(path == copied or path.startswith(copied + "/") for copied in image_paths())


def dockerignore_patterns() -> List[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str) -> bool:
    """Whether `path` or one of its parents matches a .dockerignore pattern (no `!` rules used)."""
    parts = Path(path).parts
    prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    for pattern in dockerignore_patterns():
        assert not pattern.startswith("!"), "this test does not handle exceptions in .dockerignore"
        for prefix in prefixes:
            if fnmatch.fnmatch(prefix, pattern.rstrip("/")) or (
                pattern.startswith("**/") and fnmatch.fnmatch(Path(prefix).name, pattern[3:])
            ):
                return True
    return False


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yml").read_text(encoding="utf-8"))


def app_services() -> Dict[str, dict]:
    """The services that run the project's image."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("image") == IMAGE
    }


def command_words(service: dict) -> List[str]:
    command = service.get("command", [])
    if isinstance(command, str):
        command = shlex.split(command)
    words = []
    for word in command:
        # `sh -c "a && b"`: the quoted script is one word; split it again.
        words.extend(shlex.split(word) if " " in word else [word])
    return words


def python_modules() -> Iterator[Tuple[str, str]]:
    for name, service in app_services().items():
        words = command_words(service)
        for index, word in enumerate(words[:-2]):
            if word in ("python", "python3") and words[index + 1] == "-m":
                yield name, words[index + 2]


def module_file(module: str) -> Path:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__main__.py"):
        if candidate.is_file():
            return candidate
    raise AssertionError(f"python -m {module}: neither {base}.py nor {base}/__main__.py")


# --- The Dockerfile


def test_dockerfile_sources_exist_and_reach_the_build():
    sources = copied_sources()
    assert sources, "the Dockerfile copies nothing"
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
        assert not ignored(source.rstrip("/")), f"COPY {source}: excluded by .dockerignore"


@pytest.mark.parametrize(
    "needed",
    [
        "bot",
        "channels",
        "console",
        "knowledge",
        "config.yml",
        "domain.yml",
        "endpoints.yml",
        "credentials.yml",
        "alembic.ini",
        "deploy/endpoints.production.yml",
    ],
)
def test_the_image_holds_what_the_services_read(needed):
    assert in_image(needed), f"the Dockerfile does not copy {needed}"


@pytest.mark.parametrize(
    "kept_out", [".venv", "models", "results", ".git", "tests", "bench", ".env"]
)
def test_dockerignore_keeps_local_files_out(kept_out):
    assert ignored(kept_out), f".dockerignore lets {kept_out} into the build context"


def test_dockerfile_installs_from_the_lock_on_python_311_as_a_user():
    instructions = dockerfile_instructions()
    bases = [arguments.split()[0] for keyword, arguments in instructions if keyword == "FROM"]
    assert bases and all(base == "python:3.11-slim" for base in bases), bases
    runs = " ".join(arguments for keyword, arguments in instructions if keyword == "RUN")
    assert re.search(
        r"pip install --no-deps --ignore-requires-python -r \S*requirements\.lock", runs
    ), "dependencies come from the lock, as `make setup` installs them"
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), "the services do not run as root"


def test_the_dockerfile_trains_the_model_compose_serves():
    runs = " ".join(
        arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"
    )
    train = re.search(r"rasa train (.*?)(&&|$)", runs)
    assert train, "the model is trained at build time"
    words = shlex.split(train.group(1))
    out = words[words.index("--out") + 1]
    model_name = words[words.index("--fixed-model-name") + 1]
    assert f"{out}/{model_name}.tar.gz" == MODEL
    data = words[words.index("--data") + 1]
    assert in_image(data) and in_image(words[words.index("--config") + 1])
    for name, service in app_services().items():
        words = command_words(service)
        if "--model" in words:
            assert words[words.index("--model") + 1] == MODEL, name


# --- compose.yml


def test_compose_builds_the_image_from_the_dockerfile():
    services = app_services()
    assert {"migrate", "actions", "rasa-1", "rasa-2", "reminders", "alerts"} <= set(services)
    for name, service in services.items():
        assert service.get("working_dir") == "/app", name
        build = service.get("build")
        assert build, f"{name}: no build section, `docker compose build` would not build {IMAGE}"
        context = (DEPLOY / build["context"]).resolve()
        assert context == ROOT, f"{name}: build context {context}"
        assert (context / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE
    assert IMAGE in DOCKERFILE.read_text(encoding="utf-8"), "the Dockerfile names the tag it builds"


def test_compose_python_modules_are_modules_of_the_repository():
    modules = list(python_modules())
    assert {module for _, module in modules} >= {
        "bot.server",
        "bot.action_server",
        "bot.reminders",
        "bot.alerts",
        "bot.storage.territory",
    }
    for service, module in modules:
        path = module_file(module).relative_to(ROOT).as_posix()
        assert in_image(path), f"{service}: python -m {module}: {path} is not copied into the image"


def test_compose_files_exist_and_are_in_the_image():
    for name, service in app_services().items():
        words = command_words(service)
        named = [word for word in words if re.search(r"\.(ya?ml|ini|sql|conf)$", word)]
        if "alembic" in words:
            named.append("alembic.ini")
        for path in named:
            if path == MODEL:
                continue  # built by the Dockerfile (test above)
            assert (ROOT / path).is_file(), f"{name}: {path} does not exist"
            assert in_image(path), f"{name}: {path} is not copied into the image"


def test_compose_volumes_from_the_repository_exist():
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: volume {source} does not exist"


def test_compose_service_urls_match_their_ports():
    services = compose()["services"]
    for name, service in app_services().items():
        for value in (service.get("environment") or {}).values():
            for host, port in re.findall(r"https?://([a-z0-9-]+):(\d+)", str(value)):
                if host in services:
                    words = command_words(services[host])
                    assert words[words.index("--port") + 1] == port, f"{name}: {value}"


# --- nginx


def test_nginx_upstreams_are_compose_services_on_their_ports():
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstreams = re.findall(r"^\s*server\s+([a-z0-9-]+):(\d+)", conf, re.MULTILINE)
    assert upstreams, "nginx.conf names its upstream servers"
    services = compose()["services"]
    rasa = {name for name, service in services.items() if "bot.server" in command_words(service)}
    assert {host for host, _ in upstreams} == rasa, "nginx balances over every Rasa server"
    for host, port in upstreams:
        words = command_words(services[host])
        assert words[words.index("--port") + 1] == port, f"nginx: {host}:{port}"
    for mounted in ("./nginx.conf", "./postgres-init.sql"):
        assert (DEPLOY / mounted).is_file()
