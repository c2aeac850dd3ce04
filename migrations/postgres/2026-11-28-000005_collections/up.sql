-- Editor-curated, ordered lists of stories ("Top News", "Don't Miss"). A collection
-- may top itself up from a section and/or tag with the latest published stories.
CREATE TABLE collections (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT COLLATE "C" NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    max_items INTEGER NOT NULL,
    fill_section_id TEXT REFERENCES sections (id) ON DELETE SET NULL,
    fill_tag_id TEXT REFERENCES tags (id) ON DELETE SET NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The live curated order. Pinned items hold their position; the others fill the
-- free positions from the top, in order.
CREATE TABLE collection_items (
    collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at TIMESTAMP,
    PRIMARY KEY (collection_id, article_id),
    UNIQUE (collection_id, position)
);
CREATE INDEX collection_items_article ON collection_items (article_id);
CREATE INDEX collection_items_expiry ON collection_items (expires_at) WHERE expires_at IS NOT NULL;

-- Every change to a collection: who, when, the operation, the order before and after.
-- `version` is the collection's version after the change.
CREATE TABLE collection_changes (
    collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    operation TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    items_before TEXT NOT NULL,
    items_after TEXT NOT NULL,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (collection_id, version)
);

-- Orders prepared ahead (the morning homepage), applied at publish_at by themselves.
CREATE TABLE collection_schedules (
    id TEXT PRIMARY KEY NOT NULL,
    collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    items TEXT NOT NULL,
    publish_at TIMESTAMP NOT NULL,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    applied_at TIMESTAMP,
    canceled_at TIMESTAMP
);
CREATE INDEX collection_schedules_collection ON collection_schedules (collection_id, publish_at);
CREATE INDEX collection_schedules_pending ON collection_schedules (publish_at) WHERE applied_at IS NULL AND canceled_at IS NULL;
