"""Clerical review: pairs of records the linkage was unsure about, decided by a person, once."""
