"""Social assistance (社会救助): standards, household applications, economic verification across 26 sources,
assessment, public notice, decisions, monthly entitlements, recalculation when a standard changes."""
