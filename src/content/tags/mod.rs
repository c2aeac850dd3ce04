//! Tags: a flat vocabulary ("elections", "climate") that stories carry many of.

pub mod db;
pub mod model;
pub mod routes;
