ALTER TABLE article_tags ALTER COLUMN tag_id RESET (n_distinct);
