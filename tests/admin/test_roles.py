"""Staff groups and the demo staff command."""

import importlib
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from checkout.roles import GROUP_PERMISSIONS, ensure_staff_groups
from storefront.models import User


@pytest.mark.django_db
def test_staff_groups_migrations_create_the_groups_with_their_permissions():
    # Run the data migration's function with the historical models, on a
    # database without the groups (a transactional test may have flushed them).
    Group.objects.filter(name__in=GROUP_PERMISSIONS).delete()
    state = MigrationLoader(connection).project_state(("checkout", "0004_staff_groups"))
    migration = importlib.import_module("checkout.migrations.0004_staff_groups")
    # The function only needs the schema editor's connection.
    migration.create_staff_groups(state.apps, SimpleNamespace(connection=connection))
    # Later migrations give Operations the priest roster, the sign-in locks and
    # the task results.
    state = MigrationLoader(connection).project_state(
        [
            ("priests", "0003_operations_roster_permissions"),
            ("security", "0001_initial"),
        ]
    )
    roster = importlib.import_module(
        "priests.migrations.0003_operations_roster_permissions"
    )
    roster.grant(state.apps, SimpleNamespace(connection=connection))
    importlib.import_module("security.migrations.0001_initial").grant_operations(
        state.apps, SimpleNamespace(connection=connection)
    )
    state = MigrationLoader(connection).project_state(
        ("checkout", "0012_operations_task_results")
    )
    importlib.import_module("checkout.migrations.0012_operations_task_results").grant(
        state.apps, SimpleNamespace(connection=connection)
    )
    for name, perms in GROUP_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        got = {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert got == set(perms), name


@pytest.mark.django_db
def test_ensure_staff_groups_repairs_and_is_idempotent():
    ensure_staff_groups()
    Group.objects.get(name="Support").permissions.clear()
    ensure_staff_groups()
    ensure_staff_groups()
    assert Group.objects.filter(name__in=GROUP_PERMISSIONS).count() == 3
    assert Group.objects.get(name="Support").permissions.count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_create_demo_staff_is_idempotent(settings, capsys, debug):
    settings.DEBUG = debug
    call_command("create_demo_staff")
    call_command("create_demo_staff")
    out = capsys.readouterr().out
    assert ("ops12345" in out) is debug
    ops = User.objects.get(email="ops@okpuja.in")
    assert ops.is_staff and not ops.is_superuser
    assert ops.check_password("ops12345")
    assert list(ops.groups.values_list("name", flat=True)) == ["Operations"]
    assert User.objects.get(email="support@okpuja.in").has_perm(
        "checkout.resend_confirmation"
    )
    assert not User.objects.get(email="support@okpuja.in").has_perm(
        "checkout.cancel_booking"
    )
    assert User.objects.filter(email__endswith="@okpuja.in").count() == 2
