//! The API test suite: one binary, a module per capability. Tests named with
//! `both_backends!` run on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod helpers;

mod api_keys;
mod articles;
mod auth;
mod authors;
mod cache;
mod cdn;
mod collections;
mod collections_stress;
mod concurrency;
mod conventions;
mod crash;
mod degrade;
mod discovery;
mod feeds;
mod images;
mod importers;
mod instances;
mod languages;
mod live;
mod openapi;
mod ops;
mod plans;
mod portability;
mod process;
mod real_exports;
mod renders;
mod sections;
mod security;
mod settings;
mod shapes;
mod structure;
mod syndication;
mod tags;
mod types;
mod users;
mod webhooks;
mod workflow;
