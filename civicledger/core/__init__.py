"""Cross-cutting building blocks shared by every program: ids, time, money, identity, errors, auth, storage."""
