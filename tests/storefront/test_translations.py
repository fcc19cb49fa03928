"""Strings translated at import time must be lazy, or they freeze one language."""

import ast
from pathlib import Path

import pytest
from django.utils.functional import Promise

from storefront.forms import CatalogFilterForm

REPO = Path(__file__).resolve().parents[2]
TRANSLATION = "django.utils.translation"
EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}
PACKAGES = [
    "api",
    "checkout",
    "config",
    "phonepe_sandbox",
    "priests",
    "security",
    "storefront",
]
MODULES = sorted(
    path.relative_to(REPO).as_posix()
    for package in PACKAGES
    for path in (REPO / package).rglob("*.py")
    if "migrations" not in path.parts
)


def import_time_translations(tree):
    """Yield (line, function name, formatted) for translation calls run at import."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == TRANSLATION:
            names.update(
                {alias.asname or alias.name: alias.name for alias in node.names}
            )

    def visit(node, formatted=False):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in names
        ):
            yield node.lineno, names[node.func.id], formatted
        for child in ast.iter_child_nodes(node):
            is_format = (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Mod)
                and child is node.left
            )
            yield from visit(child, is_format)

    yield from visit(tree)


@pytest.mark.parametrize("module", MODULES)
def test_import_time_translations_are_lazy_and_not_formatted(module):
    tree = ast.parse((REPO / module).read_text())
    found = list(import_time_translations(tree))
    assert [(line, name) for line, name, _f in found if name in EAGER] == []
    # "%" on a lazy string evaluates it at once, in the language of the import.
    assert [line for line, _n, formatted in found if formatted] == []


def test_the_checker_sees_eager_and_formatted_strings():
    source = (
        "from django.utils.translation import gettext as _, gettext_lazy\n"
        "A = _('a')\n"
        "B = gettext_lazy('b %(n)d') % {'n': 1}\n"
        "def f():\n    return _('c')\n"
    )
    assert list(import_time_translations(ast.parse(source))) == [
        (2, "gettext", False),
        (3, "gettext_lazy", True),
    ]


def test_catalog_notes_are_translated_when_shown():
    assert all(isinstance(note, Promise) for note in CatalogFilterForm.NOTES.values())
    assert str(CatalogFilterForm.NOTES["q"]) == (
        "Search ignored: please use at most 100 characters."
    )
