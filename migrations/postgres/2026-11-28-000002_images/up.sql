-- The photo library. Files live in the media store under content-addressed keys;
-- identical uploads (same hash) are one image.
CREATE TABLE images (
    id TEXT PRIMARY KEY NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    mime TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    alt TEXT NOT NULL DEFAULT '',
    caption TEXT NOT NULL DEFAULT '',
    credit TEXT NOT NULL DEFAULT '',
    focal_x DOUBLE PRECISION NOT NULL DEFAULT 0.5,
    focal_y DOUBLE PRECISION NOT NULL DEFAULT 0.5,
    original_key TEXT NOT NULL,
    -- JSON list of {width, height, format, key, bytes}
    renditions TEXT NOT NULL,
    uploaded_by TEXT REFERENCES users (id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX images_created ON images (created_at, id);
