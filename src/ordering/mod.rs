//! Story ordering: editor-curated collections ("Top News", "Don't Miss") with pinned
//! positions, capacity, automatic fill, prepared orders and a full history.

pub mod arrange;
pub mod curate;
pub mod db;
pub mod history_routes;
pub mod input;
pub mod item_routes;
pub mod model;
pub mod plans;
pub mod published;
pub mod routes;
pub mod scheduler;
