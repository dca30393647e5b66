"""The linkage model for children's records: what is compared, how closely, and which pairs are
looked at at all.

Children's records go wrong in known ways: a nickname for the forename (Alfie for Alfred), a
misspelt or phonetically written name, a former or hyphenated surname, a date of birth with day
and month swapped, an identifier missing or mistyped, an address not updated. Each has its own
comparison level, and training learns from the records how much each kind of agreement is worth
(engine.train). Twins and siblings share surname, home and (twins) date of birth: what tells them
apart is the forename, the middle names, the date of birth and the identifiers, so when a name or
the date differs in every way it outweighs everything else agreeing, unless an identifier agrees
or nearly agrees. README.md gives the levels, what stays fixed and the measurements behind it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from splink import SettingsCreator, block_on
from splink import comparison_level_library as cll
from splink import comparison_library as cl
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect

# Fixed m, not learnt, for "first names (middle names, dates of birth) differ in every way and no
# identifier agrees or nearly agrees". Twins and siblings share surname, home, sex and, for twins,
# the date of birth; Splink assumes comparisons independent, so their agreements add up to 30-40
# bits, and EM learns the disagreement from a population in which such pairs look like matches.
# Measured (README.md): learnt, precision on the synthetic authority falls from 0.9984 to 0.9905
# (twins merge) while FEBRL's F1 gains at most 0.0022. 2^-40 is about -40 bits.
FIRST_NAMES_DISAGREE_M = 2.0**-40
MIDDLE_NAMES_DISAGREE_M = 2.0**-20
DATES_OF_BIRTH_DISAGREE_M = 2.0**-20
# m for the children's identifiers, fixed: EM cannot learn them when a number is held by one agency
# only (the NHS number, in child health), and learnt on the synthetic authority it made an LA child
# id that differs worth nothing. A child may carry two valid numbers: a duplicate NHS registration,
# a new UPN on moving school. Any other identifier (a case number, FEBRL's soc_sec_id) is learnt.
IDENTIFIER_M = {"nhs_number": 0.999, "upn": 0.99, "la_child_id": 0.999}
IDENTIFIERS = ("nhs_number", "upn", "la_child_id", "other_id")
# Twice the share of random pairs at one postcode in a 100,000-child authority.
EARLIER_POSTCODE_U = 1e-3
# A surname held by one child in the authority would otherwise be worth ~19 bits alone.
TF_MINIMUM_U = 1e-5
# No level learnt from data is treated as impossible (a sex recorded wrongly, say).
PROBABILITY_FLOOR = 1e-6
# Columns whose exact agreement is adjusted for how common the value is.
TERM_FREQUENCY_COLUMNS = ("first_name", "surname", "postcode_text")


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


class _WithinDaysLevel(ComparisonLevelCreator):
    """Two ISO dates (text) at most `days` apart."""

    def __init__(self, column: str, days: int, label: str):
        self.column = column
        self.days = days
        self.label = label

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        left, right = f"{self.column}_l", f"{self.column}_r"
        if sql_dialect.sql_dialect_str == "spark":
            apart = f"abs(datediff(to_date({left}), to_date({right})))"
        else:
            apart = f"abs(date_diff('day', cast({left} as date), cast({right} as date)))"
        return f"{apart} <= {self.days}"

    def create_label_for_charts(self) -> str:
        return self.label


def _within_typos(sql_dialect: SplinkDialect, column: str, typos: int) -> str:
    """At most `typos` insertions, deletions, substitutions or transpositions apart (Damerau-
    Levenshtein). The length and Levenshtein tests come first because they are cheap and rule out
    nearly every pair: DuckDB's Damerau-Levenshtein alone takes ten times as long."""
    left, right = f"{column}_l", f"{column}_r"
    return (
        f"(abs(length({left}) - length({right})) <= {typos} AND levenshtein({left}, {right}) <= {2 * typos}"
        f" AND {sql_dialect.damerau_levenshtein_function_name}({left}, {right}) <= {typos})"
    )


class _TyposLevel(ComparisonLevelCreator):
    def __init__(self, column: str, typos: int):
        self.column = column
        self.typos = typos

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        return _within_typos(sql_dialect, self.column, self.typos)

    def create_label_for_charts(self) -> str:
        return f"{self.column} within {self.typos} typos"


def _typos(column: str, typos: int, label: str, m: float) -> ComparisonLevelCreator:
    return _level(_TyposLevel(column, typos), label, m)


def _level(creator: ComparisonLevelCreator, label: str, m: float) -> ComparisonLevelCreator:
    """A level with its label and EM's starting m."""
    return creator.configure(label_for_charts=label, m_probability=m)


def _custom(sql: str, label: str, m: float) -> ComparisonLevelCreator:
    return _level(cll.CustomLevel(sql), label, m)


def _identifier_agrees(label: str) -> ComparisonLevelCreator:
    """When an identifier agrees, names or dates that differ in every way say nothing either way (a
    child renamed on adoption, known by another name, a date keyed wrongly): weight fixed at 0."""
    agrees = " OR ".join(f"{name}_l = {name}_r" for name in IDENTIFIERS)
    return cll.CustomLevel(agrees).configure(
        label_for_charts=label, m_probability=0.01, u_probability=0.01, fix_m_probability=True, fix_u_probability=True
    )


def _identifier_nearly_agrees(label: str, m: float) -> ComparisonLevelCreator:
    """Names or dates that differ in every way, with an identifier one typo apart: learnt, not fixed.
    FEBRL's duplicates often hold another first name and a mistyped number; twins hold distinct
    numbers (NHS numbers and UPNs carry a check character, so two valid ones are never one typo
    apart)."""

    class NearlyAgrees(ComparisonLevelCreator):
        def create_sql(self, sql_dialect: SplinkDialect) -> str:
            return " OR ".join(_within_typos(sql_dialect, name, 1) for name in IDENTIFIERS)

        def create_label_for_charts(self) -> str:
            return label

    return _level(NearlyAgrees(), label, m)


def _unless_an_identifier_agrees(differ: str, m: float) -> list[ComparisonLevelCreator]:
    """The last levels of a comparison that tells twins and siblings apart: differing says nothing
    when an identifier agrees, is learnt when one is a typo apart, and otherwise weighs m (fixed)."""
    return [
        _identifier_agrees(f"{differ} but an identifier agrees"),
        _identifier_nearly_agrees(f"{differ}, an identifier one typo apart", 0.01),
        _else(f"{differ} and no identifier agrees", m).configure(fix_m_probability=True),
    ]


def _exact(column: str, label: str, m: float, *, frequencies: bool = False) -> ComparisonLevelCreator:
    level = cll.ExactMatchLevel(column, term_frequency_adjustments=frequencies)
    if frequencies:
        level.configure(tf_minimum_u_value=TF_MINIMUM_U)
    return _level(level, label, m)


def _else(label: str, m: float) -> ComparisonLevelCreator:
    return _level(cll.ElseLevel(), label, m)


def _initial(column: str, label: str, m: float) -> ComparisonLevelCreator:
    """One record holds only an initial, and it is the other's."""
    left, right = f"{column}_l", f"{column}_r"
    return _custom(
        f"substr({left}, 1, 1) = substr({right}, 1, 1) AND (length({left}) = 1 OR length({right}) = 1)", label, m
    )


def _swapped_with_middle_name() -> ComparisonLevelCreator:
    return _custom(
        "first_name_l = first_middle_name_r OR first_middle_name_l = first_name_r",
        "First and middle names swapped",
        0.01,
    )


def forename_comparison(frequencies: bool = True) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="forename",
        comparison_description="First name: exact, nickname, swapped, typos, sound, similar, initial",
        comparison_levels=[
            cll.NullLevel("first_name"),
            _exact("first_name", "Same first name", 0.85, frequencies=frequencies),
            _level(_ValueInOtherListLevel("first_name", "forename_variants", ""), "Nickname (Bill ~ William)", 0.03),
            _level(
                cll.ColumnsReversedLevel("first_name", "surname", symmetrical=True),
                "Forename and surname swapped",
                0.005,
            ),
            _custom("first_name_l = surname_r OR surname_l = first_name_r", "First name is the other's surname", 0.005),
            _swapped_with_middle_name(),
            _typos("first_name", 1, "First name one typo apart", 0.04),
            _exact("first_name_sound", "First names sound the same", 0.01),
            _typos("first_name", 2, "First name two typos apart", 0.02),
            _level(cll.JaroWinklerLevel("first_name", 0.88), "First names similar (Jaro-Winkler 0.88)", 0.01),
            _initial("first_name", "First name is the other's initial", 0.005),
            *_unless_an_identifier_agrees("First names differ", FIRST_NAMES_DISAGREE_M),
        ],
    )


def middle_names_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="middle_names",
        comparison_description="Middle names: all, the first, any, one typo in the first, initial",
        comparison_levels=[
            cll.NullLevel("first_middle_name"),
            _exact("middle_names", "Same middle names", 0.9),
            _exact("first_middle_name", "Same first middle name", 0.03),
            _level(_ListsOverlapLevel("middle_name_tokens", ""), "A middle name in common", 0.01),
            _typos("first_middle_name", 1, "First middle name one typo apart", 0.02),
            _initial("first_middle_name", "First middle name is the other's initial", 0.005),
            *_unless_an_identifier_agrees("Middle names differ", MIDDLE_NAMES_DISAGREE_M),
        ],
    )


def surname_comparison(frequencies: bool = True) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="surname",
        comparison_description="Surname: exact, swapped, former or hyphenated part, typos, sound, similar",
        comparison_levels=[
            cll.NullLevel("surname"),
            _exact("surname", "Same surname", 0.85, frequencies=frequencies),
            _level(
                cll.ColumnsReversedLevel("first_name", "surname", symmetrical=True),
                "Forename and surname swapped",
                0.005,
            ),
            _custom("surname_l = first_name_r OR first_name_l = surname_r", "Surname is the other's first name", 0.005),
            _level(_ListsOverlapLevel("surnames_all", ""), "Former surname or part of a hyphenated surname", 0.03),
            _typos("surname", 1, "Surname one typo apart", 0.04),
            _exact("surname_sound", "Surnames sound the same", 0.01),
            _typos("surname", 2, "Surname two typos apart", 0.02),
            _level(cll.JaroWinklerLevel("surname", 0.88), "Surnames similar (Jaro-Winkler 0.88)", 0.01),
            _else("Surnames differ", 0.03),
        ],
    )


def date_of_birth_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_description="Date of birth: exact, day and month swapped, one part off, within a year",
        comparison_levels=[
            cll.NullLevel("dob"),
            _exact("dob", "Same date of birth", 0.9),
            _custom("dob_swapped_l = dob_r", "Day and month swapped", 0.01),
            _custom(
                "(substr(dob_l, 1, 7) = substr(dob_r, 1, 7)) OR (substr(dob_l, 1, 4) = substr(dob_r, 1, 4)"
                " AND substr(dob_l, 9, 2) = substr(dob_r, 9, 2)) OR (substr(dob_l, 6, 5) = substr(dob_r, 6, 5))",
                "Day, month or year off, the other two the same",
                0.04,
            ),
            _level(_WithinDaysLevel("dob", 365, ""), "Within a year", 0.02),
            *_unless_an_identifier_agrees("Dates of birth differ", DATES_OF_BIRTH_DISAGREE_M),
        ],
    )


def sex_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="sex",
        comparison_description="Sex",
        comparison_levels=[
            cll.NullLevel("sex"),
            _exact("sex", "Same sex", 0.98),
            _else("Different sex", 0.02),
        ],
    )


def home_comparison(frequencies: bool = True) -> cl.CustomComparison:
    """Postcode and first line of address as one comparison: twins and siblings share both, so two
    comparisons would count one home twice."""
    same_postcode = _exact("postcode_text", "Same postcode", 0.3, frequencies=frequencies)
    same_home = _custom("postcode_text_l = postcode_text_r AND address_l = address_r", "Same postcode and address", 0.5)
    if frequencies:
        same_home.configure(
            tf_adjustment_column="postcode_text", tf_adjustment_weight=1.0, tf_minimum_u_value=TF_MINIMUM_U
        )
    return cl.CustomComparison(
        output_column_name="home",
        comparison_description="Postcode and address: both, postcode, an earlier postcode, address, sector, district",
        comparison_levels=[
            cll.CustomLevel(
                "(postcode_text_l IS NULL OR postcode_text_r IS NULL) AND (address_l IS NULL OR address_r IS NULL)"
            ).configure(is_null_level=True),
            same_home,
            same_postcode,
            # u fixed: random pairs rarely carry earlier postcodes, so sampling would leave u at the
            # floor and make an old address worth more than the current one.
            _level(_ListsOverlapLevel("postcodes_all", ""), "One's earlier postcode is the other's", 0.05).configure(
                u_probability=EARLIER_POSTCODE_U, fix_u_probability=True
            ),
            _exact("address", "Same first line of address, postcode differs", 0.03),
            _level(cll.JaroWinklerLevel("address", 0.9), "First lines of address similar", 0.03),
            _exact("postcode_sector", "Same postcode sector", 0.02),
            _exact("postcode_district", "Same postcode district", 0.02),
            # Postcodes in no UK format (another country's, or a typo) are still compared as text.
            _typos("postcode_text", 1, "Postcode one typo apart", 0.02),
            _else("Postcodes and addresses differ", 0.03),
        ],
    )


def identifier_comparison(column: str, description: str) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_description=description,
        comparison_levels=[
            cll.NullLevel(column),
            *_fixed_if_children(column, _exact(column, f"Same {description}", 0.95), "same"),
            _typos(column, 1, f"{description} one typo apart", 0.001),
            *_fixed_if_children(column, _else(f"Different {description}", 0.02), "different"),
        ],
    )


def _fixed_if_children(column: str, level: ComparisonLevelCreator, which: str) -> list[ComparisonLevelCreator]:
    """The children's identifiers' m, fixed (IDENTIFIER_M); any other identifier's is learnt."""
    if column in IDENTIFIER_M:
        same = IDENTIFIER_M[column]
        level.configure(m_probability=same if which == "same" else 1 - same, fix_m_probability=True)
    return [level]


def comparisons(*, term_frequencies: bool = True) -> list[cl.CustomComparison]:
    return [
        forename_comparison(term_frequencies),
        middle_names_comparison(),
        surname_comparison(term_frequencies),
        date_of_birth_comparison(),
        sex_comparison(),
        home_comparison(term_frequencies),
        identifier_comparison("nhs_number", "NHS number"),
        identifier_comparison("upn", "UPN"),
        identifier_comparison("la_child_id", "LA child id"),
        identifier_comparison("other_id", "other identifier"),
    ]


def blocking_rules() -> list:
    """Which pairs are scored at all. Each rule survives a different mix of errors, so that together
    they find nearly every true pair, while each stays a join on equal values (no quadratic blocks)."""
    return [
        block_on("nhs_number"),
        block_on("upn"),
        block_on("la_child_id"),
        block_on("other_id"),
        block_on("dob", "surname"),  # nickname or typo in the forename
        block_on("dob", "first_name"),  # changed surname
        block_on("first_name", "surname"),  # date of birth wrong
        block_on("dob", "first_middle_name"),  # nickname and changed surname
        block_on("first_name_sound", "surname_sound", "postcode_text"),  # both names misspelt, date wrong
        "l.dob_swapped = r.dob AND l.surname = r.surname",  # day and month swapped and a nickname
        # Nickname, changed surname and no middle name, or no first name. Only named records: a record
        # with no name (the CIN census, SSDA903) links by an identifier, or a twin's could join both twins.
        "l.dob = r.dob AND l.postcode_text = r.postcode_text AND coalesce(l.first_name, l.surname) IS NOT NULL"
        " AND coalesce(r.first_name, r.surname) IS NOT NULL",
        block_on("postcode_text", "address"),  # the same home: names and date changed
        block_on("first_name", "address"),  # moved within the area, surname and date changed
        # Forename and surname swapped (either way round: Splink keeps each pair once).
        "l.dob = r.dob AND l.first_name = r.surname",
        "l.dob = r.dob AND l.surname = r.first_name",
    ]


# EM sessions, as the columns each blocks on: a session estimates every comparison but those.
TRAINING_BLOCKS = [("dob",), ("first_name", "surname")]


def deterministic_rules() -> list:
    """Rules that admit almost no false links, to estimate how often two records match."""
    return [
        block_on("nhs_number"),
        block_on("upn"),
        block_on("la_child_id"),
        block_on("other_id"),
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


# The columns each comparison reads for its null level.
COMPARISON_COLUMNS = {
    "forename": ("first_name",),
    "middle_names": ("first_middle_name",),
    "surname": ("surname",),
    "date_of_birth": ("dob",),
    "sex": ("sex",),
    "home": ("postcode_text", "address"),
    **{name: (name,) for name in IDENTIFIERS},
}


def empty_comparisons(table: pd.DataFrame) -> frozenset[str]:
    """Comparisons no record of a linkage table can take part in (FEBRL holds no sex, NHS number or
    UPN): every pair is at their null level, so training leaves them out and they keep the
    parameters they had. Each comparison costs Splink a pass over the sampled pairs for u."""
    return frozenset(
        name for name, columns in COMPARISON_COLUMNS.items() if not table[list(columns)].notna().any().any()
    )


def settings(
    parameters: Parameters | None = None,
    *,
    term_frequencies: bool = True,
    explain: bool = False,
    leave_out: frozenset[str] = frozenset(),
) -> SettingsCreator:
    """Splink's settings: untrained (starting values) or with learnt parameters, without the
    comparisons named in `leave_out`."""
    chosen = [
        c for c in comparisons(term_frequencies=term_frequencies) if c.create_output_column_name() not in leave_out
    ]
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
