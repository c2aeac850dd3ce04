DROP TABLE article_assignees;
DROP INDEX articles_stage;
ALTER TABLE articles DROP COLUMN stage;
