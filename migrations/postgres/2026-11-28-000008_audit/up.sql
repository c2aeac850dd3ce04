-- The audit log: every editorial and admin action (any POST/PUT/PATCH/DELETE by a
-- signed-in user or an API key) and every sign-in attempt: who, what, when, from where.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    status INTEGER NOT NULL,
    detail TEXT,
    ip TEXT,
    forwarded_for TEXT,
    request_id TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at, id);
