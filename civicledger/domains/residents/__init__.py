"""The resident registry: residents (identity, contact, address, residency) and households."""
