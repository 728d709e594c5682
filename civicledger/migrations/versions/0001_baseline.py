"""the baseline: the schema of the release before versioned migrations

The log, idempotency records, claims, per-resident keys and their erasure signal, the log's identity, read-model
positions, the personal-data read log and checkpoints. Idempotent: a database made by that release is adopted
as it is (one from before the keyed scheme gets its MAC columns).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from civicledger.migrations import run_sql_file

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(op, "0001_baseline.sql")
