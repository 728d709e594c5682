"""CivicLedger: event-sourced case management for a city civil-affairs bureau."""

__version__ = "0.1.0"
