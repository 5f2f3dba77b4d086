"""materialize-files: each binding becomes a directory of JSONL or CSV files, one per transaction."""
