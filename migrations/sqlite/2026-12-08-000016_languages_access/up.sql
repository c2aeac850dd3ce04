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
