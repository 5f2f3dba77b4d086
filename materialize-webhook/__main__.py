"""Entry point: `python -m materialize-webhook`."""

from .connector import WebhookConnector

if __name__ == "__main__":
    WebhookConnector().main()
