"""The public catalogue: the initiative index (filters, facet counts, sorted results), the
site-wide search and discovery (Atom feeds, iCalendar, sitemaps, robots.txt)."""
