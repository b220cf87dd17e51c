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
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::BTreeMap;
use tracing::Instrument;

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
        let (_, row) = crate::rows::moved(
            &model,
            &crate::rows::decided_row(&decision.state),
            assignment::Column::Version,
        );
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
        cards: &[(EvaluationEvent, &tracing::Span)],
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        // In the batch's order, so an item's last card gives its color; the rows are
        // locked in id order by `set_colors`, before any raise.
        let (mut items, mut problems) = (BTreeMap::new(), BTreeMap::new());
        let mut raises = Vec::new();
        for (event, span) in cards {
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
            if kind == "PROBLEM" {
                problems.insert(item_id.clone(), *to);
                continue;
            }
            if *raise && *to == Color::Red {
                raises.push((item_id.clone(), rule.clone(), *span));
            }
            items.insert(item_id.clone(), *to);
        }
        // Items before problems, as the deadline tick and handovers take them.
        set_colors::<assignment::Entity>(
            txn,
            &items,
            assignment::Column::Id,
            assignment::Column::Color,
        )
        .await?;
        set_colors::<problem::Entity>(txn, &problems, problem::Column::Id, problem::Column::Color)
            .await?;
        let raised_any = !raises.is_empty();
        for (item_id, rule, span) in raises {
            self.raise_by_rule(txn, &item_id, &rule)
                .instrument(span.clone())
                .await?;
        }
        if !raised_any {
            return Ok(vec![]);
        }
        let wake = self.bus.wake.clone();
        Ok(vec![Box::new(move || wake.notify_one())])
    }
}

/// Gives each of `colors`' items (by `id`) its color, in one statement; the rows are
/// locked in id order first, as the deadline tick and commands lock them, so none of
/// them waits on another in a cycle.
async fn set_colors<E: EntityTrait>(
    txn: &DatabaseTransaction,
    colors: &BTreeMap<String, Color>,
    id: E::Column,
    color: E::Column,
) -> Result<(), DbErr> {
    if colors.is_empty() {
        return Ok(());
    }
    let ids = colors.keys().cloned();
    if txn.get_database_backend() == DbBackend::Postgres {
        E::find()
            .select_only()
            .column(id)
            .filter(id.is_in(ids.clone()))
            .order_by_asc(id)
            .lock_exclusive()
            .into_tuple::<String>()
            .all(txn)
            .await?;
    }
    let mut case = CaseStatement::new();
    for (item, to) in colors {
        case = case.case(id.eq(item.clone()), Expr::value(to.as_str()));
    }
    E::update_many()
        .col_expr(color, case.finally(Expr::col(color)).into())
        .filter(id.is_in(ids))
        .exec(txn)
        .await?;
    Ok(())
}

#[async_trait]
impl Handler for AssignmentsService {
    async fn handle_all(
        &self,
        txn: &DatabaseTransaction,
        events: &[(RawEnvelope, tracing::Span)],
    ) -> Result<Vec<AfterCommit>, HandlerError> {
        // Each of evaluation's events read once, for the three that act on them.
        let read: Vec<(EvaluationEvent, &tracing::Span)> = events
            .iter()
            .filter_map(|(e, span)| Some((e.typed().ok()?, span)))
            .collect();
        let mut after = self.apply_cards(txn, &read).await?;
        let mut issued = false;
        for (event, span) in &read {
            let asked = async {
                Ok::<_, HandlerError>(match event {
                    EvaluationEvent::TalkRequested { .. } => self.issue_talk(txn, event).await?,
                    EvaluationEvent::RectificationRequested { .. } => {
                        self.issue_rectification(txn, event).await?
                    }
                    _ => false,
                })
            };
            issued |= asked.instrument((*span).clone()).await?;
        }
        if issued && after.is_empty() {
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
