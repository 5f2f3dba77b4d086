"""sops helpers: detection, suffix stripping, and a missing binary."""

from __future__ import annotations

from pathlib import Path

import pytest

from flow_sdk.errors import ConfigError
from flow_sdk.runtime.catalog import sops


def test_strip_suffix_is_recursive_and_leaves_other_names() -> None:
    decrypted = {
        "host": "db",
        "password_sops": "hunter2",
        "credentials": {"token_sops": "t", "kind_sops_not": "x"},
        "replicas": [{"key_sops": "k"}, "plain_sops"],
        "_sops": "only the suffix",
    }
    assert sops.strip_suffix(decrypted) == {
        "host": "db",
        "password": "hunter2",
        "credentials": {"token": "t", "kind_sops_not": "x"},
        # String values are never renamed, only property names.
        "replicas": [{"key": "k"}, "plain_sops"],
        "_sops": "only the suffix",
    }


def test_encrypted_suffix_comes_from_metadata() -> None:
    assert sops.encrypted_suffix({"sops": {"encrypted_suffix": "_secret"}}) == "_secret"
    assert sops.encrypted_suffix({"sops": {"mac": "x"}}) == "_sops"
    assert sops.strip_suffix({"a_secret": 1, "b_sops": 2}, "_secret") == {"a": 1, "b_sops": 2}


def test_is_encrypted() -> None:
    assert sops.is_encrypted({"sops": {}, "a": 1})
    assert not sops.is_encrypted({"a": {"sops": {}}})
    assert not sops.is_encrypted(["sops"])


def test_inline_document_needs_sops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match=r"flow\.yaml: .*sops.*not found on PATH"):
        sops.decrypt_document({"a_sops": "ENC[...]", "sops": {}}, tmp_path / "flow.yaml")


def test_failing_sops_reports_its_stderr(tmp_path: Path) -> None:
    script = tmp_path / "sops"
    script.write_text("#!/bin/sh\necho 'Failed to get the data key' >&2\nexit 128\n")
    script.chmod(0o755)
    sealed = tmp_path / "config.yaml"
    sealed.write_text("a_sops: ENC[x]\nsops: {mac: x}\n")
    with pytest.raises(ConfigError, match=r"config\.yaml: sops could not decrypt it: Failed to get the data key"):
        sops.decrypt_file(sealed, sops=str(script))
