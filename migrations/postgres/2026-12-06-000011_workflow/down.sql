DROP TABLE article_working_copies;
DROP TABLE article_previews;
DROP TABLE article_notes;
DROP TABLE article_locks;
DROP TABLE article_assignees;
DROP INDEX articles_unpublish;
ALTER TABLE articles DROP COLUMN unpublish_at;
DROP INDEX articles_stage;
ALTER TABLE articles DROP COLUMN stage;
