//! Who is calling, as extractors named after what they require. A handler's signature
//! says who may call it (`_: Editor`), and this file is the only place that decides.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::db;
use super::model::{KeyPrincipal, Role, Scope};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// API keys start with this, so one header carries either kind of credential.
pub const API_KEY_PREFIX: &str = "dl_";

/// A signed-in user, as checked against the database on this request.
#[derive(Debug, Clone)]
pub struct UserPrincipal {
    pub id: String,
    pub role: Role,
    pub session_id: String,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    User(UserPrincipal),
    Key(KeyPrincipal),
}

impl Principal {
    /// The user behind the call, if it is a user rather than a key.
    pub fn user(&self) -> Option<&UserPrincipal> {
        match self {
            Principal::User(u) => Some(u),
            Principal::Key(_) => None,
        }
    }

    /// The user behind a change, for histories and audit (none for API keys).
    pub fn user_id(&self) -> Option<String> {
        self.user().map(|u| u.id.clone())
    }

    /// True for a user of at least `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.user().is_some_and(|u| u.role >= role)
    }

    /// True for a key holding `scope`.
    pub fn has_scope(&self, scope: Scope) -> bool {
        matches!(self, Principal::Key(k) if k.scopes.contains(&scope))
    }
}

/// A rule an extractor enforces.
pub trait Requirement {
    /// Whether the caller passes.
    fn allows(principal: &Principal) -> bool;
    /// What the 403 says is needed.
    const NEEDS: &'static str;
}

/// Admins only (users, API keys, webhooks).
pub struct AdminRule;
impl Requirement for AdminRule {
    fn allows(p: &Principal) -> bool {
        p.has_role(Role::Admin)
    }
    const NEEDS: &'static str = "the admin role";
}

/// Editors and up, or a key with `content:write` (sections, tags, authors).
pub struct EditorRule;
impl Requirement for EditorRule {
    fn allows(p: &Principal) -> bool {
        p.has_role(Role::Editor) || p.has_scope(Scope::ContentWrite)
    }
    const NEEDS: &'static str = "the editor role or an API key with content:write";
}

/// Anyone who writes: a user of any role, or a key with `content:write` (uploads).
pub struct WriterRule;
impl Requirement for WriterRule {
    fn allows(p: &Principal) -> bool {
        p.user().is_some() || p.has_scope(Scope::ContentWrite)
    }
    const NEEDS: &'static str = "a signed-in user or an API key with content:write";
}

/// Anyone who may read unpublished material: a user, or a key with a content scope.
pub struct ReaderRule;
impl Requirement for ReaderRule {
    fn allows(p: &Principal) -> bool {
        p.user().is_some() || p.has_scope(Scope::ContentRead) || p.has_scope(Scope::ContentWrite)
    }
    const NEEDS: &'static str = "a signed-in user or an API key with content:read";
}

/// Syndication partners: a key with `syndication:read`, or an editor checking the feed.
pub struct PartnerRule;
impl Requirement for PartnerRule {
    fn allows(p: &Principal) -> bool {
        p.has_scope(Scope::SyndicationRead) || p.has_role(Role::Editor)
    }
    const NEEDS: &'static str = "an API key with syndication:read (or the editor role)";
}

/// Any signed-in user (not an API key).
pub struct UserRule;
impl Requirement for UserRule {
    fn allows(p: &Principal) -> bool {
        p.user().is_some()
    }
    const NEEDS: &'static str = "a user's access token (API keys cannot do this)";
}

/// A caller that meets `R`; 401 without credentials, 403 when they fall short.
pub struct Auth<R: Requirement> {
    pub principal: Principal,
    rule: PhantomData<R>,
}

/// Requires an admin user.
pub type Admin = Auth<AdminRule>;
/// Requires an editor (or a `content:write` key).
pub type Editor = Auth<EditorRule>;
/// Requires a contributor or up (or a `content:write` key).
pub type Writer = Auth<WriterRule>;
/// Requires a user or a key with a content scope.
pub type Reader = Auth<ReaderRule>;
/// Requires a syndication partner key (or an editor).
pub type Partner = Auth<PartnerRule>;
/// Requires any signed-in user.
pub type AnyUser = Auth<UserRule>;

impl<R: Requirement> Auth<R> {
    /// The signed-in user; present for every rule that only admits users.
    pub fn user(&self) -> AppResult<&UserPrincipal> {
        self.principal
            .user()
            .ok_or_else(|| AppError::Forbidden(UserRule::NEEDS.into()))
    }
}

impl<R: Requirement + 'static> FromRequest for Auth<R> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let principal = authenticate(&req).await?.ok_or_else(|| {
                AppError::Unauthorized("sign in: send Authorization: Bearer <token>".into())
            })?;
            if !R::allows(&principal) {
                return Err(AppError::Forbidden(format!("this needs {}", R::NEEDS)));
            }
            Ok(Auth {
                principal,
                rule: PhantomData,
            })
        })
    }
}

/// Anyone; credentials are checked if sent (a bad token is still a 401).
pub struct MaybeAuth(pub Option<Principal>);

impl FromRequest for MaybeAuth {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await.map(MaybeAuth) })
    }
}

/// Anyone, told apart: `insider` when the caller may read content that is not public
/// yet (a user, or a key with a content scope), `partner` for syndication keys.
/// Credentials are checked if sent.
pub struct Viewer {
    pub principal: Option<Principal>,
    pub insider: bool,
    pub partner: bool,
}

impl FromRequest for Viewer {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let principal = authenticate(&req).await?;
            let insider = principal.as_ref().is_some_and(ReaderRule::allows);
            let partner = principal
                .as_ref()
                .is_some_and(|p| p.has_scope(Scope::SyndicationRead));
            Ok(Viewer {
                principal,
                insider,
                partner,
            })
        })
    }
}

/// A feed reader: anyone, or a key sent as `?key=dl_…` (feed readers cannot send
/// headers) or in the usual header. A bad key is a 401.
pub struct FeedReader(pub Option<Principal>);

impl FromRequest for FeedReader {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if req.headers().contains_key(header::AUTHORIZATION) {
                return authenticate(&req).await.map(FeedReader);
            }
            let key = form_urlencoded::parse(req.query_string().as_bytes())
                .find(|(k, _)| k == "key")
                .map(|(_, v)| v.into_owned());
            match key {
                Some(k) if k.starts_with(API_KEY_PREFIX) => {
                    check(&req, &k).await.map(|p| FeedReader(Some(p)))
                }
                Some(_) => Err(AppError::Unauthorized(
                    "`key` must be an API key (dl_…)".into(),
                )),
                None => Ok(FeedReader(None)),
            }
        })
    }
}

/// What the `Authorization` header of a request came to, worked out once per request
/// (by [`authenticate_first`], or by the first extractor that asks).
#[derive(Clone)]
struct Checked(AppResult<Option<Principal>>);

/// The caller, from the `Authorization` header: none without one, an error for a bad
/// one. Worked out once per request.
async fn authenticate(req: &HttpRequest) -> AppResult<Option<Principal>> {
    if let Some(Checked(done)) = req.extensions().get::<Checked>() {
        return done.clone();
    }
    let result = match req.headers().get(header::AUTHORIZATION) {
        None => Ok(None),
        Some(raw) => match raw
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(token) => check(req, token).await.map(Some),
            None => Err(AppError::Unauthorized(
                "the Authorization header must be `Bearer <token>`".into(),
            )),
        },
    };
    if let Ok(Some(principal)) = &result {
        req.extensions_mut().insert(principal.clone());
    }
    req.extensions_mut().insert(Checked(result.clone()));
    result
}

/// Checks a token (an access token or an API key) against the database.
async fn check(req: &HttpRequest, token: &str) -> AppResult<Principal> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("application state missing"))?;
    let principal = if token.starts_with(API_KEY_PREFIX) {
        let hash = super::tokens::hash_secret(token);
        let key = state
            .db
            .read(move |conn| db::find_active_key(conn, &hash))
            .await?;
        let key =
            key.ok_or_else(|| AppError::Unauthorized("the API key is unknown or revoked".into()))?;
        if let Err(wait) = state
            .key_limits
            .take(&key.principal.id, state.settings.api_key_rate_limit)
        {
            return Err(AppError::TooManyRequests {
                detail: format!(
                    "this API key may make {} requests a minute; retry in {wait} s",
                    state.settings.api_key_rate_limit
                ),
                retry_after_secs: wait,
            });
        }
        if key.stale_last_used {
            let id = key.principal.id.clone();
            state.db.write(move |conn| db::touch_key(conn, &id)).await?;
        }
        Principal::Key(key.principal)
    } else {
        let claims = state.jwt.verify(token)?;
        let (user_id, session_id) = (claims.sub, claims.sid);
        let found = {
            let (u, s) = (user_id.clone(), session_id.clone());
            state
                .db
                .read(move |conn| db::live_session_role(conn, &u, &s))
                .await?
        };
        let role = found.ok_or_else(|| {
            AppError::Unauthorized("the session has ended or the account is disabled".into())
        })?;
        Principal::User(UserPrincipal {
            id: user_id,
            role,
            session_id,
        })
    };
    Ok(principal)
}

/// Checks the credentials in a request's `Authorization` header before any handler
/// reads its input, so that the handler's own extractor (`Editor`, `MaybeAuth`, …)
/// answers a bad credential with 401 at once, rather than a 422 about a body it should
/// never have looked at. It answers nothing itself: what a handler requires is in its
/// signature, and one that takes no credentials (sign-in, refresh: a client may still
/// carry an expired token there) never sees the outcome.
pub async fn authenticate_first(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        // Kept in the request for the extractors, whatever it came to.
        let _ = authenticate(req.request()).await;
    }
    next.call(req).await
}
