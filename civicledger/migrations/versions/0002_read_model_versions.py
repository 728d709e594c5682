"""read_model_versions: the schema version each read model was built with (changed: rebuilt on start)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from civicledger.migrations import run_sql_file

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(op, "0002_read_model_versions.sql")
