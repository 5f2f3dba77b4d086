"""Entry point: `python -m source-singer-jsonl` from the repository root (tap-jsonl installed beside flow-sdk)."""

from .connector import connector

if __name__ == "__main__":
    connector().main()
