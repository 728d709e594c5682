"""Revisions, oldest first: each a small Python file that runs its plain-SQL file of the same number."""
