"""Evidence of impact: measures per child over time, cohorts, the NFER/LARC impact model,
comparisons that stand up, whole-family outcomes, disclosure control and returns. It reads the
index and casework through their queries and knows nothing they do not record."""
