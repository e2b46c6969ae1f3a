"""Values kept as they are in this process's memory, in front of Django's local cache."""

from django.core.cache import caches


class ObjectMemory:
    """A few values kept as they are in this process, each for as long as the local cache
    keeps a mark of it: they expire with the local cache's entries, and emptying it (as a test
    whose versions went back does) forgets them too.

    For large values read at every request: unpickling them from the local cache each time
    costs more than what they save. Whoever reads one must never change it.
    """

    def __init__(self, entries=64):
        self.entries = entries
        self.values = {}
        self.local = caches["local"]

    def get(self, key):
        value = self.values.get(key)
        if value is None or self.local.get(f"{key}:as-is") is None:
            return None
        return value

    def set(self, key, value, timeout):
        while len(self.values) >= self.entries:
            self.values.pop(next(iter(self.values), None), None)  # the oldest
        self.values[key] = value
        self.local.set(f"{key}:as-is", True, timeout)


as_they_are = ObjectMemory()
