"""Community deliberation (议事协商): agenda items through six stages in order, with participants, votes,
a decision, execution tasks and a supervision report."""
