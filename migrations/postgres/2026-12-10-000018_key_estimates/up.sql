-- Every connection keeps one generic plan per statement (store::Manager), which
-- estimates `tag_id = $1` as the average tag's share of article_tags. Tags are used
-- Zipf-like: the average tag holds a handful of stories, the tags readers open hold
-- thousands, and for a handful the planner chose to read the whole tag and sort it
-- (10 ms for the most used tag's page at 10k stories, 0.1 ms in index order).
-- Declared as few distinct values, a tag looks large (PostgreSQL still caps the guess
-- at the most used tag's share), and the plan walks article_tags_public in publish
-- order and stops at the page: as right for a small tag, which it reads to its end.
ALTER TABLE article_tags ALTER COLUMN tag_id SET (n_distinct = 10);
ANALYZE article_tags;
