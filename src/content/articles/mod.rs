//! Articles: the stories themselves, their body blocks, workflow and revisions.

pub mod announce;
pub mod blocks;
pub mod db;
pub mod diff;
pub mod history_routes;
pub mod include;
pub mod input;
pub mod lifecycle_routes;
pub mod listing;
pub mod load;
pub mod lock_routes;
pub mod locks;
pub mod model;
pub mod note_routes;
pub mod notes;
pub mod operations;
pub mod prepare;
pub mod preview_routes;
pub mod previews;
pub mod relations;
pub mod revisions;
pub mod routes;
pub mod rules;
pub mod scheduler;
pub mod search;
pub mod summary;
