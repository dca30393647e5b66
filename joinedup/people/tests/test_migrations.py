"""Migrations that move data: the index's "Unknown" and 1 January 1900 placeholders become nulls,
on the children the index made and on no other."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from joinedup.people.models import Child

BEFORE_NULLS = ("people", "0004_carer_phone_and_email")


def migrate(targets=None):
    """To the given migrations, or forward to the latest of every app."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


@pytest.mark.django_db(transaction=True)
def test_the_index_placeholders_become_nulls_and_the_registers_names_stay():
    executor = migrate([BEFORE_NULLS])
    old_child = executor.loader.project_state([BEFORE_NULLS]).apps.get_model("people", "Child")
    placeholder = old_child.objects.create(forenames="Unknown", surname="Unknown", date_of_birth=date(1900, 1, 1))
    named_by_index = old_child.objects.create(forenames="Mia", surname="Unknown", date_of_birth=date(2014, 2, 3))
    # Only the register gives an LA child ID: a name it holds is the register's, whatever it says.
    on_register = old_child.objects.create(
        la_child_id="LA1", forenames="Unknown", surname="Unknown", date_of_birth=date(2014, 2, 3)
    )

    migrate()

    details = {pk: rest for pk, *rest in Child.objects.values_list("pk", "forenames", "surname", "date_of_birth")}
    assert details[placeholder.pk] == [None, None, None]
    assert details[named_by_index.pk] == ["Mia", None, date(2014, 2, 3)]
    assert details[on_register.pk] == ["Unknown", "Unknown", date(2014, 2, 3)]
