"""Charity matching (慈善对接): residents' needs published anonymously with consent, matched to donors' offers."""
