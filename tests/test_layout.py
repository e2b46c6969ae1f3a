"""The layout stays the design: apps import downward only (portal → actors → initiatives), and
no module outside migrations grows past 500 lines unless it is declarative data."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "actors", "initiatives")
MAX_LINES = 500
# Declarative data allowed to be longer, with why: add a module only when its length is data
# (a vocabulary, a table of columns), never logic.
LONG_DECLARATIVE = {
    "bench/demo/vocabulary.py": "the generator's French word lists and weighted choices",
}


def modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def imported_apps(path):
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & set(APPS)
    return found


def test_apps_import_downward_only():
    allowed = {
        "portal": set(APPS),
        "actors": {"actors", "initiatives"},
        "initiatives": {"initiatives"},
    }
    upward = [
        f"{path.relative_to(ROOT)} imports {', '.join(sorted(wrong))}"
        for path in modules()
        if (wrong := imported_apps(path) - allowed[path.relative_to(ROOT).parts[0]])
    ]
    assert upward == []


def test_no_module_outside_migrations_exceeds_500_lines():
    measured = [*modules(), *sorted((ROOT / "bench").rglob("*.py"))]
    long = {
        str(path.relative_to(ROOT)): lines
        for path in measured
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and str(path.relative_to(ROOT)) not in LONG_DECLARATIVE
    }
    assert long == {}
