-- The content version: bumped after every committed write, read before a cached
-- response is served, shared by every instance (sequences are not transactional, so
-- bumping never waits on another writer).
CREATE SEQUENCE content_version;
SELECT nextval('content_version');

-- Cached responses end when an embargo does: finding the next one must not scan.
CREATE INDEX articles_embargo ON articles (embargo_until) WHERE embargo_until IS NOT NULL;
