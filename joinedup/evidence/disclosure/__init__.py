"""Statistical disclosure control and data minimisation: small counts suppressed (with secondary
suppression so totals cannot give them away), rates rounded, and de-identified extracts for
research partners. Plain pandas; no Django."""
