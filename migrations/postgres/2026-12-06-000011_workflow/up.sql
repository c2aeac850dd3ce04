-- Editorial workflow: where a story is on the desk, and who is working on it.

-- writing -> ready_for_edit -> ready_to_publish (and back); see content/articles/rules.rs.
ALTER TABLE articles ADD COLUMN stage TEXT NOT NULL DEFAULT 'writing';
CREATE INDEX articles_stage ON articles (stage, updated_at, id) WHERE deleted_at IS NULL;

-- Timed unpublish: a published story leaves every public read by itself at this time
-- (the scheduler flips it back to draft, exactly once across instances).
ALTER TABLE articles ADD COLUMN unpublish_at TIMESTAMP;
CREATE INDEX articles_unpublish ON articles (unpublish_at) WHERE unpublish_at IS NOT NULL;

CREATE TABLE article_assignees (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assigned_at TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, user_id)
);
CREATE INDEX article_assignees_user ON article_assignees (user_id, article_id);

-- Soft edit locks: one holder per story, renewed by the holder's heartbeat, lapsing by
-- themselves (content/articles/locks.rs). In the database, so they hold across
-- instances.
CREATE TABLE article_locks (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    acquired_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    -- Who held it before an editor took it over: their next save is told so.
    taken_from TEXT
);

-- Internal notes on a story: threaded (`parent_id`, checked in code so an export loads
-- in any order), never in a public read, a feed, the partner API or a webhook.
CREATE TABLE article_notes (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id TEXT,
    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    mentions TEXT NOT NULL DEFAULT '[]',
    resolved BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX article_notes_article ON article_notes (article_id, created_at, id);

-- Preview links an editor controls: a chosen lifetime, listed on the story, revocable
-- (the row deleted), and dead with the account that issued them.
CREATE TABLE article_previews (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    -- Opens the story's working copy (while it has one) rather than the story.
    working_copy BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX article_previews_article ON article_previews (article_id, created_at);

-- A working copy of a live story: edits prepared without touching what readers see,
-- published onto the story as one revision, or discarded. `content` holds the editable
-- fields as a story edit would send them.
CREATE TABLE article_working_copies (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    base_version BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
