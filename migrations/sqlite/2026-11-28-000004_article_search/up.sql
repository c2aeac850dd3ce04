-- Full-text search over headline, standfirst and body text (FTS5, Porter stemming,
-- diacritics folded), kept in sync with articles by triggers on every write.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    headline, standfirst, body_text,
    content = 'articles', content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, headline, standfirst, body_text)
    VALUES (new.rowid, new.headline, new.standfirst, new.body_text);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, headline, standfirst, body_text)
    VALUES ('delete', old.rowid, old.headline, old.standfirst, old.body_text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF headline, standfirst, body_text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, headline, standfirst, body_text)
    VALUES ('delete', old.rowid, old.headline, old.standfirst, old.body_text);
    INSERT INTO articles_fts (rowid, headline, standfirst, body_text)
    VALUES (new.rowid, new.headline, new.standfirst, new.body_text);
END;
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
