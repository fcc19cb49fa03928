"""The API sits on top: it calls storefront and checkout, neither imports it, and
it holds no business rule of its own (no model writes outside its tokens)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


@pytest.mark.parametrize(
    "path",
    sorted([*(ROOT / "storefront").rglob("*.py"), *(ROOT / "checkout").rglob("*.py")]),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_apps_below_do_not_import_the_api(path):
    bad = [m for m in imported_modules(path) if m.split(".")[0] == "api"]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


WRITES = {"save", "create", "update", "delete", "bulk_create", "get_or_create"}


@pytest.mark.parametrize("name", ["catalog.py", "cart.py", "account.py", "payments.py"])
def test_endpoints_write_only_through_services(name):
    """Writes of shop data go through storefront.services / checkout.services."""
    tree = ast.parse((ROOT / "api" / name).read_text())
    calls = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in WRITES
        and not (
            isinstance(node.func.value, ast.Name)
            and node.func.value.id
            in {
                "storefront_services",
                "services",
                "form",
                "router",
                "addresses",
                "auth",
            }
        )
    ]
    assert calls == [], f"api/{name} writes directly: {calls}"
