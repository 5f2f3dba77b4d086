"""materialize-webhook: POSTs batches of documents to an HTTP endpoint (at-least-once)."""
