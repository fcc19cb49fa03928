"""Imports go the way ARCHITECTURE.md says they do."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def python_files(package):
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize(
    "path", python_files("storefront"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_storefront_reads_checkout_only_through_capacity(path):
    if path == ROOT / "storefront" / "capacity.py":
        return
    bad = [m for m in imported_modules(path) if m.split(".")[0] == "checkout"]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


@pytest.mark.parametrize(
    "path", python_files("phonepe_sandbox"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_the_sandbox_imports_nothing_of_the_project(path):
    project = {
        "api",
        "checkout",
        "storefront",
        "config",
        "priests",
        "security",
        "tests",
    }
    bad = [m for m in imported_modules(path) if m.split(".")[0] in project]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


@pytest.mark.parametrize(
    "module", ["states.py", "audit.py", "selectors.py", "prepared.py"]
)
def test_states_audit_and_selectors_sit_below_the_money_path(module):
    """states, audit and selectors import only models (and states, and the
    statements of prepared, which imports none), so every other module can
    use them without a cycle."""
    allowed = {
        "checkout.models",
        "checkout.audit",
        "checkout.states",
        "checkout.prepared",
        "storefront.models",
    }
    path = ROOT / "checkout" / module
    bad = [
        m
        for m in imported_modules(path)
        if m.split(".")[0] in {"checkout", "storefront"} and m not in allowed
    ]
    assert not bad, f"checkout/{module} imports {bad}"


@pytest.mark.parametrize(
    "path", python_files("security"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_security_imports_no_app(path):
    """Rate limits and the JSON helper sit below both apps."""
    bad = [
        m
        for m in imported_modules(path)
        if m.split(".")[0] in {"checkout", "storefront"}
    ]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


@pytest.mark.parametrize(
    "module, allowed",
    [
        ("slots.py", set()),
        ("settlement.py", {"checkout.services.slots"}),
        ("payments.py", {"checkout.services.slots", "checkout.services.settlement"}),
    ],
)
def test_the_money_path_modules_import_one_way(module, allowed):
    """Inside checkout/services/: payments sits on settlement, both on slots,
    so the package has no import cycle."""
    path = ROOT / "checkout" / "services" / module
    inner = {m for m in imported_modules(path) if m.startswith("checkout.services")}
    assert inner <= allowed, f"checkout/services/{module} imports {inner - allowed}"


@pytest.mark.parametrize(
    "module, allowed",
    [
        ("assignment.py", set()),
        ("portal.py", set()),
        ("leave.py", set()),
        ("changes.py", {"priests.services.assignment"}),
    ],
)
def test_the_priests_services_modules_import_one_way(module, allowed):
    """Inside priests/services/: changes sits on assignment, the others on
    nothing of the package, so it has no import cycle."""
    path = ROOT / "priests" / "services" / module
    inner = {m for m in imported_modules(path) if m.startswith("priests.services")}
    assert inner <= allowed, f"priests/services/{module} imports {inner - allowed}"
