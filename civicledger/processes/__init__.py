"""Processes that follow time or the log and act through application services (never writing events
themselves): the linkage SLA sweep and the linkage program process manager. They run beside the projections
in `civicledger worker` / `civicledger serve`, or once from the command line."""
