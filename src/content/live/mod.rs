//! Live coverage: the entries of a live blog (a story with `live` set), posted, edited
//! and deleted by the desk, read by the public newest first and followed as
//! Server-Sent Events on every instance.

pub mod db;
pub mod hub;
pub mod model;
pub mod routes;
