"""A GOV.UK date input gives one date, or one error naming what is wrong."""

from datetime import date

import pytest

from joinedup.common.forms import DateInputs


class MeetingForm(DateInputs):
    dates = {"held_on": "Date of the meeting", "next_on": "Date of the next meeting"}
    optional_dates = frozenset({"next_on"})

    def date_problem(self, prefix, value):
        return "Date of the meeting must be in 2026" if prefix == "held_on" and value.year != 2026 else None


def meeting(**parts) -> MeetingForm:
    return MeetingForm(data={key: str(value) for key, value in parts.items()})


def test_three_boxes_make_one_date_and_an_optional_date_may_be_empty():
    form = meeting(held_on_day=3, held_on_month=2, held_on_year=2026)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["held_on"] == date(2026, 2, 3)
    assert form.cleaned_data["next_on"] is None


@pytest.mark.parametrize(
    "parts, message",
    [
        ({}, "Enter the date of the meeting"),
        ({"held_on_day": 3, "held_on_year": 2026}, "Date of the meeting must include a month"),
        ({"held_on_year": 2026}, "Date of the meeting must include a day and month"),
        ({"held_on_day": 30, "held_on_month": 2, "held_on_year": 2026}, "Date of the meeting must be a real date"),
        ({"held_on_day": 32, "held_on_month": 2, "held_on_year": 2026}, "Day must be a number between 1 and 31"),
        ({"held_on_day": "x", "held_on_month": 2, "held_on_year": 2026}, "Day must be a number between 1 and 31"),
        ({"held_on_day": 3, "held_on_month": 2, "held_on_year": 2025}, "Date of the meeting must be in 2026"),
    ],
)
def test_each_mistake_gets_one_message_on_the_first_box(parts, message):
    form = meeting(**parts)
    assert not form.is_valid()
    assert form.errors["held_on_day"] == [message]
    assert "held_on" not in form.cleaned_data


def test_a_half_filled_optional_date_is_still_an_error():
    form = meeting(held_on_day=3, held_on_month=2, held_on_year=2026, next_on_month=3)
    assert not form.is_valid()
    assert form.errors["next_on_day"] == ["Date of the next meeting must include a day and year"]
