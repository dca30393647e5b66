"""Statistical methods for comparing supported children with similar children not (yet)
supported. Plain pandas/numpy/statsmodels on a long panel; no Django, so the benchmark and an
analyst's notebook run them as the pages do."""
