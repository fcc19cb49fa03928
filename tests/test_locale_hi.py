"""The Hindi catalogue is complete: no untranslated or fuzzy entry, the .mo compiled from it.

``make messages`` collects new strings into locale/hi and runs the same check.
"""

import os
import shutil
import subprocess

import polib
import pytest

from tests import translations

# Copied for makemessages: everything but virtualenvs, caches and build output.
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".venv-sdk",
    "staticfiles",
    "test-artifacts",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "*.sqlite3*",
    "node_modules",
    "bench",
)


def test_every_hindi_entry_is_translated_and_compiled():
    assert translations.problems() == []


def test_msgfmt_agrees_when_gettext_is_installed():
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext not installed (polib did the check above)")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(translations.PO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr


def test_makemessages_finds_no_string_without_its_hindi(tmp_path):
    """Collect the strings of a copy of the code into a copy of the .po: every one of
    them must already be translated (a new, untranslated string fails here)."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("GNU gettext is needed for this check (make test installs it)")
        pytest.skip("GNU gettext not installed (make test installs it)")
    copy = tmp_path / "repo"
    shutil.copytree(translations.ROOT, copy, ignore=NOT_COPIED)
    result = translations.run_manage(copy, *translations.MAKEMESSAGES)
    assert result.returncode == 0, result.stderr
    po = copy / translations.PO.relative_to(translations.ROOT)
    assert translations.problems(po, translations.MO) == []


def _catalogue(tmp_path, *entries):
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    for entry in entries:
        po.append(entry)
    po.save(str(tmp_path / "django.po"))
    po.save_as_mofile(str(tmp_path / "django.mo"))
    return tmp_path / "django.po", tmp_path / "django.mo"


def test_the_check_finds_untranslated_fuzzy_and_stale_entries(tmp_path):
    done = polib.POEntry(msgid="Cart", msgstr="टोकरी")
    po_path, mo_path = _catalogue(tmp_path, done)
    assert translations.problems(po_path, mo_path) == []

    po_path, mo_path = _catalogue(
        tmp_path,
        done,
        polib.POEntry(msgid="Pay now", msgstr=""),
        polib.POEntry(msgid="Log in", msgstr="लॉग इन", flags=["fuzzy"]),
        polib.POEntry(
            msgid="%(n)d puja",
            msgid_plural="%(n)d pujas",
            msgstr_plural={0: "%(n)d पूजा", 1: ""},
        ),
    )
    assert translations.problems(po_path, mo_path) == [
        "untranslated: 'Pay now' ()",
        "fuzzy: 'Log in' ()",
        "untranslated: '%(n)d puja' ()",
    ]

    po = polib.pofile(str(po_path))
    po.find("Cart").msgstr = "कार्ट"
    po.save()
    assert "not compiled: 'Cart' (run make messages)" in translations.problems(
        po_path, mo_path
    )
