//! Access tokens (short-lived HS256 JWTs) and opaque secrets (refresh tokens, API keys).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::Role;
use crate::config::Settings;
use crate::error::{AppError, AppResult};

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    /// The session (refresh-token family); revoking it kills the access token too.
    pub sid: String,
    pub exp: u64,
    pub iat: u64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
}

/// Signs and checks access tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl JwtKeys {
    /// Keys from the secret and the issuer/audience/lifetime settings.
    pub fn new(secret: &[u8], settings: &Settings) -> Self {
        // Only HS256: `alg: none` and every other algorithm fail validation.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.jwt_issuer]);
        validation.set_audience(&[&settings.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            ttl_secs: settings.access_token_ttl.as_secs(),
        }
    }

    /// Lifetime of an access token in seconds.
    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// Issues an access token for a user's session.
    pub fn issue(&self, user_id: &str, role: Role, session_id: &str) -> AppResult<String> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: user_id.to_owned(),
            role,
            sid: session_id.to_owned(),
            exp: now + self.ttl_secs,
            iat: now,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            jti: crate::store::new_id(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::internal(format!("signing a token: {e}")))
    }

    /// Verifies signature, algorithm, expiry, issuer and audience.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                let why = match e.kind() {
                    ErrorKind::ExpiredSignature => "the access token has expired; refresh it",
                    ErrorKind::InvalidAudience => "the access token is for another audience",
                    ErrorKind::InvalidIssuer => "the access token is from another issuer",
                    ErrorKind::InvalidSignature => "the access token's signature is invalid",
                    ErrorKind::InvalidAlgorithm => "the access token must be signed with HS256",
                    _ => "the access token is malformed",
                };
                AppError::Unauthorized(why.into())
            })
    }
}

/// `bytes` of randomness, URL-safe.
pub fn random_secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// How opaque secrets are stored: SHA-256 is enough for 256-bit random values
/// (there is nothing to brute-force), and lets us look them up by hash.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Loads the JWT secret: configured, or generated once and kept in the data folder.
pub fn load_or_create_secret(settings: &Settings) -> Result<Vec<u8>, String> {
    if let Some(secret) = &settings.jwt_secret {
        return Ok(secret.0.as_bytes().to_vec());
    }
    let path = settings.data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(existing.as_bytes().to_vec());
        }
    }
    std::fs::create_dir_all(&settings.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", settings.data_dir.display()))?;
    let secret = random_secret(48);
    write_private(&path, &secret).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tracing::warn!(
        path = %path.display(),
        "DATELINE_JWT_SECRET is not set: generated a signing secret and saved it; \
         set DATELINE_JWT_SECRET when running more than one instance"
    );
    Ok(secret.into_bytes())
}

fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}
