-- Reads at newsroom scale (see content/articles/listing.rs and store/invalidation.rs).

-- The moment a story becomes public, or NULL while it cannot (a draft, archived,
-- trashed, no publish time): the public-visibility rule as one column, so "public
-- now" is `public_from <= now` and every public read can use a partial index.
ALTER TABLE articles ADD COLUMN public_from TIMESTAMP GENERATED ALWAYS AS (
    CASE WHEN deleted_at IS NULL AND status IN ('published', 'scheduled') AND published_at IS NOT NULL
    THEN GREATEST(published_at, embargo_until) END
) STORED;
-- public_from rides in the indexes so "public now" is checked without reading a row:
-- a story's time columns sit after its body, which spills onto overflow pages.
CREATE INDEX articles_public ON articles (published_at, id, public_from) WHERE public_from IS NOT NULL;
CREATE INDEX articles_public_section ON articles (section_id, published_at, id, public_from) WHERE public_from IS NOT NULL;
-- The scheduler's question on every tick and write, "is a scheduled story due?", is a
-- range of the few scheduled stories rather than of every story published before now.
CREATE INDEX articles_status ON articles (status, published_at);

-- Tag and byline rows carry their story's publish time and visibility, so a tag's or
-- an author's stories, newest first, are one index range (no sort of the tag's whole
-- history). Triggers keep them in step with the story, whoever writes it.
ALTER TABLE article_tags ADD COLUMN published_at TIMESTAMP;
ALTER TABLE article_tags ADD COLUMN public_from TIMESTAMP;
ALTER TABLE article_authors ADD COLUMN published_at TIMESTAMP;
ALTER TABLE article_authors ADD COLUMN public_from TIMESTAMP;
UPDATE article_tags t SET published_at = a.published_at, public_from = a.public_from
    FROM articles a WHERE a.id = t.article_id;
UPDATE article_authors t SET published_at = a.published_at, public_from = a.public_from
    FROM articles a WHERE a.id = t.article_id;
CREATE INDEX article_tags_public ON article_tags (tag_id, published_at, article_id) WHERE public_from IS NOT NULL;
CREATE INDEX article_authors_public ON article_authors (author_id, published_at, article_id) WHERE public_from IS NOT NULL;

CREATE FUNCTION article_listing_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT a.published_at, a.public_from INTO NEW.published_at, NEW.public_from
    FROM articles a WHERE a.id = NEW.article_id;
    RETURN NEW;
END $$;
CREATE TRIGGER article_tags_follow BEFORE INSERT ON article_tags
    FOR EACH ROW EXECUTE FUNCTION article_listing_fill();
CREATE TRIGGER article_authors_follow BEFORE INSERT ON article_authors
    FOR EACH ROW EXECUTE FUNCTION article_listing_fill();
CREATE FUNCTION articles_public_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.published_at IS DISTINCT FROM OLD.published_at
       OR NEW.public_from IS DISTINCT FROM OLD.public_from THEN
        UPDATE article_tags SET published_at = NEW.published_at, public_from = NEW.public_from
            WHERE article_id = NEW.id;
        UPDATE article_authors SET published_at = NEW.published_at, public_from = NEW.public_from
            WHERE article_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER articles_public_follow AFTER UPDATE ON articles
    FOR EACH ROW EXECUTE FUNCTION articles_public_follow();

-- What readers were last shown of each public story (a row while it is public), kept
-- by the write path and the scheduler: a change is compared with it to know which
-- cached responses it changes, and the published-story counts follow it.
CREATE TABLE public_stories (
    article_id TEXT PRIMARY KEY NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    section_id TEXT,
    published_at TIMESTAMP NOT NULL,
    slug TEXT NOT NULL,
    headline TEXT NOT NULL,
    standfirst TEXT NOT NULL,
    featured_image_id TEXT,
    -- space-separated ids
    tag_ids TEXT NOT NULL,
    author_ids TEXT NOT NULL
);

-- Published-story counts per tag, author and section (`article_count`), kept with
-- public_stories so that no read counts a tag's whole history.
CREATE TABLE public_counts (
    kind TEXT NOT NULL CHECK (kind IN ('tag', 'author', 'section')),
    id TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
);

-- The invalidation log: each committed write that changes what readers see appends
-- the surrogate keys it changes, in commit order (writers take an advisory lock
-- before appending, so sequence order is commit order). Every instance tails it
-- (LISTEN/NOTIFY wakes it), and the CDN purge worker delivers it. A row with
-- `due_at` names what will change by the clock alone at that time (a scheduled
-- story, an embargo, an item's expiry): caches drop those keys at that moment.
CREATE TABLE cache_invalidations (
    seq BIGSERIAL PRIMARY KEY,
    keys TEXT NOT NULL,
    due_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX cache_invalidations_at ON cache_invalidations (created_at);

-- How far each configured CDN purge target has delivered the log, and its retries:
-- `seq` is the last entry sent (or passed over because it falls due later), and
-- `due_through` the time up to which entries falling due by the clock have been sent.
-- One instance at a time works a target (`claimed_by` until `claimed_until`).
CREATE TABLE purge_cursors (
    target TEXT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    due_through TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    last_error TEXT,
    delivered_at TIMESTAMP
);
CREATE INDEX cache_invalidations_due ON cache_invalidations (due_at) WHERE due_at IS NOT NULL;

-- The global content version is replaced by the invalidation log.
DROP SEQUENCE content_version;
