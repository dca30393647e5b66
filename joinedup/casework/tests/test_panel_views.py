"""Setting up panels through the test client: the list by locality, the create and change forms with
GOV.UK errors under each field, and 403s for people who may not manage panels."""

import pytest

from joinedup.agencies.tests.factories import LocalityFactory
from joinedup.casework.models import Panel
from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, front_door):
    manager = PractitionerFactory(
        role=Role.SERVICE_MANAGER, user__first_name="Mo", user__last_name="Khan", job_role="Early help manager"
    )
    client.force_login(manager.user)
    return client


def new_panel(front_door, **changes):
    return {
        "name": "North weekly panel",
        "cycle": "7",
        "chair": front_door["chris"].pk,
        "members": [front_door["pat"].pk, front_door["nina"].pk],
    } | changes


def test_the_panels_page_links_a_manager_to_the_set_up_pages(client, front_door):
    client.force_login(front_door["chris"].user)

    assert "/casework/panels/setup/" in client.get("/casework/panels/").content.decode()


def test_panels_are_listed_by_locality_with_their_chair_members_and_cycle(manager_client, front_door):
    LocalityFactory(name="South")

    page = manager_client.get("/casework/panels/setup/").content.decode()

    assert "North allocation panel" in page
    assert "Fortnightly" in page
    assert "Chris Adeyemi, Early help manager (Northshire Council)" in page
    assert "Nina Evans, School nurse (Northshire Community Health)" in page
    assert "South has no allocation panel yet." in page
    assert "Set up a panel for South" in page


def test_a_manager_sets_up_a_panel_and_is_sent_back_to_the_list(manager_client, front_door):
    response = manager_client.post(
        f"/casework/panels/setup/{front_door['north'].pk}/new/", new_panel(front_door), follow=True
    )

    panel = Panel.objects.get(name="North weekly panel")
    assert (panel.cycle_days, panel.chair) == (7, front_door["chris"])
    assert response.redirect_chain[-1][0] == "/casework/panels/setup/"
    assert "North weekly panel has been set up and its members told" in response.content.decode()


def test_the_new_panel_form_offers_local_staff_and_panel_chairs(manager_client, front_door):
    PractitionerFactory(user__first_name="Far", user__last_name="Away", team__locality=LocalityFactory())

    page = manager_client.get(f"/casework/panels/setup/{front_door['north'].pk}/new/").content.decode()

    assert "Chris Adeyemi, Early help manager (Northshire Council)" in page
    assert "Tom Baker" in page
    assert "Far Away" not in page
    assert 'value="14" checked' in page


def pk_of(front_door, value):
    """The names of the front door's staff in a parameter stand for their ids."""
    if isinstance(value, list):
        return [front_door[name].pk for name in value]
    return front_door[value].pk if value in front_door else value


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"name": ""}, "name", "Enter the panel&#39;s name"),
        ({"cycle": ""}, "cycle", "Select how often the panel meets"),
        ({"chair": ""}, "chair", "Choose the panel&#39;s chair"),
        ({"members": []}, "members", "Choose the panel&#39;s members"),
        ({"name": "north allocation panel"}, "name", "North already has a panel called north allocation panel"),
        ({"members": ["pat"]}, "members", "Choose members from at least 2 agencies, besides the chair"),
        ({"chair": "tom"}, "chair", "Choose a chair from the list"),
    ],
)
def test_a_panel_breaking_a_rule_gets_a_govuk_error_on_its_field(manager_client, front_door, changes, field, message):
    changes = {key: pk_of(front_door, value) for key, value in changes.items()}

    page = manager_client.post(
        f"/casework/panels/setup/{front_door['north'].pk}/new/", new_panel(front_door, **changes)
    ).content.decode()

    assert "govuk-error-summary" in page
    assert f'href="#id_{field}"' in page
    assert message in page
    assert not Panel.objects.filter(name="North weekly panel").exists()


def test_a_manager_changes_the_members_and_the_cycle(manager_client, front_door):
    panel = front_door["panel"]

    response = manager_client.post(
        f"/casework/panels/{panel.pk}/change/",
        {"cycle": "7", "chair": front_door["chris"].pk, "members": [front_door["nina"].pk, front_door["tom"].pk]},
        follow=True,
    )

    assert "North allocation panel has been changed" in response.content.decode()
    assert set(panel.members.all()) == {front_door["chris"], front_door["nina"], front_door["tom"]}
    panel.refresh_from_db()
    assert panel.cycle_days == 7


def test_the_change_form_starts_from_the_panel_as_it_is(manager_client, front_door):
    panel = front_door["panel"]

    page = manager_client.get(f"/casework/panels/{panel.pk}/change/").content.decode()

    assert "Change North allocation panel" in page
    assert 'name="name"' not in page
    assert f'value="{front_door["nina"].pk}" checked' in page
    assert f'value="{front_door["tom"].pk}" checked' not in page
    assert f'<option value="{front_door["chris"].pk}" selected>' in page


def test_a_member_who_has_left_is_shown_and_must_be_removed(manager_client, front_door):
    panel = front_door["panel"]
    front_door["nina"].user.is_active = False
    front_door["nina"].user.save()

    form = manager_client.get(f"/casework/panels/{panel.pk}/change/").content.decode()
    page = manager_client.post(
        f"/casework/panels/{panel.pk}/change/",
        {"cycle": "14", "chair": front_door["chris"].pk, "members": [front_door["nina"].pk, front_door["pat"].pk]},
    ).content.decode()

    assert "School nurse, Northshire Community Health. Has left: remove them from the panel" in form
    assert "Nina Evans has left: remove them from the panel" in page
    assert 'href="#id_members"' in page


def test_a_chair_who_no_longer_holds_the_role_must_be_replaced(manager_client, front_door):
    panel = front_door["panel"]
    front_door["chris"].role = Role.PRACTITIONER
    front_door["chris"].save()

    page = manager_client.post(
        f"/casework/panels/{panel.pk}/change/",
        {"cycle": "7", "chair": front_door["chris"].pk, "members": [front_door["nina"].pk, front_door["pat"].pk]},
    ).content.decode()

    assert "Chris Adeyemi does not have the panel chair role: choose a panel chair" in page
    assert 'href="#id_chair"' in page


def test_a_chair_who_has_left_must_be_replaced(manager_client, front_door):
    panel = front_door["panel"]
    front_door["chris"].user.is_active = False
    front_door["chris"].user.save()

    page = manager_client.post(
        f"/casework/panels/{panel.pk}/change/",
        {"cycle": "14", "chair": front_door["chris"].pk, "members": [front_door["nina"].pk, front_door["pat"].pk]},
    ).content.decode()

    assert "Chris Adeyemi has left: choose a new chair" in page


@pytest.mark.parametrize(
    "path",
    ["/casework/panels/setup/", "/casework/panels/setup/{locality}/new/", "/casework/panels/{panel}/change/"],
)
def test_a_practitioner_who_may_not_manage_panels_is_refused(client, front_door, path):
    """Pat sits on the panel, but only chairs and service managers set panels up."""
    client.force_login(front_door["pat"].user)
    url = path.format(locality=front_door["north"].pk, panel=front_door["panel"].pk)

    assert client.get(url).status_code == 403
    assert client.post(url, new_panel(front_door)).status_code == 403
    assert Panel.objects.count() == 1


def test_a_panel_or_locality_that_does_not_exist_is_not_found(manager_client):
    assert manager_client.get("/casework/panels/setup/999999/new/").status_code == 404
    assert manager_client.get("/casework/panels/999999/change/").status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, front_door):
    response = client.get("/casework/panels/setup/")

    assert response.status_code == 302
    assert "sign-in" in response["Location"]
