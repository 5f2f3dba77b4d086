"""`connector: {image: ...}` endpoints through the real `flow-sdk` command, with a stand-in
`docker` on PATH (no engine runs here): the image is inspected, its labels checked, `:local`
never pulled, and `docker run` starts the connector, which answers over stdio."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import orjson
import pytest

from .conftest import ROOT

FLOW_SDK = Path(sys.executable).with_name("flow-sdk")
IMAGE = "ghcr.io/estuary/source-bigdata:local"
BIGDATA: dict[str, Any] = {
    "Labels": {"FLOW_RUNTIME_PROTOCOL": "capture", "FLOW_RUNTIME_CODEC": "json"},
    "Entrypoint": ["python", "-m", "source-bigdata"],
}
FAKE_DOCKER = """\
#!{python}
# A stand-in for the docker CLI: images come from $FAKE_DOCKER_IMAGES, calls go to $FAKE_DOCKER_CALLS.
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_DOCKER_CALLS"], "a") as calls:
    calls.write(" ".join(args) + "\\n")
images = json.load(open(os.environ["FAKE_DOCKER_IMAGES"]))
if args[0] == "info":
    sys.exit(int(os.environ.get("FAKE_DOCKER_INFO_EXIT", "0")))
if args[:2] == ["image", "inspect"]:
    if args[-1] not in images:
        sys.exit("Error: No such image: " + args[-1])
    print(json.dumps(images[args[-1]]))
    sys.exit(0)
if args[0] == "pull":
    sys.exit("Error response from daemon: pull access denied for " + args[-1])
if args[0] == "run":
    rest = args[1:]
    while rest[0].startswith("-"):
        option = rest.pop(0)
        if option == "--env":
            key, _, value = rest.pop(0).partition("=")
            os.environ[key] = value
    argv = [sys.executable if word == "python" else word for word in images[rest[0]]["Entrypoint"]]
    os.chdir(os.environ["FAKE_DOCKER_CONTEXT"])
    os.execv(argv[0], argv)
sys.exit("fake docker: unexpected call " + " ".join(args))
"""


def catalog(tmp_path: Path, image: str) -> Path:
    path = tmp_path / "image.flow.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            captures:
              acmeCo/image/source-bigdata:
                endpoint:
                  connector:
                    image: {image}
                    config: {{data_name: image, records_per_stream: 10}}
                bindings: []
            """
        )
    )
    return path


def flow_sdk_raw_spec(
    tmp_path: Path, images: dict[str, Any], image: str = IMAGE, info_exit: int = 0
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER.format(python=sys.executable))
    docker.chmod(0o755)
    (tmp_path / "images.json").write_text(json.dumps(images))
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_DOCKER_IMAGES": str(tmp_path / "images.json"),
        "FAKE_DOCKER_CALLS": str(tmp_path / "calls"),
        "FAKE_DOCKER_CONTEXT": str(ROOT),
        "FAKE_DOCKER_INFO_EXIT": str(info_exit),
    }
    argv = [str(FLOW_SDK), "raw", "spec", "--source", str(catalog(tmp_path, image)), "--capture"]
    done = subprocess.run([*argv, "acmeCo/image/source-bigdata"], capture_output=True, text=True, env=env, timeout=120)
    calls_file = tmp_path / "calls"
    return done, calls_file.read_text().splitlines() if calls_file.exists() else []


def test_a_local_image_runs_through_docker_run(tmp_path: Path) -> None:
    done, calls = flow_sdk_raw_spec(tmp_path, {IMAGE: BIGDATA})
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["configSchema"]["title"] == "Big Data Spec"
    assert calls == [
        "info",
        f"image inspect --format {{{{json .Config}}}} {IMAGE}",
        f"run --interactive --rm --env FLOW_SDK_CODEC=json {IMAGE}",
    ]


def test_a_missing_local_image_is_never_pulled(tmp_path: Path) -> None:
    done, calls = flow_sdk_raw_spec(tmp_path, {})
    assert done.returncode != 0
    assert "`:local` images are never pulled" in done.stderr and "./build-local.sh source-bigdata" in done.stderr
    assert not any(call.startswith("pull") for call in calls)


def test_another_image_is_pulled_and_a_failed_pull_explained(tmp_path: Path) -> None:
    done, calls = flow_sdk_raw_spec(tmp_path, {}, image="ghcr.io/acme/source-x:v1")
    assert done.returncode != 0
    assert "cannot pull image 'ghcr.io/acme/source-x:v1'" in done.stderr and "pull access denied" in done.stderr
    assert "pull --quiet ghcr.io/acme/source-x:v1" in calls


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"FLOW_RUNTIME_PROTOCOL": "materialize"}, "speaks the materialize protocol"),
        ({"FLOW_RUNTIME_CODEC": "json"}, "missing the required 'FLOW_RUNTIME_PROTOCOL' label"),
        ({"FLOW_RUNTIME_PROTOCOL": "capture", "FLOW_RUNTIME_CODEC": "yaml"}, "FLOW_RUNTIME_CODEC='yaml'"),
    ],
)
def test_an_image_with_wrong_labels_is_refused_before_it_runs(
    tmp_path: Path, labels: dict[str, str], message: str
) -> None:
    done, calls = flow_sdk_raw_spec(tmp_path, {IMAGE: {**BIGDATA, "Labels": labels}})
    assert done.returncode != 0
    assert message in done.stderr
    assert not any(call.startswith("run") for call in calls)


def test_without_an_engine_the_error_suggests_a_local_endpoint(tmp_path: Path) -> None:
    done, calls = flow_sdk_raw_spec(tmp_path, {IMAGE: BIGDATA}, info_exit=1)
    assert done.returncode != 0
    assert "no docker engine is reachable" in done.stderr and "`local` endpoint" in done.stderr
    assert calls == ["info"]
