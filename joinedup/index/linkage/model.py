"""The linkage model for children's records: what is compared, how closely, and which pairs are
looked at at all.

Children's records go wrong in known ways: a nickname for the forename (Alfie for Alfred), a
former or hyphenated surname, a date of birth with day and month swapped, an identifier missing
or mistyped, an address not updated. Each has its own comparison level, so the model learns how
much each kind of agreement is worth. Twins and siblings share surname, date of birth (twins) and
postcode: what tells them apart is the forename, the middle names and the date of birth, so when
one of those disagrees in every way it outweighs everything else agreeing, unless an identifier
agrees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from splink import SettingsCreator, block_on
from splink import comparison_level_library as cll
from splink import comparison_library as cl
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect

# m for "first names (or middle names, or dates of birth) disagree in every way and no identifier
# agrees". Fixed, not learnt: EM learns these from a population where twins and siblings look like
# matches, and under Splink's independence assumption a sibling's surname, postcode and sex agreeing
# would outweigh a learnt disagreement. 2^-40 is about -40 bits: more than a rare surname, date of
# birth, postcode and sex agreeing together; the middle names' and the date's -20 bits outweigh a
# shared surname and postcode.
FIRST_NAMES_DISAGREE_M = 2.0**-40
MIDDLE_NAMES_DISAGREE_M = 2.0**-20
DATES_OF_BIRTH_DISAGREE_M = 2.0**-20
# m for identifiers, fixed by judgement: EM cannot learn them when a number is held by one agency
# only (the NHS number, in child health). A child may carry two valid numbers: a duplicate NHS
# registration, a new UPN on moving school.
IDENTIFIER_M = {"nhs_number": 0.999, "upn": 0.99, "la_child_id": 0.999}
IDENTIFIERS = ("nhs_number", "upn", "la_child_id")
# Twice the share of random pairs at one postcode in a 100,000-child authority.
EARLIER_POSTCODE_U = 1e-3
# A surname held by one child in the authority would otherwise be worth ~19 bits alone.
TF_MINIMUM_U = 1e-5
# No level learnt from data is treated as impossible (a sex recorded wrongly, say).
PROBABILITY_FLOOR = 1e-6


class _ValueInOtherListLevel(ComparisonLevelCreator):
    """One record's value is among the other record's list (either way round)."""

    def __init__(self, value_column: str, list_column: str, label: str):
        self.value_column = value_column
        self.list_column = list_column
        self.label = label

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        contains = "array_contains" if sql_dialect.sql_dialect_str == "spark" else "list_contains"
        value, values = self.value_column, self.list_column
        return f"({contains}({values}_l, {value}_r) OR {contains}({values}_r, {value}_l))"

    def create_label_for_charts(self) -> str:
        return self.label


class _ListsOverlapLevel(ComparisonLevelCreator):
    """The two records' lists share at least one value."""

    def __init__(self, list_column: str, label: str):
        self.list_column = list_column
        self.label = label

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        overlap = "arrays_overlap" if sql_dialect.sql_dialect_str == "spark" else "list_has_any"
        return f"{overlap}({self.list_column}_l, {self.list_column}_r)"

    def create_label_for_charts(self) -> str:
        return self.label


def _level(creator: ComparisonLevelCreator, label: str, m: float) -> ComparisonLevelCreator:
    """A level with its label and EM's starting m (what the synthetic authority's error rates imply)."""
    return creator.configure(label_for_charts=label, m_probability=m)


def _identifier_agrees(label: str) -> ComparisonLevelCreator:
    """When an identifier agrees, a name or date that disagrees says nothing either way (a child
    renamed on adoption, known by another name, a date keyed wrongly): weight fixed at 0."""
    agrees = " OR ".join(f"{name}_l = {name}_r" for name in IDENTIFIERS)
    return cll.CustomLevel(agrees).configure(
        label_for_charts=label, m_probability=0.01, u_probability=0.01, fix_m_probability=True, fix_u_probability=True
    )


def _disagrees(label: str, m: float) -> ComparisonLevelCreator:
    return cll.ElseLevel().configure(label_for_charts=label, m_probability=m, fix_m_probability=True)


def _exact(column: str, label: str, m: float, *, frequencies: bool = False) -> ComparisonLevelCreator:
    level = cll.ExactMatchLevel(column, term_frequency_adjustments=frequencies)
    if frequencies:
        level.configure(tf_minimum_u_value=TF_MINIMUM_U)
    return _level(level, label, m)


def forename_comparison(frequencies: bool = True) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="forename",
        comparison_description="First name: exact, nickname, swapped with surname, one typo",
        comparison_levels=[
            cll.NullLevel("first_name"),
            _exact("first_name", "Same first name", 0.92, frequencies=frequencies),
            _level(_ValueInOtherListLevel("first_name", "forename_variants", ""), "Nickname (Bill ~ William)", 0.05),
            _level(
                cll.ColumnsReversedLevel("first_name", "surname", symmetrical=True),
                "Forename and surname swapped",
                0.001,
            ),
            _level(cll.DamerauLevenshteinLevel("first_name", 1), "First name one typo apart", 0.02),
            _identifier_agrees("First names differ but an identifier agrees"),
            _disagrees("First names differ and no identifier agrees", FIRST_NAMES_DISAGREE_M),
        ],
    )


def middle_names_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="middle_names",
        comparison_description="Middle names: all, the first, any, one typo in the first",
        comparison_levels=[
            cll.NullLevel("first_middle_name"),
            _exact("middle_names", "Same middle names", 0.95),
            _exact("first_middle_name", "Same first middle name", 0.03),
            _level(_ListsOverlapLevel("middle_name_tokens", ""), "A middle name in common", 0.005),
            _level(cll.DamerauLevenshteinLevel("first_middle_name", 1), "First middle name one typo apart", 0.01),
            _identifier_agrees("Middle names differ but an identifier agrees"),
            _disagrees("Middle names differ and no identifier agrees", MIDDLE_NAMES_DISAGREE_M),
        ],
    )


def surname_comparison(frequencies: bool = True) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="surname",
        comparison_description="Surname: exact, swapped with forename, typo, former or hyphenated part",
        comparison_levels=[
            cll.NullLevel("surname"),
            _exact("surname", "Same surname", 0.92, frequencies=frequencies),
            _level(
                cll.ColumnsReversedLevel("first_name", "surname", symmetrical=True),
                "Forename and surname swapped",
                0.001,
            ),
            _level(cll.DamerauLevenshteinLevel("surname", 1), "Surname one typo apart", 0.02),
            _level(_ListsOverlapLevel("surnames_all", ""), "Former surname or part of a hyphenated surname", 0.03),
            _level(cll.JaroWinklerLevel("surname", 0.9), "Surname similar", 0.005),
            _level(cll.ElseLevel(), "Surnames differ", 0.02),
        ],
    )


def date_of_birth_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_description="Date of birth: exact, day and month swapped, one digit off",
        comparison_levels=[
            cll.NullLevel("dob"),
            _exact("dob", "Same date of birth", 0.98),
            _level(cll.CustomLevel("dob_swapped_l = dob_r"), "Day and month swapped", 0.005),
            _level(cll.DamerauLevenshteinLevel("dob", 1), "One digit off", 0.01),
            _identifier_agrees("Dates of birth differ but an identifier agrees"),
            _disagrees("Dates of birth differ and no identifier agrees", DATES_OF_BIRTH_DISAGREE_M),
        ],
    )


def sex_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="sex",
        comparison_description="Sex",
        comparison_levels=[
            cll.NullLevel("sex"),
            _exact("sex", "Same sex", 0.99),
            _level(cll.ElseLevel(), "Different sex", 0.01),
        ],
    )


def postcode_comparison(frequencies: bool = True) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="postcode",
        comparison_description="Postcode: full, an earlier address, sector, district",
        comparison_levels=[
            cll.NullLevel("postcode"),
            _exact("postcode", "Same postcode", 0.8, frequencies=frequencies),
            # u fixed: random pairs rarely carry earlier postcodes, so sampling would leave u at the
            # floor and make an old address worth more than the current one.
            _level(_ListsOverlapLevel("postcodes_all", ""), "One's earlier postcode is the other's", 0.05).configure(
                u_probability=EARLIER_POSTCODE_U, fix_u_probability=True
            ),
            _exact("postcode_sector", "Same postcode sector", 0.03),
            _exact("postcode_district", "Same postcode district", 0.05),
            _level(cll.ElseLevel(), "Postcodes differ", 0.07),
        ],
    )


def identifier_comparison(column: str, description: str) -> cl.CustomComparison:
    m_same = IDENTIFIER_M[column]
    return cl.CustomComparison(
        output_column_name=column,
        comparison_description=description,
        comparison_levels=[
            cll.NullLevel(column),
            _exact(column, f"Same {description}", m_same).configure(fix_m_probability=True),
            _disagrees(f"Different {description}", 1 - m_same),
        ],
    )


def comparisons(*, term_frequencies: bool = True) -> list[cl.CustomComparison]:
    return [
        forename_comparison(term_frequencies),
        middle_names_comparison(),
        surname_comparison(term_frequencies),
        date_of_birth_comparison(),
        sex_comparison(),
        postcode_comparison(term_frequencies),
        identifier_comparison("nhs_number", "NHS number"),
        identifier_comparison("upn", "UPN"),
        identifier_comparison("la_child_id", "LA child id"),
    ]


def blocking_rules() -> list:
    """Which pairs are scored at all. Each rule survives a different mix of errors, so that together
    they find nearly every true pair, while each stays a join on equal values (no quadratic blocks)."""
    return [
        block_on("nhs_number"),
        block_on("upn"),
        block_on("la_child_id"),
        block_on("dob", "surname"),  # nickname or typo in the forename
        block_on("dob", "first_name"),  # changed surname
        block_on("first_name", "surname"),  # date of birth wrong
        block_on("dob", "first_middle_name"),  # nickname and changed surname
        "l.dob_swapped = r.dob AND l.surname = r.surname",  # day and month swapped and a nickname
        # Nickname, changed surname and no middle name. Only named records: a record with no name
        # (the CIN census, SSDA903) links by an identifier, or a twin's record could join both twins.
        "l.dob = r.dob AND l.postcode = r.postcode AND l.first_name IS NOT NULL AND r.first_name IS NOT NULL",
        "l.dob = r.dob AND l.first_name = r.surname",  # forename and surname swapped
    ]


# EM sessions, as the columns each blocks on: a session estimates every comparison but those.
TRAINING_BLOCKS = [("dob",), ("first_name", "surname")]


def deterministic_rules() -> list:
    """Rules that admit almost no false links, to estimate how often two records match."""
    return [
        block_on("nhs_number"),
        block_on("upn"),
        block_on("la_child_id"),
        block_on("first_name", "surname", "dob"),
    ]


@dataclass(frozen=True)
class Parameters:
    """What training learns: the prior, and m and u for each comparison level (null levels
    excluded), in the order model.py lists them. Plain numbers, so a model trained on DuckDB can
    score on Spark, be saved as JSON with an index, and explain a pair later."""

    probability_two_random_records_match: float
    levels: dict[str, list[tuple[float, float]]]

    def to_dict(self) -> dict:
        return {
            "probability_two_random_records_match": self.probability_two_random_records_match,
            "levels": {name: [list(mu) for mu in levels] for name, levels in self.levels.items()},
        }

    def to_json(self) -> str:
        """JSON with one comparison a line, so a change of model reads as a small diff."""
        lines = [f'  "{name}": {json.dumps([list(mu) for mu in levels])}' for name, levels in self.levels.items()]
        prior = json.dumps(self.probability_two_random_records_match)
        return f'{{\n"probability_two_random_records_match": {prior},\n"levels": {{\n' + ",\n".join(lines) + "\n}\n}\n"

    @classmethod
    def from_dict(cls, data: dict) -> Parameters:
        return cls(
            probability_two_random_records_match=float(data["probability_two_random_records_match"]),
            levels={name: [(float(m), float(u)) for m, u in levels] for name, levels in data["levels"].items()},
        )

    @classmethod
    def from_splink(cls, model: dict) -> Parameters:
        """From Splink's trained settings (`linker.misc.save_model_to_json()`), with every learnt
        probability at least PROBABILITY_FLOOR."""

        def floored(level: dict, name: str) -> float:
            value = level.get(f"{name}_probability")
            if level.get(f"fix_{name}_probability"):
                return value
            return max(value if isinstance(value, float | int) else 0.0, PROBABILITY_FLOOR)

        return cls(
            probability_two_random_records_match=model["probability_two_random_records_match"],
            levels={
                comparison["output_column_name"]: [
                    (floored(level, "m"), floored(level, "u"))
                    for level in comparison["comparison_levels"]
                    if not level.get("is_null_level")
                ]
                for comparison in model["comparisons"]
            },
        )


def _with_parameters(comparison: cl.CustomComparison, levels: list[tuple[float, float]]) -> cl.CustomComparison:
    creators = [level for level in comparison.create_comparison_levels() if not level.is_null_level]
    if len(creators) != len(levels):
        raise ValueError(
            f"The saved model has {len(levels)} levels for {comparison.create_output_column_name()}, "
            f"this engine {len(creators)}: retrain it"
        )
    for creator, (m, u) in zip(creators, levels, strict=True):
        creator.configure(m_probability=m, u_probability=u)
    return comparison


def settings(
    parameters: Parameters | None = None, *, term_frequencies: bool = True, explain: bool = False
) -> SettingsCreator:
    """Splink's settings: untrained (starting values) or with learnt parameters."""
    chosen = comparisons(term_frequencies=term_frequencies)
    prior = 1e-4
    if parameters is not None:
        chosen = [_with_parameters(c, parameters.levels[c.create_output_column_name()]) for c in chosen]
        prior = parameters.probability_two_random_records_match
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=chosen,
        blocking_rules_to_generate_predictions=blocking_rules(),
        probability_two_random_records_match=prior,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=explain,
        max_iterations=20,
    )


DEFAULT_MODEL = Path(__file__).with_name("default_model.json")


@lru_cache(maxsize=1)
def default_parameters() -> Parameters | None:
    """Parameters learnt on the synthetic authority at its default error rates
    (`benchmarks/linkage.py --save-default-model`): the model for a batch too small to learn from."""
    if not DEFAULT_MODEL.exists():
        return None
    return Parameters.from_dict(json.loads(DEFAULT_MODEL.read_text(encoding="utf-8")))
