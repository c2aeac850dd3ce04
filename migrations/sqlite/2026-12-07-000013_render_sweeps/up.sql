-- Generations whose sweep for missing renders has finished: a server that starts does
-- not walk every story again (emptied by a bulk load, which drops every render).
CREATE TABLE render_sweeps (
    generation TEXT PRIMARY KEY NOT NULL,
    finished_at TIMESTAMP NOT NULL
);
