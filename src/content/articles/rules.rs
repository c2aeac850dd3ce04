//! Who may do what to a story: contributors write their own drafts, authors also
//! publish their own, editors (and `content:write` keys) do anything.

use super::model::{ArticleRow, Stage, Status};
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

    /// Moving a story on the desk: whoever may edit it hands it in or takes it back
    /// to writing; only editors approve it (`ready_to_publish`) or withdraw that.
    pub fn may_move(&self, row: &ArticleRow, to: Stage) -> AppResult<()> {
        let approval = to == Stage::ReadyToPublish || row.stage == Stage::ReadyToPublish;
        if to == row.stage || !approval || self.any {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only editors approve a story (ready_to_publish) or withdraw an approval".into(),
            ))
        }
    }

    /// Editors (and `content:write` keys): approve, assign, take over locks.
    pub fn is_editor(&self) -> bool {
        self.any
    }

    /// Who works on a story is the desk's call: editors assign.
    pub fn may_assign(&self) -> AppResult<()> {
        if self.any {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only editors assign people to a story".into(),
            ))
        }
    }

    /// With approval required (`DATELINE_REQUIRE_APPROVAL`), a story that is not an
    /// editor's publishes only once an editor has approved it.
    pub fn may_publish_unapproved(
        &self,
        row: &ArticleRow,
        approval_required: bool,
    ) -> AppResult<()> {
        if !approval_required || self.any || row.stage == Stage::ReadyToPublish {
            Ok(())
        } else {
            Err(AppError::Conflict {
                detail: format!(
                    "this newsroom publishes a story once an editor has approved it \
                     (stage ready_to_publish); it is at {}",
                    row.stage.as_str()
                ),
                field: Some("stage".into()),
            })
        }
    }
}
