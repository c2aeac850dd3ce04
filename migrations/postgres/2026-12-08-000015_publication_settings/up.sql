-- The publication's own settings, one row. A NULL field takes its value from the
-- environment or the built-in default (publication/model.rs), so a deployment that
-- never sets one keeps following its configuration.
CREATE TABLE publication_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    publication_name TEXT,
    language TEXT,
    logo_image_id TEXT REFERENCES images (id),
    site_url TEXT,
    story_url_pattern TEXT,
    require_approval BOOLEAN,
    -- Public reads of members-only and paid stories carry only the standfirst and this
    -- many blocks (NULL: the whole story; the front end enforces the wall).
    teaser_blocks INTEGER,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO publication_settings (id, version, updated_at) VALUES (1, 1, now() AT TIME ZONE 'UTC');
