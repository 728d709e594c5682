"""CivicLedger's benchmark harness: every figure of DESIGN §6, side by side, in one run, on a fresh database.

Run it with `civicledger bench [--quick]` from a repository checkout; see bench/README.md."""
