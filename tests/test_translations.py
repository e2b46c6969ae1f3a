"""The English catalogue (locale/en) is complete: no message of the public templates and Python
code is left untranslated or fuzzy, and the compiled .mo says what the .po says.

The extraction is Django's `makemessages` (GNU xgettext) on a copy of the code, with the staff
side left out (its templates and admin modules: the staff interface stays French).
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
PUBLIC_CODE = ["portal", "actors", "initiatives", "templates", "manage.py"]
STAFF_SIDE = ["templates/admin/*", "templates/simple_history/*", "*admin*.py"]
ENTRY = re.compile(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$')


def read_po(path):
    """[(flags, {field: text})] of a catalogue, its header left out."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        flags, fields, current = set(), {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif match := ENTRY.match(line):
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            decoded = {
                key: value.encode().decode("unicode_escape").encode("latin-1").decode()
                for key, value in fields.items()
            }
            entries.append((flags, decoded))
    return entries


def untranslated(entries):
    return [
        fields["msgid"]
        for flags, fields in entries
        if "fuzzy" in flags
        or not all(value for key, value in fields.items() if key.startswith("msgstr"))
    ]


def test_english_catalogue_has_no_untranslated_or_fuzzy_message():
    entries = read_po(CATALOGUE)
    assert len(entries) > 300
    assert untranslated(entries) == []


def test_compiled_catalogue_matches_the_po():
    with COMPILED.open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    for _flags, fields in read_po(CATALOGUE):
        if "msgid_plural" in fields:
            assert (
                compiled.ngettext(fields["msgid"], fields["msgid_plural"], 2) == fields["msgstr[1]"]
            ), "locale/en is not compiled: run msgfmt -o django.mo django.po"
        else:
            assert compiled.gettext(fields["msgid"]) == fields["msgstr"], (
                "locale/en is not compiled: run msgfmt -o django.mo django.po"
            )


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is missing")
def test_every_public_message_is_in_the_english_catalogue(tmp_path):
    for name in PUBLIC_CODE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale" / "en").mkdir(parents=True)
    ignored = [f"--ignore={pattern}" for pattern in STAFF_SIDE]
    # makemessages needs no database: an address that is never opened keeps the copy from
    # starting an embedded PostgreSQL of its own (which would outlive the test).
    environment = {**os.environ, "DATABASE_URL": "postgres://unused@127.0.0.1:9/unused"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-location", *ignored],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env=environment,
    )
    extracted = {
        fields["msgid"] for _flags, fields in read_po(tmp_path / CATALOGUE.relative_to(ROOT))
    }
    translated = {fields["msgid"] for _flags, fields in read_po(CATALOGUE)} - set(
        untranslated(read_po(CATALOGUE))
    )
    missing = sorted(extracted - translated)
    assert missing == [], (
        "messages of the public pages without an English translation in locale/en "
        "(run `manage.py makemessages -l en`, translate, then msgfmt):\n" + "\n".join(missing)
    )
