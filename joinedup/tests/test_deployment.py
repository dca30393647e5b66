"""The container image and the compose file, checked without a container engine: CI machines
have none. hadolint lints the Dockerfile, ShellCheck the scripts the image runs, and the compose
file is validated against the Compose Specification's JSON schema (compose-spec.json beside this
file, from github.com/compose-spec/compose-spec, Apache License 2.0). The rest are the promises
README.md's production section makes: non-root, pinned, probes that exist, every service from one image."""

import fnmatch
import importlib.metadata
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from joinedup.web import health

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # hadolint and shellcheck arrive as wheels in the virtualenv


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile.read_text())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in (raw.strip() for raw in joined.splitlines())
        if line and not line.startswith("#")
    ]


def stages(dockerfile: Path) -> dict[str, list[tuple[str, str]]]:
    named: dict[str, list[tuple[str, str]]] = {}
    for instruction, arguments in instructions(dockerfile):
        if instruction == "FROM":
            name = arguments.split()[-1]
            named[name] = []
        if named:
            named[name].append((instruction, arguments))
    return named


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_the_dockerfile_passes_hadolint():
    result = subprocess.run(
        [BIN / "hadolint", "--config", ".hadolint.yaml", "--no-color", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_scripts_the_image_and_ci_run_pass_shellcheck():
    scripts = sorted((ROOT / "scripts").glob("*.sh")) + [ROOT / ".ci" / "run"]
    result = subprocess.run(
        [BIN / "shellcheck", "--severity=warning", "--external-sources", *scripts],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_builds_in_stages_and_runs_as_an_unprivileged_user():
    built = stages(ROOT / "Dockerfile")
    assert list(built) == ["assets", "build", "runtime"]
    runtime = built["runtime"]
    users = [arguments for instruction, arguments in runtime if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, "the runtime stage ends as a non-root user"
    runtime_text = " ".join(arguments for _, arguments in runtime)
    assert "npm" not in runtime_text and "gcc" not in runtime_text, "no build tools in the image that runs"


def test_the_image_installs_exactly_the_locked_versions():
    build = " ".join(arguments for _, arguments in stages(ROOT / "Dockerfile")["build"])
    assert "pip install -r requirements.lock" in build
    assert "pip install --no-deps --no-build-isolation -e ." in build, "the package adds no unlocked dependency"
    # pip freeze leaves pip and setuptools out of the lock: the image pins the ones it was made with.
    for tool in ("pip", "setuptools"):
        assert f'"{tool}=={importlib.metadata.version(tool)}"' in build, f"{tool} as in the lock's virtualenv"
    assets = " ".join(arguments for _, arguments in stages(ROOT / "Dockerfile")["assets"])
    assert "npm ci" in assets and "package-lock.json" in assets
    arguments = dict(
        value.split("=", 1) for name, value in instructions(ROOT / "Dockerfile") if name == "ARG" and "=" in value
    )
    assert arguments["PYTHON_IMAGE"] == f"python:{sys.version_info.major}.{sys.version_info.minor}-slim-bookworm", (
        "the image runs the Python the lock was made with"
    )
    assert re.fullmatch(r"node:\d+-bookworm-slim", arguments["NODE_IMAGE"])


def test_the_image_takes_the_locked_torch_as_its_cpu_build():
    """PyPI's torch for Linux needs CUDA libraries the lock does not hold (several GB): the image
    installs the same version from PyTorch's CPU wheels, before the lock, which it then satisfies
    (2.13.0+cpu is 2.13.0 to pip)."""
    locked = dict(line.split("==") for line in (ROOT / "requirements.lock").read_text().split())
    assert "torch" in locked and not any(name.startswith("nvidia-") for name in locked)
    build = [arguments for instruction, arguments in stages(ROOT / "Dockerfile")["build"] if instruction == "RUN"]
    (torch_step,) = [step for step in build if "torch==" in step]
    assert '--no-deps --index-url "$TORCH_INDEX_URL"' in torch_step
    torch_version = re.search(r'"torch==\$\((.+?)\)"', torch_step).group(1)
    found = subprocess.run(["sh", "-c", torch_version], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert found == locked["torch"], "the version comes from the lock"
    assert torch_step.index("torch==") < torch_step.index("pip install -r requirements.lock")
    arguments = [arguments for name, arguments in instructions(ROOT / "Dockerfile") if name == "ARG"]
    assert "TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in arguments


def test_everything_the_image_copies_is_in_the_build_context():
    """A file left out by .dockerignore (or renamed) fails the build only on a machine that has a
    container engine: catch it here."""
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def excluded(path: str) -> bool:
        parts = Path(path).parts
        prefixes = ["/".join(parts[: end + 1]) for end in range(len(parts))]
        return any(
            fnmatch.fnmatch(prefix, pattern.removeprefix("**/")) or fnmatch.fnmatch(parts[-1], pattern)
            for pattern in ignored
            for prefix in prefixes
        )

    copied = [
        source
        for instruction, arguments in instructions(ROOT / "Dockerfile")
        if instruction == "COPY" and "--from=" not in arguments
        for source in shlex.split(arguments)[:-1]
    ]
    assert copied, "the Dockerfile copies from the context"
    for source in copied:
        assert (ROOT / source).exists(), f"COPY {source}: no such file"
        assert not excluded(source), f"COPY {source}: .dockerignore leaves it out of the build context"


def test_the_image_starts_through_the_entrypoint_and_checks_liveness():
    dockerfile = dict(instructions(ROOT / "Dockerfile"))
    entrypoint = json.loads(dockerfile["ENTRYPOINT"])
    assert entrypoint == ["/app/scripts/entrypoint.sh"]
    assert os.access(ROOT / "scripts" / "entrypoint.sh", os.X_OK), "git keeps the entrypoint executable"
    assert json.loads(dockerfile["CMD"]) == ["web"]
    assert f"http://127.0.0.1:8000{health.LIVE}" in dockerfile["HEALTHCHECK"]


def test_the_compose_file_follows_the_compose_specification(compose):
    schema = json.loads((Path(__file__).parent / "compose-spec.json").read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=str)
    assert not errors, "\n".join(f"{'/'.join(map(str, error.path))}: {error.message}" for error in errors)


def test_compose_runs_postgresql_then_migrations_then_the_web_the_worker_and_the_webhooks(compose):
    services = compose["services"]
    assert set(services) == {"db", "migrate", "web", "worker", "webhooks"}

    database = services["db"]
    # The image's pg_dump is Debian bookworm's (PostgreSQL 15): never older than the server.
    assert database["image"] == "postgres:15-bookworm"
    assert "pg_isready" in " ".join(database["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in database["volumes"])

    application = {name: services[name] for name in ("migrate", "web", "worker", "webhooks")}
    assert {service["image"] for service in application.values()} == {"joinedup:${JOINEDUP_VERSION:-local}"}
    assert {name: service["command"][0] for name, service in application.items()} == {
        "migrate": "migrate",
        "web": "web",
        "worker": "worker",
        "webhooks": "webhooks",
    }
    for name in ("web", "worker", "webhooks"):
        assert application[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
    assert application["web"]["environment"]["JOINEDUP_MIGRATE_ON_START"] == "0", "only the one-off service migrates"
    assert health.READY in " ".join(application["web"]["healthcheck"]["test"])


def test_compose_holds_no_secret_and_refuses_to_start_without_one(compose):
    password = compose["services"]["db"]["environment"]["POSTGRES_PASSWORD"]
    assert password == "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}"
    for service in ("migrate", "web", "worker", "webhooks"):
        assert "${POSTGRES_PASSWORD:?" in compose["services"][service]["environment"]["DATABASE_URL"]
        assert compose["services"][service]["env_file"] == [{"path": ".env", "required": True}]


def test_every_variable_compose_requires_is_in_the_example_environment(compose):
    """An operator starts from .env.example: what compose refuses to start without is there."""
    required = set(re.findall(r"\$\{(\w+):\?", (ROOT / "compose.yaml").read_text()))
    example = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line}
    assert required == {"POSTGRES_PASSWORD"}
    assert required <= example
