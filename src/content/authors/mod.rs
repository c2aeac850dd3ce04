//! Authors: the bylines on stories (not necessarily people who sign in).

pub mod db;
pub mod model;
pub mod routes;
