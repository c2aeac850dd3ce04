//! User accounts (people who sign in), managed by admins.

pub mod db;
pub mod model;
pub mod routes;

use crate::auth::model::{Email, NewPassword, Role, parse_name};
use crate::error::{AppError, AppResult};
use crate::store::Db;

/// Creates a user from the CLI or the bootstrap settings (blocking; not for handlers).
pub fn create_blocking(
    db: &Db,
    email: &str,
    name: Option<&str>,
    role: Role,
    password: &str,
) -> AppResult<model::UserRow> {
    let email = Email::parse(email).map_err(|m| AppError::invalid("email", m))?;
    let password = NewPassword::parse(password).map_err(|m| AppError::invalid("password", m))?;
    let default_name = email
        .as_str()
        .split('@')
        .next()
        .unwrap_or("admin")
        .to_owned();
    let name =
        parse_name(name.unwrap_or(&default_name)).map_err(|m| AppError::invalid("name", m))?;
    let hash = crate::auth::password::hash(password.expose())?;
    db.write_blocking(|conn| db::insert(conn, email.as_str(), &name, role, &hash))
}

/// Creates the first admin from `DATELINE_ADMIN_EMAIL`/`_PASSWORD` when there are no users.
pub fn bootstrap_admin(db: &Db, email: &str, password: &str) -> AppResult<bool> {
    if db.write_blocking(db::any)? {
        return Ok(false);
    }
    match create_blocking(db, email, None, Role::Admin, password) {
        Ok(_) => Ok(true),
        // Instances starting together race to create the first admin: one wins, and
        // for the others there simply is an admin now.
        Err(_) if db.write_blocking(db::any)? => Ok(false),
        Err(e) => Err(e),
    }
}
