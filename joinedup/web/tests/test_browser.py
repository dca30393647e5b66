"""Two people sign in and search for the same children: each sees only what they should."""

import re
from base64 import b32decode
from datetime import date

import pytest
from django.test import override_settings
from django_otp.oath import totp
from playwright.sync_api import expect

from joinedup.common.browser_testing import Journey
from joinedup.evidence.measures import build_measures
from joinedup.index.review.tests.factories import IndexRecordFactory

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, journey, live_server, username):
    page.goto(f"{live_server.url}/sign-in")
    journey.check(f"{username} sign-in page")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_practitioner_finds_their_child_and_not_others(live_server, scene, page, settings, tmp_path):
    journey = Journey(page, "practitioner")
    # Given Pat, a family support worker working with Alfred Smith, whose school attendance the index holds
    terms = [("2023-autumn", "2023-09-01", 4), ("2023-spring", "2024-01-01", 12), ("2023-summer", "2024-04-01", 30)]
    IndexRecordFactory(
        child=scene["alfred"],
        facts={
            "attendance_terms": [
                {"term": term, "starts": starts, "urn": "100001", "nc_year": 7, "possible": 100, "missed": missed}
                for term, starts, missed in terms
            ]
        },
    )
    settings.JOINEDUP_EVIDENCE_PATH = tmp_path / "evidence.duckdb"
    build_measures(on=date(2024, 8, 1))
    sign_in(page, journey, live_server, "pat")
    expect(page.get_by_role("heading", name="Your children")).to_be_visible()
    expect(page.get_by_role("link", name="Alfred James Smith")).to_be_visible()
    journey.check("home")

    # When Pat searches with a nickname and a misspelt surname
    page.get_by_role("link", name="Find a child").first.click()
    page.get_by_label("Name").fill("Alfie Smyth")
    page.get_by_role("button", name="Search").click()
    journey.check("search results")
    # Then Alfred is found and can be opened
    page.get_by_role("link", name="Alfred James Smith").click()
    expect(page.get_by_role("heading", name="Alfred James Smith")).to_be_visible()
    expect(page.get_by_text("Pat Jones, Family support worker")).to_be_visible()
    # and the sensitive service is shielded from Pat
    expect(page.get_by_text("A sensitive service is involved: contact the index administrator")).to_be_visible()
    expect(page.get_by_text("Young people's sexual health")).to_have_count(0)
    expect(page.get_by_role("link", name="Who has looked at this child's record")).to_have_count(0)
    # and his attendance each term, as a chart with one name and as a table of the same figures
    expect(page.get_by_role("img", name=re.compile("Column chart of the child's attendance each term"))).to_be_visible()
    expect(page.get_by_role("table", name="Attendance, term by term")).to_contain_text("30 of 100")
    journey.check("child summary")

    # When Pat searches for a child they do not work with
    page.goto(f"{live_server.url}/children/search?name=Bethany+Kahn")
    # Then she is listed, to avoid recording her twice, but cannot be opened
    expect(page.get_by_text("You are not involved with this child")).to_be_visible()
    expect(page.get_by_role("link", name="Bethany Khan")).to_have_count(0)
    journey.check("other child listed without link")
    page.goto(f"{live_server.url}/children/{scene['bethany'].pk}")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    journey.check("other child refused")

    # When Pat enters an invalid NHS number to search
    page.goto(f"{live_server.url}/children/search")
    page.get_by_label("NHS number, UPN or LA child ID").fill("943 476 5871")
    page.get_by_role("button", name="Search").click()
    # Then a GOV.UK error summary says what is wrong
    expect(page.get_by_role("alert")).to_contain_text("check digit")
    journey.check("invalid identifier")


def test_analyst_sees_figures_but_no_child(live_server, scene, page):
    journey = Journey(page, "analyst")
    # Given Ana, a performance analyst
    sign_in(page, journey, live_server, "ana")
    # Then her home page shows figures about groups of children
    expect(page.get_by_role("heading", name="The authority in figures")).to_be_visible()
    expect(page.get_by_text("never an individual child's record")).to_be_visible()
    journey.check("home")
    # When she tries to search for a child, or open one directly
    page.goto(f"{live_server.url}/children/search?name=Smith")
    expect(page.get_by_role("heading", name="You cannot use this page")).to_be_visible()
    journey.check("search refused")
    page.goto(f"{live_server.url}/children/{scene['alfred'].pk}")
    # Then she is refused both
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    journey.check("child refused")


def test_manager_sees_who_has_looked_at_a_child(live_server, scene, page):
    journey = Journey(page, "manager")
    # Given Pat has opened Alfred's record
    sign_in(page, journey, live_server, "pat")
    page.goto(f"{live_server.url}/children/{scene['alfred'].pk}")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()
    journey.check("signed out")
    # When Sam, who manages Pat's team, opens the audit page of Alfred's record
    sign_in(page, journey, live_server, "sam")
    journey.check("home")
    page.goto(f"{live_server.url}/children/{scene['alfred'].pk}")
    page.get_by_role("link", name="Who has looked at this child's record").click()
    # Then it lists Pat's read with the reason she was allowed
    expect(page.get_by_role("cell", name="pat", exact=True).first).to_be_visible()
    expect(page.get_by_text("You are allocated worker in Early help").first).to_be_visible()
    journey.check("audit page")


@override_settings(JOINEDUP_REQUIRE_TWO_FACTOR=True)
def test_staff_enrol_an_authenticator_app_before_seeing_anything(live_server, scene, page):
    journey = Journey(page, "two-factor")
    # Given two-factor sign-in is mandatory, as in production
    sign_in(page, journey, live_server, "pat")
    # Then Pat must first set up an authenticator app from a QR code or a typed key
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    journey.check("enrol")
    # When she enters the code her app shows
    key = b32decode(page.locator(".joinedup-secret").inner_text().replace(" ", ""))
    page.get_by_label("Code from your authenticator app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Continue").click()
    # Then she reaches her home page
    expect(page.get_by_role("heading", name="Your children")).to_be_visible()
    journey.check("home after two-factor")


def test_forgotten_password_page_is_reachable_from_sign_in(live_server, scene, page):
    journey = Journey(page, "password")
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_role("link", name="Set or reset your password").click()
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your work email address")
    journey.check("reset needs an email")
    page.get_by_label("Work email address").fill("pat@northshire.example")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    journey.check("reset sent")


def test_administrator_adds_a_staff_account(live_server, scene, page):
    journey = Journey(page, "administrator")
    # Given Adi, an administrator
    sign_in(page, journey, live_server, "adi")
    journey.check("home")
    page.get_by_role("button", name="Manage staff accounts").click()
    journey.check("accounts")
    page.get_by_role("button", name="Add an account").click()
    # When the form is sent empty, every problem is listed
    page.get_by_role("button", name="Add account").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a username")
    journey.check("account errors")
    # When it is filled in
    page.get_by_label("Username").fill("jo.bloggs")
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Last name").fill("Bloggs")
    page.get_by_label("Work email address").fill("jo@northshire.example")
    page.get_by_label("Agency", exact=True).select_option(label="Northshire Council")
    page.get_by_label("Team", exact=True).select_option(label="North early help team")
    page.get_by_label("Job title").fill("Youth worker")
    page.get_by_label("Practitioner:").check()
    page.get_by_role("button", name="Add account").click()
    # Then the account is listed and its holder has been emailed
    expect(page.get_by_text("Account jo.bloggs created")).to_be_visible()
    expect(page.get_by_role("link", name="Jo Bloggs")).to_be_visible()
    journey.check("account added")
