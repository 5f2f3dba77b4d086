"""Decrypt sops-encrypted connector configurations the way Flow does.

A configuration is sops-encrypted when it is a mapping with a top-level `sops` key. It is
decrypted by the `sops` binary; then every property whose name ends with the encrypted
suffix (`sops.encrypted_suffix`, `_sops` by default) has that suffix removed, at any depth,
so `password_sops` reaches the connector as `password`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from flow_sdk.errors import ConfigError

JSON = Any

SOPS_KEY = "sops"
DEFAULT_SUFFIX = "_sops"
# sops may prompt for nothing, but a key service can hang; don't wait forever.
_TIMEOUT_SECONDS = 120.0


def is_encrypted(doc: JSON) -> bool:
    """Whether a configuration document is sops-encrypted."""
    return isinstance(doc, dict) and SOPS_KEY in doc


def encrypted_suffix(doc: JSON) -> str:
    """The suffix sops marks encrypted fields with, as named by the document's metadata."""
    meta = doc.get(SOPS_KEY) if isinstance(doc, dict) else None
    suffix = meta.get("encrypted_suffix") if isinstance(meta, dict) else None
    return suffix if isinstance(suffix, str) and suffix else DEFAULT_SUFFIX


def strip_suffix(value: JSON, suffix: str = DEFAULT_SUFFIX) -> JSON:
    """Remove `suffix` from property names, recursively through objects and arrays."""
    if isinstance(value, dict):
        out: dict[str, JSON] = {}
        for key, item in value.items():
            name = key[: -len(suffix)] if suffix and key.endswith(suffix) and key != suffix else key
            out[name] = strip_suffix(item, suffix)
        return out
    if isinstance(value, list):
        return [strip_suffix(item, suffix) for item in value]
    return value


def find_sops() -> str | None:
    """Path of the `sops` binary on PATH, if any."""
    return shutil.which("sops")


def decrypt_file(path: Path, *, sealed: JSON = None, sops: str | None = None) -> JSON:
    """Decrypt a sops-encrypted YAML or JSON file into a plain document (suffixes stripped).

    `sealed` is the file's still-encrypted content when the caller already parsed it; it
    names the encrypted suffix to strip.
    """
    plain = _run_sops(path, sops or find_sops())
    if sealed is None:
        sealed = _parse(path)
    return strip_suffix(plain, encrypted_suffix(sealed))


def decrypt_document(doc: JSON, origin: Path, *, sops: str | None = None) -> JSON:
    """Decrypt an inline sops-encrypted document that came from the catalog file `origin`.

    sops works on files, so the document is written to a temporary JSON file first.
    """
    binary = sops or find_sops()
    if binary is None:
        raise _missing(origin)
    with tempfile.TemporaryDirectory(prefix="flow-sdk-sops-") as tmp:
        path = Path(tmp) / "config.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        plain = _run_sops(path, binary, shown_as=origin)
    return strip_suffix(plain, encrypted_suffix(doc))


def _missing(path: Path) -> ConfigError:
    """The error for an encrypted config on a machine without sops."""
    return ConfigError(
        f"{path}: this configuration is sops-encrypted, and the `sops` binary is needed "
        "to decrypt it but was not found on PATH",
        fields={"file": str(path)},
    )


def _run_sops(path: Path, binary: str | None, *, shown_as: Path | None = None) -> JSON:
    """Run `sops --decrypt` on a file and parse its JSON output."""
    shown = shown_as or path
    if binary is None:
        raise _missing(shown)
    try:
        result = subprocess.run(
            [binary, "--decrypt", "--output-type", "json", str(path)],
            capture_output=True,
            check=False,
            timeout=_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"{shown}: running sops failed: {exc}", fields={"file": str(shown)}) from exc
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
        raise ConfigError(f"{shown}: sops could not decrypt it: {detail}", fields={"file": str(shown)})
    try:
        plain = json.loads(result.stdout)
    except ValueError as exc:
        raise ConfigError(f"{shown}: sops output is not JSON: {exc}", fields={"file": str(shown)}) from exc
    if isinstance(plain, dict):
        plain.pop(SOPS_KEY, None)  # sops drops it already; be safe with older versions.
    return plain


def _parse(path: Path) -> JSON:
    """Parse a YAML/JSON file, or None when it cannot be read (only its metadata is wanted)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
