//! Dateline: a headless newsroom CMS.
//!
//! Rooms: `config` (settings), `store` (database), `http` (routing, errors, caching,
//! paging), `auth` (credentials and permissions), `users`, `content` (authors,
//! sections, tags, articles), `media`, `ordering` (curated collections), `startup` (the app as tests and the binary run it), `cli`.

pub mod audit;
pub mod auth;
pub mod cdn;
pub mod cli;
pub mod config;
#[macro_use]
pub mod content;
pub mod demo;
pub mod error;
pub mod http;
pub mod importers;
pub mod media;
pub mod openapi;
pub mod ordering;
pub mod portability;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod state;
pub mod store;
pub mod syndication;
pub mod telemetry;
pub mod users;
pub mod webhooks;
