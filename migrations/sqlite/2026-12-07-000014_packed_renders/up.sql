-- Renders are kept packed (`http::compress::pack`: raw deflate ending in a sync flush,
-- then CRC-32 and length): a fifth of the size, so a large archive's renders stay in
-- memory, and a gzip response sends them as they are. Derived data: the old ones go
-- and are made again.
DELETE FROM render_keys;
DELETE FROM article_renders;
DELETE FROM render_sweeps;
ALTER TABLE article_renders DROP COLUMN body;
-- the story's JSON without its closing brace, packed
ALTER TABLE article_renders ADD COLUMN packed BLOB NOT NULL DEFAULT x'';
