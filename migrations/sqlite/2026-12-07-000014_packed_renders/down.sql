DELETE FROM render_keys;
DELETE FROM article_renders;
DELETE FROM render_sweeps;
ALTER TABLE article_renders DROP COLUMN packed;
ALTER TABLE article_renders ADD COLUMN body TEXT NOT NULL DEFAULT '';
