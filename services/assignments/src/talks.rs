//! 作风体检 → 谈心谈话: when evaluation asks for a talk with a unit ranked among the lowest,
//! the supervisor who opened the round issues it to the unit's 分管领导, in the consumer's
//! own transaction (so once per event).

use crate::entity::person;
use crate::rows::person_snapshot;
use crate::service::AssignmentsService;
use duban_api::{ApiError, IssueAssignmentInput};
use duban_outbox::HandlerError;
use duban_schema::assignments::AssignmentSource;
use duban_schema::evaluation::EvaluationEvent;
use sea_orm::{DatabaseTransaction, EntityTrait};

/// A person of the directory who has not left.
pub(crate) async fn active_person(
    txn: &DatabaseTransaction,
    id: String,
) -> Result<Option<person::Model>, sea_orm::DbErr> {
    Ok(person::Entity::find_by_id(id)
        .one(txn)
        .await?
        .filter(|p| !p.deactivated))
}

/// A failure worth another try: the transaction rolls back and the batch is read again.
pub(crate) fn retry(e: impl std::fmt::Display) -> HandlerError {
    HandlerError::Db(sea_orm::DbErr::Custom(e.to_string()))
}

impl AssignmentsService {
    /// Issues, as `actor`, an item a consumed event asked for (`asked`, for the log): true
    /// when issued. A refusal (the actor may no longer issue there, or the input no longer
    /// passes) is logged and dropped; any other failure is tried again.
    pub(crate) async fn issue_asked(
        &self,
        txn: &DatabaseTransaction,
        actor: &duban_auth::Actor,
        input: &IssueAssignmentInput,
        asked: &str,
    ) -> Result<bool, HandlerError> {
        match self
            .issue_in(txn, actor, input, None, self.clock.now())
            .await
        {
            Ok(_) => Ok(true),
            Err(e @ (ApiError::Forbidden(_) | ApiError::Validation { .. })) => {
                tracing::warn!(%asked, error = %e, "asked for, not issued");
                Ok(false)
            }
            Err(e) => Err(retry(e)),
        }
    }

    /// Issues the talk `event` asks for, if it asks for one; a request whose issuer or
    /// leader is gone, or whose issuer may no longer issue there, is logged and dropped.
    pub(crate) async fn issue_talk(
        &self,
        txn: &DatabaseTransaction,
        event: &EvaluationEvent,
    ) -> Result<bool, HandlerError> {
        let EvaluationEvent::TalkRequested {
            round_id,
            unit_id,
            unit_name,
            leader_id,
            issuer_id,
            month,
            total,
            rank,
            time_limit_days,
        } = event
        else {
            return Ok(false);
        };
        let (Some(issuer), Some(leader)) = (
            active_person(txn, issuer_id.clone()).await?,
            active_person(txn, leader_id.clone()).await?,
        ) else {
            tracing::warn!(%round_id, %unit_id, "talk requested: issuer or leader gone");
            return Ok(false);
        };
        let actor = self
            .actor_in(txn, &person_snapshot(issuer))
            .await
            .map_err(retry)?;
        let mut input = IssueAssignmentInput::new(
            format!("作风体检谈心谈话：{unit_name}（{month}）"),
            format!(
                "{unit_name}在{month}作风体检中得分{total}、排名第{rank}，位列靠后。\
                 请分管领导开展谈心谈话，查找原因、提出改进要求，并报送谈话情况。"
            ),
            AssignmentSource::ConductReview,
            leader.unit_id.clone(),
            *time_limit_days as i32,
        );
        input.brief.source_text = Some(format!("{month}作风体检（{round_id}）"));
        input.responsible_person_id = Some(leader.id.clone());
        self.issue_asked(txn, &actor, &input, &format!("talk {round_id} {unit_id}"))
            .await
    }
}
