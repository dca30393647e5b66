"""Changes of state in integrated casework. Each service is a plain function with keyword-only
arguments that runs in one transaction, asks the access policy, audits inside the transaction and
tells the people who should know. Views and other rooms call them from here."""

from joinedup.casework.notifications import mark_read

from ._common import TRANSITIONS
from .assessment import (
    complete_assessment,
    consent_to_send,
    current_draft,
    may_change,
    passes_on,
    save_assessment,
    start_assessment,
    why_not_before_a_case,
)
from .consent import (
    ConsentGiven,
    LawfulSharing,
    record_consent,
    review_sharing_without_consent,
    share_without_consent,
    withdraw_consent,
)
from .family import add_family_view, create_family_account
from .front_door import (
    next_meeting_date,
    prepare_meeting,
    record_decision,
    record_minutes,
    refer,
    send_to_panel,
    withdraw_referral,
)
from .panels import PanelRefused, change_panel, create_panel
from .plans import (
    SdqScores,
    add_action,
    add_outcome,
    change_lead_professional,
    close_case,
    complete_action,
    flag_overdue,
    invite_to_tac,
    record_review,
    record_tac_meeting,
)

__all__ = [
    "TRANSITIONS",
    "ConsentGiven",
    "PanelRefused",
    "SdqScores",
    "add_action",
    "add_family_view",
    "add_outcome",
    "change_lead_professional",
    "change_panel",
    "close_case",
    "complete_action",
    "complete_assessment",
    "create_family_account",
    "consent_to_send",
    "current_draft",
    "create_panel",
    "flag_overdue",
    "passes_on",
    "invite_to_tac",
    "mark_read",
    "may_change",
    "next_meeting_date",
    "prepare_meeting",
    "record_consent",
    "record_decision",
    "record_minutes",
    "record_review",
    "record_tac_meeting",
    "refer",
    "save_assessment",
    "send_to_panel",
    "share_without_consent",
    "LawfulSharing",
    "review_sharing_without_consent",
    "start_assessment",
    "why_not_before_a_case",
    "withdraw_consent",
    "withdraw_referral",
]
