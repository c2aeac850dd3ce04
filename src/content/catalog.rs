//! What authors, tags and sections share: a slugged, versioned record that anyone
//! reads and editors write, shown with its count of public stories and cached by its
//! surrogate keys. Each resource keeps its own thin handlers (they carry its OpenAPI
//! description and its permission in the signature); their bodies are the functions
//! here, over the resource's [`Catalog`].

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::content::articles::listing::{CountBy, counts};

use crate::content::keys::Keys;
use crate::error::AppResult;
use crate::http::cache::{self, Visibility};
use crate::http::pagination::{self, Page, PageParams};
use crate::state::AppState;
use crate::store::DbConn;

/// One kind of catalogued record.
pub trait Catalog: 'static {
    type Row: Send + 'static;
    type Response: Serialize + Send + 'static;
    /// A create, parsed.
    type Create: Send + 'static;
    /// An edit, parsed.
    type Update: Send + 'static;

    fn id(shown: &Self::Response) -> &str;
    fn version(shown: &Self::Response) -> i64;
    /// The surrogate keys a response showing one record carries.
    fn keys(id: &str, keys: &mut Keys);

    /// By id or slug; 404 naming the kind otherwise.
    fn get(conn: &mut DbConn, key: &str) -> AppResult<Self::Row>;
    /// The record as the API shows it (its story count; a section its place in the tree).
    fn show(conn: &mut DbConn, row: Self::Row) -> AppResult<Self::Response>;
    fn insert(conn: &mut DbConn, input: Self::Create) -> AppResult<Self::Row>;
    /// Applies an edit if the record is still at `expected` (412 otherwise).
    fn update(
        conn: &mut DbConn,
        key: &str,
        expected: i64,
        input: Self::Update,
    ) -> AppResult<Self::Row>;
    fn delete(conn: &mut DbConn, key: &str) -> AppResult<()>;
}

/// A catalogue listed alphabetically by slug, a page at a time.
pub trait Paged: Catalog {
    /// The list's own surrogate key (`authors`, `tags`).
    const LIST_KEY: &'static str;
    fn slug(row: &Self::Row) -> String;
    /// Up to `limit + 1` records after the slug `after` (the extra one proves a next
    /// page).
    fn page(conn: &mut DbConn, after: Option<String>, limit: i64) -> AppResult<Vec<Self::Row>>;
    /// Many records as the API shows them, in a fixed number of queries.
    fn show_all(conn: &mut DbConn, rows: Vec<Self::Row>) -> AppResult<Vec<Self::Response>>;
}

/// Rows as the API shows them with their public-story counts (one query for all).
pub fn counted<R, T>(
    conn: &mut DbConn,
    by: CountBy,
    rows: Vec<R>,
    id: impl Fn(&R) -> &str,
    show: impl Fn(R, i64) -> T,
) -> AppResult<Vec<T>> {
    let ids: Vec<String> = rows.iter().map(|r| id(r).to_owned()).collect();
    let counts = counts(conn, by, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = counts.get(id(&r)).copied().unwrap_or(0);
            show(r, n)
        })
        .collect())
}

/// `GET /{resources}`: a page, public and cacheable.
pub async fn list<C: Paged>(
    req: &HttpRequest,
    params: PageParams,
    state: &AppState,
) -> AppResult<HttpResponse> {
    let limit = params.limit()?;
    let after: Option<String> = params.after()?;
    let page = state
        .db
        .read(move |conn| {
            let rows = C::page(conn, after, limit)?;
            let page = Page::from_rows(rows, limit, C::slug, |r| r);
            Ok(Page {
                data: C::show_all(conn, page.data)?,
                next_cursor: page.next_cursor,
            })
        })
        .await?;
    let mut keys = Keys::new();
    keys.add(C::LIST_KEY);
    for shown in &page.data {
        C::keys(C::id(shown), &mut keys);
    }
    let response = pagination::respond(req, &page, Visibility::for_request(req, true));
    Ok(cache::surrogate_keys(response, &keys.header()))
}

/// `GET /{resources}/{key}`: one record, public and cacheable.
pub async fn get<C: Catalog>(
    req: &HttpRequest,
    key: String,
    state: &AppState,
) -> AppResult<HttpResponse> {
    let shown = state
        .db
        .read(move |conn| {
            let row = C::get(conn, &key)?;
            C::show(conn, row)
        })
        .await?;
    let mut keys = Keys::new();
    C::keys(C::id(&shown), &mut keys);
    let response = cache::json(
        req,
        StatusCode::OK,
        &shown,
        Visibility::for_request(req, true),
        Some(C::version(&shown)),
    );
    Ok(cache::surrogate_keys(response, &keys.header()))
}

/// `POST /{resources}`: 201 with the record.
pub async fn create<C: Catalog>(
    req: &HttpRequest,
    input: C::Create,
    state: &AppState,
) -> AppResult<HttpResponse> {
    let shown = state
        .db
        .write(move |conn| {
            let row = C::insert(conn, input)?;
            C::show(conn, row)
        })
        .await?;
    Ok(cache::private(
        req,
        StatusCode::CREATED,
        &shown,
        Some(C::version(&shown)),
    ))
}

/// `PATCH /{resources}/{key}`: a versioned edit.
pub async fn update<C: Catalog>(
    req: &HttpRequest,
    key: String,
    expected: i64,
    input: C::Update,
    state: &AppState,
) -> AppResult<HttpResponse> {
    let shown = state
        .db
        .write(move |conn| {
            let row = C::update(conn, &key, expected, input)?;
            C::show(conn, row)
        })
        .await?;
    Ok(cache::private(
        req,
        StatusCode::OK,
        &shown,
        Some(C::version(&shown)),
    ))
}

/// `DELETE /{resources}/{key}`: 204.
pub async fn delete<C: Catalog>(key: String, state: &AppState) -> AppResult<HttpResponse> {
    state.db.write(move |conn| C::delete(conn, &key)).await?;
    Ok(cache::no_content())
}
