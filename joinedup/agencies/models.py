"""Who provides services to children, where, and at what level of need."""

from django.db import models


class LocalAuthority(models.Model):
    name = models.CharField(max_length=120)
    la_code = models.CharField(max_length=3, unique=True, help_text="DfE three-digit LA code")

    class Meta:
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return self.name


class Locality(models.Model):
    """A sub-area of the authority in which front-line teams work."""

    authority = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="localities")
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        verbose_name_plural = "localities"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LocalityPostcode(models.Model):
    """A postcode district ("NX4") or sector ("NX4 2") that lies in a locality. Sectors let a
    district split across two localities."""

    locality = models.ForeignKey(Locality, on_delete=models.CASCADE, related_name="postcodes")
    prefix = models.CharField(max_length=8, unique=True)

    def __str__(self) -> str:
        return f"{self.prefix} → {self.locality}"


class AgencyKind(models.TextChoices):
    EDUCATION = "education", "Education"
    SOCIAL_CARE = "social_care", "Social care"
    HEALTH = "health", "Health"
    YOUTH_OFFENDING = "youth_offending", "Youth offending"
    POLICE = "police", "Police"
    HOUSING = "housing", "Housing"
    VOLUNTARY = "voluntary", "Voluntary and community sector"


class Agency(models.Model):
    authority = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="agencies")
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LevelOfNeed(models.TextChoices):
    """Local threshold frameworks call these tiers 1 to 4."""

    UNIVERSAL = "universal", "Universal (tier 1)"
    ADDITIONAL = "additional", "Additional (tier 2)"
    COMPLEX = "complex", "Complex (tier 3)"
    ACUTE = "acute", "Acute or specialist (tier 4)"


class Service(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="services")
    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=160)
    level_of_need = models.CharField(max_length=12, choices=LevelOfNeed.choices)
    sensitive = models.BooleanField(
        default=False,
        help_text="Involvement is shielded (e.g. sexual health, substance misuse): others see only "
        "that a sensitive service is involved",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="teams")
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="teams")
    locality = models.ForeignKey(
        Locality,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams",
        help_text="Empty for an authority-wide team",
    )
    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=160)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    authority = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="schools")
    urn = models.CharField(max_length=8, unique=True, help_text="Unique reference number (GIAS)")
    establishment_number = models.CharField(max_length=4, help_text="DfE number within the LA")
    name = models.CharField(max_length=160)
    phase = models.CharField(max_length=20)
    locality = models.ForeignKey(Locality, on_delete=models.SET_NULL, null=True, related_name="schools")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
