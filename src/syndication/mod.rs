//! Syndication: feeds for readers and aggregators, and the IPTC ninjs partner API.

pub mod feed_routes;
pub mod feeds;
