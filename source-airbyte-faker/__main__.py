"""Entry point: `python -m source-airbyte-faker` from the repository root."""

from .connector import shim

if __name__ == "__main__":
    shim().main()
