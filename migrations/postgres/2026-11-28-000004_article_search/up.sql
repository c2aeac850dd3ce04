-- Full-text search over headline (weight A), standfirst (B) and body text (C), as a
-- generated column the database keeps in sync on every write, with a GIN index.
ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', headline), 'A')
    || setweight(to_tsvector('english', standfirst), 'B')
    || setweight(to_tsvector('english', body_text), 'C')
) STORED;
CREATE INDEX articles_search ON articles USING GIN (search);
