"""Audit events are append-only in the database itself, not only through the ORM: a trigger refuses
UPDATE of audit_auditevent on PostgreSQL and SQLite, and DELETE on PostgreSQL, whoever runs them
(a database shell, a reporting tool, a bug that bypasses the model).

Two things are left open on purpose. TRUNCATE: Django's test runner empties every table with one
TRUNCATE between transactional tests on PostgreSQL, and TRUNCATE needs the table owner's TRUNCATE
privilege, which the role the application signs in with should not hold (grant it SELECT and
INSERT on this table). DELETE on SQLite: SQLite has no TRUNCATE, so the same emptying is a DELETE
of every row, and SQLite is for the demo and development, not for children's records. A later
migration that must rewrite audit rows drops the trigger and creates it again."""

from django.db import migrations

REFUSE = {
    "postgresql": [
        """
        CREATE FUNCTION audit_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING MESSAGE = 'Audit events cannot be changed or deleted (' || TG_OP || ' of audit_auditevent)';
        END
        $$
        """,
        """
        CREATE TRIGGER audit_event_is_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
        FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only()
        """,
    ],
    "sqlite": [
        """
        CREATE TRIGGER audit_event_is_append_only BEFORE UPDATE ON audit_auditevent
        BEGIN
            SELECT RAISE(ABORT, 'Audit events cannot be changed (UPDATE of audit_auditevent)');
        END
        """,
    ],
}

ALLOW = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_is_append_only ON audit_auditevent",
        "DROP FUNCTION IF EXISTS audit_event_is_append_only()",
    ],
    "sqlite": ["DROP TRIGGER IF EXISTS audit_event_is_append_only"],
}


def refuse_changes(apps, schema_editor):
    # schema_editor.execute() sends statements through psycopg's placeholder parsing, so the SQL
    # above uses no percent sign (the message is built with ||, not RAISE's placeholder).
    for statement in REFUSE.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def allow_changes(apps, schema_editor):
    for statement in ALLOW.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(refuse_changes, allow_changes, elidable=False)]
