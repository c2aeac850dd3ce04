//! Articles: the stories themselves, their body blocks, workflow and revisions.

pub mod blocks;
pub mod db;
pub mod history;
pub mod model;
pub mod reads;
pub mod revisions;
pub mod routes;
pub mod rules;
pub mod scheduler;
pub mod search;
