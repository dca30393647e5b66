"""Finding a child: by identifier, name and date of birth, tolerant of the ways records differ."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache, partial

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from joinedup.agencies.models import Locality
from joinedup.audit import services as audit
from joinedup.common.identifiers import normalise_nhs_number, normalise_upn

from .models import Address, Child, FormerName, NameKey
from .names import forename_similarity, phonetic_keys, surname_similarity

MINIMUM_SCORE = 0.6
# At most this many children sharing a name key are scored for one search.
CANDIDATES_SCORED = 2000


@dataclass(frozen=True)
class Match:
    child: Child
    score: float
    why: str


def _date_variants(born: date) -> list[date]:
    """The date itself, day and month swapped (a common keying error), and a year either side."""
    variants = [born]
    if born.day <= 12 and born.day != born.month:
        variants.append(born.replace(day=born.month, month=born.day))
    for years in (-1, 1):
        try:
            variants.append(born.replace(year=born.year + years))
        except ValueError:  # 29 February
            pass
    return variants


def _date_similarity(asked: date, held: date) -> tuple[float, str]:
    if asked == held:
        return 1.0, "date of birth matches"
    if asked.day == held.month and asked.month == held.day and asked.year == held.year:
        return 0.8, "date of birth matches with day and month swapped"
    if asked.month == held.month and asked.day == held.day and abs(asked.year - held.year) == 1:
        return 0.6, "date of birth one year out"
    return 0.0, "different date of birth"


def search_children(
    *, name: str = "", date_of_birth: date | None = None, identifier: str = "", limit: int = 20
) -> list[Match]:
    """Children ranked by how well they fit what the practitioner knows. An identifier that
    matches is certain; otherwise names and date of birth are scored together."""
    identifier = identifier.strip()
    if identifier:
        number = normalise_nhs_number(identifier)
        found = Child.objects.current().filter(
            Q(nhs_number=number) | Q(upn=normalise_upn(identifier)) | Q(la_child_id__iexact=identifier)
        )
        return [Match(child, 1.0, "identifier matches") for child in found[:limit]]

    words = name.split()
    asked_forename = words[0] if len(words) > 1 else ""
    asked_surname = " ".join(words[1:]) if len(words) > 1 else (words[0] if words else "")
    candidates = Q(pk__in=[])
    if asked_surname:
        keys = {"sur:" + k for k in phonetic_keys(asked_surname)}
        candidates |= Q(pk__in=NameKey.objects.filter(key__in=keys).values("child_id"))
    if asked_forename:
        keys = {"fore:" + k for k in phonetic_keys(asked_forename)}
        if date_of_birth:
            years = [date_of_birth.year - 1, date_of_birth.year, date_of_birth.year + 1]
            candidates |= Q(
                pk__in=NameKey.objects.filter(key__in=keys, child__date_of_birth__year__in=years).values("child_id")
            )
    if date_of_birth:
        candidates |= Q(date_of_birth__in=_date_variants(date_of_birth))
    # Scored on a few columns, and only the best `limit` children fetched whole: a common surname
    # brings up to 2,000 candidates, mostly sharing a handful of names, and building each one as a
    # model and comparing its names afresh was most of a search at 250,000 children.
    rows = list(
        Child.objects.current()
        .filter(candidates)
        .values_list("pk", "forenames", "surname", "date_of_birth")[:CANDIDATES_SCORED]
    )
    former: dict[int, list[str]] = defaultdict(list)
    for child_id, surname in FormerName.objects.filter(child_id__in=[row[0] for row in rows]).values_list(
        "child_id", "surname"
    ):
        former[child_id].append(surname)
    score = lru_cache(maxsize=None)(partial(_score, asked_forename, asked_surname, date_of_birth))
    scored = []
    for pk, forenames, surname, born in rows:
        fit, why = score(forenames, tuple(n for n in [surname, *former.get(pk, [])] if n), born)
        if fit >= MINIMUM_SCORE:
            scored.append((_ranked(fit, surname, forenames), pk, fit, why))
    best = sorted(scored)[:limit]
    children = Child.objects.in_bulk([pk for _, pk, _, _ in best])  # no page of results shows former names
    return [Match(children[pk], fit, why) for _, pk, fit, why in best]


def _ranked(score: float, surname: str | None, forenames: str | None) -> tuple:
    """Best score first; among equals, by name, children whose names are not known last."""
    return (-score, surname is None, surname or "", forenames or "")


def _score(
    forename: str, surname: str, born: date | None, held_forenames: str | None, surnames: tuple[str, ...], held_born
) -> tuple[float, str]:
    """How well a child's names (current surname first, then former ones) and date of birth fit
    what was asked, and why. What the child's record does not know is no evidence either way: it
    is left out of the score, not compared as a mismatch, and the reasons say it is not known."""
    parts, reasons = [], []
    if surname and not surnames:
        reasons.append("surname not known")
    elif surname:
        similarity = surname_similarity(surname, list(surnames))
        parts.append(similarity)
        reasons.append("surname matches" if similarity == 1 else f"surname {similarity:.0%} similar")
    if forename and not held_forenames:
        reasons.append("forenames not known")
    elif forename:
        similarity = forename_similarity(forename, held_forenames)
        parts.append(similarity)
        reasons.append("forename matches" if similarity == 1 else f"forename {similarity:.0%} similar")
    if born and not held_born:
        reasons.append("date of birth not known")
    elif born:
        similarity, reason = _date_similarity(born, held_born)
        parts.append(similarity)
        reasons.append(reason)
    score = sum(parts) / len(parts) if parts else 0.0
    return round(score, 3), "; ".join(reasons)


def current_postcode_districts(child_ids: Iterable[int]) -> dict[int, str]:
    """Enough of each child's address to tell two children apart in search results, no more: the
    district of their current home ("" when none is known), for a page of results in one query."""
    child_ids = list(child_ids)
    homes = Address.objects.filter(child_id__in=child_ids, moved_out__isnull=True).order_by("-moved_in", "pk")
    found: dict[int, str] = {}
    for child_id, postcode in homes.values_list("child_id", "postcode"):
        found.setdefault(child_id, postcode.split(" ")[0])  # the home they moved into last
    return {child_id: found.get(child_id, "") for child_id in child_ids}


def age_on(born: date | None, on: date) -> int | None:
    """Completed years of age; None when the date of birth is not known."""
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _years_before(on: date, years: int) -> date:
    """The same day `years` years before (28 February for a 29th in a year without one): a child
    born on or before it is `years` old or more on `on`, as age_on counts."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


AGE_BANDS = [("Under 1", 0, 0), ("1 to 4", 1, 4), ("5 to 9", 5, 9), ("10 to 15", 10, 15), ("16 and over", 16, 200)]
AGE_NOT_KNOWN = "Date of birth not known"


def authority_figures(on: date | None = None) -> dict:
    """Counts of children by locality and age band: what analysts and directors see. A child
    whose date of birth is not known is in no band; they are counted as not known, so the bands
    and that line add up to all children.

    Counting scans every child and current address (a fifth of a second at 250,000 children, on
    every manager's home page), and the figures move slowly: they are counted once per
    JOINEDUP_FIGURES_SECONDS for all the server's processes, and say when."""
    on = on or timezone.localdate()
    key = f"authority-figures:{on.isoformat()}"
    figures = cache.get(key)
    if figures is None:
        figures = _count_authority_figures(on)
        cache.set(key, figures, settings.JOINEDUP_FIGURES_SECONDS)
    return figures


def _count_authority_figures(on: date) -> dict:
    # Grouped by the locality's id, named afterwards: grouping by name sorted every address's text.
    by_locality_id = (
        Address.objects.filter(moved_out__isnull=True)
        .values_list("locality_id")
        .annotate(n=Count("child_id", distinct=True))
        .order_by()
    )
    names = dict(Locality.objects.values_list("pk", "name"))
    by_locality = [(names.get(locality_id) or "Outside the authority", n) for locality_id, n in by_locality_id]
    # Counted by the database in one query, not child by child: a child is `low` or older when born
    # on or before the day `low` years ago, and younger than `high + 1` when born after that day.
    counts = Child.objects.current().aggregate(
        children=Count("pk"),
        not_known=Count("pk", filter=Q(date_of_birth__isnull=True)),
        **{
            f"band_{band}": Count(
                "pk",
                filter=Q(date_of_birth__lte=_years_before(on, low), date_of_birth__gt=_years_before(on, high + 1)),
            )
            for band, (_, low, high) in enumerate(AGE_BANDS)
        },
    )
    by_age = [(label, counts[f"band_{band}"]) for band, (label, _, _) in enumerate(AGE_BANDS)]
    by_age += [(AGE_NOT_KNOWN, counts["not_known"])] if counts["not_known"] else []
    return {
        "children": counts["children"],
        "by_locality": sorted(by_locality),
        "by_age": by_age,
        "counted_at": timezone.localtime(),
    }


def search_children_for(
    user, *, legal_basis: str, name: str = "", date_of_birth: date | None = None, identifier: str = ""
) -> list[Match]:
    """search_children on a person's behalf: a result shows a child's name and date of birth to
    someone who may not work with them, so each child listed goes in that child's audit trail."""
    matches = search_children(name=name, date_of_birth=date_of_birth, identifier=identifier)
    audit.record_each(
        actor=user,
        verb="listed_in_search",
        child_ids=[match.child.pk for match in matches],
        legal_basis=legal_basis,
        details={match.child.pk: {"why": match.why} for match in matches},
    )
    return matches


# A reference names a child to one user for a day, so that the front door's pages (refer, start an
# early help assessment) open only a child the user found by searching with the identifying details
# the front door asks for, or one whose record they may already see: never one reached by typing
# or counting up an id.
REFERENCE_MAX_AGE = timedelta(days=1)
FOUND_BY = {
    "search": "Found by searching with the child's identifying details",
    "record": "Opened from the child's record, which the user may see",
}


def _reference_salt(user) -> str:
    return f"joinedup.people.child_reference:{user.pk}"


def reference_for(user, child: Child, *, found_by: str = "search") -> str:
    """An unguessable reference to `child` that works for `user` alone, until REFERENCE_MAX_AGE.
    Issue it only for a child `user` has just found by searching (`found_by="search"`) or may
    view (`found_by="record"`)."""
    if found_by not in FOUND_BY:
        raise ValueError(f"found_by must be one of {sorted(FOUND_BY)}")
    return signing.dumps([child.pk, found_by], salt=_reference_salt(user))


def child_from_reference(user, reference: str, *, verb: str) -> Child | None:
    """The child `reference_for` named to `user`, its opening written in the child's audit trail
    with `verb`; None for a reference that is forged, garbled, another user's or expired, or for a
    child since merged into another, as for a missing child."""
    try:
        child_id, found_by = signing.loads(reference, salt=_reference_salt(user), max_age=REFERENCE_MAX_AGE)
        legal_basis = FOUND_BY[found_by]
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        return None
    child = Child.objects.current().filter(pk=child_id).first()
    if child is not None:
        audit.record(actor=user, verb=verb, child_id=child.pk, target=child, legal_basis=legal_basis)
    return child


def child_rows():
    """Every child (not merged into another) with what groups them in the evidence room: sex,
    ethnicity, date of birth, family and the locality and postcode of their current home."""
    home = Address.objects.filter(child=OuterRef("pk"), moved_out__isnull=True).order_by("-moved_in")
    return (
        Child.objects.current()
        .annotate(locality_id=Subquery(home.values("locality_id")[:1]), postcode=Subquery(home.values("postcode")[:1]))
        .values("id", "sex", "ethnicity", "date_of_birth", "family_id", "locality_id", "postcode")
    )


def identifier_rows():
    """Every child's NHS number and UPN as held, for the Standard Safeguarding Dataset's linked identifiers."""
    return Child.objects.current().values("id", "la_child_id", "nhs_number", "upn")
