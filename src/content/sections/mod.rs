//! sections
pub mod routes;
