"""Operating CivicLedger: container health checks, throwaway PostgreSQL clusters, backups and the Patroni
failover drill (docs/OPERATIONS.md)."""
