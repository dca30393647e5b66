"""The DfE ethnicity codes that school census, SSDA903 and CIN census returns use (CBDS D00178,
main codes), with the labels people read."""

DFE_ETHNICITY = {
    "WBRI": "White – British",
    "WIRI": "White – Irish",
    "WIRT": "White – Traveller of Irish heritage",
    "WROM": "White – Gypsy or Roma",
    "WOTH": "White – any other White background",
    "MWBC": "Mixed – White and Black Caribbean",
    "MWBA": "Mixed – White and Black African",
    "MWAS": "Mixed – White and Asian",
    "MOTH": "Mixed – any other mixed background",
    "AIND": "Asian or Asian British – Indian",
    "APKN": "Asian or Asian British – Pakistani",
    "ABAN": "Asian or Asian British – Bangladeshi",
    "AOTH": "Asian or Asian British – any other Asian background",
    "BCRB": "Black or Black British – Caribbean",
    "BAFR": "Black or Black British – African",
    "BOTH": "Black or Black British – any other Black background",
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}


def ethnicity_label(code: str) -> str:
    """The label for a DfE code; an unknown code is shown as it is rather than hidden."""
    return DFE_ETHNICITY.get(code, code) if code else "Not recorded"
