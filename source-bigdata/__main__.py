"""Entry point: `python -m source-bigdata` from the repository root."""

from .connector import BigData

if __name__ == "__main__":
    BigData().main()
