//! Every route, in one place; the OpenAPI document is generated from this list.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{key_routes as keys, routes as auth};
use crate::content::{articles, authors, sections, tags};
use crate::http::ops_routes as ops;
use crate::media::routes as media;
use crate::users::routes as users;

/// Registers the API under `/api/v1` and the operations endpoints at the root.
///
/// Actix tries a scope's routes in the order given, matching each pattern in turn, so
/// the stories (the list and a story, most of a reader's requests) come first: behind
/// fifty other routes, finding them was a fourteenth of an uncached story page. No
/// other route begins `/articles/` with a fixed word a `{key}` could shadow.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics)
        .service(media::serve_media)
        .service(crate::syndication::feed_routes::rss_feed)
        .service(crate::syndication::feed_routes::atom_feed)
        .service(crate::syndication::feed_routes::json_feed)
        .service(crate::discovery::routes::sitemap_index)
        .service(crate::discovery::routes::month_sitemap)
        .service(crate::discovery::routes::sections_sitemap)
        .service(crate::discovery::routes::news_sitemap);
    cfg.service(
        scope::scope("/api/v1")
            .configure(articles::routes::register)
            .service(auth::login)
            .service(auth::refresh)
            .service(auth::logout)
            .service(auth::me)
            .service(users::list_users)
            .service(users::list_people)
            .service(users::create_user)
            .service(users::get_user)
            .service(users::update_user)
            .service(users::delete_user)
            .service(keys::create_api_key)
            .service(keys::list_api_keys)
            .service(keys::revoke_api_key)
            .configure(authors::routes::register)
            .configure(sections::routes::register)
            .configure(tags::routes::register)
            .configure(media::register)
            .configure(crate::content::live::routes::register)
            .configure(crate::ordering::routes::register)
            .configure(crate::webhooks::routes::register)
            .configure(crate::audit::routes::register)
            .configure(crate::publication::routes::register)
            .configure(crate::discovery::routes::register)
            .configure(crate::syndication::partner_routes::register),
    );
}
