"""Static checks of the images, without a docker engine: every Dockerfile parses, and the image
that build-local.sh would build for each connector copies files that exist, carries the labels
of the protocol the connector speaks, runs as an unprivileged user, and starts the connector."""

from __future__ import annotations

import fnmatch
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import dockerfile
import pytest

from .conftest import ROOT, connectors, protocol_of
from .dockerfiles import Stage, evaluate, substitute

INSTRUCTIONS = frozenset(
    {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "ONBUILD", "RUN"}
    | {"SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}
)
BUILD_LOCAL = ROOT / "build-local.sh"
BASE_DOCKERFILE = ROOT / "base-image" / "Dockerfile"


def all_dockerfiles() -> list[Path]:
    found = [*ROOT.glob("*/Dockerfile"), *ROOT.glob("*/*.Dockerfile")]
    return sorted(p for p in found if not p.parts[len(ROOT.parts)].startswith("."))


def planned_builds(connector: str) -> list[tuple[Path, dict[str, str], str]]:
    """The `docker build` commands build-local.sh would run: (Dockerfile, build args, tag)."""
    done = subprocess.run(
        ["bash", str(BUILD_LOCAL), "--print", connector], capture_output=True, text=True, check=True, cwd=ROOT
    )
    builds = []
    for line in done.stdout.splitlines():
        argv = shlex.split(line)
        assert argv[:2] == ["docker", "build"] and argv[-1] == ".", line
        flags = list(zip(argv[2:-1:2], argv[3:-1:2], strict=True))
        options = dict(flags)
        args = dict(value.partition("=")[::2] for flag, value in flags if flag == "--build-arg")
        builds.append((ROOT / options["-f"], args, options["-t"]))
    return builds


def image_for(connector: str) -> tuple[Stage, list[Stage], str]:
    """The final stage of the connector image, every stage involved, and the image's tag."""
    (base_file, base_args, base_tag), (connector_file, args, tag) = planned_builds(connector)
    assert base_file == BASE_DOCKERFILE
    base_stages = evaluate(base_file, base_args)
    stages = evaluate(connector_file, args, lambda image: base_stages[-1] if image == base_tag else None)
    assert stages[0].base == base_tag, "the connector image must start from the base image built just before it"
    return stages[-1], base_stages + stages, tag


def copy_problems(stages: list[Stage]) -> list[str]:
    """COPY sources missing from the build context, or stages that do not exist."""
    found = []
    for copy in (c for stage in stages for c in stage.copies):
        if copy.from_stage is None:
            found += [f"COPY source {s!r} does not exist" for s in copy.sources if not (ROOT / s).exists()]
        elif all(s.name != copy.from_stage for s in stages):
            found.append(f"COPY --from={copy.from_stage}: no such stage")
    return found


def problems(final: Stage, stages: list[Stage], connector: str) -> list[str]:
    """What is wrong with a connector image (empty when it is right)."""
    found = copy_problems(stages)
    expected = {"FLOW_RUNTIME_PROTOCOL": protocol_of(connector), "FLOW_RUNTIME_CODEC": "json"}
    for label, value in expected.items():
        if final.labels.get(label) != value:
            found.append(f"label {label}={final.labels.get(label)!r}, expected {value!r}")
    if final.user in ("", "root", "0") or final.user.startswith(("root:", "0:")):
        found.append(f"runs as {final.user!r}, expected an unprivileged user")
    argv = final.entrypoint or []
    if argv[:2] == ["/bin/sh", "-c"]:
        argv = [w for w in shlex.split(substitute(argv[2], final.env)) if w not in ("exec", "$@")]
    if argv[:3] != ["python", "-m", connector]:
        found.append(f"entrypoint runs {argv!r}, expected python -m {connector}")
    if not any(c.destination == f"{final.workdir}/{connector}" for s in stages for c in s.copies):
        found.append(f"{connector} is not copied into the working directory {final.workdir}")
    return found


def test_every_dockerfile_parses() -> None:
    files = all_dockerfiles()
    assert BASE_DOCKERFILE in files and ROOT / "base-image" / "connector.Dockerfile" in files
    for path in files:
        commands = dockerfile.parse_file(str(path))
        assert commands[0].cmd in ("FROM", "ARG"), path
        # BuildKit's parser accepts any word as an instruction; the builder would not.
        assert {c.cmd for c in commands} <= INSTRUCTIONS, path


def test_the_parser_rejects_a_broken_dockerfile(tmp_path: Path) -> None:
    broken = tmp_path / "Dockerfile"
    broken.write_text("FROM python:3.11-slim\nENV ONLY_A_NAME\n")
    with pytest.raises(dockerfile.GoParseError, match="ENV must have two arguments"):
        dockerfile.parse_file(str(broken))


@pytest.mark.parametrize("connector", connectors())
def test_connector_image(connector: str) -> None:
    final, stages, tag = image_for(connector)
    assert tag == f"ghcr.io/estuary/{connector}:local"
    assert problems(final, stages, connector) == []


def test_the_base_image_installs_with_the_tested_script() -> None:
    [builder, final] = evaluate(BASE_DOCKERFILE, {"EXTRAS": ""})
    [script] = [c for c in builder.copies if c.sources == ["base-image/install.sh"]]
    assert any(run.split()[0] == script.destination for run in builder.runs)
    assert any(c.from_stage == builder.name and c.sources == ["/opt/venv"] for c in final.copies)
    assert final.env["PATH"].startswith("/opt/venv/bin:")


def test_the_build_context_leaves_out_local_state_but_no_copied_source() -> None:
    ignored = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert {".venv", ".build", ".git"} <= set(ignored)
    for connector in connectors():
        _, stages, _ = image_for(connector)
        sources = {s for stage in stages for c in stage.copies if c.from_stage is None for s in c.sources}
        hit = [(s, p) for s in sources for p in ignored if fnmatch.fnmatch(s, p.removeprefix("**/")) or s == p]
        assert hit == [], f"{connector}: .dockerignore drops what the image copies"


def test_materialize_postgres_gets_the_postgres_extra() -> None:
    [(_, base_args, base_tag), (_, args, _)] = planned_builds("materialize-postgres")
    assert base_args["EXTRAS"] == "postgres" and args["BASE"] == base_tag


def test_the_checks_catch_a_wrong_image(tmp_path: Path) -> None:
    base_stages = evaluate(BASE_DOCKERFILE, {"EXTRAS": ""})
    wrong = tmp_path / "Dockerfile"
    wrong.write_text(
        "FROM flow-sdk/base:local\n"
        "COPY source-bigdata-missing /opt/connector/source-bigdata\n"
        "LABEL FLOW_RUNTIME_PROTOCOL=materialize\n"
        "USER root\n"
        'ENTRYPOINT ["python", "-m", "other"]\n'
    )
    stages = evaluate(wrong, {}, lambda image: base_stages[-1])
    assert problems(stages[-1], base_stages + stages, "source-bigdata") == [
        "COPY source 'source-bigdata-missing' does not exist",
        "label FLOW_RUNTIME_PROTOCOL='materialize', expected 'capture'",
        "runs as 'root', expected an unprivileged user",
        "entrypoint runs ['python', '-m', 'other'], expected python -m source-bigdata",
    ]


def fake_docker(tmp_path: Path, info_exit: int) -> dict[str, str]:
    """An environment whose PATH has a `docker` that answers `info` with `info_exit`, and logs calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "docker"
    script.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/calls\n[ "$1" = info ] && exit {info_exit}\nexit 0\n')
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}


def test_build_local_without_an_engine_says_so(tmp_path: Path) -> None:
    env = fake_docker(tmp_path, info_exit=1)
    done = subprocess.run(["bash", str(BUILD_LOCAL), "source-bigdata"], capture_output=True, text=True, env=env)
    assert done.returncode == 1
    assert "no Docker engine answers" in done.stderr
    assert (tmp_path / "calls").read_text().split("\n")[0] == "info"  # nothing was built


def test_build_local_without_docker_says_so(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": "/usr/bin:/bin"} if not Path("/usr/bin/docker").exists() else None
    if env is None:
        pytest.skip("docker is installed in /usr/bin")
    done = subprocess.run(["bash", str(BUILD_LOCAL), "source-bigdata"], capture_output=True, text=True, env=env)
    assert done.returncode == 1 and "no docker command on PATH" in done.stderr


@pytest.mark.e2e
def test_build_local_on_this_machine() -> None:
    if shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0:
        pytest.skip("a docker engine answers here")
    done = subprocess.run(["bash", str(BUILD_LOCAL), "source-bigdata"], capture_output=True, text=True)
    assert done.returncode == 1 and "build-local.sh: no" in done.stderr


def test_build_local_with_an_engine_builds_base_then_connector(tmp_path: Path) -> None:
    env = fake_docker(tmp_path, info_exit=0)
    done = subprocess.run(["bash", str(BUILD_LOCAL), "source-bigdata"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[0] == "info"
    assert calls[1].startswith("build -f base-image/Dockerfile")
    assert calls[2].endswith("-t ghcr.io/estuary/source-bigdata:local .")


def test_build_local_refuses_bad_arguments() -> None:
    done = subprocess.run(["bash", str(BUILD_LOCAL), "no-such-connector"], capture_output=True, text=True)
    assert done.returncode == 2 and "not a connector folder" in done.stderr
    done = subprocess.run(["bash", str(BUILD_LOCAL), "source-bigdata", "no/Dockerfile"], capture_output=True, text=True)
    assert done.returncode == 2 and "does not exist" in done.stderr
