"""the append functions, cheaper per call: lock calls as PL/pgSQL assignments, one claim or key as one VALUES row

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

from civicledger.migrations import run_sql_file

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(op, "0004_cheaper_append_functions.sql")
