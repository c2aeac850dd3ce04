DROP TABLE tags;
DROP TABLE sections;
DROP TABLE authors;
DROP TABLE api_keys;
DROP TABLE login_failures;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE users;
