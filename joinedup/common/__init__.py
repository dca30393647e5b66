"""Shared building blocks that know nothing of Django: identifiers, dates, progress."""
