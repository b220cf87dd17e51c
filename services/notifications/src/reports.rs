//! The reminder to every unit a campaign covers before each report it asks for is due.

use crate::campaigns::campaign_copy;
use crate::compose::{dedupe_key, report_due, REPORT_REMINDER_DAYS};
use crate::entity::notification;
use crate::service::NotificationsService;
use duban_schema::assignments::ReportDeadlineSnapshot;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, TransactionTrait};

impl NotificationsService {
    /// Reminds the leaders of every unit a running campaign covers of each report due
    /// within two working days, once per report and person; the notices written.
    pub async fn remind_campaign_reports(&self) -> Result<usize, DbErr> {
        let now = self.clock.now();
        let today = now.date_naive();
        let cal = self.calendar_now();
        let txn = self.db.begin().await?;
        let campaigns = campaign_copy::Entity::find()
            .filter(campaign_copy::Column::Ended.eq(false))
            .all(&txn)
            .await?;
        let mut drafts = Vec::new();
        for c in &campaigns {
            let deadlines: Vec<ReportDeadlineSnapshot> =
                serde_json::from_str(&c.report_deadlines).unwrap_or_default();
            for d in deadlines.into_iter().filter(|d| d.due_on >= today) {
                let left = cal.working_days_between(today, d.due_on);
                if left <= REPORT_REMINDER_DAYS {
                    let draft = report_due(&c.name, &d.name, d.due_on, left, &c.scope_path);
                    drafts.push((c, d, draft));
                }
            }
        }
        if drafts.is_empty() {
            return Ok(0);
        }
        let audiences: Vec<&crate::compose::To> = drafts.iter().map(|(_, _, d)| &d.to).collect();
        let people = crate::directory::resolve(&txn, &audiences).await?;
        let mut rows = Vec::new();
        for (c, deadline, d) in &drafts {
            let item = format!("{}:{}", c.id, deadline.name);
            for person in people.get(&d.to).into_iter().flatten() {
                rows.push((
                    notification::Model {
                        // Once per report and person, whatever the days left say.
                        dedupe_key: dedupe_key(
                            person,
                            d.kind,
                            Some(&item),
                            Some(deadline.due_on),
                            "",
                        ),
                        ..notification::Model::of(d, person, &c.scope_path, now)
                    },
                    None,
                ));
            }
        }
        let county_rules = crate::county_rules::load_all(&txn).await?;
        let after = self
            .create(&txn, rows, &county_rules)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let made = if after.is_empty() { 0 } else { drafts.len() };
        txn.commit().await?;
        for f in after {
            f();
        }
        Ok(made)
    }
}
