//! authors
pub mod routes;
