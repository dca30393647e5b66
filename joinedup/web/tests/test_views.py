"""The shell's pages through Django's test client: what each person sees, and bad input."""

import pytest
from django.test import override_settings

from joinedup.audit.models import AuditEvent


def test_home_page_shows_practitioner_their_children(signed_in, scene):
    response = signed_in("pat").get("/")
    assert response.status_code == 200
    assert "Alfred James Smith" in response.text
    assert "Bethany Khan" not in response.text


def test_a_practitioner_starts_a_referral_or_an_early_help_assessment_from_home(signed_in, scene):
    page = signed_in("pat").get("/").text
    assert 'href="/casework/refer/"' in page
    assert 'href="/casework/assess/"' in page


def test_home_page_shows_analyst_figures_only(signed_in, scene):
    response = signed_in("ana").get("/")
    assert "The authority in figures" in response.text
    assert "Alfred" not in response.text
    assert "/casework/assess/" not in response.text


def test_home_page_shows_manager_caseloads_of_their_team(signed_in, scene):
    response = signed_in("sam").get("/")
    assert "Pat Jones" in response.text
    assert "Nia Evans" not in response.text  # the clinic team is not Sam's


def test_administrator_home_lists_refused_attempts(signed_in, scene):
    signed_in("pat").get(f"/children/{scene['bethany'].pk}")
    response = signed_in("adi").get("/")
    assert "Refused attempts" in response.text
    assert "pat" in response.text


def test_search_lists_children_and_audits_each_one_listed(signed_in, scene):
    response = signed_in("pat").get("/children/search", {"name": "Smith"})
    assert "Alfred James Smith" in response.text
    event = AuditEvent.objects.get(verb="listed_in_search")
    assert event.child_id == scene["alfred"].pk and event.actor_username == "pat"


def test_search_by_nhs_number_with_spaces_finds_the_child(signed_in, scene):
    response = signed_in("pat").get("/children/search", {"identifier": "943 476 5919"})
    assert "1 child found" in response.text


@pytest.mark.parametrize(
    "query, message",
    [
        ({"identifier": "9434765871"}, "check digit"),
        ({"identifier": "A801200005001"}, "check letter"),
        ({"date_of_birth_day": "31", "date_of_birth_month": "2", "date_of_birth_year": "2012"}, "must be a real date"),
        ({"date_of_birth_day": "3", "date_of_birth_year": "2012"}, "must include a month"),
        ({"date_of_birth_day": "1", "date_of_birth_month": "1", "date_of_birth_year": "2099"}, "today or in the past"),
        ({"name": ""}, "Enter a name, a date of birth or an identifier"),
    ],
)
def test_search_rejects_bad_input_with_an_error_summary(signed_in, scene, query, message):
    response = signed_in("pat").get("/children/search", {"name": "", **query})
    assert 'class="govuk-error-summary"' in response.text
    assert message in response.text
    assert response.text.count("Error:") >= 2  # the page title and the field both say so


def test_analyst_cannot_search_for_children(signed_in, scene):
    assert signed_in("ana").get("/children/search", {"name": "Smith"}).status_code == 403


def test_practitioner_changes_child_details_and_the_change_is_audited(signed_in, scene):
    child = scene["alfred"]
    response = signed_in("pat").post(
        f"/children/{child.pk}/edit",
        {
            "forenames": "Alfred James",
            "surname": "Smith-Evans",
            "date_of_birth_day": "4",
            "date_of_birth_month": "3",
            "date_of_birth_year": "2012",
            "sex": "M",
            "nhs_number": "943 476 5919",
            "upn": "B801200005001",
        },
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.surname == "Smith-Evans"
    assert list(child.former_names.values_list("surname", flat=True)) == ["Smith"]
    event = AuditEvent.objects.get(verb="changed_child")
    assert event.detail["changed"]["surname"] == ["Smith", "Smith-Evans"]
    assert "allocated worker" in event.legal_basis


def test_invalid_identifiers_are_rejected_and_nothing_changes(signed_in, scene):
    child = scene["alfred"]
    response = signed_in("pat").post(
        f"/children/{child.pk}/edit",
        {
            "forenames": "Alfred",
            "surname": "Smith",
            "date_of_birth_day": "4",
            "date_of_birth_month": "13",
            "date_of_birth_year": "2012",
            "sex": "M",
            "nhs_number": "9434765871",
            "upn": "A801200005001",
        },
    )
    assert response.status_code == 200
    for message in ("Month must be a number between 1 and 12", "check digit", "check letter"):
        assert message in response.text
    child.refresh_from_db()
    assert child.forenames == "Alfred James"
    assert not AuditEvent.objects.filter(verb="changed_child").exists()


def test_practitioner_not_involved_cannot_change_a_child(signed_in, scene):
    response = signed_in("pat").post(f"/children/{scene['bethany'].pk}/edit", {"forenames": "X"})
    assert response.status_code == 404


def test_audit_page_is_for_managers_not_practitioners(signed_in, scene):
    child = scene["alfred"]
    assert signed_in("pat").get(f"/children/{child.pk}/audit").status_code == 404
    assert signed_in("sam").get(f"/children/{child.pk}/audit").status_code == 200


def test_pages_need_sign_in(client, scene):
    response = client.get(f"/children/{scene['alfred'].pk}")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in")


def test_every_page_sends_a_content_security_policy_with_a_nonce(signed_in, scene):
    response = signed_in("pat").get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.text


def test_sign_out_needs_a_csrf_token(scene):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(scene["pat"].user)
    assert client.post("/sign-out").status_code == 403


def test_repeated_failed_sign_ins_lock_the_account(client, scene):
    for _ in range(5):
        client.post("/sign-in", {"username": "pat", "password": "wrong-password"})
    response = client.post("/sign-in", {"username": "pat", "password": "correct-horse-battery-staple"})
    assert response.status_code == 429
    assert "too many failed attempts" in response.text


@override_settings(JOINEDUP_REQUIRE_TWO_FACTOR=True, OTP_TOTP_THROTTLE_FACTOR=0)
def test_two_factor_is_enrolled_then_required_when_mandatory(client, scene):
    """Throttling is off here so the right code may follow a wrong one at once."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.post("/sign-in", {"username": "pat", "password": "correct-horse-battery-staple"})
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/two-factor")
    page = client.get("/two-factor")
    assert "Set up your authenticator app" in page.text and "<svg" in page.text
    assert client.post("/two-factor", {"code": "000000"}).status_code == 200  # a wrong code is refused
    device = TOTPDevice.objects.get(user=scene["pat"].user)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    assert client.post("/two-factor", {"code": code}).status_code == 302
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


@override_settings(JOINEDUP_REQUIRE_TWO_FACTOR=True)
def test_wrong_two_factor_codes_are_throttled(client, scene):
    client.post("/sign-in", {"username": "pat", "password": "correct-horse-battery-staple"})
    client.get("/two-factor")
    client.post("/two-factor", {"code": "000000"})
    response = client.post("/two-factor", {"code": "000001"})
    assert "Too many wrong codes" in response.text


def test_new_staff_set_their_first_password_by_email_link(client, scene, mailoutbox):
    user = scene["nia"].user
    user.set_unusable_password()
    user.save()
    response = client.post("/sign-in/forgotten-password", {"email": "NIA@northshire.example"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["nia@northshire.example"]
    link = next(line for line in mailoutbox[0].body.splitlines() if "/sign-in/new-password/" in line)
    form_page = client.get(link.split("testserver")[1], follow=True)
    assert "Choose a new password" in form_page.text
    weak = client.post(form_page.request["PATH_INFO"], {"new_password1": "password123", "new_password2": "password123"})
    assert "too common" in weak.text or "too short" in weak.text
    strong = "violet-harbour-kettle-94"
    done = client.post(form_page.request["PATH_INFO"], {"new_password1": strong, "new_password2": strong})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(strong)


def test_unknown_email_gets_the_same_answer_and_no_email(client, scene, mailoutbox):
    response = client.post("/sign-in/forgotten-password", {"email": "nobody@example.org"})
    assert response.status_code == 302 and not mailoutbox


def test_password_change_applies_the_strength_rules(signed_in, scene):
    client = signed_in("pat")
    response = client.post(
        "/password",
        {
            "old_password": "correct-horse-battery-staple",
            "new_password1": "12345678901234",
            "new_password2": "12345678901234",
        },
    )
    assert "entirely numeric" in response.text
    assert scene["pat"].user.check_password("correct-horse-battery-staple")


def test_wrong_password_is_refused_with_a_message_that_says_what_to_do(client, scene):
    response = client.post("/sign-in", {"username": "pat", "password": "not-her-password"})
    assert "Enter a correct username and password" in response.text
    assert 'class="govuk-error-summary"' in response.text


def test_siblings_shown_on_a_record_are_audited_on_their_own_record(signed_in, scene):
    from joinedup.people.models import Family

    family = Family.objects.create(reference="F1")
    for child in (scene["alfred"], scene["bethany"]):
        child.family = family
        child.save()
    response = signed_in("pat").get(f"/children/{scene['alfred'].pk}")
    assert "Bethany Khan" in response.text
    event = AuditEvent.objects.get(child_id=scene["bethany"].pk)
    assert event.verb == "listed_as_sibling" and event.actor_username == "pat"


def test_a_session_left_idle_expires(client, scene, settings):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(scene["pat"].user)
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in")
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_a_session_in_use_is_renewed_once_a_minute_not_written_on_every_page(client, scene):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    client.force_login(scene["pat"].user)
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=5))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]

    session = client.session
    session["renewed_at"] -= 61  # a minute later
    session.save()
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=5))
    assert client.get("/").status_code == 200
    assert Session.objects.get().expire_date > timezone.now() + timedelta(minutes=29)


def test_every_role_has_a_home_page(client, scene):
    from django.contrib.auth import get_user_model

    from joinedup.people.models import Practitioner, Role

    for role in Role.values:
        user = get_user_model().objects.create_user(f"home-{role}", password="x" * 12)
        Practitioner.objects.create(user=user, agency=scene["pat"].agency, job_role="Someone", role=role)
        client.force_login(user)
        assert client.get("/").status_code == 200, role


@pytest.mark.parametrize(
    "username, shown, hidden",
    [
        ("pat", ["Find a child"], ["Index review", "Self-evaluation"]),
        ("ana", ["Self-evaluation"], ["Find a child", "Index review"]),
        ("adi", ["Index review"], ["Find a child", "Self-evaluation"]),
    ],
)
def test_navigation_offers_only_what_the_policy_allows(signed_in, scene, username, shown, hidden):
    page = signed_in(username).get("/").text
    navigation = page[page.index('class="govuk-service-navigation__list"') : page.index("</nav>")]
    assert all(label in navigation for label in shown)
    assert not any(label in navigation for label in hidden)


def test_a_family_account_goes_to_its_plan_and_sees_nothing_else(client, scene):
    from django.contrib.auth import get_user_model

    from joinedup.casework.models import FamilyAccount

    user = get_user_model().objects.create_user("alfred.smith", password="x" * 12)
    FamilyAccount.objects.create(user=user, child=scene["alfred"])  # a young person's own account
    client.force_login(user)

    response = client.get("/")

    assert response.status_code == 302 and response["Location"] == "/casework/family/"
    page = client.get("/casework/family/").text
    navigation = page[page.index('class="govuk-service-navigation__list"') : page.index("</nav>")]
    assert "Your plan" in navigation and "Find a child" not in navigation
