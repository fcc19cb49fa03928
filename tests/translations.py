"""The Hindi message catalogue: collect it, and check every entry is translated.

    python tests/translations.py          # check: exit 1 on any untranslated or
                                          # fuzzy entry, or a .mo behind the .po
    python tests/translations.py update   # makemessages + compilemessages + check
                                          # (what `make messages` runs; needs gettext)

``tests/test_locale_hi.py`` runs the same checks in the suite, and runs
``makemessages`` on a copy of the code so a new string nobody translated fails
too. polib reads the files; only collecting needs GNU gettext.
"""

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "hi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

# What makemessages collects: our code and templates. The staff admin stays in
# English, so its modules are left out; so are tests, tools and the sandbox.
MAKEMESSAGES = [
    "makemessages",
    "--locale=hi",
    "--no-obsolete",
    "--add-location=file",
    *(
        f"--ignore={pattern}"
        for pattern in (
            ".venv",
            ".venv-sdk",
            ".git",
            "staticfiles",
            "test-artifacts",
            "tests",
            "bench",
            "phonepe_sandbox",
            "admin",
            "admin.py",
            "checkout_admin.py",
            "staffauth",
            "checkout/forms.py",
            "storefront/money.py",
        )
    ),
]


def run_manage(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Run manage.py in ``root`` (DEBUG on: no secrets needed to collect strings)."""
    env = {**os.environ, "DJANGO_DEBUG": "true"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _key(entry):
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def _translations(entry):
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


def problems(po_path=PO, mo_path=MO) -> list[str]:
    """Return one line per problem of the catalogue; empty when it is complete."""
    if not po_path.exists():
        return [f"{po_path} is missing (run make messages)"]
    po = polib.pofile(str(po_path))
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        where = ", ".join(f"{f}" for f, _line in entry.occurrences[:2])
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.msgid!r} ({where})")
        elif not all(_translations(entry)):
            found.append(f"untranslated: {entry.msgid!r} ({where})")
    if not mo_path.exists():
        return [*found, f"{mo_path} is missing (run make messages)"]
    compiled = {
        _key(e): _translations(e) for e in polib.mofile(str(mo_path)) if e.msgid
    }
    for entry in po.translated_entries():
        if compiled.get(_key(entry)) != _translations(entry):
            found.append(f"not compiled: {entry.msgid!r} (run make messages)")
    return found


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        for args in (
            MAKEMESSAGES,
            ["compilemessages", "--locale=hi", "--ignore=.venv", "--ignore=.venv-sdk"],
        ):
            result = run_manage(ROOT, *args)
            print(result.stdout, result.stderr, sep="", end="")
            if result.returncode:
                sys.exit(result.returncode)
    po = polib.pofile(str(PO)) if PO.exists() else None
    if po is not None:
        print(
            f"locale/hi: {len(po.translated_entries())} translated, "
            f"{len(po.untranslated_entries())} untranslated, "
            f"{len(po.fuzzy_entries())} fuzzy"
        )
    issues = problems()
    for line in issues:
        print(line)
    sys.exit(1 if issues else 0)
