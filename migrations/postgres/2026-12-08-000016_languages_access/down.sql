DROP INDEX articles_search;
ALTER TABLE articles DROP COLUMN search;
ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', headline), 'A')
    || setweight(to_tsvector('english', standfirst), 'B')
    || setweight(to_tsvector('english', body_text), 'C')
) STORED;
CREATE INDEX articles_search ON articles USING GIN (search);
DROP FUNCTION dateline_search_config(TEXT);
DROP INDEX public_stories_published;
ALTER TABLE public_stories DROP COLUMN updated_at;
ALTER TABLE public_stories DROP COLUMN language;
DROP INDEX articles_public_language;
DROP INDEX articles_translations;
ALTER TABLE articles DROP COLUMN access;
ALTER TABLE articles DROP COLUMN translation_of;
ALTER TABLE articles DROP COLUMN language;
