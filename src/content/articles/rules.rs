//! Who may do what to a story: contributors write their own drafts, authors also
//! publish their own, editors (and `content:write` keys) do anything.

use super::model::{ArticleRow, Status};
use crate::auth::model::{Role, Scope};
use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult};

/// The caller as the article rules see them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<String>,
    any: bool,
    publishes_own: bool,
}

impl Actor {
    pub fn of(principal: &Principal) -> Actor {
        Actor {
            user_id: principal.user_id(),
            any: principal.has_role(Role::Editor) || principal.has_scope(Scope::ContentWrite),
            publishes_own: principal.has_role(Role::Author),
        }
    }

    fn owns(&self, row: &ArticleRow) -> bool {
        self.user_id.is_some() && self.user_id == row.created_by
    }

    /// Editing: editors anything; authors their own; contributors their own drafts.
    pub fn may_edit(&self, row: &ArticleRow) -> AppResult<()> {
        let draft = row.status == Status::Draft;
        if self.any || (self.owns(row) && (self.publishes_own || draft)) {
            Ok(())
        } else if self.owns(row) {
            Err(AppError::Forbidden(
                "contributors edit their own drafts only; this story has left draft".into(),
            ))
        } else {
            Err(AppError::Forbidden(
                "only editors change other people's stories".into(),
            ))
        }
    }

    /// Publishing, unpublishing, trashing: editors anything; authors their own.
    pub fn may_publish(&self, row: &ArticleRow) -> AppResult<()> {
        if self.any || (self.owns(row) && self.publishes_own) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "publishing needs the author role (own stories) or editor".into(),
            ))
        }
    }
}
