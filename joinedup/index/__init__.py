"""The children's index: every agency's records about a child, imported, linked and shown together."""
