-- Stories in several languages, and who may read them.
-- `language`: BCP 47 (a new story takes the publication's). `translation_of`: the
-- original of a translation group (always the group's root: a translation of a
-- translation points at the original, see content/articles/translations.rs).
ALTER TABLE articles ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE articles ADD COLUMN translation_of TEXT REFERENCES articles (id) ON DELETE SET NULL;
-- `public`, `members` or `paid`: the front end enforces the wall.
ALTER TABLE articles ADD COLUMN access TEXT NOT NULL DEFAULT 'public';
CREATE INDEX articles_translations ON articles (translation_of, id) WHERE translation_of IS NOT NULL;
-- Public lists in one language, newest first.
CREATE INDEX articles_public_language ON articles (language, published_at, id) WHERE public_from IS NOT NULL;
-- What readers were last shown carries the language, so a story changing language
-- leaves and enters the lists filtered by it (content/articles/announce.rs).
ALTER TABLE public_stories ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
-- Sitemaps read public_stories (narrow rows, no bodies): when each story last changed,
-- and a month's stories by publish time.
ALTER TABLE public_stories ADD COLUMN updated_at TIMESTAMP;
UPDATE public_stories SET updated_at = (SELECT a.updated_at FROM articles a WHERE a.id = public_stories.article_id);
CREATE INDEX public_stories_published ON public_stories (published_at, article_id);
-- Full-text search in each story's own language (PostgreSQL's text search
-- configurations: stemming and stop words per language; `simple` for the others).
-- Kept in step with content/language.rs (`text_search_config`).
CREATE FUNCTION dateline_search_config(language TEXT) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE
        WHEN p IN ('ar') THEN 'arabic'
        WHEN p IN ('da') THEN 'danish'
        WHEN p IN ('de') THEN 'german'
        WHEN p IN ('el') THEN 'greek'
        WHEN p IN ('en') THEN 'english'
        WHEN p IN ('es') THEN 'spanish'
        WHEN p IN ('fi') THEN 'finnish'
        WHEN p IN ('fr') THEN 'french'
        WHEN p IN ('hu') THEN 'hungarian'
        WHEN p IN ('id') THEN 'indonesian'
        WHEN p IN ('it') THEN 'italian'
        WHEN p IN ('lt') THEN 'lithuanian'
        WHEN p IN ('ne') THEN 'nepali'
        WHEN p IN ('nl') THEN 'dutch'
        WHEN p IN ('no', 'nb', 'nn') THEN 'norwegian'
        WHEN p IN ('pt') THEN 'portuguese'
        WHEN p IN ('ro') THEN 'romanian'
        WHEN p IN ('ru') THEN 'russian'
        WHEN p IN ('sv') THEN 'swedish'
        WHEN p IN ('ta') THEN 'tamil'
        WHEN p IN ('tr') THEN 'turkish'
        WHEN p IN ('ga') THEN 'irish'
        WHEN p IN ('hy') THEN 'armenian'
        WHEN p IN ('eu') THEN 'basque'
        WHEN p IN ('ca') THEN 'catalan'
        WHEN p IN ('hi') THEN 'hindi'
        WHEN p IN ('sr') THEN 'serbian'
        WHEN p IN ('yi') THEN 'yiddish'
        ELSE 'simple'
    END)::regconfig
    FROM (SELECT split_part(lower(language), '-', 1) AS p) AS primary_subtag
$$;
DROP INDEX articles_search;
ALTER TABLE articles DROP COLUMN search;
ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector(dateline_search_config(language), headline), 'A')
    || setweight(to_tsvector(dateline_search_config(language), standfirst), 'B')
    || setweight(to_tsvector(dateline_search_config(language), body_text), 'C')
) STORED;
CREATE INDEX articles_search ON articles USING GIN (search);
