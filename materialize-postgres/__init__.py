"""materialize-postgres: an exactly-once PostgreSQL materialization (fenced, transactional commits)."""
