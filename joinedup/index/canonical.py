"""The canonical record: the shape every agency's extract is mapped into before linkage.

Readers (index.sources) produce a pandas DataFrame with exactly these columns; the linkage
engine (index.linkage) and the database import (index.services) both take that frame. Knows no
Django, so `joinedup link-files` runs without the web application.
"""

# Identity: what linkage compares.
IDENTITY_FIELDS = [
    "source",  # the source's name from its TOML file, e.g. "school_census"
    "record_id",  # the source's own key for the record, unique within the source
    "forenames",  # first name then middle names, as held
    "surname",
    "former_surname",  # "|"-separated when there are several
    "date_of_birth",  # ISO yyyy-mm-dd text; empty when unknown
    "sex",  # M, F or U
    "postcode",  # normalised "AB1 2CD"; empty when unknown
    "address_line_1",
    "address_line_2",
    "nhs_number",  # 10 digits as held (check digit NOT yet verified), empty when missing
    "upn",  # 13 characters as held, empty when missing
    "la_child_id",
    "other_id",  # any other identifier the source carries (e.g. a YOT case number)
]
# Involvement: who in the agency works with the child, and when.
INVOLVEMENT_FIELDS = [
    "service",  # a service code from authority.json, or the source's default service
    "practitioner",  # a practitioner's username, name or team as the source holds it
    "practitioner_contact",  # phone or email as held
    "involvement_start",  # ISO dates
    "involvement_end",
]
# Facts a source carries that later rooms derive flags from (key groups), as JSON text.
FACT_FIELDS = ["facts"]

CANONICAL_FIELDS = IDENTITY_FIELDS + INVOLVEMENT_FIELDS + FACT_FIELDS
