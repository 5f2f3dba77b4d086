"""`python -m flow_sdk.shim_singer_sdk [--properties] -- TAP [ARGS...]`: serve a Singer tap executable as a capture."""

from __future__ import annotations

import sys

from .connector import CaptureShim


def main(argv: list[str]) -> None:
    """Parse `[--properties] [--] COMMAND...` and serve the command as a capture."""
    catalog_flag = "--catalog"
    args = list(argv)
    while args and args[0] in ("--properties", "--catalog"):
        catalog_flag = args.pop(0)
    if args and args[0] == "--":
        args.pop(0)
    if not args:
        sys.stderr.write("usage: python -m flow_sdk.shim_singer_sdk [--properties] -- TAP [ARGS...]\n")
        raise SystemExit(2)
    CaptureShim(command=args, catalog_flag=catalog_flag).main()


if __name__ == "__main__":
    main(sys.argv[1:])
