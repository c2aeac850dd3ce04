DROP TABLE render_keys;
DROP TABLE article_renders;
