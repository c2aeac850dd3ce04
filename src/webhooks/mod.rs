//! Webhooks: admins subscribe URLs to events; events go through a durable outbox
//! written with the change itself and are delivered, signed, by a background worker.

pub mod db;
pub mod guard;
pub mod model;
pub mod outbox;
pub mod routes;
pub mod sign;
pub mod worker;
