"""A synthetic research consortium for the demo: fourteen authorities of the kinds LARC had (counties,
metropolitan and unitary authorities, a London borough), each with a hidden maturity that shapes
what its directors, managers, practitioners, parents and children answer, over two rounds. The
same seed gives the same consortium. No Django here: it reads the instruments from their files and
returns plain data; joinedup.selfeval.demo.loader puts it in the database."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from joinedup.selfeval import content

PHRASES = tomllib.loads((Path(__file__).parent / "phrases.toml").read_text(encoding="utf-8"))

# Invented names; the kinds follow LARC Round 1 (4 counties, 4 metropolitan, 5 unitary, 1 London).
AUTHORITIES = [
    ("Brackenshire County Council", "county"),
    ("Coldmere Metropolitan Borough Council", "metropolitan"),
    ("Dunholt City Council", "unitary"),
    ("Elmsworth County Council", "county"),
    ("Fenbury Borough Council", "unitary"),
    ("Greymoor Metropolitan Borough Council", "metropolitan"),
    ("Hartwell Vale Council", "unitary"),
    ("London Borough of Ingleby", "london"),
    ("Kestrel Bay Council", "unitary"),
    ("Larkspur County Council", "county"),
    ("Merrowdale Metropolitan Borough Council", "metropolitan"),
    ("Northwick City Council", "unitary"),
    ("Oakhurst County Council", "county"),
    ("Pennyford Metropolitan Borough Council", "metropolitan"),
]
LOCALITIES = ["North", "Riverside", "East Central", "Westfield", "Southgate", "Town Centre", "Valley", "Coastal"]
ROUNDS = [
    (1, "Round 1 (2024 to 2025)", date(2024, 9, 2), date(2025, 3, 28)),
    (2, "Round 2 (2025 to 2026)", date(2025, 9, 1), date(2026, 3, 27)),
]
KEY_GROUPS = ("lac", "asd", "ks3_absence")
# How often parents and children named each item (ordered as LARC Round 1's Table 1 ranks them).
PARENT_OUTCOMES = {
    "confidence": 0.56, "school_work": 0.5, "feel_safer": 0.46, "feel_happier": 0.45, "like_school": 0.38,
    "friendships": 0.34, "calmer": 0.32, "attendance": 0.3, "aspirations": 0.27, "getting_on_with_people": 0.25,
    "behaviour": 0.23, "less_angry": 0.21, "communication_skills": 0.19, "get_on_at_home": 0.08,
}  # fmt: skip
CHILD_OUTCOMES = {
    "school_work": 0.52, "feel_safer": 0.48, "feel_happier": 0.46, "friendships": 0.4, "confidence": 0.36,
    "getting_on_with_people": 0.32, "like_school": 0.3, "attendance": 0.29, "calmer": 0.27, "behaviour": 0.25,
    "less_angry": 0.23, "get_on_at_home": 0.22, "aspirations": 0.1, "communication_skills": 0.08,
}  # fmt: skip
FAMILY = {
    "less_worried": 0.5,
    "cope_as_family": 0.35,
    "less_stressed": 0.35,
    "more_supported": 0.4,
    "time_for_family": 0.15,
}
# Features front-line staff name most (LARC Table 2, practitioners' column), and those still to develop.
FRONT_LINE = ["multi_agency_panels", "working_together", "relationships_cultures", "involving_parents_children",
              "locality_working", "stability_continuity", "holistic_view", "early_intervention", "communication",
              "workforce_training"]  # fmt: skip
TO_DEVELOP = ["resources", "working_together", "time", "communication", "leadership", "funding_models",
              "agency_sign_up", "co_location", "consultation_professionals", "commissioning"]  # fmt: skip
DEFINITIONS = [
    "Agencies working together around the child and family so they get the right help at the right time.",
    "Services joined up so families don't have to tell their story over and over again.",
    "Education, health and social care sharing responsibility and information, with the child at the centre.",
    "Wrapping services around the child rather than making the family fit the services.",
    "It means the CAF, lead professionals and locality teams: one front door and one plan.",
    "Working in partnership with other professionals and sharing ownership of outcomes.",
    "Less duplication and better coordination between the agencies involved.",
    "I'm not sure there is a common definition here yet, but people understand where we're heading.",
    "A holistic approach to meeting children's individual needs, across all the services.",
]
EVIDENCE = [
    "The CAF is now used in every school and the panel meets fortnightly.",
    "Case examples from the locality team, and feedback from parents at reviews.",
    "Attendance data for the group and what families tell us.",
    "We can point to new structures and tools, but not yet to outcomes.",
    "Practitioners describe working differently; we have not measured outcomes yet.",
    "Placement stability figures have improved over two years.",
]
QUANTIFIED = [
    "Looked-after numbers fell by 9% over two years while referrals to the safeguarding team went down.",
    "CAF destination data: most needs were met at a preventative level, within universal services.",
    "Attendance of the key stage 3 group rose from 78% to 84% in the locality.",
]
SUPPORT = {
    "lac": [
        "My foster carer, my social worker and a teaching assistant.",
        "Social worker, CAMHS and the virtual school.",
    ],
    "asd": [
        "The autism outreach team and a support worker at school.",
        "Speech and language therapy and the autism team.",
    ],
    "ks3_absence": [
        "The education welfare officer and a mentor at school.",
        "A family support worker and a school mentor.",
    ],
}
TEMPLATES = {
    "plain": {
        1: ["{A}.", "Mainly {a}.", "I would say {a}.", "{A} - that makes the biggest difference.", "For me it's {a}."],
        2: ["{A}, and {b}.", "{A}. Also {b}.", "Two things really: {a}, and {b}.", "{A}; {b} helps as well."],
        3: ["{A}, {b} and {c}.", "{A}. {B}. And {c}."],
    },
    "develop": {
        1: ["We still need {a}.", "{A} is what's missing.", "More work is needed on {a}."],
        2: ["We still need {a}, and {b}.", "{A} is missing, and so is {b}.", "Two gaps: {a}, and {b}."],
        3: ["We still need {a}, {b} and {c}.", "{A}. {B}. And {c} - all still missing."],
    },
    "impact": {
        1: ["{A}.", "Since the changes, {a}.", "The main thing is that {a}."],
        2: ["{A}, and {b}.", "{A}. Also, {b}.", "Since the changes, {a}; and {b}."],
        3: ["{A}; {b}; and {c}.", "{A}. {B}. And {c}."],
    },
}


@dataclass
class AuthoritySpec:
    name: str
    la_code: str
    kind: str
    locality: str
    key_groups: list[str]
    integrated_since: int
    maturity: float


@dataclass
class ResponseSpec:
    round_number: int
    authority: int
    instrument: str
    key_group: str | None
    answers: dict[str, dict]
    codes: dict[str, list[str]] = field(default_factory=dict)
    second_codes: dict[str, list[str]] = field(default_factory=dict)
    sent: bool = True
    interview: bool = False


@dataclass
class Consortium:
    seed: int
    rounds: list[tuple[int, str, date, date]]
    authorities: list[AuthoritySpec]
    responses: list[ResponseSpec]


def _sentence(rng: np.random.Generator, scheme: str, codes: list[str], voice: str = "", style: str = "plain") -> str:
    fragments = []
    for code in codes:
        options = PHRASES[scheme][code]
        if voice == "child":
            options = [o for o in options if o.startswith("I")] or options
        elif voice == "parent":
            options = [o for o in options if not o.startswith("I")] or options
        fragments.append(str(rng.choice(options)))
    template = str(rng.choice(TEMPLATES[style][min(3, len(fragments))]))
    values = {}
    for letter, fragment in zip("abc", fragments, strict=False):
        values[letter] = fragment
        values[letter.upper()] = fragment[:1].upper() + fragment[1:]
    return template.format(**values)


def _pick(rng: np.random.Generator, pool: list[str], count: int, preferred: list[str], bias: float) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < count:
        source = preferred if preferred and rng.random() < bias else pool
        candidate = str(rng.choice(source))
        if candidate not in chosen:
            chosen.append(candidate)
    return chosen


def _second_coder(rng: np.random.Generator, truth: list[str], scheme_codes: list[str]) -> list[str]:
    """A second coder who mostly agrees: now and then a different code, a missed one or an extra."""
    codes = list(truth)
    if rng.random() < 0.12:
        codes[int(rng.integers(len(codes)))] = str(rng.choice(scheme_codes))
    if len(codes) > 1 and rng.random() < 0.08:
        codes.pop(int(rng.integers(len(codes))))
    if rng.random() < 0.06:
        codes.append(str(rng.choice(scheme_codes)))
    return sorted(set(codes))


class _Writer:
    """Answers for one person, question by question, from the instrument's own questions."""

    def __init__(self, rng, codebook: content.CodebookSpec, authority: AuthoritySpec, maturity: float, identity):
        self.rng = rng
        self.codebook = codebook
        self.authority = authority
        self.m = maturity
        self.identity = identity

    def staff(self, instrument: content.InstrumentSpec, group: str, key_group: str | None, box6: str | None):
        rng, m = self.rng, self.m
        answers: dict[str, dict] = {}
        codes: dict[str, list[str]] = {}
        bias = {"dcs": 0.35, "manager": 0.2, "practitioner": -0.35 * (1 - m)}[group]
        for q in instrument.questions:
            if q.measure == "definition":
                answers[q.key] = {"text": str(rng.choice(DEFINITIONS))}
            elif q.measure == "shared_definition":
                answers[q.key] = {"choices": [str(rng.choice(["yes", "partly", "no"], p=_shared(m)))]}
            elif q.measure == "impact_level":
                if m < 0.4 and rng.random() < 0.1:
                    answers[q.key] = {"dont_know": True}
                else:
                    level = int(np.clip(round(1 + 3 * m + bias + rng.normal(0, 0.35 + 0.6 * (1 - m))), 1, 4))
                    answers[q.key] = {"score": level, "evidence": str(rng.choice(EVIDENCE))}
            elif q.measure == "impacts_seen":
                chosen = self._impacts()
                answers[q.key] = {"text": _sentence(rng, "impact", chosen, style="impact")}
                codes[q.key] = chosen
            elif q.measure == "features_grid":
                grid = {}
                for row in q.options:
                    key = row["key"]
                    ticks = []
                    if rng.random() < (0.85 if key in self.identity["features"] else 0.35 + 0.4 * m):
                        ticks.append("contributing")
                    if rng.random() < (0.1 if ticks else 0.15 + 0.35 * (1 - m)):
                        ticks.append("to_develop")
                    if ticks:
                        grid[key] = ticks
                answers[q.key] = {"grid": grid}
            elif q.measure == "features_contributing":
                pool = (
                    FRONT_LINE
                    if group == "practitioner"
                    else [c.key for c in self.codebook.codes if c.scheme == "feature"]
                )
                chosen = _pick(rng, pool, int(rng.integers(1, 4)), self.identity["features"], 0.3 + 0.55 * m)
                answers[q.key] = {"text": _sentence(rng, "feature", chosen)}
                codes[q.key] = chosen
            elif q.measure == "features_to_develop":
                chosen = _pick(
                    rng, TO_DEVELOP, int(rng.integers(1, 3 if m > 0.5 else 4)), self.identity["develop"], 0.5
                )
                answers[q.key] = {"text": _sentence(rng, "feature", chosen)}
                codes[q.key] = chosen
            elif q.measure.startswith("dimension:"):
                if rng.random() < 0.05:
                    answers[q.key] = {"dont_know": True}
                else:
                    score = int(np.clip(round(1.4 + 3.2 * m + bias / 2 + rng.normal(0, 0.75)), 1, 5))
                    answers[q.key] = {"score": score}
            elif q.measure.startswith("evidence:") and rng.random() < 0.3:
                answers[q.key] = {"text": str(rng.choice(EVIDENCE))}
            elif q.measure == "enablers":
                answers[q.key] = {"choices": [o["key"] for o in q.options if rng.random() < 0.2 + 0.6 * m]}
            elif q.measure == "challenges":
                answers[q.key] = {"choices": [o["key"] for o in q.options if rng.random() < 0.6 - 0.4 * m]}
            elif q.measure == "challenges_other" and rng.random() < 0.45:
                scheme_codes = [c.key for c in self.codebook.codes if c.scheme == "challenge"]
                chosen = _pick(rng, scheme_codes, int(rng.integers(1, 3)), [], 0)
                answers[q.key] = {"text": _sentence(rng, "challenge", chosen)}
                codes[q.key] = chosen
            elif q.measure.startswith("success_factors:"):
                answers[q.key] = {"choices": [o["key"] for o in q.options if rng.random() < 0.25 + 0.55 * m]}
            elif q.measure == "quantified_evidence" and box6:
                answers[q.key] = {"choices": [box6]}
            elif q.measure == "quantified_evidence_detail" and box6 in ("ascribed", "not_ascribed"):
                answers[q.key] = {"text": str(rng.choice(QUANTIFIED))}
        return answers, codes

    def _impacts(self) -> list[str]:
        rng, m = self.rng, self.m
        if m < 0.35 and rng.random() < 0.25:
            return ["too_soon"]
        top = int(np.clip(round(1 + 3 * m + rng.normal(0, 0.6)), 1, 4))
        pool = [c.key for c in self.codebook.codes if c.scheme == "impact" and c.level and c.level <= top]
        return _pick(rng, pool, int(rng.integers(1, 4)), self.identity["impacts"], 0.25 + 0.5 * m)

    def family(self, instrument: content.InstrumentSpec, voice: str, key_group: str):
        rng = self.rng
        answers: dict[str, dict] = {}
        codes: dict[str, list[str]] = {}
        lift = 0.15 * (self.m - 0.5)
        for q in instrument.questions:
            if q.measure == "support_received":
                answers[q.key] = {"text": str(rng.choice(SUPPORT[key_group]))}
            elif q.measure == "support_difference":
                chances = PARENT_OUTCOMES if voice == "parent" else CHILD_OUTCOMES
                chosen = [k for k, p in chances.items() if rng.random() < p + lift]
                answers[q.key] = {"choices": chosen or ["none"]}
            elif q.measure == "support_difference_other" and rng.random() < 0.3:
                chosen = [str(rng.choice(list(PARENT_OUTCOMES)))]
                answers[q.key] = {"text": _sentence(rng, "outcome", chosen, voice)}
                codes[q.key] = chosen
            elif q.measure == "family_difference":
                answers[q.key] = {"choices": [k for k, p in FAMILY.items() if rng.random() < p + lift]}
            elif q.measure == "improvements" and rng.random() < 0.7:
                pool = [c.key for c in self.codebook.codes if c.scheme == "improvement"]
                chosen = _pick(rng, pool, int(rng.integers(1, 3)), [], 0)
                answers[q.key] = {"text": _sentence(rng, "improvement", chosen, voice if voice == "child" else "")}
                codes[q.key] = chosen
        return answers, codes


def _shared(m: float) -> list[float]:
    yes = 0.1 + 0.6 * m
    no = max(0.05, 0.5 - 0.5 * m)
    return [yes / (yes + 0.4 + no), 0.4 / (yes + 0.4 + no), no / (yes + 0.4 + no)]


def generate(*, seed: int = 2025, first_authority: tuple[str, str, str] | None = None) -> Consortium:
    """The consortium for `seed`. `first_authority` (name, LA code, locality) puts an existing
    authority, such as the demo's synthetic one, first in place of an invented one."""
    rng = np.random.default_rng(seed)
    codebook = content.read_codebook()
    instruments = {p.stem: content.read_instrument(p, codebook) for p in content.instrument_paths()}
    features = [c.key for c in codebook.codes if c.scheme == "feature"]
    impacts = [c.key for c in codebook.codes if c.scheme == "impact" and c.level]

    maturities = np.linspace(0.12, 0.88, len(AUTHORITIES))
    rng.shuffle(maturities)
    authorities = []
    for index, ((name, kind), maturity) in enumerate(zip(AUTHORITIES, maturities, strict=True)):
        locality = LOCALITIES[index % len(LOCALITIES)]
        la_code = f"{940 + index}"
        if index == 0 and first_authority is not None:
            name, la_code, locality = first_authority
            kind = "unitary"
        groups = list(KEY_GROUPS) if rng.random() < 0.7 else sorted(rng.choice(KEY_GROUPS, 2, replace=False).tolist())
        since = int(2001 + round((1 - maturity) * 6 + rng.normal(0, 0.8)))
        authorities.append(AuthoritySpec(name, la_code, kind, locality, groups, since, float(maturity)))
    # Each authority's shared language: features and impacts its staff tend to name, and what it lacks.
    identities = [
        {
            "features": rng.choice(features, 5, replace=False).tolist(),
            "impacts": rng.choice(impacts, 4, replace=False).tolist(),
            "develop": rng.choice(TO_DEVELOP, 3, replace=False).tolist(),
        }
        for _ in authorities
    ]

    responses: list[ResponseSpec] = []
    for round_index, (number, *_rest) in enumerate(ROUNDS):
        silent = set(rng.choice(len(authorities), 3, replace=False).tolist())
        order = np.argsort([-a.maturity for a in authorities])
        box6 = {}
        for rank, authority_index in enumerate(order):
            box6[int(authority_index)] = "ascribed" if rank < 2 else "not_ascribed" if rank < 5 else "early_days"
        for index, authority in enumerate(authorities):
            maturity = min(0.98, authority.maturity + 0.1 * round_index + rng.normal(0, 0.03))
            writer = _Writer(rng, codebook, authority, maturity, identities[index])
            people = [("dcs", None)] if index not in silent else []
            people += [("manager", str(rng.choice(authority.key_groups))) for _ in range(int(rng.integers(3, 6)))]
            people += [("practitioner", str(rng.choice(authority.key_groups))) for _ in range(int(rng.integers(6, 11)))]
            people += [("parent", str(rng.choice(authority.key_groups))) for _ in range(int(rng.integers(6, 13)))]
            people += [("child", str(rng.choice(authority.key_groups))) for _ in range(int(rng.integers(5, 11)))]
            for group, key_group in people:
                instrument = instruments[group]
                if group in ("parent", "child"):
                    answers, codes = writer.family(instrument, group, key_group)
                else:
                    answers, codes = writer.staff(
                        instrument, group, key_group, box6.get(index) if group == "dcs" else None
                    )
                # Most answers are sent; in the latest round a few people have saved and not yet sent.
                sent = round_index < len(ROUNDS) - 1 or rng.random() > 0.06
                if not sent:
                    kept = list(answers)[: max(1, len(answers) // 3)]
                    answers = {k: answers[k] for k in kept}
                    codes = {k: v for k, v in codes.items() if k in answers}
                second = {}
                for key, truth in codes.items():
                    if sent and rng.random() < 0.2:
                        scheme = instrument_scheme(instrument, key)
                        scheme_codes = [c.key for c in codebook.codes if c.scheme == scheme and c.key != "too_soon"]
                        second[key] = _second_coder(rng, truth, scheme_codes)
                responses.append(
                    ResponseSpec(
                        round_number=number,
                        authority=index,
                        instrument=group,
                        key_group=key_group,
                        answers=answers,
                        codes=codes,
                        second_codes=second,
                        sent=sent,
                        interview=group == "child" and rng.random() < 0.3,
                    )
                )
    return Consortium(seed=seed, rounds=list(ROUNDS), authorities=authorities, responses=responses)


def instrument_scheme(instrument: content.InstrumentSpec, key: str) -> str:
    return next(q.scheme for q in instrument.questions if q.key == key)
