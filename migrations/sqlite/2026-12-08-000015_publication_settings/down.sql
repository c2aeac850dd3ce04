DROP TABLE publication_settings;
