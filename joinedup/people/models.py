"""The child at the centre, the family around them and the practitioners who work with them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from joinedup.agencies.models import Agency, Locality, Team

from .ethnicity import ethnicity_label
from .validators import validate_birth_date, validate_nhs_number, validate_upn


class Role(models.TextChoices):
    """Access roles; what each may do is decided in joinedup.access.policy."""

    PRACTITIONER = "practitioner", "Practitioner"
    PANEL_CHAIR = "panel_chair", "Panel chair"
    SERVICE_MANAGER = "service_manager", "Service manager"
    PERFORMANCE_ANALYST = "performance_analyst", "Performance analyst"
    DIRECTOR = "director", "Director of Children's Services"
    ADMINISTRATOR = "administrator", "Administrator"
    RESEARCHER = "researcher", "Researcher"


class Practitioner(models.Model):
    """A staff account's place in the partnership: agency, team, job and management lines."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practitioner")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="practitioners")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members")
    job_role = models.CharField(max_length=120)
    role = models.CharField(max_length=24, choices=Role.choices, default=Role.PRACTITIONER)
    phone = models.CharField(max_length=30, blank=True)
    manages_teams = models.ManyToManyField(Team, blank=True, related_name="managers")
    manages_localities = models.ManyToManyField(Locality, blank=True, related_name="managers")

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.username

    def __str__(self) -> str:
        return f"{self.name} ({self.job_role}, {self.agency})"


class Sex(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"
    UNKNOWN = "U", "Not known"


class Family(models.Model):
    """A household or family group; siblings share one."""

    reference = models.CharField(max_length=30, unique=True)

    class Meta:
        verbose_name_plural = "families"

    def __str__(self) -> str:
        return self.reference


class ChildQuerySet(models.QuerySet):
    def current(self) -> "ChildQuerySet":
        """Children not merged into another by the index: one row per real child."""
        return self.filter(merged_into__isnull=True)


class Child(models.Model):
    la_child_id = models.CharField("LA child ID", max_length=20, unique=True, null=True, blank=True)
    # Null when no record gives it: the index makes children from records that may lack a name or
    # date of birth, and a made-up value would be counted, shown and linked as if it were known.
    forenames = models.CharField(max_length=120, null=True, blank=True, help_text="First name then any middle names")
    surname = models.CharField(max_length=120, null=True, blank=True)
    date_of_birth = models.DateField(null=True, blank=True, validators=[validate_birth_date])
    sex = models.CharField(max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(max_length=4, blank=True, help_text="DfE ethnicity code, e.g. WBRI")
    nhs_number = models.CharField(
        "NHS number", max_length=10, unique=True, null=True, blank=True, validators=[validate_nhs_number]
    )
    upn = models.CharField("UPN", max_length=13, unique=True, null=True, blank=True, validators=[validate_upn])
    family = models.ForeignKey(Family, on_delete=models.SET_NULL, null=True, blank=True, related_name="children")
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_children",
        help_text="Set when the index found this child to be another; undone by an unmerge",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "children"
        # Children whose names are not known come last, on SQLite and PostgreSQL alike.
        ordering = [F("surname").asc(nulls_last=True), F("forenames").asc(nulls_last=True)]
        indexes = [
            models.Index(fields=["date_of_birth"]),
            # Search by identifier matches an LA child ID whatever its case (iexact, UPPER on
            # PostgreSQL): without this, every search by NHS number read all 250,000 children.
            models.Index(Upper("la_child_id"), name="child_la_child_id_any_case"),
        ]

    @property
    def first_name(self) -> str:
        """What to call the child in a sentence; the full name when their forenames are not known."""
        return self.forenames.split(" ")[0] if self.forenames else self.full_name

    @property
    def full_name(self) -> str:
        """The name as far as it is known, saying which part is not, so a page never invents one."""
        if self.forenames and self.surname:
            return f"{self.forenames} {self.surname}"
        if self.forenames:
            return f"{self.forenames} (surname not known)"
        if self.surname:
            return f"{self.surname} (forenames not known)"
        return "Name not known"

    @property
    def ethnicity_label(self) -> str:
        return ethnicity_label(self.ethnicity)

    def __str__(self) -> str:
        born = f"{self.date_of_birth:%d/%m/%Y}" if self.date_of_birth else "date of birth not known"
        return f"{self.full_name} ({born})"


class FormerName(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="former_names")
    surname = models.CharField(max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child", "surname"], name="one_row_per_former_surname")]

    def __str__(self) -> str:
        return self.surname


class NameKey(models.Model):
    """Phonetic keys of a child's names, so search finds "Smyth" from "Smith" through an index
    instead of scanning every child. Rebuilt by people.services whenever names change."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="name_keys")
    key = models.CharField(max_length=24, db_index=True)

    def __str__(self) -> str:
        return f"{self.key} → child {self.child_id}"


class Address(models.Model):
    """Where a child lived, from when until when; the current address has no moved_out."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="addresses")
    address_line_1 = models.CharField(max_length=120)
    address_line_2 = models.CharField(max_length=120, blank=True)
    town = models.CharField(max_length=80)
    postcode = models.CharField(max_length=8)
    locality = models.ForeignKey(Locality, on_delete=models.SET_NULL, null=True, blank=True)
    moved_in = models.DateField()
    moved_out = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-moved_in"]
        verbose_name_plural = "addresses"
        constraints = [
            models.CheckConstraint(
                condition=Q(moved_out__isnull=True) | Q(moved_out__gte=F("moved_in")),
                name="address_moved_out_not_before_moved_in",
            )
        ]

    def __str__(self) -> str:
        lines = [self.address_line_1, self.address_line_2, self.town]
        return ", ".join(line for line in lines if line) + f" {self.postcode}"


class Carer(models.Model):
    """A parent or relative who cares for a child, with the contact details the authority holds,
    so the lead professional can ring or write to them; blank where none is held."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="carers")
    reference = models.CharField(max_length=30, unique=True)
    forenames = models.CharField(max_length=120)
    surname = models.CharField(max_length=120)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    phone = models.CharField(max_length=30, blank=True, help_text="A UK phone number, as the register gives it")
    email = models.EmailField(blank=True)

    @property
    def full_name(self) -> str:
        return f"{self.forenames} {self.surname}"

    def __str__(self) -> str:
        return self.full_name


class Relationship(models.TextChoices):
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    STEP_MOTHER = "step_mother", "Stepmother"
    STEP_FATHER = "step_father", "Stepfather"
    GRANDMOTHER = "grandmother", "Grandmother"
    GRANDFATHER = "grandfather", "Grandfather"
    AUNT = "aunt", "Aunt"
    UNCLE = "uncle", "Uncle"
    SPECIAL_GUARDIAN = "special_guardian", "Special guardian"
    OTHER = "other", "Other"


class ChildCarer(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="carer_links")
    carer = models.ForeignKey(Carer, on_delete=models.CASCADE, related_name="child_links")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    parental_responsibility = models.BooleanField()
    lives_with = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child", "carer"], name="one_link_per_child_and_carer")]

    def __str__(self) -> str:
        return f"{self.carer} ({self.get_relationship_display()}) of child {self.child_id}"
