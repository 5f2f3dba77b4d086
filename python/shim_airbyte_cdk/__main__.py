"""`python -m flow_sdk.shim_airbyte_cdk [--image IMAGE | -- COMMAND...]`: an Airbyte source as a Flow capture."""

from __future__ import annotations

import sys

from flow_sdk.errors import ConfigError

from .endpoint import parse_argv
from .shim import CaptureShim


def main(argv: list[str]) -> None:
    """Serve one capture invocation of the Airbyte source named on the command line."""
    try:
        command, image = parse_argv(argv)
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        raise SystemExit(2) from None
    CaptureShim(command=command, image=image).main()


if __name__ == "__main__":
    main(sys.argv[1:])
