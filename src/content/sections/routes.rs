//! `/sections`: the tree for readers, edits for editors.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post};

use super::db;
use super::model::{
    CreateSection, SectionInput, SectionResponse, SectionRow, SectionTree, Tree, UpdateSection,
};
use crate::auth::principal::{Editor, MaybeAuth};
use crate::content::catalog::{self, Catalog};
use crate::content::keys::{self, Keys};
use crate::error::AppResult;
use crate::http::cache::{self, Visibility};
use crate::http::extract::Json;
use crate::state::AppState;
use crate::store::DbConn;

/// The whole section tree, each level ordered by position.
#[utoipa::path(
    tag = "sections",
    responses((status = 200, description = "Top-level sections with their subsections", body = SectionTree)),
    security((), ("bearer" = []), ("api_key" = []))
)]
#[get("/sections")]
pub async fn list_sections(
    _: MaybeAuth,
    req: HttpRequest,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let (rows, counts) = state
        .db
        .read(|conn| {
            let rows = db::all(conn)?;
            let counts = with_counts(conn, &rows)?;
            Ok((rows, counts))
        })
        .await?;
    let mut keys = Keys::new();
    keys.add(keys::SECTIONS);
    for row in &rows {
        keys.add(keys::section_articles(&row.id));
    }
    let tree = Tree::new(&rows).with_counts(counts).nodes();
    let response = cache::json(
        &req,
        StatusCode::OK,
        &tree,
        Visibility::for_request(&req, true),
        None,
    );
    Ok(cache::surrogate_keys(response, &keys.header()))
}

fn with_counts(
    conn: &mut DbConn,
    rows: &[super::model::SectionRow],
) -> AppResult<std::collections::HashMap<String, i64>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    crate::content::articles::listing::counts(
        conn,
        crate::content::articles::listing::CountBy::Section,
        &ids,
    )
}

/// One section, by slug or id, with its ancestors and children.
#[utoipa::path(
    tag = "sections",
    params(("slug" = String, Path, description = "Section slug or id")),
    responses(
        (status = 200, description = "The section", body = SectionResponse),
        (status = 404, description = "No such section"),
    ),
    security((), ("bearer" = []), ("api_key" = []))
)]
#[get("/sections/{slug}")]
pub async fn get_section(
    _: MaybeAuth,
    req: HttpRequest,
    slug: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    catalog::get::<Sections>(&req, slug.into_inner(), &state).await
}

/// Creates a section, at the top level or under `parent`.
#[utoipa::path(
    tag = "sections",
    request_body = CreateSection,
    responses(
        (status = 201, description = "Created", body = SectionResponse),
        (status = 409, description = "The slug is taken"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[post("/sections")]
pub async fn create_section(
    _: Editor,
    req: HttpRequest,
    body: Json<CreateSection>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    catalog::create::<Sections>(&req, body.0.parse()?, &state).await
}

/// Renames, re-slugs, moves or reorders a section (versioned; cycles are refused).
#[utoipa::path(
    tag = "sections",
    params(
        ("slug" = String, Path, description = "Section slug or id"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read, instead of `version`"),
    ),
    request_body = UpdateSection,
    responses(
        (status = 200, description = "Updated", body = SectionResponse),
        (status = 404, description = "No such section"),
        (status = 409, description = "The slug is taken"),
        (status = 412, description = "Stale version; carries `current_version`"),
        (status = 428, description = "No version sent"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[patch("/sections/{slug}")]
pub async fn update_section(
    _: Editor,
    req: HttpRequest,
    slug: Path<String>,
    body: Json<UpdateSection>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = cache::expected_version(&req, body.0.version)?;
    let input = body.0.parse()?;
    catalog::update::<Sections>(&req, slug.into_inner(), expected, input, &state).await
}

/// Deletes a section without subsections.
#[utoipa::path(
    tag = "sections",
    params(("slug" = String, Path, description = "Section slug or id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such section"),
        (status = 409, description = "It still has subsections"),
    ),
    security(("bearer" = []), ("api_key" = ["content:write"]))
)]
#[delete("/sections/{slug}")]
pub async fn delete_section(
    _: Editor,
    slug: Path<String>,
    state: Data<AppState>,
) -> AppResult<HttpResponse> {
    catalog::delete::<Sections>(slug.into_inner(), &state).await
}

/// Sections, as the shared catalogue handlers read and write them (the tree is their
/// own list).
pub struct Sections;

impl Catalog for Sections {
    type Row = SectionRow;
    type Response = SectionResponse;
    type Create = SectionInput;
    type Update = SectionInput;

    fn id(shown: &SectionResponse) -> &str {
        &shown.id
    }
    fn version(shown: &SectionResponse) -> i64 {
        shown.version
    }
    fn keys(id: &str, keys: &mut Keys) {
        keys.add(keys::SECTIONS)
            .add(keys::section(id))
            .add(keys::section_articles(id));
    }
    fn get(conn: &mut DbConn, key: &str) -> AppResult<SectionRow> {
        db::get(conn, key)
    }
    /// With its breadcrumb and subsections.
    fn show(conn: &mut DbConn, row: SectionRow) -> AppResult<SectionResponse> {
        let rows = db::all(conn)?;
        let counts = with_counts(conn, &rows)?;
        Ok(Tree::new(&rows).with_counts(counts).response(&row))
    }
    fn insert(conn: &mut DbConn, input: SectionInput) -> AppResult<SectionRow> {
        db::insert(conn, input)
    }
    fn update(
        conn: &mut DbConn,
        key: &str,
        expected: i64,
        input: SectionInput,
    ) -> AppResult<SectionRow> {
        db::update(conn, key, expected, input)
    }
    fn delete(conn: &mut DbConn, key: &str) -> AppResult<()> {
        db::delete(conn, key)
    }
}

/// Registers the section routes.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_sections)
        .service(get_section)
        .service(create_section)
        .service(update_section)
        .service(delete_section);
}
