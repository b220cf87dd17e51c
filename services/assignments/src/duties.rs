//! Recurring duties (工作动态清单) and campaign phases, both driven by the scheduler:
//! a rule issues its assignment on each day it falls due, exactly once; a campaign's
//! phase change is announced once, on the phase's first day.

use crate::domain::campaign::{self as campaign_rules, Campaign};
use crate::domain::duty;
use crate::entity::{campaign, duty_rule, org_unit, person};
use crate::rows::{domain_err, internal, person_snapshot, rule_snapshot};
use crate::service::AssignmentsService;
use duban_api::{ApiError, CreateDutyRuleInput, IssueAssignmentInput};
use duban_auth::Actor;
use duban_schema::assignments::{AssignmentSource, AssignmentsEvent, DutyRuleSnapshot};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

impl AssignmentsService {
    pub(crate) async fn create_duty_rule(
        &self,
        actor: &Actor,
        input: CreateDutyRuleInput,
    ) -> Result<DutyRuleSnapshot, ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let unit = org_unit::Entity::find_by_id(input.unit_id.clone())
            .one(&txn)
            .await
            .map_err(internal)?
            .filter(|u| actor.can_see(&u.path))
            .ok_or_else(|| ApiError::validation("unitId", "单位不存在或不在您的权限范围内"))?;
        crate::access::may_keep_duty(actor, &unit.path)?;
        if let Some(pid) = &input.person_id {
            person::Entity::find_by_id(pid.clone())
                .one(&txn)
                .await
                .map_err(internal)?
                .filter(|p| p.unit_id == unit.id && !p.deactivated)
                .ok_or_else(|| ApiError::validation("personId", "承办人须是该单位的在岗人员"))?;
        }
        let now = self.clock.now();
        let id = duban_outbox::new_event_id(now).to_string();
        let facts = duty::Facts {
            id,
            unit_path: &unit.path,
            by: &actor.person_id,
            today: now.date_naive(),
            calendar: &self.calendar_now(),
        };
        let made = duty::create(&input, &facts).map_err(domain_err)?;
        duty_rule::ActiveModel::from(&made)
            .insert(&txn)
            .await
            .map_err(internal)?;
        let rule = made.snapshot;
        self.emit(
            &txn,
            &actor.person_id,
            &unit.path,
            &rule.id,
            1,
            AssignmentsEvent::DutyRuleCreated { rule: rule.clone() },
        )
        .await?;
        self.commit(txn).await?;
        Ok(rule)
    }

    pub(crate) async fn duty_rules(
        &self,
        actor: &Actor,
    ) -> Result<Vec<DutyRuleSnapshot>, ApiError> {
        Ok(duty_rule::Entity::find()
            .filter(duban_outbox::db::in_subtree(
                duty_rule::Column::UnitPath,
                &actor.scope,
            ))
            .order_by_asc(duty_rule::Column::UnitPath)
            .order_by_asc(duty_rule::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?
            .iter()
            .map(rule_snapshot)
            .collect())
    }

    /// Issues every recurring duty whose day has come, once per day it falls due, each
    /// with its rule's advance in the same transaction. A day missed while the service was
    /// down is still issued if its time limit has not passed; otherwise it is skipped.
    /// Reads only the rules due (index on `next_on`). Returns the assignments issued.
    pub async fn duty_tick(&self) -> Result<u32, ApiError> {
        let today = self.clock.today();
        let cal = self.calendar_now();
        let mut issued = 0;
        let rules = duty_rule::Entity::find()
            .filter(duty_rule::Column::NextOn.lte(today))
            .order_by_asc(duty_rule::Column::NextOn)
            .limit(500)
            .all(&self.db)
            .await
            .map_err(internal)?;
        for m in rules {
            let txn = self.db.begin().await.map_err(internal)?;
            let rule = rule_snapshot(&m);
            let issuer = match person::Entity::find_by_id(rule.created_by.clone())
                .one(&txn)
                .await
                .map_err(internal)?
            {
                Some(p) if !p.deactivated => self.actor_for(&person_snapshot(p)).await?,
                _ => continue,
            };

            let mut day = m.next_on;
            while day <= today {
                let due = if rule.time_limit_days == 0 {
                    day
                } else {
                    cal.add_working_days(day, rule.time_limit_days as u32)
                };
                if due >= today {
                    let mut input = IssueAssignmentInput::new(
                        duty::dated_title(&rule.title, day),
                        rule.description.clone(),
                        AssignmentSource::RecurringDuty,
                        rule.unit_id.clone(),
                        1,
                    );
                    input.brief.source_text =
                        Some(format!("工作动态清单：{}（{}）", rule.title, day));
                    input.responsible_person_id = rule.person_id.clone();
                    input.time_limit_days = None;
                    input.due_on = Some(due);
                    match self
                        .issue_in(
                            &txn,
                            &issuer,
                            &input,
                            Some(rule.id.clone()),
                            self.clock.now(),
                        )
                        .await
                    {
                        Ok(_) => issued += 1,
                        Err(ApiError::Forbidden(reason)) => tracing::warn!(
                            rule = %rule.id, %day, %reason,
                            "the duty's creator may no longer keep it; not issued"
                        ),
                        Err(e @ ApiError::Internal(_)) => return Err(e),
                        // One rule's day that cannot be issued must not hold up the others.
                        Err(e) => tracing::warn!(
                            rule = %rule.id, %day, error = %e,
                            "the duty's item cannot be issued; not issued"
                        ),
                    }
                } else {
                    tracing::info!(rule = %rule.id, %day, "recurring duty missed past its time limit, skipped");
                }
                day = duty::next_due(
                    &rule.recurrence,
                    rule.starts_on,
                    duty::after(day),
                    rule.working_days_only,
                    &cal,
                );
            }
            // Claimed by the day it was read at: a replica that advanced it meanwhile wins.
            let advanced = duty_rule::Entity::update_many()
                .col_expr(duty_rule::Column::NextOn, day.into())
                .filter(duty_rule::Column::Id.eq(m.id.clone()))
                .filter(duty_rule::Column::NextOn.eq(m.next_on))
                .exec(&txn)
                .await
                .map_err(internal)?;
            if advanced.rows_affected == 0 {
                txn.rollback().await.map_err(internal)?;
                continue;
            }
            self.commit(txn).await?;
        }
        Ok(issued)
    }

    /// Announces each campaign's phase change once, on the first day the scheduler sees it.
    /// Returns the announcements made.
    pub async fn campaign_tick(&self) -> Result<u32, ApiError> {
        let today = self.clock.today();
        let mut announced = 0;
        for c in campaign::Entity::find()
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            let current = Campaign::try_from(&c)?;
            let Some((next, event)) = campaign_rules::announce(&current, today) else {
                continue;
            };
            let now_phase = next.announced_phase;
            let txn = self.db.begin().await.map_err(internal)?;
            let scope = org_unit::Entity::find_by_id(c.scope_unit_id.clone())
                .one(&txn)
                .await
                .map_err(internal)?
                .map(|u| u.path)
                .unwrap_or_default();
            let updated = campaign::Entity::update_many()
                .col_expr(campaign::Column::AnnouncedPhase, now_phase.into())
                .filter(campaign::Column::Id.eq(c.id.clone()))
                .filter(campaign::Column::AnnouncedPhase.eq(c.announced_phase))
                .exec(&txn)
                .await
                .map_err(internal)?;
            if updated.rows_affected != 1 {
                continue;
            }
            self.emit(
                &txn,
                "system",
                &scope,
                &c.id,
                i64::from(now_phase) + 1,
                event,
            )
            .await?;
            self.commit(txn).await?;
            announced += 1;
        }
        Ok(announced)
    }
}
