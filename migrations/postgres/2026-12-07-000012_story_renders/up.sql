-- Each public story's own JSON (what GET /articles/{key} shows before previous, next
-- and related), rendered when the story is saved or first read and dropped by the
-- same invalidations as the response cache: a cache miss on a story page reads one
-- row instead of rebuilding the story from its relations. Derived data: never
-- exported, rebuilt when missing.
CREATE TABLE article_renders (
    article_id TEXT PRIMARY KEY NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    section_id TEXT,
    published_at TIMESTAMP,
    -- the story's public_from when rendered: the page is public from then
    public_from TIMESTAMP,
    -- what the story links to that becomes public by the clock first ("Also Read")
    valid_until TIMESTAMP,
    -- the code and settings that rendered it; another generation is not used
    generation TEXT NOT NULL,
    version BIGINT NOT NULL,
    -- explicit "Also Read" targets in body order, space-separated
    related TEXT NOT NULL,
    -- the surrogate keys of what the JSON shows, space-separated
    keys TEXT NOT NULL,
    digest TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX article_renders_slug ON article_renders (slug);

-- Which renders show what: a write naming a key drops the renders carrying it.
CREATE TABLE render_keys (
    key TEXT NOT NULL,
    article_id TEXT NOT NULL REFERENCES article_renders (article_id) ON DELETE CASCADE,
    PRIMARY KEY (key, article_id)
);
CREATE INDEX render_keys_article ON render_keys (article_id);

