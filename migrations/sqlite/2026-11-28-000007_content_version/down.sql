DROP INDEX articles_embargo;
