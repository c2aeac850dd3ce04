-- SQLite is served by one process, which keeps the content version in memory.

-- Cached responses end when an embargo does: finding the next one must not scan.
CREATE INDEX articles_embargo ON articles (embargo_until) WHERE embargo_until IS NOT NULL;
