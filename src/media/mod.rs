//! Images: upload, validation, renditions, storage and serving.

pub mod db;
pub mod ingest;
pub mod metadata;
pub mod model;
pub mod process;
pub mod routes;
pub mod store;
pub mod upload;
pub mod work;
