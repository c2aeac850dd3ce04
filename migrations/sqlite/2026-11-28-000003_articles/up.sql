-- Stories. The body is kept as typed blocks (JSON) plus its HTML and plain-text
-- renderings, made at save time so reads do no rendering work.
CREATE TABLE articles (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    headline TEXT NOT NULL,
    standfirst TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '[]',
    body_html TEXT NOT NULL DEFAULT '',
    body_text TEXT NOT NULL DEFAULT '',
    word_count INTEGER NOT NULL DEFAULT 0,
    reading_time_minutes INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'published', 'archived')),
    published_at TIMESTAMP,
    embargo_until TIMESTAMP,
    section_id TEXT REFERENCES sections (id),
    source TEXT NOT NULL DEFAULT '',
    featured_image_id TEXT REFERENCES images (id),
    canonical_url TEXT NOT NULL DEFAULT '',
    seo_title TEXT NOT NULL DEFAULT '',
    seo_description TEXT NOT NULL DEFAULT '',
    -- JSON list of {at, text}
    corrections TEXT NOT NULL DEFAULT '[]',
    created_by TEXT REFERENCES users (id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
-- Public lists: newest published first, keyset on (published_at, id).
CREATE INDEX articles_published ON articles (published_at, id);
CREATE INDEX articles_section ON articles (section_id, published_at, id);
CREATE INDEX articles_updated ON articles (updated_at, id);

-- The byline, in order.
CREATE TABLE article_authors (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id TEXT NOT NULL REFERENCES authors (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_author ON article_authors (author_id);

CREATE TABLE article_tags (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags (id),
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag ON article_tags (tag_id);

-- Images and stories a body refers to (image and "Also Read" blocks), for in-use
-- checks and backlinks.
CREATE TABLE article_links (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('image', 'article')),
    target_id TEXT NOT NULL,
    PRIMARY KEY (article_id, target_kind, target_id)
);
CREATE INDEX article_links_target ON article_links (target_kind, target_id);

-- Former slugs, answered with a redirect to the current one.
CREATE TABLE article_slugs (
    slug TEXT PRIMARY KEY NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE
);

-- Every save and state change: who, when, what, and the article as it then was.
CREATE TABLE article_revisions (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    action TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, number)
);
