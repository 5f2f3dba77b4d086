"""Wrap `airbyte-source-faker`: in process when it is importable here, else as a command.

In process, the whole connector is the three lines of `in_process`. When the source lives in
another virtualenv (its airbyte-cdk pins clash with flow-sdk's), point AIRBYTE_SOURCE_FAKER at its
`source-faker` entry point (or leave it on PATH) and the shim runs it as a subprocess.
"""

from __future__ import annotations

import importlib
import os
import shlex
import shutil

from flow_sdk import shim_airbyte_cdk
from flow_sdk.errors import ConfigError

DOCUMENTATION_URL = "https://docs.airbyte.com/integrations/sources/faker"
COMMAND_ENV = "AIRBYTE_SOURCE_FAKER"


def in_process() -> shim_airbyte_cdk.CaptureShim:
    """SourceFaker run in this process (needs flow-sdk's `airbyte` extra and airbyte-source-faker here)."""
    source_faker = importlib.import_module("source_faker")
    return shim_airbyte_cdk.CaptureShim(delegate=source_faker.SourceFaker(), oauth2=None)


def shim() -> shim_airbyte_cdk.CaptureShim:
    """The shim to run: AIRBYTE_SOURCE_FAKER's command if set, else in process, else `source-faker` on PATH."""
    command = os.environ.get(COMMAND_ENV)
    if command:
        return shim_airbyte_cdk.CaptureShim(command=shlex.split(command), documentation_url=DOCUMENTATION_URL)
    try:
        return in_process()
    except ModuleNotFoundError:
        found = shutil.which("source-faker")
        if found is None:
            raise ConfigError(
                "airbyte-source-faker is not installed here: install it beside flow-sdk, or set "
                f"{COMMAND_ENV} to the `source-faker` command of a virtualenv that has it"
            ) from None
        return shim_airbyte_cdk.CaptureShim(command=[found], documentation_url=DOCUMENTATION_URL)
