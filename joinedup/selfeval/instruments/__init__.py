"""Self-evaluation content as data files (TOML): a package so that the files ship with joinedup."""
