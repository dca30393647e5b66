"""The append-only record of who read or changed what about a child, when and why."""
