"""Changes to children's and practitioners' records: loading the authority's person register,
creating staff accounts and correcting a child's details."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from joinedup.agencies.models import Agency, Team
from joinedup.agencies.queries import localities_by_prefix, locality_for_postcode
from joinedup.audit import services as audit
from joinedup.common.dates import parse_date
from joinedup.common.identifiers import nhs_number_problem, normalise_nhs_number, normalise_upn, upn_problem
from joinedup.common.postcodes import normalise_postcode
from joinedup.common.tables import FileProblems, Problem, RowChecker, read_csv

from .models import (
    Address,
    Carer,
    Child,
    ChildCarer,
    Family,
    FormerName,
    NameKey,
    Practitioner,
    Relationship,
    Role,
    Sex,
)
from .names import child_name_keys
from .validators import validate_birth_date

REGISTER_BASIS = "Loaded from the authority's person register"


def _nhs(value: str) -> str:
    if problem := nhs_number_problem(value):
        raise ValueError(problem)
    return normalise_nhs_number(value)


def _upn(value: str) -> str:
    if problem := upn_problem(value):
        raise ValueError(problem)
    return normalise_upn(value)


def _birth_date(value: str) -> date:
    born = parse_date(value)
    try:
        validate_birth_date(born)
    except ValidationError as error:
        raise ValueError(error.messages[0]) from None
    return born


# A UK number is 0 and ten more digits in Ofcom's numbering plan (mobiles 07...), nine in a few
# 01 areas and 0800 numbers; written with spaces, hyphens or brackets as people write it, or
# international style, +44 without the 0 (perhaps "+44 (0)...").
UK_PHONE = re.compile(r"0(?:[1-9]\d{9}|1\d{8}|800\d{6})")


def _phone(value: str) -> str:
    """A UK phone number's shape, kept as the register writes it (spaces collapsed)."""
    digits = re.sub(r"[\s().-]", "", value.replace("(0)", ""))
    national = "0" + digits[3:] if digits.startswith("+44") else digits
    if not UK_PHONE.fullmatch(national):
        raise ValueError(f"expected a UK phone number such as 07700 900123, got {value!r}")
    return _text(Carer, "phone")(" ".join(value.split()))


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError(f"expected an email address such as name@example.com, got {value!r}") from None
    return _text(Carer, "email")(value)


def _choice(choices: type) -> Any:
    def convert(value: str) -> str:
        if value not in choices.values:
            raise ValueError(f"expected one of {', '.join(choices.values)}, got {value!r}")
        return value

    return convert


def _text(model: type, field_name: str):
    """A text cell no longer than the model's column, so PostgreSQL never refuses it mid-load."""
    limit = model._meta.get_field(field_name).max_length

    def convert(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"expected at most {limit} characters, got {len(value)}")
        return value

    return convert


def _flag(value: str) -> bool:
    if value not in {"0", "1"}:
        raise ValueError(f"expected 1 or 0, got {value!r}")
    return value == "1"


@transaction.atomic
def create_practitioner_accounts(
    *, practitioners: list[dict[str, Any]], teams: list[dict[str, Any]], source: str
) -> int:
    """Staff accounts from the authority file. Passwords are left unusable: people set their own."""
    User = get_user_model()
    agencies = {a.code: a for a in Agency.objects.all()}
    team_by_code = {t.code: t for t in Team.objects.select_related("locality")}
    problems = []
    for index, item in enumerate(practitioners):
        for key in ("username", "given_name", "family_name", "agency", "job_role", "role"):
            if not item.get(key):
                problems.append(Problem(source, None, f"practitioners[{index}].{key}", "a value is required"))
        if item.get("agency") and item["agency"] not in agencies:
            problems.append(Problem(source, None, f"practitioners[{index}].agency", "no agency has this code"))
        if item.get("role") and item["role"] not in Role.values:
            problems.append(Problem(source, None, f"practitioners[{index}].role", f"expected one of {Role.values}"))
    if problems:
        raise FileProblems(problems)
    for item in practitioners:
        user, created = User.objects.get_or_create(username=item["username"])
        user.first_name, user.last_name = item["given_name"], item["family_name"]
        user.email = item.get("email", "")
        if created:
            user.set_unusable_password()
        user.save()
        Practitioner.objects.update_or_create(
            user=user,
            defaults={
                "agency": agencies[item["agency"]],
                "team": team_by_code.get(item.get("team")),
                "job_role": item["job_role"],
                "role": item["role"],
            },
        )
    managers = defaultdict(set)
    for team in teams:
        if team.get("manager"):
            managers[team["manager"]].add(team["code"])
    for practitioner in Practitioner.objects.filter(user__username__in=managers).select_related("user"):
        practitioner.manages_teams.set([team_by_code[code] for code in managers[practitioner.user.username]])
        if practitioner.role == Role.SERVICE_MANAGER:
            localities = {team_by_code[c].locality for c in managers[practitioner.user.username]}
            practitioner.manages_localities.set([loc for loc in localities if loc is not None])
    return len(practitioners)


def _read_children(path: Path) -> dict[str, dict[str, Any]]:
    checker = RowChecker(path)
    children: dict[str, dict[str, Any]] = {}
    columns = [
        "child_id",
        "la_child_id",
        "forenames",
        "surname",
        "former_surnames",
        "date_of_birth",
        "sex",
        "ethnicity",
        "nhs_number",
        "upn",
        "family_id",
    ]
    seen: dict[str, dict[str, int]] = {"child_id": {}, "la_child_id": {}, "nhs_number": {}, "upn": {}}
    for number, row in read_csv(path, columns):
        child = {
            "la_child_id": checker.cell(number, row, "la_child_id", _text(Child, "la_child_id")),
            "forenames": checker.cell(number, row, "forenames", _text(Child, "forenames")),
            "surname": checker.cell(number, row, "surname", _text(Child, "surname")),
            "date_of_birth": checker.cell(number, row, "date_of_birth", _birth_date),
            "sex": checker.cell(number, row, "sex", _choice(Sex)),
            "ethnicity": checker.cell(number, row, "ethnicity", _text(Child, "ethnicity"), required=False) or "",
            "nhs_number": checker.cell(number, row, "nhs_number", _nhs, required=False),
            "upn": checker.cell(number, row, "upn", _upn, required=False),
            "family": (row["family_id"] or "").strip() or None,
            "former_surnames": sorted({s.strip() for s in (row["former_surnames"] or "").split("|") if s.strip()}),
        }
        for key, rows_by_value in seen.items():
            value = row["child_id"] if key == "child_id" else child[key]
            if value and value in rows_by_value:
                checker.problem(number, key, f"also given to the child on row {rows_by_value[value]}")
            elif value:
                rows_by_value[value] = number
        children[row["child_id"]] = child
    _check_identifiers_not_held_elsewhere(checker, seen)
    checker.raise_if_any()
    return children


def _check_identifiers_not_held_elsewhere(checker: RowChecker, seen: dict[str, dict[str, int]]) -> None:
    """An NHS number or UPN already held by a child this file does not describe would break the
    one-identifier-one-child rule: report it instead of failing on the database constraint."""
    in_file = list(seen["la_child_id"])
    for key in ("nhs_number", "upn"):
        holders = (
            Child.objects.filter(**{f"{key}__in": list(seen[key])})
            .exclude(la_child_id__in=in_file)
            .values_list(key, "la_child_id")
        )
        for value, holder in holders:
            held_by = f"LA child ID {holder}" if holder else "a child recorded without an LA child ID"
            checker.problem(seen[key][value], key, f"already belongs to another child ({held_by})")


def _read_addresses(path: Path, known: dict[str, dict]) -> dict[str, list[tuple]]:
    checker = RowChecker(path)
    addresses: dict[str, list[tuple]] = defaultdict(list)
    columns = ["child_id", "address_line_1", "address_line_2", "town", "postcode", "moved_in", "moved_out"]
    for number, row in read_csv(path, columns):
        if row["child_id"] not in known:
            checker.problem(number, "child_id", "no child in children.csv has this id")
            continue
        moved_in = checker.cell(number, row, "moved_in", parse_date)
        moved_out = checker.cell(number, row, "moved_out", parse_date, required=False)
        if moved_in and moved_out and moved_out < moved_in:
            checker.problem(number, "moved_out", "moved out before moving in")
        addresses[row["child_id"]].append(
            (
                checker.cell(number, row, "address_line_1", _text(Address, "address_line_1")),
                checker.cell(number, row, "address_line_2", _text(Address, "address_line_2"), required=False) or "",
                checker.cell(number, row, "town", _text(Address, "town")),
                normalise_postcode(checker.cell(number, row, "postcode", _text(Address, "postcode")) or ""),
                moved_in,
                moved_out,
            )
        )
    checker.raise_if_any()
    return addresses


def _read_carers(directory: Path, known: dict[str, dict]) -> tuple[dict[str, dict], dict[str, list[tuple]]]:
    """Carers and their links to children. `phone` and `email` are optional columns: a register
    written before the authority kept contact details still loads, with none held."""
    carers_path, links_path = directory / "carers.csv", directory / "child_carers.csv"
    checker = RowChecker(carers_path)
    carers = {}
    for number, row in read_csv(carers_path, ["carer_id", "family_id", "forenames", "surname", "date_of_birth", "sex"]):
        carers[row["carer_id"]] = {
            "family": checker.cell(number, row, "family_id", str),
            "forenames": checker.cell(number, row, "forenames", _text(Carer, "forenames")),
            "surname": checker.cell(number, row, "surname", _text(Carer, "surname")),
            "date_of_birth": checker.cell(number, row, "date_of_birth", parse_date, required=False),
            "sex": checker.cell(number, row, "sex", _choice(Sex)),
            "phone": checker.cell(number, row, "phone", _phone, required=False) or "",
            "email": checker.cell(number, row, "email", _email, required=False) or "",
        }
    checker.raise_if_any()
    checker = RowChecker(links_path)
    links: dict[str, list[tuple]] = defaultdict(list)
    for number, row in read_csv(
        links_path, ["child_id", "carer_id", "relationship", "parental_responsibility", "lives_with"]
    ):
        if row["child_id"] not in known:
            checker.problem(number, "child_id", "no child in children.csv has this id")
        if row["carer_id"] not in carers:
            checker.problem(number, "carer_id", "no carer in carers.csv has this id")
        links[row["child_id"]].append(
            (
                row["carer_id"],
                checker.cell(number, row, "relationship", _choice(Relationship)),
                checker.cell(number, row, "parental_responsibility", _flag),
                checker.cell(number, row, "lives_with", _flag),
            )
        )
    checker.raise_if_any()
    return carers, links


CHILD_FIELDS = ["forenames", "surname", "date_of_birth", "sex", "ethnicity", "nhs_number", "upn"]
CARER_FIELDS = ["forenames", "surname", "date_of_birth", "sex", "phone", "email"]


@dataclass(frozen=True)
class Register:
    """The person register as read and checked from its CSV files, before any of it is loaded,
    keyed by the register's own child_id."""

    children: dict[str, dict[str, Any]]
    addresses: dict[str, list[tuple]]
    carers: dict[str, dict]
    carer_links: dict[str, list[tuple]]

    @property
    def la_child_ids(self) -> dict[str, str]:
        return {register_id: child["la_child_id"] for register_id, child in self.children.items()}


def read_register(*, directory: Path) -> Register:
    """Read and check the register's files; raises FileProblems naming every bad cell."""
    children = _read_children(directory / "children.csv")
    carers, carer_links = _read_carers(directory, children)
    return Register(children, _read_addresses(directory / "addresses.csv", children), carers, carer_links)


# Rows written per statement when loading a register: well inside SQLite's and PostgreSQL's limits on
# bound values, and few enough round trips that a quarter of a million children load in minutes.
LOAD_BATCH = 1000


@dataclass
class _Decision:
    """What loading the register does to one child: create it or change it, and why."""

    register_id: str
    child: Child
    verb: str
    changed: list[str]
    former_surnames: list[str]
    addresses: list[tuple]
    carer_links: list[tuple]


@transaction.atomic
def load_register(*, directory: Path, register: Register | None = None, progress=None) -> dict[str, int]:
    """Load the authority's person register (children, addresses, carers) keyed by LA child id.
    The whole register loads or nothing does; loading it again changes nothing; a newer
    register updates only the children and carers whose details changed, each change audited.
    `register` is `directory` already read, for a caller that needs the rows too. Rows are
    compared in memory and written a batch at a time, not a statement per row."""
    register = register or read_register(directory=directory)
    children, addresses = register.children, register.addresses
    carers, carer_links = register.carers, register.carer_links
    advance = progress or (lambda steps=1: None)

    wanted_families = {c["family"] for c in children.values() if c["family"]} | {c["family"] for c in carers.values()}
    known_families = set(Family.objects.values_list("reference", flat=True))
    Family.objects.bulk_create(
        [Family(reference=reference) for reference in sorted(wanted_families - known_families)], batch_size=LOAD_BATCH
    )
    families = dict(Family.objects.values_list("reference", "pk"))
    existing_carers, carers_changed = _load_carers(carers, families)

    existing = {c.la_child_id: c for c in Child.objects.filter(la_child_id__isnull=False)}
    held = _dependants_held()
    # A correction can move an identifier between children (siblings' NHS numbers keyed the wrong
    # way round): free every identifier that changes before any is given out again.
    for key in ("nhs_number", "upn"):
        moving = [
            child.pk
            for item in children.values()
            if (child := existing.get(item["la_child_id"])) and getattr(child, key) != item[key]
        ]
        for batch in _batches(moving):
            Child.objects.filter(pk__in=batch).update(**{key: None})
    counts = {"children_created": 0, "children_updated": 0, "children_unchanged": 0}
    child_pks: dict[str, int] = {}
    decisions: list[_Decision] = []
    now = timezone.now()
    for register_id, item in children.items():
        child = existing.get(item["la_child_id"])
        wanted = {k: item[k] for k in CHILD_FIELDS}
        family_id = families[item["family"]] if item["family"] else None
        wanted_addresses = sorted(addresses.get(register_id, []), key=_address_order)
        wanted_links = sorted(carer_links.get(register_id, []))
        if child is None:
            child = Child(la_child_id=item["la_child_id"], family_id=family_id, **wanted)
            verb, changed = "created_child", ["all"]
        else:
            child_pks[register_id] = child.pk
            changed = [k for k, v in wanted.items() if getattr(child, k) != v]
            if child.family_id != family_id:
                changed.append("family")
            if sorted(held["former_surnames"][child.pk]) != item["former_surnames"]:
                changed.append("former_surnames")
            if sorted(held["addresses"][child.pk], key=_address_order) != wanted_addresses:
                changed.append("addresses")
            if sorted(held["carers"][child.pk]) != wanted_links:
                changed.append("carers")
            if not changed:
                counts["children_unchanged"] += 1
                advance(1)
                continue
            for key, value in wanted.items():
                setattr(child, key, value)
            child.family_id, child.updated_at = family_id, now
            verb = "changed_child"
        decisions.append(
            _Decision(register_id, child, verb, changed, item["former_surnames"], wanted_addresses, wanted_links)
        )

    listed_localities = localities_by_prefix()
    carer_pks = {reference: carer.pk for reference, carer in existing_carers.items()}
    for batch in _batches(decisions):
        _write_children(batch, carer_pks, listed_localities, directory / "children.csv")
        for decision in batch:
            counts["children_created" if decision.verb == "created_child" else "children_updated"] += 1
        advance(len(batch))
    _audit_carer_changes(carers_changed, existing_carers, carer_links, child_pks, directory / "carers.csv")
    return {**counts, "carers_updated": len(carers_changed)}


def _batches(items: list) -> Iterator[list]:
    for start in range(0, len(items), LOAD_BATCH):
        yield items[start : start + LOAD_BATCH]


def _load_carers(carers: dict[str, dict], families: dict[str, int]) -> tuple[dict[str, Carer], dict[str, list[str]]]:
    """Create the register's new carers and update the changed ones; returns every carer by
    reference and, for each changed one, the names of the fields that changed."""
    existing = {c.reference: c for c in Carer.objects.all()}
    new, changed_carers, changed = [], [], {}
    for reference, item in carers.items():
        fields = {k: item[k] for k in CARER_FIELDS}
        carer = existing.get(reference)
        if carer is None:
            new.append(Carer(reference=reference, family_id=families[item["family"]], **fields))
            continue
        names = ["family"] if carer.family_id != families[item["family"]] else []
        names += [k for k, v in fields.items() if getattr(carer, k) != v]
        if names:
            for key, value in fields.items():
                setattr(carer, key, value)
            carer.family_id = families[item["family"]]
            changed_carers.append(carer)
            changed[reference] = names
    Carer.objects.bulk_create(new, batch_size=LOAD_BATCH)
    if changed_carers:
        Carer.objects.bulk_update(changed_carers, ["family_id", *CARER_FIELDS], batch_size=LOAD_BATCH)
    existing |= {carer.reference: carer for carer in new}
    return existing, changed


def _write_children(batch: list[_Decision], carer_pks: dict[str, int], listed_localities: dict, path: Path) -> None:
    """Write one batch of created and changed children with everything under them, and audit each."""
    Child.objects.bulk_create([d.child for d in batch if d.verb == "created_child"])
    changed = [d.child for d in batch if d.verb == "changed_child"]
    if changed:
        Child.objects.bulk_update(changed, [*CHILD_FIELDS, "family_id", "updated_at"])
        pks = [child.pk for child in changed]
        for model in (FormerName, Address, ChildCarer, NameKey):
            model.objects.filter(child_id__in=pks).delete()
    FormerName.objects.bulk_create(
        [FormerName(child=d.child, surname=surname) for d in batch for surname in d.former_surnames]
    )
    Address.objects.bulk_create(
        [
            Address(
                child=d.child,
                address_line_1=a[0],
                address_line_2=a[1],
                town=a[2],
                postcode=a[3],
                locality=locality_for_postcode(a[3], listed=listed_localities),
                moved_in=a[4],
                moved_out=a[5],
            )
            for d in batch
            for a in d.addresses
        ]
    )
    ChildCarer.objects.bulk_create(
        [
            ChildCarer(child=d.child, carer_id=carer_pks[c], relationship=r, parental_responsibility=p, lives_with=w)
            for d in batch
            for c, r, p, w in d.carer_links
        ]
    )
    NameKey.objects.bulk_create(
        [
            NameKey(child=d.child, key=key)
            for d in batch
            for key in sorted(child_name_keys(d.child.forenames, d.child.surname, d.former_surnames))
        ]
    )
    for verb in ("created_child", "changed_child"):
        audit.record_each(
            actor=None,
            verb=verb,
            legal_basis=REGISTER_BASIS,
            child_ids=[d.child.pk for d in batch if d.verb == verb],
            details={d.child.pk: {"file": str(path), "changed": d.changed} for d in batch if d.verb == verb},
        )


def _audit_carer_changes(
    changed: dict[str, list[str]],
    carers: dict[str, Carer],
    links: dict[str, list[tuple]],
    child_pks: dict[str, int],
    path: Path,
) -> None:
    """One event per child the register links to a changed carer, so each child's audit trail
    shows that their mother's phone number (say) changed. The detail names the fields, not the
    values: the insert-only log should not keep a copy of old phone numbers and addresses. A
    child created by this load is left out (its created_child event covers the whole record); a
    carer linked to no child known before this load gets one event without a child."""
    children_of: dict[str, list[int]] = defaultdict(list)
    for register_id, child_links in links.items():
        for carer_reference, *_ in child_links:
            children_of[carer_reference].append(child_pks.get(register_id))
    for reference, fields in changed.items():
        for child_id in sorted({pk for pk in children_of[reference] if pk is not None}) or [None]:
            audit.record(
                actor=None,
                verb="changed_carer",
                child_id=child_id,
                target=carers[reference],
                legal_basis=REGISTER_BASIS,
                detail={"file": str(path), "carer": reference, "changed": fields},
            )


def _dependants_held() -> dict[str, dict[int, list]]:
    """What the database holds now under each child, read in one query per table: a register of
    a quarter of a million children is too big to fetch child by child or through IN lists."""
    held: dict[str, dict[int, list]] = {name: defaultdict(list) for name in ("former_surnames", "addresses", "carers")}
    for child_id, surname in FormerName.objects.values_list("child_id", "surname"):
        held["former_surnames"][child_id].append(surname)
    for child_id, *address in Address.objects.values_list(
        "child_id", "address_line_1", "address_line_2", "town", "postcode", "moved_in", "moved_out"
    ):
        held["addresses"][child_id].append(tuple(address))
    for child_id, *link in ChildCarer.objects.values_list(
        "child_id", "carer__reference", "relationship", "parental_responsibility", "lives_with"
    ):
        held["carers"][child_id].append(tuple(link))
    return held


def _address_order(address: tuple) -> tuple:
    """Homes in the order lived in; the current home (no moved_out) last among equals."""
    return address[4], address[5] or date.max, address[:4]


def refresh_name_keys(child: Child, former_surnames: list[str]) -> None:
    child.name_keys.all().delete()
    NameKey.objects.bulk_create(
        [
            NameKey(child=child, key=key)
            for key in sorted(child_name_keys(child.forenames, child.surname, former_surnames))
        ]
    )


@transaction.atomic
def change_child_details(
    *,
    child: Child,
    changed_by: Any,
    legal_basis: str,
    forenames: str | None,
    surname: str | None,
    date_of_birth: date | None,
    sex: str,
    nhs_number: str | None,
    upn: str | None,
) -> Child:
    """Correct a child's identifying details; None is a detail not known. A changed surname is
    kept as a former name, so records under the old name still find the child."""
    before = {k: getattr(child, k) for k in CHILD_FIELDS}
    if child.surname and surname != child.surname:
        FormerName.objects.get_or_create(child=child, surname=child.surname)
    child.forenames, child.surname, child.date_of_birth, child.sex = forenames, surname, date_of_birth, sex
    child.nhs_number, child.upn = normalise_nhs_number(nhs_number) or None, normalise_upn(upn) or None
    child.full_clean(exclude=["family"])
    child.save()
    refresh_name_keys(child, list(child.former_names.values_list("surname", flat=True)))
    # A detail not known is recorded as null, not as the text "None".
    changed = {
        k: [None if v is None else str(v) for v in (before[k], getattr(child, k))]
        for k in CHILD_FIELDS
        if before[k] != getattr(child, k)
    }
    audit.record(
        actor=changed_by,
        verb="changed_child",
        child_id=child.pk,
        target=child,
        legal_basis=legal_basis,
        detail={"changed": changed},
    )
    return child
