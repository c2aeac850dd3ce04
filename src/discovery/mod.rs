//! What search engines read: the sitemap index, monthly story sitemaps, the sections
//! sitemap and the Google News sitemap (`sitemaps`), all made from the narrow public
//! index (`public_stories`) so that none reads a story's body, and kept current by
//! the invalidation keys the write path names (`sitemap:{yyyy-mm}`, `sitemap:news`).
//!
//! Sitemaps list the front end's addresses (`site_url` and `story_url_pattern` of the
//! publication's settings) and are served at whole paths (`/sitemap.xml`,
//! `/sitemaps/...`), so a front end proxies those paths to Dateline and search engines
//! find them on the site's own host.

pub mod routes;
pub mod sitemaps;
pub mod structured_data;
