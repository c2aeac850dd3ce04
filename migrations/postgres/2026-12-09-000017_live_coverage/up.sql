-- Live coverage: a story can be a live blog, with a stream of entries the desk posts,
-- edits and deletes (content/live/).

-- A story's live state, once it has ever been live: `state` 'live' or 'ended' (NULL:
-- no longer a live blog; its entries stay). `seq` is the story's entry event counter:
-- every change to an entry takes the next number by an UPDATE of this row, so on
-- PostgreSQL concurrent writers to one story take numbers in commit order.
-- Server-Sent Events carry it as `id`, so a reader resumes from `Last-Event-ID`
-- without a lost or repeated entry.
CREATE TABLE article_live (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    state TEXT,
    started_at TIMESTAMP,
    ended_at TIMESTAMP,
    seq BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE live_entries (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    headline TEXT NOT NULL DEFAULT '',
    -- Typed blocks (JSON) and their HTML, rendered at save time like a story body.
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    key_event BOOLEAN NOT NULL DEFAULT FALSE,
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    -- Author ids (JSON), in byline order.
    authors TEXT NOT NULL DEFAULT '[]',
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    version BIGINT NOT NULL DEFAULT 1,
    published_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- A deleted entry stays as a tombstone, so a reader resuming after its deletion
    -- is told of it.
    deleted_at TIMESTAMP,
    -- The story's event numbers of the entry's creation and of its latest change.
    created_seq BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
-- The public timeline, newest first, by keyset.
CREATE INDEX live_entries_timeline ON live_entries (article_id, published_at, id) WHERE deleted_at IS NULL;
-- Resuming a stream: the changes after an event number.
CREATE UNIQUE INDEX live_entries_events ON live_entries (article_id, seq);
-- Changed since a time (`since=`).
CREATE INDEX live_entries_changed ON live_entries (article_id, updated_at) WHERE deleted_at IS NULL;
