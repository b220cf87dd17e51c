//! 好差评 → 整改 and 回访: when evaluation asks for a 差评 to be rectified, the issuer of
//! the rated item issues the 整改 to the one who handled it ("谁办理谁负责") and a 回访 to
//! themselves, to visit the rater again once it is done — in the consumer's own
//! transaction, so once per event.

use crate::domain::assignment::prefixed_title;
use crate::entity::{assignment, problem};
use crate::rows::person_snapshot;
use crate::service::AssignmentsService;
use crate::talks::{active_person, retry};
use duban_api::IssueAssignmentInput;
use duban_outbox::HandlerError;
use duban_schema::assignments::AssignmentSource;
use duban_schema::evaluation::EvaluationEvent;
use sea_orm::{DatabaseTransaction, EntityTrait};

/// Who issued the rated item, who handled it, and in which unit.
struct Rated {
    issuer_id: String,
    responsible_id: String,
    unit_id: String,
}

impl AssignmentsService {
    async fn rated(
        &self,
        txn: &DatabaseTransaction,
        kind: &str,
        id: &str,
    ) -> Result<Option<Rated>, HandlerError> {
        Ok(if kind == "PROBLEM" {
            problem::Entity::find_by_id(id.to_string())
                .one(txn)
                .await?
                .map(|p| Rated {
                    issuer_id: p.registered_by,
                    responsible_id: p.responsible_person_id,
                    unit_id: p.unit_id,
                })
        } else {
            assignment::Entity::find_by_id(id.to_string())
                .one(txn)
                .await?
                .map(|a| Rated {
                    issuer_id: a.issuer_id,
                    responsible_id: a.responsible_person_id,
                    unit_id: a.lead_unit_id,
                })
        })
    }

    /// Issues the 整改 and 回访 `event` asks for, if it asks for them; a request whose item
    /// or issuer is gone, or whose issuer may no longer issue there, is logged and dropped.
    pub(crate) async fn issue_rectification(
        &self,
        txn: &DatabaseTransaction,
        event: &EvaluationEvent,
    ) -> Result<bool, HandlerError> {
        let EvaluationEvent::RectificationRequested {
            rating_id,
            item_id,
            item_kind,
            title,
            level_label,
            comment,
            time_limit_days,
            ..
        } = event
        else {
            return Ok(false);
        };
        let Some(rated) = self.rated(txn, item_kind, item_id).await? else {
            tracing::warn!(%rating_id, %item_id, "rectification requested: item gone");
            return Ok(false);
        };
        let Some(issuer) = active_person(txn, rated.issuer_id.clone()).await? else {
            tracing::warn!(%rating_id, %item_id, "rectification requested: issuer gone");
            return Ok(false);
        };
        let issuer_unit = issuer.unit_id.clone();
        let actor = self
            .actor_in(txn, &person_snapshot(issuer.clone()))
            .await
            .map_err(retry)?;
        let said = if comment.is_empty() {
            "未填写意见".to_string()
        } else {
            comment.clone()
        };
        let days = (*time_limit_days).clamp(1, 30) as i32;
        let mut rectify = IssueAssignmentInput::new(
            prefixed_title("好差评整改：", title),
            format!(
                "服务对象对「{title}」的评价为「{level_label}」，意见：{said}。\
                 请按“谁办理谁负责”核实情况、整改到位，并报送整改结果。"
            ),
            AssignmentSource::RatingRectification,
            rated.unit_id.clone(),
            days,
        );
        rectify.brief.source_text = Some(AssignmentSource::rating_source_text(item_id));
        rectify.responsible_person_id = Some(rated.responsible_id.clone());
        let mut visit = IssueAssignmentInput::new(
            prefixed_title("好差评回访：", title),
            format!(
                "「{title}」收到差评（{level_label}），已交办整改。\
                 请在整改完成后回访服务对象，听取意见，并请其通过原评价链接再次评价。"
            ),
            AssignmentSource::RatingFollowUp,
            issuer_unit,
            days + 2,
        );
        visit.brief.source_text = Some(AssignmentSource::rating_source_text(item_id));
        visit.responsible_person_id = Some(issuer.id.clone());
        let asked = format!("rectification {rating_id} {item_id}");
        let mut issued = false;
        for input in [rectify, visit] {
            issued |= self.issue_asked(txn, &actor, &input, &asked).await?;
        }
        Ok(issued)
    }
}
