"""What the partner API takes and gives, as pydantic schemas: the OpenAPI document is built from
these, and every request body is checked against them before any rule of the process is."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from joinedup.access.models import ConsentGiver
from joinedup.agencies.models import LevelOfNeed
from joinedup.casework.models import Route
from joinedup.index.models import ChangeKind

from .models import DeliveryStatus


class Strict(Schema):
    """A field the API does not know is refused, so a misspelt one is never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class FieldError(Schema):
    field: str = Field(description="Where the problem is, e.g. consent.given_by")
    message: str
    expected: str = Field(description="What the field takes, where that helps")


class Problem(Schema):
    """RFC 9457 problem details, the shape of every error."""

    status: int
    title: str
    code: str = Field(description="For programs, e.g. invalid_input, token_expired, insufficient_scope")
    detail: str = Field(description="For people")
    errors: list[FieldError]


class TokenOut(Schema):
    agency: str
    system: str
    acts_as: str
    scopes: list[str]
    expires_at: datetime


class ChildIdentifier(Strict):
    """Exactly one of the child's national identifiers, as on the front door's search."""

    nhs_number: str | None = Field(None, examples=["943 476 5919"])
    upn: str | None = Field(None, description="Unique pupil number", examples=["B801200005001"])


class ConsentIn(Strict):
    given_by: ConsentGiver
    given_by_name: str
    scope: Literal["all_partners", "assess_only"] = Field(
        description="all_partners: to an assessment and to sharing with the partner agencies on the panel "
        "and in the plan; assess_only: to an assessment only"
    )


class ReferralIn(Strict):
    """The front door's referral form, as JSON: consent given today, or the lawful reason to refer
    without it. The schema checks the shape; the front door's form then checks its rules (a concern
    that says something, the lawful reason when there is no consent, the limits on length) in its
    own words."""

    child: ChildIdentifier
    locality: str | None = Field(
        None,
        description="The code of the locality where the family lives; by default, that of the child's current home",
        examples=["N"],
    )
    route: Route = Route.EARLY_HELP
    concern: str = Field(description="What you have seen or heard, and what the child and family need")
    level_of_need: LevelOfNeed
    consent: ConsentIn | None = Field(None, description="Null when referring without consent")
    lawful_reason: str = Field("", description="Only without consent: the risk of significant harm")


class ChildRef(Schema):
    id: int = Field(description="The child's entry in the children's index; it never changes")
    name: str


class PractitionerOut(Schema):
    """Job title is empty when it would name a sensitive service the reader may not know of."""

    name: str
    job_role: str
    phone: str
    shielded: bool


class ReferralFeedback(Schema):
    """What the referrer is told, as on the referral's feedback page: the outcome and the panel's reasons."""

    id: int
    child: ChildRef
    submitted_at: datetime
    panel: str
    status: str
    status_text: str
    panel_meeting_on: date | None
    decision: str | None
    decision_text: str | None
    reasons: str | None
    lead_professional: PractitionerOut | None
    case_closed_on: date | None
    closure_reason: str | None


class NhsNumberIn(Strict):
    nhs_number: str = Field(examples=["943 476 5919"])


class ChildOut(Schema):
    id: int
    forenames: str | None
    surname: str | None
    full_name: str
    date_of_birth: date | None
    nhs_number: str | None


class InvolvedLine(Schema):
    """One line of the child page's "Who is involved". A shielded line says only that a sensitive
    service is involved; every other field is then null."""

    shielded: bool
    note: str | None = None
    kind: Literal["involvement", "agency_record"] | None = None
    agency: str | None = None
    service: str | None = None
    practitioner: str | None = None
    job_role: str | None = None
    email: str | None = None
    contact: str | None = None
    record_id: str | None = None
    since: date | None = None
    until: date | None = None


class WhoIsInvolved(Schema):
    child: ChildOut
    involved: list[InvolvedLine]


class YourRecord(Schema):
    source: str
    record_id: str = Field(description="Your own system's key for the record")


class IndexEvent(Schema):
    """A change to the index's entries. An entry the reader may not see is left out (null)."""

    id: int
    type: ChangeKind
    at: datetime
    child_id: int | None = Field(description="The entry changed: for a merge, the one kept")
    other_child_id: int | None = Field(description="The entry merged into it, or separated from it")
    your_records: list[YourRecord] = Field(description="The records the change moved that came from your agency")


class EventPage(Schema):
    events: list[IndexEvent]
    next_since: int = Field(description="Send as `since` to read on: events after these")


class WebhookIn(Strict):
    url: str = Field(max_length=500, examples=["https://partner.example/joinedup-events"])
    event_types: list[ChangeKind] = Field(default_factory=list, description="Empty for every type")


class WebhookOut(Schema):
    id: int
    url: str
    event_types: list[str]
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Signs each delivery (docs/api.md says how to check it). Shown once: keep it now.")


class DeliveryOut(Schema):
    id: int
    event_id: int
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: datetime | None
