//! Sections: the site's hierarchy ("World" > "Europe"), ordered by editors.

pub mod db;
pub mod model;
pub mod routes;
