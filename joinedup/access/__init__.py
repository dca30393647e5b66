"""Need to know: who may see or change a child's information, and why."""
