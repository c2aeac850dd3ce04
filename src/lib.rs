//! Dateline: a headless newsroom CMS.
//!
//! The top: `startup` (the app as tests and the binary run it), `routes` (every
//! route), `openapi` (the document generated from them), `cli`, and `state` (what
//! every handler can reach).
//!
//! Rooms, each a folder with its handlers in `routes.rs` (or `<resource>_routes.rs`),
//! its types in `model.rs` and its queries in `db.rs`: `auth` (credentials and
//! permissions), `users`, `content` (authors, sections, tags, articles and their
//! surrogate keys), `media` (photos, renditions, files), `ordering` (curated
//! collections), `syndication` (feeds, the partner API, ninjs), `discovery` (sitemaps), `webhooks`, `cdn`
//! (purges), `audit` (who did what), `importers` (WordPress, Ghost), `portability`
//! (export and import of a whole newsroom), `publication` (the
//! publication's settings), `seed` and `demo` (generated content).
//!
//! Beneath them: `http` (extractors, errors as problem+json, caching, pagination,
//! middleware), `store` (connections, schema, migrations, the invalidation log),
//! `config` (settings), `error`, `telemetry`.

pub mod audit;
pub mod auth;
pub mod cdn;
pub mod cli;
pub mod config;
#[macro_use]
pub mod content;
pub mod demo;
pub mod discovery;
pub mod error;
pub mod http;
pub mod importers;
pub mod media;
pub mod openapi;
pub mod ordering;
pub mod portability;
pub mod publication;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod state;
pub mod store;
pub mod syndication;
pub mod telemetry;
pub mod users;
pub mod webhooks;
