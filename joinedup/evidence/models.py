"""What the evidence room keeps in the database: cohorts analysts define and share, and the
record of every de-identified extract that left the authority, with its purpose."""

from django.conf import settings
from django.db import models


class Cohort(models.Model):
    """A group of children defined by filters over the measures (key group, locality, school, age
    band, sex, ethnicity, level of need, supported or not, when help started). The definition is
    kept, not the children, so the cohort follows the data as it changes."""

    name = models.CharField(max_length=120)
    definition = models.JSONField(help_text="The filters, as evidence.cohorts.Definition writes them")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cohorts")
    created_at = models.DateTimeField(auto_now_add=True)
    shared = models.BooleanField(default=False, help_text="Colleagues who may see evidence pages see it too")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ResearchExtract(models.Model):
    """A de-identified extract made for a research partner: who made it, for which project and
    purpose, and what was done to each column. The salt of the project's pseudonyms stays here
    and never leaves with the extract."""

    project = models.CharField(max_length=120, help_text="The research project, as the sharing agreement names it")
    purpose = models.TextField(help_text="What the partner will use it for")
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, null=True, blank=True, related_name="extracts")
    columns = models.JSONField(help_text="What was done to each column (the extract's data dictionary)")
    rows = models.PositiveIntegerField()
    smallest_group = models.PositiveIntegerField(help_text="k-anonymity over the quasi-identifiers")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-made_at"]

    def __str__(self) -> str:
        return f"{self.project}: {self.rows} rows on {self.made_at:%d/%m/%Y}"


class ProjectSalt(models.Model):
    """The secret behind one project's pseudonyms: the same child has the same pseudonym in every
    extract for a project, and different ones across projects."""

    project = models.CharField(max_length=120, unique=True)
    salt = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.project
