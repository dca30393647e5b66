"""Statistical methods for comparing supported children with similar children not (yet)
supported. Plain numpy, pandas and scipy on a long panel; no Django, so the benchmark and an
analyst's notebook run them as the pages do."""
