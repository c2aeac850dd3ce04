-- Where imported records came from (`dateline import wordpress|ghost`): one row per
-- source record, so re-running an import updates what it made instead of duplicating
-- it. `fingerprint` is a hash of the source record as last imported (unchanged records
-- are skipped); `local_version` is the record's version right after the import, so a
-- story edited in Dateline since is not overwritten; `origin` is its old address (a
-- permalink or file path), kept for reference.
CREATE TABLE import_sources (
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    external_id TEXT NOT NULL,
    local_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    local_version BIGINT,
    origin TEXT,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source, kind, external_id)
);
CREATE INDEX import_sources_local ON import_sources (kind, local_id);
