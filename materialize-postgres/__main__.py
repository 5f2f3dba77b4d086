"""Entry point: `python -m materialize-postgres`."""

from .connector import PostgresConnector

if __name__ == "__main__":
    PostgresConnector().main()
