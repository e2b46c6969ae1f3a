"""Generate a large, plausible registry on top of the seed data, for benchmarks and demos.

Run against a database holding the seed data (`make run` loads it, or `manage.py load_demo`):

    DJANGO_SECRET_KEY=… .venv/bin/python bench/generate.py [--initiatives 1000] [--seed 1]

`make bench` runs it on the benchmark database. It lives here rather than in a management
command so that the generator and its French vocabularies (bench/demo/) stay out of the
runtime package.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from bench.demo.command import Command  # noqa: E402

if __name__ == "__main__":
    Command().run_from_argv(["python", "bench/generate.py", *sys.argv[1:]])
