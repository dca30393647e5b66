"""Factories for children, their families and carers, and the staff who work with them.

Identifiers are generated with the check characters of joinedup.common.identifiers, so every
child made here passes the same validation a real record would."""

from datetime import date, timedelta

import factory
from django.conf import settings

from joinedup.agencies.tests.factories import AgencyFactory, TeamFactory
from joinedup.common.identifiers import is_valid_nhs_number, nhs_check_digit, upn_check_letter
from joinedup.people.models import Address, Carer, Child, ChildCarer, Family, FormerName, Practitioner, Role, Sex
from joinedup.people.services import refresh_name_keys


def nhs_number_for(n: int) -> str:
    """A valid NHS number unique to `n`: eight digits from `n`, then the first ninth digit for
    which a check digit exists (at most one of the ten has none)."""
    stem = f"4{n % 10_000_000:07d}"
    for ninth in "0123456789":
        check = nhs_check_digit(stem + ninth)
        if check is not None and is_valid_nhs_number(f"{stem}{ninth}{check}"):
            return f"{stem}{ninth}{check}"
    raise AssertionError(f"no NHS number starts {stem}")


def upn_for(n: int) -> str:
    """A valid UPN unique to `n`: LA code 999, then establishment, year and serial from `n`."""
    last_twelve = f"999{n % 1_000_000_000:09d}"
    return upn_check_letter(last_twelve) + last_twelve


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = settings.AUTH_USER_MODEL
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"worker{n}")
    first_name = factory.Sequence(lambda n: f"Sam{n}")
    last_name = "Okafor"
    is_active = True


class PractitionerFactory(factory.django.DjangoModelFactory):
    """A staff member with an access role: `PractitionerFactory(role=Role.SERVICE_MANAGER)`,
    `PractitionerFactory(inactive=True)` for an account that has been switched off."""

    class Meta:
        model = Practitioner
        skip_postgeneration_save = True

    class Params:
        inactive = factory.Trait(user__is_active=False)

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    team = factory.SubFactory(TeamFactory, agency=factory.SelfAttribute("..agency"))
    job_role = "Family support worker"
    role = Role.PRACTITIONER


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    reference = factory.Sequence(lambda n: f"FAM{n:05d}")


class ChildFactory(factory.django.DjangoModelFactory):
    """A child with a valid NHS number and UPN, findable by search (name keys are built as the
    services build them). `ChildFactory(former_surnames=["Jones"])` adds former names;
    `ChildFactory(index_only_unknown=True)` is a child the index made from records with no name or
    date of birth, found by its NHS number and UPN alone."""

    class Meta:
        model = Child
        skip_postgeneration_save = True

    class Params:
        index_only_unknown = factory.Trait(la_child_id=None, forenames=None, surname=None, date_of_birth=None)

    la_child_id = factory.Sequence(lambda n: f"LA{n:06d}")
    forenames = "Jordan"
    surname = factory.Sequence(lambda n: f"Testchild{n}")
    date_of_birth = date(2015, 3, 7)
    sex = Sex.FEMALE
    ethnicity = "WBRI"
    nhs_number = factory.Sequence(nhs_number_for)
    upn = factory.Sequence(upn_for)
    family = None

    @factory.post_generation
    def former_surnames(child, create, extracted, **kwargs):
        if not create:
            return
        surnames = list(extracted or [])
        FormerName.objects.bulk_create([FormerName(child=child, surname=s) for s in surnames])
        refresh_name_keys(child, surnames)


class FormerNameFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormerName

    child = factory.SubFactory(ChildFactory)
    surname = "Former"


class AddressFactory(factory.django.DjangoModelFactory):
    """Where a child lives now; give `moved_out` for an earlier home."""

    class Meta:
        model = Address

    child = factory.SubFactory(ChildFactory)
    address_line_1 = factory.Sequence(lambda n: f"{n + 1} Mill Lane")
    town = "Northby"
    postcode = "NX4 2AB"
    locality = None
    moved_in = factory.LazyFunction(lambda: date.today() - timedelta(days=365))
    moved_out = None


class CarerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Carer

    family = factory.SubFactory(FamilyFactory)
    reference = factory.Sequence(lambda n: f"CARER{n:05d}")
    forenames = "Alex"
    surname = factory.Sequence(lambda n: f"Testcarer{n}")
    date_of_birth = date(1988, 5, 1)
    sex = Sex.FEMALE


class ChildCarerFactory(factory.django.DjangoModelFactory):
    """A carer's link to a child, by default a mother with parental responsibility living with them."""

    class Meta:
        model = ChildCarer

    child = factory.SubFactory(ChildFactory)
    carer = factory.SubFactory(CarerFactory)
    relationship = "mother"
    parental_responsibility = True
    lives_with = True
