"""Returns and exports in the shapes partners ask for: the Standard Safeguarding Dataset's early
help tables and Ofsted's Annex A list 2, checked against data-to-insight's published
specifications. Plain pandas; no Django."""
