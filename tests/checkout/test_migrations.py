"""Migrations stay runnable as the code moves on: data migrations call no live code."""

import ast
from pathlib import Path

import pytest

# The project's own top-level packages; a data migration imports none of them
# and reaches models through the historical ``apps.get_model`` only.
PROJECT_PACKAGES = {
    "api",
    "checkout",
    "config",
    "phonepe_sandbox",
    "priests",
    "security",
    "storefront",
}


REPO = Path(__file__).resolve().parents[2]


def project_migrations():
    return [
        pytest.param(path, id=f"{path.parent.parent.name}.{path.stem}")
        for package in sorted(PROJECT_PACKAGES)
        for path in sorted((REPO / package / "migrations").glob("0*.py"))
    ]


def imported_modules(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""


def test_the_staff_groups_migration_is_a_data_migration_that_is_checked():
    # Guard the parametrisation below: it must include 0004_staff_groups.
    ids = [param.id for param in project_migrations()]
    assert "checkout.0004_staff_groups" in ids


@pytest.mark.parametrize("path", project_migrations())
def test_data_migrations_import_no_project_code(path):
    source = path.read_text()
    if "RunPython" not in source:
        # Schema migrations may reference field defaults such as
        # checkout.models.new_book_id; Django writes those itself.
        return
    imported = {
        module
        for module in imported_modules(ast.parse(source))
        if module.split(".")[0] in PROJECT_PACKAGES
    }
    assert imported == set()
