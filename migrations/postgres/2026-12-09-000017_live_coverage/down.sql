DROP TABLE live_entries;
DROP TABLE article_live;
