"""The query planner (issue 12): every read-only document the declarations cover answered by one SQL statement
per root field (`plan.py`), from the types' table and column declarations (`declarations.py`)."""

from civicledger.graphql.planner.plan import PlannedOperation, Unplannable, plan_operation

__all__ = ["PlannedOperation", "Unplannable", "plan_operation"]
