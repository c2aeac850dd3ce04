DROP INDEX public_stories_published;
ALTER TABLE public_stories DROP COLUMN updated_at;
ALTER TABLE public_stories DROP COLUMN language;
DROP INDEX articles_public_language;
DROP INDEX articles_translations;
ALTER TABLE articles DROP COLUMN access;
ALTER TABLE articles DROP COLUMN translation_of;
ALTER TABLE articles DROP COLUMN language;
