"""One package per program: aggregates (with their events), commands, services, errors, rules.

Domain code imports only `civicledger.core` and `eventsourcing` — never the database or GraphQL layers."""
