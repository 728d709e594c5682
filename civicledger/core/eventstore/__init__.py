"""The one global event log: a custom `eventsourcing` recorder, mapper and key ring on PostgreSQL."""
