//! The counties' color rules: kept per county and scope, checked, changed by a supervisor
//! or administrator of the county (audited, and every open item they govern recolored in
//! the same transaction).

use crate::entity::{color_rule, tracked_item};
use crate::rulebook::{check, scope_key, Stored};
use crate::service::{county_of, internal, EvaluationService};
use duban_api::{ApiError, ColorRulesView, SetColorRulesInput};
use duban_auth::{Actor, Role};
use duban_schema::evaluation::{ColorRules, EvaluationEvent, RuleScope};
use duban_schema::{topics, Envelope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, TransactionTrait,
};

/// The channel a committed change of color rules is announced on.
const RULES_CHANGED: &str = "duban_color_rules";

impl EvaluationService {
    /// Reads the calendar and the color rules again whenever another replica commits a
    /// change to either, until `stop`.
    pub async fn follow_changes(&self, stop: tokio::sync::watch::Receiver<bool>) {
        let rules = duban_outbox::follow::follow(
            &self.db,
            RULES_CHANGED,
            stop.clone(),
            || self.load_rules(),
            || {},
        );
        tokio::join!(self.calendar.follow(&self.db, stop), rules);
    }

    /// Reads every county's rules into memory.
    pub(crate) async fn load_rules(&self) -> Result<(), sea_orm::DbErr> {
        let rows = color_rule::Entity::find().all(&self.db).await?;
        let mut book = self.rules.write().unwrap_or_else(|p| p.into_inner());
        book.sets.clear();
        for r in rows {
            match serde_json::from_str::<ColorRules>(&r.rules) {
                Ok(rules) => {
                    book.sets.insert(
                        (r.county_id, r.scope),
                        Stored {
                            rules,
                            version: r.version,
                            changed_by: r.changed_by,
                            changed_at: r.changed_at,
                        },
                    );
                }
                Err(e) => tracing::error!(county = %r.county_id, scope = %r.scope, error = %e,
                    "stored color rules unreadable; the county's defaults apply"),
            }
        }
        Ok(())
    }

    pub(crate) fn rules_view(&self, county: &str) -> ColorRulesView {
        self.rules
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .view(county)
    }

    /// `setColorRules`: checks who and what, keeps the rules with their version, announces
    /// them (audited), and recolors every open item of the county they may govern.
    pub(crate) async fn set_rules(
        &self,
        actor: &Actor,
        input: SetColorRulesInput,
    ) -> Result<ColorRulesView, ApiError> {
        ApiError::forbidden_unless(
            actor.has_any(&[Role::Supervisor, Role::Admin]),
            "只有县里的督查人员或系统管理员可以设置红黄牌规则",
        )?;
        check(&input.rules)?;
        if input.rules.dense_ranking && input.scope != RuleScope::County {
            return Err(ApiError::validation(
                "rules.denseRanking",
                "排名方式只能在全县规则中设置",
            ));
        }
        if matches!(&input.scope, RuleScope::Campaign(id) if id.trim().is_empty()) {
            return Err(ApiError::validation("scope", "请指定专项整治"));
        }
        let county = county_of(&actor.unit_path).to_string();
        let key = scope_key(&input.scope);
        let txn = self.db.begin().await.map_err(internal)?;
        // The items are judged again below: the live day first, as every writer of items.
        crate::tally::lock_live_day(&txn).await.map_err(internal)?;
        let stored = color_rule::Entity::find_by_id((county.clone(), key.clone()))
            .one(&txn)
            .await
            .map_err(internal)?;
        let actual = stored.as_ref().map_or(0, |r| r.version);
        if actual != input.expected_version {
            return Err(ApiError::VersionConflict {
                expected: input.expected_version,
                actual,
            });
        }
        let now = self.clock.now();
        let row = color_rule::Model {
            county_id: county.clone(),
            scope: key.clone(),
            rules: serde_json::to_string(&input.rules).map_err(internal)?,
            version: actual + 1,
            changed_by: actor.person_id.clone(),
            changed_at: now,
        };
        match stored {
            Some(_) => {
                row.clone()
                    .into_active_model()
                    .reset_all()
                    .update(&txn)
                    .await
            }
            None => row.clone().into_active_model().insert(&txn).await,
        }
        .map_err(internal)?;
        let event = Envelope {
            meta: duban_outbox::command_meta(
                now,
                &self.tenant,
                &format!("/{county}"),
                &actor.person_id,
                &format!("color-rules:{county}:{key}"),
                row.version,
            ),
            event: EvaluationEvent::ColorRulesChanged {
                county_id: county.clone(),
                scope: input.scope.clone(),
                rules: input.rules,
                version: row.version,
                changed_by: actor.person_id.clone(),
            },
        };
        duban_outbox::enqueue_all(&txn, topics::EVALUATION, std::slice::from_ref(&event))
            .await
            .map_err(internal)?;
        duban_outbox::follow::announce(&txn, RULES_CHANGED)
            .await
            .map_err(internal)?;
        // The new rules govern the recoloring; on failure the stored ones are read back.
        let before = self.rules.read().unwrap_or_else(|p| p.into_inner()).clone();
        self.rules
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .sets
            .insert(
                (county.clone(), key),
                Stored {
                    rules: input.rules,
                    version: row.version,
                    changed_by: row.changed_by.clone(),
                    changed_at: now,
                },
            );
        let mut filter = Condition::all().add(duban_outbox::db::in_subtree(
            tracked_item::Column::OrgPath,
            &format!("/{county}"),
        ));
        filter = match &input.scope {
            RuleScope::County => filter,
            RuleScope::Campaign(id) => filter.add(tracked_item::Column::CampaignId.eq(id.clone())),
            RuleScope::Urgency(u) => filter.add(tracked_item::Column::Urgency.eq(u.as_str())),
        };
        let done = async {
            let (_, paths) = self.rejudge(&txn, filter, Some(&event.meta)).await?;
            txn.commit().await?;
            Ok::<_, sea_orm::DbErr>(paths)
        }
        .await;
        match done {
            Ok(paths) => self.figures_moved(paths),
            Err(e) => {
                *self.rules.write().unwrap_or_else(|p| p.into_inner()) = before;
                return Err(internal(e));
            }
        }
        self.bus.wake.notify_one();
        Ok(self.rules_view(&county))
    }
}
