"""alembic's environment: one connection, one transaction for the whole upgrade, taken under the migration lock
(`pg_advisory_xact_lock`), so that two processes starting at once never run a revision twice: the second waits,
then reads the version the first committed and finds nothing pending."""

from __future__ import annotations

from alembic import context

from civicledger.migrations import LOCK_KEY, VERSION_TABLE, engine


def run() -> None:
    params = context.config.attributes.get("params")
    if params is None:
        raise RuntimeError("civicledger's migrations run online only: civicledger.migrations.upgrade(params)")
    with engine(params).connect() as conn:
        context.configure(connection=conn, version_table=VERSION_TABLE, transaction_per_migration=False)
        with context.begin_transaction():
            conn.exec_driver_sql("SELECT set_config('statement_timeout', '0', true)")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
            context.run_migrations()


run()
