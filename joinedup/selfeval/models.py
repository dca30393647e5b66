"""Self-evaluation rounds as LARC ran them: authorities join a round with a locality and key groups,
people answer versioned instruments by anonymous link or in an interview, researchers code the
open answers against a codebook."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from joinedup.agencies.models import LocalAuthority, Locality


class RespondentGroup(models.TextChoices):
    DIRECTOR = "dcs", "Directors of Children's Services"
    MANAGER = "manager", "Service managers"
    PRACTITIONER = "practitioner", "Practitioners"
    PARENT = "parent", "Parents and carers"
    CHILD = "child", "Children and young people"


# The groups whose agreement makes an authority "confident" (LARC Round 1), with the short names
# Figures 2 and 3 use.
STAFF_GROUPS = (RespondentGroup.DIRECTOR, RespondentGroup.MANAGER, RespondentGroup.PRACTITIONER)
FAMILY_GROUPS = (RespondentGroup.PARENT, RespondentGroup.CHILD)
SHORT_NAMES = {"dcs": "DCS", "manager": "SM", "practitioner": "PR", "parent": "Parents", "child": "Children"}


class Audience(models.TextChoices):
    STAFF = "staff", "Staff"
    FAMILY = "family", "Parents and carers"
    CHILD = "child", "Children and young people"


class Round(models.Model):
    """One round of the consortium's work, e.g. a year; trends compare rounds in number order."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=120)
    opens_on = models.DateField()
    closes_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="round_closes_after_opening")
        ]

    def __str__(self) -> str:
        return self.name


class KeyGroup(models.Model):
    """A group of children an authority studies: LARC's three, or one an authority adds."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    plain_name = models.CharField(max_length=120, help_text="How parents and children would say it")
    description = models.TextField(blank=True)
    standard = models.BooleanField(default=False, help_text="One of the consortium's own key groups")

    class Meta:
        ordering = ["-standard", "name"]

    def __str__(self) -> str:
        return self.name


class ParticipatingAuthority(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="participants")
    authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, related_name="selfeval_rounds")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="selfeval_rounds")
    key_groups = models.ManyToManyField(KeyGroup, related_name="participants")
    integrated_since = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Year integrated children's services began here, as the authority tells it"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round__number", "authority__name"]
        verbose_name_plural = "participating authorities"
        constraints = [models.UniqueConstraint(fields=["round", "authority"], name="authority_joins_a_round_once")]

    def __str__(self) -> str:
        return f"{self.authority} in {self.round}"


class Instrument(models.Model):
    """One version of a questionnaire, as loaded from its data file; never changed once loaded."""

    code = models.SlugField(max_length=40)
    version = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    respondent_group = models.CharField(max_length=20, choices=RespondentGroup.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    intro = models.TextField()
    source = models.TextField()
    terms = models.TextField()
    sections = models.JSONField(help_text="Section keys, titles, introductions and details in order")
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="one_instrument_per_version")]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class QuestionKind(models.TextChoices):
    TEXT = "text", "Open answer"
    CHOICE = "choice", "One option"
    CHECKLIST = "checklist", "Any options"
    GRID = "grid", "Grid"
    SCORE = "score", "Score"


class Question(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=60)
    position = models.PositiveSmallIntegerField()
    section_key = models.SlugField(max_length=60)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    text = models.TextField()
    hint = models.TextField(blank=True)
    measure = models.CharField(max_length=60, blank=True, help_text="What analysis reads this answer as")
    scheme = models.CharField(max_length=30, blank=True, help_text="Codebook scheme for its options or coding")
    required = models.BooleanField(default=False)
    options = models.JSONField(default=list, blank=True)
    columns = models.JSONField(default=list, blank=True)
    min_value = models.SmallIntegerField(null=True, blank=True)
    max_value = models.SmallIntegerField(null=True, blank=True)
    unknown_label = models.CharField(max_length=60, blank=True)
    evidence_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["instrument", "position"]
        constraints = [models.UniqueConstraint(fields=["instrument", "key"], name="question_key_once_per_instrument")]

    def __str__(self) -> str:
        return f"{self.instrument.code} v{self.instrument.version}: {self.key}"


class Mode(models.TextChoices):
    ONLINE = "online", "Online, by anonymous link"
    INTERVIEW = "interview", "Interview recorded by a researcher"


class Invitation(models.Model):
    """One person's chance to answer, anonymously: the link's token is kept only as a digest, so
    nobody (not even a database reader) can rebuild a link, and no name is ever stored."""

    participant = models.ForeignKey(ParticipatingAuthority, on_delete=models.CASCADE, related_name="invitations")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="invitations")
    key_group = models.ForeignKey(KeyGroup, on_delete=models.PROTECT, null=True, blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.ONLINE)
    token_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    batch = models.CharField(max_length=80, blank=True, help_text="Which set of links this was issued in")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode="online", token_digest__isnull=False) | Q(mode="interview", token_digest__isnull=True),
                name="online_invitations_have_a_link",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} invitation {self.pk} for {self.participant}"


class Response(models.Model):
    """The answers given through one invitation; kept as they are saved, sent once."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    participant = models.ForeignKey(ParticipatingAuthority, on_delete=models.CASCADE, related_name="responses")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    respondent_group = models.CharField(max_length=20, choices=RespondentGroup.choices)
    key_group = models.ForeignKey(KeyGroup, on_delete=models.PROTECT, null=True, blank=True)
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]
        indexes = [models.Index(fields=["participant", "respondent_group", "submitted_at"])]

    def __str__(self) -> str:
        return f"Response {self.pk} ({self.get_respondent_group_display()})"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    score = models.SmallIntegerField(null=True, blank=True)
    dont_know = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True, help_text="Option keys chosen")
    grid = models.JSONField(default=dict, blank=True, help_text="Row key to the column keys ticked")
    text = models.TextField(blank=True)
    evidence = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["response", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question"),
            models.CheckConstraint(condition=~Q(dont_know=True, score__isnull=False), name="score_or_dont_know"),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question.key} in response {self.response_id}"


class Codebook(models.Model):
    code = models.SlugField(max_length=40)
    version = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="one_codebook_per_version")]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class Code(models.Model):
    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="codes")
    scheme = models.CharField(max_length=30)
    key = models.SlugField(max_length=60)
    label = models.CharField(max_length=200)
    short_label = models.CharField(max_length=80, blank=True)
    description = models.TextField()
    level = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Impact level 1 to 4, for impacts")
    key_feature = models.BooleanField(default=False, help_text="One of the External Steering Group's nine")
    examples = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["codebook", "scheme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["codebook", "scheme", "key"], name="code_key_once_per_scheme"),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__gte=1, level__lte=4), name="level_1_to_4"
            ),
        ]

    @property
    def name(self) -> str:
        return self.short_label or self.label

    def __str__(self) -> str:
        return f"{self.scheme}: {self.label}"


class Coding(models.Model):
    """One coder's codes for one open answer. The first coder's codes are the record; a second
    coder's give the inter-coder agreement (Cohen's kappa). Suggestions shown are kept, so the
    suggester's agreement with people can be measured."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    codes = models.ManyToManyField(Code, blank=True, related_name="codings")
    top_suggestion = models.ForeignKey(Code, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    coded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["answer", "coded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["answer", "coder"], name="one_coding_per_coder")]

    def __str__(self) -> str:
        return f"Coding of answer {self.answer_id} by user {self.coder_id}"


class Suggestion(models.Model):
    """A code suggested for an answer by the embedding model, ranked by similarity."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="suggestions")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    similarity = models.FloatField()
    model_name = models.CharField(max_length=80)

    class Meta:
        ordering = ["answer", "rank"]
        constraints = [models.UniqueConstraint(fields=["answer", "model_name", "rank"], name="one_suggestion_per_rank")]

    def __str__(self) -> str:
        return f"{self.rank}. {self.code} for answer {self.answer_id}"


class Embedding(models.Model):
    """A cached sentence embedding, keyed by the digest of its text: the model runs once per text."""

    digest = models.CharField(max_length=64)
    model_name = models.CharField(max_length=80)
    vector = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["digest", "model_name"], name="one_embedding_per_text")]

    def __str__(self) -> str:
        return f"{self.model_name}:{self.digest[:12]}"
