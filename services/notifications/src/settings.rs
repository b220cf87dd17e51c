//! Setting a county's notice rules: by the county's SUPERVISOR or ADMIN, checked,
//! versioned, each change an audited event.

use crate::county_rules::{county_of, notification_rules};
use crate::rules::{check, defaults};
use crate::service::{internal, NotificationsService};
use duban_api::{ApiError, SetNotificationRuleInput, SetNotificationSettingsInput};
use duban_auth::Actor;
use duban_schema::notifications::{KindRule, NotificationRulesSnapshot, NotificationsEvent};
use duban_schema::{topics, Envelope, Role};
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel, TransactionTrait};

impl NotificationsService {
    async fn snapshot_of<C: ConnectionTrait>(
        &self,
        conn: &C,
        county: &str,
    ) -> Result<NotificationRulesSnapshot, ApiError> {
        let row = notification_rules::Entity::find_by_id(county.to_string())
            .one(conn)
            .await
            .map_err(internal)?;
        Ok(match row {
            Some(m) => serde_json::from_str(&m.rules)
                .map_err(|_| ApiError::unknown_stored("notification rules", county, "rules"))?,
            None => defaults(county),
        })
    }

    /// The caller's county's rules.
    pub(crate) async fn county_rules(
        &self,
        actor: &Actor,
    ) -> Result<NotificationRulesSnapshot, ApiError> {
        self.snapshot_of(&self.db, county_of(&actor.unit_path))
            .await
    }

    /// Changes the caller's county's rules with `change` (SUPERVISOR or ADMIN), checked,
    /// versioned and announced in one transaction.
    async fn change_rules(
        &self,
        actor: &Actor,
        expected_version: Option<i64>,
        change: impl FnOnce(&mut NotificationRulesSnapshot),
    ) -> Result<NotificationRulesSnapshot, ApiError> {
        ApiError::forbidden_unless(
            actor.has_any(&[Role::Supervisor, Role::Admin]),
            "通知规则仅限督查人员或系统管理员设置",
        )?;
        let county = county_of(&actor.unit_path).to_string();
        let txn = self.db.begin().await.map_err(internal)?;
        let mut rules = self.snapshot_of(&txn, &county).await?;
        if let Some(expected) = expected_version.filter(|v| *v != rules.version) {
            return Err(ApiError::VersionConflict {
                expected,
                actual: rules.version,
            });
        }
        change(&mut rules);
        check(&rules).map_err(|(field, msg)| ApiError::validation(field, msg))?;
        rules.version += 1;
        let row = notification_rules::Model {
            county_id: county.clone(),
            rules: serde_json::to_string(&rules).map_err(internal)?,
            version: rules.version,
        };
        duban_outbox::db::upsert(
            &txn,
            [row.into_active_model()],
            [notification_rules::Column::CountyId],
            [
                notification_rules::Column::Rules,
                notification_rules::Column::Version,
            ],
        )
        .await
        .map_err(internal)?;
        let now = self.clock.now();
        let envelope = Envelope {
            meta: duban_outbox::command_meta(
                now,
                &self.tenant,
                &format!("/{county}"),
                &actor.person_id,
                &format!("notification-rules/{county}"),
                rules.version,
            ),
            event: NotificationsEvent::NotificationRulesChanged {
                rules: rules.clone(),
                changed_by: actor.person_id.clone(),
            },
        };
        duban_outbox::enqueue_all(&txn, topics::NOTIFICATIONS, &[envelope])
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        self.bus.wake.notify_one();
        Ok(rules)
    }

    /// Sets who one kind reaches and whether it must be acknowledged.
    pub(crate) async fn set_kind_rule(
        &self,
        actor: &Actor,
        input: SetNotificationRuleInput,
    ) -> Result<NotificationRulesSnapshot, ApiError> {
        let mut audiences = input.audiences.clone();
        audiences.sort_by_key(|a| *a as u8);
        audiences.dedup();
        let rule = KindRule {
            kind: input.kind,
            audiences,
            requires_ack: input.requires_ack,
        };
        self.change_rules(actor, input.expected_version, move |r| {
            r.kinds.retain(|k| k.kind != rule.kind);
            r.kinds.push(rule);
            r.kinds.sort_by_key(|k| format!("{:?}", k.kind));
        })
        .await
    }

    /// Sets escalation, quiet hours and digests.
    pub(crate) async fn set_settings(
        &self,
        actor: &Actor,
        input: SetNotificationSettingsInput,
    ) -> Result<NotificationRulesSnapshot, ApiError> {
        self.change_rules(actor, input.expected_version, move |r| {
            r.escalate_after_working_hours = input.escalate_after_working_hours;
            r.digest_threshold = input.digest_threshold;
            r.digest_minutes = input.digest_minutes;
            r.quiet_from = input.quiet_from.trim().to_string();
            r.quiet_until = input.quiet_until.trim().to_string();
        })
        .await
    }
}
