//! The publication itself: its name, language and logo, where its site lives and how a
//! story's address is made there (`story_url_pattern`, used by feeds, sitemaps and
//! structured data alike), and the desk's rules that are settings rather than
//! deployment (`require_approval`, `teaser_blocks`).
//!
//! One row, read inside the transaction that needs it (no process keeps a copy, so
//! every instance follows a change at once). A field never set takes the
//! environment's value or the built-in default.

pub mod db;
pub mod model;
pub mod routes;

pub use model::Publication;
