"""`python -m flow_sdk` runs the `flow-sdk` command."""

from .cli import main

main()
