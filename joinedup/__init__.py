"""joinedup: integrated working in children's services."""
