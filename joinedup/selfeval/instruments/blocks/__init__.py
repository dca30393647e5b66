"""Shared questionnaire sections, listed by name in each instrument file."""
