"""flow-sdk: build Estuary Flow connectors in Python."""
