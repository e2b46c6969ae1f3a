"""The demo-data generator (bench/generate.py): vocabulary.py holds the French vocabularies,
generators.py draws names, texts and rows from them, loader.py writes them phase by phase
through bulk.py (COPY, reserved ids, bulk mode), command.py is the command-line entry."""
