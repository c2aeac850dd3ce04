-- PostgreSQL only (its generic plans' estimate of a tag's stories); SQLite keeps no
-- statistics here and walks article_tags_public in publish order already.
SELECT 1;
