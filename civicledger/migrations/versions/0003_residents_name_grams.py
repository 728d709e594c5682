"""residents_name_grams, residents_term_grams: the functions of the residents name index (1- and 2-character grams)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

from civicledger.migrations import run_sql_file

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(op, "0003_residents_name_grams.sql")
