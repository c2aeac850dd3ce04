//! Images: upload, validation, renditions, storage and serving.

pub mod crops;
pub mod db;
pub mod files;
pub mod ingest;
pub mod metadata;
pub mod model;
pub mod pool;
pub mod process;
pub mod routes;
pub mod upload;
