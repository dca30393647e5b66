"""The rules that keep the house simple (docs/architecture): one way to read protected rows,
one writer of the audit log."""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
PROTECTED_MODELS = [
    "Child",
    "Address",
    "FormerName",
    "ChildCarer",
    "Carer",
    "Involvement",
    "IndexRecord",
    "Referral",
    "Consent",
    "SharingWithoutConsent",
    "Case",
    "Assessment",
    "Review",
    "PlanAction",
    "TacMember",
    "FamilyView",
]


def _python_files(pattern: str):
    return [p for p in PACKAGE.rglob(pattern) if "tests" not in p.parts and "migrations" not in p.parts]


def test_views_fetch_protected_rows_only_through_the_access_policy():
    direct = re.compile(rf"\b({'|'.join(PROTECTED_MODELS)})\.objects\.get\(|get_object_or_404\(")
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in _python_files("views.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if direct.search(line)
    ]
    assert not offenders, f"Use access.policy.get_or_404 instead: {offenders}"


def test_only_audit_record_writes_audit_events():
    writer = re.compile(r"AuditEvent(\.objects)?\.(create|bulk_create)\(|AuditEvent\(")
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in _python_files("*.py")
        if path != PACKAGE / "audit" / "services.py" and path.parent.name != "audit"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if writer.search(line)
    ]
    assert not offenders, f"Only joinedup.audit.services.record may write audit events: {offenders}"
