//! Syndication: feeds for readers and aggregators, and the IPTC ninjs partner API.

pub mod changes;
pub mod feed_routes;
pub mod feeds;
pub mod ninjs;
pub mod partner_routes;
