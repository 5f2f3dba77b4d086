"""source-bigdata: the reference capture of flow-sdk, a deterministic synthetic "big data API"."""
