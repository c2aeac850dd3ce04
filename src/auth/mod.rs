//! Accounts and credentials: passwords, sessions, access tokens, API keys, and the
//! extractors that decide who may call what.

pub mod db;
pub mod key_routes;
pub mod limits;
pub mod model;
pub mod password;
pub mod principal;
pub mod routes;
pub mod tokens;
