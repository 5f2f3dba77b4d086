"""pull_upstream.sh against git repositories the test creates: a first import, a later merge of
upstream changes next to local edits, and the refusals (bad SPDX id, mismatched license file)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.peer
SCRIPT = ROOT / "pull_upstream.sh"
MIT = """MIT License

Copyright (c) 2026 Upstream Authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "PATH": "/usr/bin:/bin",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=GIT_ENV, check=True)
    return done.stdout.strip()


def commit_files(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def new_repo(path: Path, files: dict[str, str]) -> Path:
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit_files(path, files, "initial")
    return path


def pull(
    repo: Path, upstream: Path, license: str = "MIT", license_path: str = "LICENSE"
) -> subprocess.CompletedProcess[str]:
    argv = [
        "bash",
        str(SCRIPT),
        str(upstream),
        "main",
        "connectors/source-hello",
        "source-hello",
        license,
        license_path,
    ]
    env = {**GIT_ENV, "PYTHON": sys.executable}
    return subprocess.run(argv, cwd=repo, capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture
def repos(tmp_path: Path) -> tuple[Path, Path]:
    upstream = new_repo(
        tmp_path / "upstream",
        {
            "LICENSE": MIT,
            "connectors/source-hello/__main__.py": "print('hello')\n",
            "connectors/source-hello/README.md": "# source-hello\n",
            "connectors/other/x.txt": "not imported\n",
        },
    )
    local = new_repo(tmp_path / "local", {"README.md": "# ours\n"})
    return upstream, local


def trailers(repo: Path, rev: str) -> dict[str, str]:
    body = git(repo, "log", "-1", "--format=%B", rev)
    return dict(line.split(": ", 1) for line in body.splitlines() if ": " in line)


def test_import_then_merge_upstream_changes(repos: tuple[Path, Path]) -> None:
    upstream, local = repos
    first = git(upstream, "rev-parse", "HEAD")
    done = pull(local, upstream)
    assert done.returncode == 0, done.stderr
    assert (local / "source-hello/__main__.py").read_text() == "print('hello')\n"
    assert (local / "source-hello/LICENSE").read_text() == MIT  # the license travels with the folder
    assert not (local / "other").exists() and not (local / "connectors").exists()
    assert (local / "README.md").read_text() == "# ours\n"
    assert len(git(local, "log", "-1", "--format=%P").split()) == 2  # a merge commit
    assert (
        trailers(local, "HEAD").items()
        >= {
            "Upstream-Commit": first,
            "Upstream-Path": "connectors/source-hello",
            "Local-Dir": "source-hello",
            "License": "MIT",
            "License-File": "LICENSE",
        }.items()
    )
    first_import = git(local, "rev-parse", "HEAD^2")

    # Upstream moves on; we edit the imported folder meanwhile.
    second = commit_files(
        upstream,
        {"connectors/source-hello/__main__.py": "print('hello, world')\n", "connectors/source-hello/new.py": "x = 1\n"},
        "upstream change",
    )
    commit_files(local, {"source-hello/README.md": "# source-hello\n\nOur notes.\n"}, "local edit")
    done = pull(local, upstream)
    assert done.returncode == 0, done.stderr
    assert (local / "source-hello/__main__.py").read_text() == "print('hello, world')\n"
    assert (local / "source-hello/new.py").read_text() == "x = 1\n"
    assert (local / "source-hello/README.md").read_text() == "# source-hello\n\nOur notes.\n"
    assert trailers(local, "HEAD")["Upstream-Commit"] == second
    assert git(local, "status", "--porcelain") == ""
    # The import line: the second import's parent is the first, so it was the merge base.
    assert git(local, "rev-parse", "HEAD^2^") == first_import

    again = pull(local, upstream)
    assert again.returncode == 0 and "already at upstream" in again.stdout


@pytest.mark.parametrize("bad", ["NotALicense", "MIT OR Apache-2.0", "LicenseRef-Apache", ""])
def test_refuses_a_license_that_is_not_one_spdx_identifier(repos: tuple[Path, Path], bad: str) -> None:
    upstream, local = repos
    head = git(local, "rev-parse", "HEAD")
    done = pull(local, upstream, license=bad)
    assert done.returncode == 1
    assert "SPDX license identifier" in done.stderr
    assert git(local, "rev-parse", "HEAD") == head and not (local / "source-hello").exists()


def test_refuses_a_license_file_that_does_not_match(repos: tuple[Path, Path]) -> None:
    upstream, local = repos
    head = git(local, "rev-parse", "HEAD")
    done = pull(local, upstream, license="Apache-2.0")
    assert done.returncode == 1
    assert "upstream license file 'LICENSE' does not match Apache-2.0: it reads as MIT" in done.stderr
    assert git(local, "rev-parse", "HEAD") == head and not (local / "source-hello").exists()
    done = pull(local, upstream, license_path="connectors/source-hello/README.md")
    assert done.returncode == 1 and "reads as no license SPDX knows" in done.stderr


def test_refuses_a_folder_it_did_not_import(repos: tuple[Path, Path]) -> None:
    upstream, local = repos
    commit_files(local, {"source-hello/mine.py": "pass\n"}, "our own folder")
    done = pull(local, upstream)
    assert done.returncode == 1 and "was not imported by pull_upstream.sh" in done.stderr


def test_refuses_uncommitted_changes_and_wrong_arguments(repos: tuple[Path, Path]) -> None:
    upstream, local = repos
    (local / "README.md").write_text("# edited, not committed\n")
    done = pull(local, upstream)
    assert done.returncode == 1 and "uncommitted changes" in done.stderr
    usage = subprocess.run(["bash", str(SCRIPT), "only-one"], capture_output=True, text=True, cwd=local)
    assert usage.returncode == 2 and "<spdx-license>" in usage.stderr
