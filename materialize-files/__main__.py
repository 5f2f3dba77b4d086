"""Entry point: `python -m materialize-files`."""

from .connector import FilesConnector

if __name__ == "__main__":
    FilesConnector().main()
