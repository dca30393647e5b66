"""A cohort is a definition, not a list: filters over the children the measures know, turned into
one SQL condition for DuckDB and into plain English for the page that shows how it was defined."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date

from .definitions import KEY_GROUPS

AGE_BANDS = {  # DfE's age bands for children looked after and in need
    "under_1": ("Under 1", 0, 0),
    "1_to_4": ("1 to 4", 1, 4),
    "5_to_9": ("5 to 9", 5, 9),
    "10_to_15": ("10 to 15", 10, 15),
    "16_and_over": ("16 and over", 16, 25),
}
SEXES = {"M": "Boys", "F": "Girls"}
LEVELS_OF_NEED = {
    "universal": "Universal",
    "additional": "Additional",
    "complex": "Complex",
    "acute": "Acute or specialist",
}
SUPPORTED = {"yes": "Had a team around the child", "no": "Never had a team around the child"}


@dataclass(frozen=True)
class Definition:
    key_groups: list[str] = field(default_factory=list)
    localities: list[int] = field(default_factory=list)
    schools: list[str] = field(default_factory=list)
    age_bands: list[str] = field(default_factory=list)
    sexes: list[str] = field(default_factory=list)
    ethnicities: list[str] = field(default_factory=list)
    levels_of_need: list[str] = field(default_factory=list)
    supported: str = ""  # "yes", "no" or "" for either
    help_from: date | None = None
    help_to: date | None = None

    @classmethod
    def from_json(cls, data: dict) -> Definition:
        values = dict(data)
        for name in ("help_from", "help_to"):
            values[name] = date.fromisoformat(values[name]) if values.get(name) else None
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})

    def to_json(self) -> dict:
        values = asdict(self)
        for name in ("help_from", "help_to"):
            values[name] = values[name].isoformat() if values[name] else None
        return values

    def population(self) -> Definition:
        """The children a comparison draws on: the same filters, but supported or not and whenever
        help started, so similar children not (yet) supported are there to compare with."""
        return replace(self, supported="", help_from=None, help_to=None)

    def where(self, alias: str = "c") -> tuple[str, list]:
        """One condition over the `children` table (aliased `alias`), with its parameters."""
        parts, params = [], []

        def any_of(column: str, values: list) -> None:
            if values:
                parts.append(f"{alias}.{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)

        if self.key_groups:
            parts.append(
                "(" + " OR ".join(f"{alias}.{group}" for group in self.key_groups if group in KEY_GROUPS) + ")"
            )
        any_of("locality_id", self.localities)
        any_of("school", self.schools)
        any_of("sex", self.sexes)
        any_of("ethnicity", self.ethnicities)
        any_of("level_of_need", self.levels_of_need)
        if self.age_bands:
            ages = []
            for band in self.age_bands:
                _, youngest, oldest = AGE_BANDS[band]
                ages.append(f"{alias}.age BETWEEN ? AND ?")
                params.extend([youngest, oldest])
            parts.append("(" + " OR ".join(ages) + ")")
        if self.supported:
            parts.append(f"{'' if self.supported == 'yes' else 'NOT '}{alias}.supported")
        if self.help_from:
            parts.append(f"{alias}.first_helped_on >= ?")
            params.append(self.help_from)
        if self.help_to:
            parts.append(f"{alias}.first_helped_on <= ?")
            params.append(self.help_to)
        return (" AND ".join(parts) or "TRUE"), params

    def described(self, locality_names: dict[int, str] | None = None) -> list[str]:
        """How the cohort was defined, a line per filter, for the page and the export's notes."""
        names = locality_names or {}
        lines = []
        if self.key_groups:
            lines.append("In any of these key groups: " + ", ".join(KEY_GROUPS[g][0] for g in self.key_groups))
        if self.localities:
            lines.append("Living in: " + ", ".join(names.get(i, f"locality {i}") for i in self.localities))
        if self.schools:
            lines.append("At school (URN): " + ", ".join(self.schools))
        if self.age_bands:
            lines.append("Aged: " + ", ".join(AGE_BANDS[b][0] for b in self.age_bands))
        if self.sexes:
            lines.append("Sex: " + ", ".join(SEXES[s] for s in self.sexes))
        if self.ethnicities:
            lines.append("Ethnicity (DfE code): " + ", ".join(self.ethnicities))
        if self.levels_of_need:
            lines.append("Level of need at referral: " + ", ".join(LEVELS_OF_NEED[v] for v in self.levels_of_need))
        if self.supported:
            lines.append(SUPPORTED[self.supported])
        if self.help_from or self.help_to:
            since = f" from {self.help_from:%-d %B %Y}" if self.help_from else ""
            until = f" to {self.help_to:%-d %B %Y}" if self.help_to else ""
            lines.append(f"Help started{since}{until}")
        return lines or ["Every child the measures know"]
