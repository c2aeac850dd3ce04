//! Articles: the stories themselves, their body blocks, workflow and revisions.

pub mod announce;
pub mod blocks;
pub mod compose;
pub mod db;
pub mod history;
pub mod include;
pub mod input;
pub mod listing;
pub mod model;
pub mod operations;
pub mod reads;
pub mod revisions;
pub mod routes;
pub mod rules;
pub mod scheduler;
pub mod search;
pub mod summary;
pub mod workflow;
