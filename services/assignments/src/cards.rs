//! The cards evaluation shows, as they arrive: every item keeps the color it shows, for
//! the color filter; a red card raises the supervision level one step when the county's
//! rules ask, done by the rule (the event's actor is `rule:<id>`) and audited as a
//! person's step would be.

use crate::domain::assignment::{self as rules, Assignment, Command, Context};
use crate::entity::{assignment, problem};
use crate::service::AssignmentsService;
use async_trait::async_trait;
use duban_api::AssignmentCommand;
use duban_outbox::{AfterCommit, Handler, HandlerError};
use duban_schema::assignments::SupervisionLevel;
use duban_schema::evaluation::EvaluationEvent;
use duban_schema::{Color, RawEnvelope};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter, QuerySelect};

/// The level a red card raises `level` to, if any is left.
fn raised(level: SupervisionLevel) -> Option<SupervisionLevel> {
    match level {
        SupervisionLevel::Normal => Some(SupervisionLevel::Urged),
        SupervisionLevel::Urged => Some(SupervisionLevel::Supervised),
        SupervisionLevel::Supervised => Some(SupervisionLevel::Listed),
        SupervisionLevel::Listed => None,
    }
}

fn failed(e: impl std::fmt::Display) -> HandlerError {
    HandlerError::Malformed(e.to_string())
}

impl AssignmentsService {
    /// Raises the supervision level of the item `id` one step, by `rule`; an item already
    /// listed, finished or gone stays as it is.
    async fn raise_by_rule(
        &self,
        txn: &DatabaseTransaction,
        id: &str,
        rule: &str,
    ) -> Result<(), HandlerError> {
        let Some(model) = assignment::Entity::find_by_id(id.to_string())
            .lock_exclusive()
            .one(txn)
            .await?
        else {
            return Ok(());
        };
        let current = Assignment::try_from(&model).map_err(failed)?;
        let Some(level) = raised(current.snapshot.supervision_level) else {
            return Ok(());
        };
        let now = self.clock.now();
        let actor = format!("rule:{rule}");
        let cal = self.calendar_now();
        let ctx = Context {
            by: &actor,
            now,
            calendar: &cal,
            extension_cap: self.extension_cap,
            line_id: duban_outbox::new_event_id(now).to_string(),
            unit: None,
            successor_unit_path: None,
        };
        let command = Command::Item(AssignmentCommand::RaiseSupervision { level });
        let Ok(decision) = rules::decide(&current, command, &ctx) else {
            // A finished item keeps its level: the card came after the item moved on.
            return Ok(());
        };
        let mut row = assignment::ActiveModel::from(&decision.state);
        row.id = NotSet;
        let updated = assignment::Entity::update_many()
            .set(row)
            .filter(assignment::Column::Id.eq(id))
            .filter(assignment::Column::Version.eq(model.version))
            .exec(txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(failed(format!(
                "{id} changed while its red card was applied"
            )));
        }
        let s = &decision.state.snapshot;
        self.emit(
            txn,
            &actor,
            &s.lead_unit_path,
            id,
            decision.state.last_sequence,
            decision.event,
        )
        .await
        .map_err(failed)
    }

    /// Applies the cards of `events` in order.
    async fn apply_cards(
        &self,
        txn: &DatabaseTransaction,
        events: &[(RawEnvelope, tracing::Span)],
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        let mut raised_any = false;
        let mut cards: Vec<_> = events
            .iter()
            .filter_map(|(e, span)| Some((e.typed::<EvaluationEvent>().ok()?, span)))
            .collect();
        // Rows locked in id order, as the deadline tick locks them, so the two never wait
        // on each other in a cycle; one item's cards keep their order (a stable sort).
        cards.sort_by(|(a, _), (b, _)| card_item(a).cmp(card_item(b)));
        for (event, span) in cards {
            let _entered = span.enter();
            let EvaluationEvent::ColorChanged {
                item_id,
                to,
                kind,
                rule,
                raise,
                ..
            } = event
            else {
                continue;
            };
            let color = Expr::value(to.as_str());
            if kind == "PROBLEM" {
                problem::Entity::update_many()
                    .col_expr(problem::Column::Color, color)
                    .filter(problem::Column::Id.eq(item_id.clone()))
                    .exec(txn)
                    .await?;
                continue;
            }
            assignment::Entity::update_many()
                .col_expr(assignment::Column::Color, color)
                .filter(assignment::Column::Id.eq(item_id.clone()))
                .exec(txn)
                .await?;
            if raise && to == Color::Red {
                self.raise_by_rule(txn, &item_id, &rule).await?;
                raised_any = true;
            }
        }
        if !raised_any {
            return Ok(vec![]);
        }
        let wake = self.bus.wake.clone();
        Ok(vec![Box::new(move || wake.notify_one())])
    }
}

/// The item a card changes (none for other events).
fn card_item(e: &EvaluationEvent) -> &str {
    match e {
        EvaluationEvent::ColorChanged { item_id, .. } => item_id,
        _ => "",
    }
}

#[async_trait]
impl Handler for AssignmentsService {
    async fn handle_all(
        &self,
        txn: &DatabaseTransaction,
        events: &[(RawEnvelope, tracing::Span)],
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        let mut after = self.apply_cards(txn, events).await?;
        let talks = self.issue_talks(txn, events).await?;
        let rectifications = self.issue_rectifications(txn, events).await?;
        if (talks || rectifications) && after.is_empty() {
            let wake = self.bus.wake.clone();
            after.push(Box::new(move || wake.notify_one()));
        }
        Ok(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_red_card_raises_one_step_and_stops_at_listed() {
        assert_eq!(
            raised(SupervisionLevel::Normal),
            Some(SupervisionLevel::Urged)
        );
        assert_eq!(
            raised(SupervisionLevel::Supervised),
            Some(SupervisionLevel::Listed)
        );
        assert_eq!(raised(SupervisionLevel::Listed), None);
    }
}
