-- The change feed's spine: every change partners must hear about, in commit order.
-- A row is written whenever a story is, or was until this change, syndicated
-- (published or scheduled, not trashed); `public` records whether readers could see
-- it at the time, which is how webhook events tell "published" from "updated".
CREATE TABLE article_changes (
    seq BIGSERIAL PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    syndicated BOOLEAN NOT NULL,
    public BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX article_changes_article ON article_changes (article_id, seq);

-- Subscriptions: a URL told about events, signed with its secret.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL,
    -- JSON array of event types
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The outbox: events written in the same transaction as the change that caused
-- them, with one delivery per subscribed webhook, claimed and sent by workers.
CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    -- The exact JSON body every delivery sends
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    last_status_code INTEGER,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at);
