"""The synthetic local authority: a realistic, deterministic population of children and the
files each agency would hold about them, with their errors and the truth behind them."""
