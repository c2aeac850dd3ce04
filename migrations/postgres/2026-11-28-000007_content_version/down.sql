DROP INDEX articles_embargo;
DROP SEQUENCE content_version;
