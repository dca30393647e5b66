"""A token per agency system: shown once and kept as a hash; with scopes, an expiry and
revocation; refused with a JSON problem saying why."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from joinedup.agencies.tests.factories import AgencyFactory
from joinedup.api.models import ApiToken, Scope
from joinedup.api.tokens import TokenProblem, issue_token, revoke_token
from joinedup.audit.models import AuditEvent
from joinedup.people.models import Practitioner, Role

from .conftest import PartnerSystem

pytestmark = pytest.mark.django_db


def test_a_token_is_shown_once_and_kept_only_as_a_hash(pats_system):
    token = ApiToken.objects.get()

    assert pats_system.bearer.startswith(f"jdu_{token.prefix}_")
    stored = [str(value) for value in ApiToken.objects.values().get().values()]
    assert not any(pats_system.bearer in value or pats_system.bearer[17:] in value for value in stored)
    assert pats_system.get("/token").json()["acts_as"] == "pat"


def test_a_token_may_do_only_what_its_scopes_allow(northshire, system_for):
    reader = system_for(northshire["pat"].user, northshire["council"], scopes=[Scope.EVENTS_READ])

    answer = reader.post("/who-is-involved", {"nhs_number": "9434765919"})

    assert answer.status_code == 403
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "insufficient_scope"
    assert "involvement:read" in answer.json()["detail"]
    assert reader.get("/index/events").status_code == 200


def test_an_expired_token_is_refused(pats_system):
    ApiToken.objects.update(created_at=timezone.now() - timedelta(days=400), expires_at=timezone.now())

    answer = pats_system.get("/token")

    assert answer.status_code == 401
    assert answer.json()["code"] == "token_expired"
    assert answer["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_from_its_next_call(pats_system):
    assert pats_system.get("/token").status_code == 200

    revoke_token(token=pats_system.token)

    answer = pats_system.get("/token")
    assert answer.status_code == 401
    assert answer.json()["code"] == "token_revoked"


def test_a_token_whose_account_is_switched_off_is_refused(northshire, pats_system):
    northshire["pat"].user.is_active = False
    northshire["pat"].user.save()

    assert pats_system.get("/token").json()["code"] == "account_switched_off"


@pytest.mark.parametrize(
    "authorization, code",
    [
        (None, "not_authenticated"),
        ("Basic cGF0OnNlY3JldA==", "not_authenticated"),
        ("Bearer not-a-token", "invalid_token"),
        ("Bearer jdu_0123456789ab_" + "x" * 43, "invalid_token"),
    ],
)
def test_a_call_without_a_good_token_is_refused(pats_system, authorization, code):
    headers = {"Authorization": authorization} if authorization else {}

    answer = pats_system.client.get("/api/v1/token", headers=headers)

    assert (answer.status_code, answer.json()["code"]) == (401, code)


def test_a_token_with_one_wrong_character_is_refused(pats_system):
    last = pats_system.bearer[-1]
    forged = PartnerSystem(pats_system.bearer[:-1] + ("A" if last != "A" else "B"))

    assert forged.get("/token").json()["code"] == "invalid_token"


def test_a_system_without_an_account_gets_one_of_its_own(northshire):
    issued = issue_token(agency=northshire["health"], name="EMIS Web", scopes=[Scope.REFERRALS_WRITE])

    account = issued.token.acts_as
    practitioner = Practitioner.objects.get(user=account)
    assert (practitioner.agency, practitioner.role, practitioner.job_role) == (
        northshire["health"],
        Role.PRACTITIONER,
        "Partner system",
    )
    assert account.username == "api-nht-emis-web"
    assert not account.has_usable_password()
    assert issue_token(agency=northshire["health"], name="EMIS Web", scopes=["events:read"]).token.acts_as.username == (
        "api-nht-emis-web-2"
    )


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"scopes": ["everything"]}, "Give one or more scopes"),
        ({"scopes": []}, "Give one or more scopes"),
        ({"name": " "}, "Name the system"),
        ({"expires_at": "past"}, "must expire in the future"),
        ({"expires_at": "three years"}, "within two years"),
        ({"acts_as": "nia"}, "is not a staff account of Northshire Council"),
    ],
)
def test_a_token_is_not_issued_with_what_it_cannot_have(northshire, change, problem):
    asked = {"agency": northshire["council"], "name": "Case system", "scopes": [Scope.EVENTS_READ]}
    asked |= change
    if change.get("expires_at") == "past":
        asked["expires_at"] = timezone.now() - timedelta(days=1)
    if change.get("expires_at") == "three years":
        asked["expires_at"] = timezone.now() + timedelta(days=3 * 365)
    if change.get("acts_as") == "nia":
        asked["acts_as"] = northshire["nia"].user

    with pytest.raises(TokenProblem, match=problem):
        issue_token(**asked)
    assert not ApiToken.objects.exists()


def test_the_command_issues_lists_and_revokes_tokens_naming_who_did(northshire, administrator):
    issued = StringIO()
    call_command(
        "api_token", "issue", "--agency", "LA", "--name", "Case system", "--scopes", "involvement:read,events:read",
        "--user", "pat", "--by", "ida", stdout=issued,
    )  # fmt: skip
    bearer = issued.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert bearer.startswith(f"jdu_{token.prefix}_")
    assert token.scopes == ["events:read", "involvement:read"]
    issuing = AuditEvent.objects.get(verb="issued_api_token")
    assert (issuing.actor_username, issuing.actor_role, issuing.object_id) == ("ida", "administrator", str(token.pk))

    listed = StringIO()
    call_command("api_token", "list", stdout=listed)
    assert f"jdu_{token.prefix}" in listed.getvalue() and "usable" in listed.getvalue()
    assert bearer not in listed.getvalue()

    call_command("api_token", "revoke", f"jdu_{token.prefix}", "--by", "ida", stdout=StringIO())
    assert PartnerSystem(bearer).get("/token").json()["code"] == "token_revoked"
    assert AuditEvent.objects.get(verb="revoked_api_token").actor_username == "ida"


def test_a_system_of_its_own_is_made_by_the_administrator_who_issued_its_token(northshire, administrator):
    call_command(
        "api_token", "issue", "--agency", "NHT", "--name", "EMIS Web", "--scopes", "referrals:write", "--by", "ida",
        stdout=StringIO(),
    )  # fmt: skip

    made = AuditEvent.objects.get(verb="created_account", detail__username="api-nht-emis-web")
    assert made.actor_username == "ida"
    assert AuditEvent.objects.get(verb="issued_api_token").actor_username == "ida"


def test_the_command_says_what_is_wrong(northshire, administrator):
    with pytest.raises(CommandError, match="No agency has the code XX"):
        call_command("api_token", "issue", "--agency", "XX", "--name", "A", "--scopes", "events:read", "--by", "ida")
    with pytest.raises(CommandError, match="Give one or more scopes"):
        call_command("api_token", "issue", "--agency", "LA", "--name", "A", "--scopes", "everything", "--by", "ida")


@pytest.mark.parametrize(
    "by, problem",
    [
        (None, "the following arguments are required: --by"),
        ("nobody", "No account that is switched on has the username nobody"),
        ("pat", "pat may not manage the API's tokens: Your role \\(Practitioner\\) does not allow"),
    ],
)
def test_only_a_named_administrator_may_issue_or_revoke_a_token(northshire, pats_system, by, problem):
    named = ["--by", by] if by else []
    audited = AuditEvent.objects.count()
    with pytest.raises(CommandError, match=problem):
        call_command("api_token", "issue", "--agency", "LA", "--name", "A", "--scopes", "events:read", *named)
    with pytest.raises(CommandError, match=problem):
        call_command("api_token", "revoke", f"jdu_{pats_system.token.prefix}", *named)

    assert ApiToken.objects.get().revoked_at is None
    assert AuditEvent.objects.count() == audited


def test_a_token_of_another_agency_cannot_act_as_this_agencys_staff(northshire):
    with pytest.raises(TokenProblem):
        issue_token(agency=AgencyFactory(), name="Intruder", scopes=["events:read"], acts_as=northshire["pat"].user)
