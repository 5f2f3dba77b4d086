"""source-singer-jsonl: the PyPI Singer tap `tap-jsonl` (built on singer-sdk) run as a Flow capture by the shim."""
