"""Returns and exports in the shapes partners ask for: the Standard Safeguarding Dataset's early
help tables (`ssd`) and Ofsted's Annex A list 2 (`annex_a`), checked against data-to-insight's
published specifications (`specs/`); the CSV and XLSX writers every evidence table leaves through
(`tables`); and the board report PDF (`board_report`). Plain pandas; no Django."""
