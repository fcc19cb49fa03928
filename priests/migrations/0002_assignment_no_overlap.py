"""PostgreSQL refuses two live assignments of one priest whose times overlap.

An exclusion constraint over (priest, [starts_at, ends_at)) needs btree_gist
for the equality on priest_id. SQLite has no exclusion constraints:
``priests.services`` applies the same rule in code under the priest's row lock.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT = "assignment_priest_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE priests_assignment ADD CONSTRAINT {CONSTRAINT} "
        "EXCLUDE USING gist (priest_id WITH =, "
        "tstzrange(starts_at, ends_at, '[)') WITH &&) "
        "WHERE (status IN ('offered', 'accepted', 'done'))"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE priests_assignment DROP CONSTRAINT IF EXISTS {CONSTRAINT}"
    )


class Migration(migrations.Migration):
    dependencies = [("priests", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
