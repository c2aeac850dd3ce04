//! argon2id password hashing, run off the async workers.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::{AppError, AppResult};

/// Hashes a password to a PHC string (argon2id, random salt).
pub fn hash(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("argon2: {e}")))
}

/// Checks a password against a stored hash. `None` still spends the same work, so an
/// unknown e-mail and a wrong password cannot be told apart by timing.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let Some(stored) = stored else {
        let _ = Argon2::default().hash_password(password.as_bytes());
        return false;
    };
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// argon2id takes ~19 MiB and a core per hash: without a bound, a burst of sign-ins
/// (any e-mail, so the per-account throttle does not apply) could exhaust memory.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Runs CPU-heavy hashing on the blocking pool, a few at a time.
pub async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| AppError::internal(format!("hashing gate closed: {e}")))?;
    actix_web::rt::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::internal(format!("hashing task failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("wrong horse battery", Some(&stored)));
        assert!(!verify("anything", None));
    }
}
