"""flow_sdk.testing: helpers for tests of connectors (e.g. a throwaway PostgreSQL server)."""
