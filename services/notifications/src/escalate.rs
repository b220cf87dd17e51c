//! 事事有回音: a notice that asks for acknowledgement and is left unanswered moves one rung
//! up every `escalateAfterWorkingHours` office hours (the county's rule, 4 by default): the recipient's unit leaders, then their
//! 分管领导, then whoever issued the item; one notice per rung, each recorded as an event.

use crate::directory::directory_person;
use crate::entity::notification;
use crate::service::NotificationsService;
use duban_schema::assignments::CalendarDaySnapshot;
use duban_schema::notifications::NotificationKind;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use std::collections::HashMap;

/// The last rung: the issuer.
pub const LAST_RUNG: i32 = 3;

/// Notices escalated per transaction.
const BATCH: u64 = 500;

/// Who a rung reaches for one unanswered notice, from the directory.
struct Ladder {
    unit_of: HashMap<String, String>,
    supervisor_of: HashMap<String, String>,
    leaders_of: HashMap<String, Vec<String>>,
}

impl Ladder {
    fn rung(&self, rung: i32, n: &notification::Model) -> Vec<String> {
        let mut out = match rung {
            1 => self
                .unit_of
                .get(&n.recipient_id)
                .and_then(|u| self.leaders_of.get(u))
                .cloned()
                .unwrap_or_default(),
            2 => self
                .supervisor_of
                .get(&n.recipient_id)
                .cloned()
                .into_iter()
                .collect(),
            _ => n.issuer_id.clone().into_iter().collect(),
        };
        out.retain(|p| !p.is_empty() && *p != n.recipient_id);
        out
    }
}

async fn ladder<C: sea_orm::ConnectionTrait>(
    conn: &C,
    due: &[notification::Model],
) -> Result<Ladder, DbErr> {
    use directory_person::Column as C;
    let recipients: Vec<String> = due.iter().map(|n| n.recipient_id.clone()).collect();
    let people = directory_person::Entity::find()
        .filter(C::PersonId.is_in(recipients))
        .all(conn)
        .await?;
    let units: Vec<String> = people.iter().map(|p| p.unit_id.clone()).collect();
    let mut leaders_of: HashMap<String, Vec<String>> = HashMap::new();
    for l in directory_person::Entity::find()
        .filter(C::UnitId.is_in(units))
        .filter(C::UnitLeader.eq(true))
        .filter(C::Active.eq(true))
        .all(conn)
        .await?
    {
        leaders_of.entry(l.unit_id).or_default().push(l.person_id);
    }
    Ok(Ladder {
        unit_of: people
            .iter()
            .map(|p| (p.person_id.clone(), p.unit_id.clone()))
            .collect(),
        supervisor_of: people
            .into_iter()
            .filter_map(|p| p.supervising_leader_id.map(|l| (p.person_id, l)))
            .collect(),
        leaders_of,
    })
}

impl NotificationsService {
    /// Keeps a county's calendar change and moves the next rung of every unanswered
    /// notice whose wait may cross the changed day: the office time it still had to wait
    /// on the calendar before the change is counted again on the calendar after it.
    pub(crate) async fn keep_calendar_day<C: ConnectionTrait>(
        &self,
        conn: &C,
        day: &CalendarDaySnapshot,
    ) -> Result<(), DbErr> {
        use notification::Column as C;
        let before = self.calendar_now();
        duban_outbox::calendar::keep(conn, day, &self.calendar).await?;
        let after = self.calendar_now();
        let now = self.clock.now();
        let Some(day_start) = day
            .date
            .and_time(chrono::NaiveTime::MIN)
            .and_local_timezone(duban_clock::shanghai())
            .single()
        else {
            return Ok(());
        };
        let waiting = notification::Entity::find()
            .filter(C::EscalateAt.gt(now.max(day_start)))
            .filter(C::AcknowledgedAt.is_null())
            .filter(C::RequiresAck.eq(true))
            .all(conn)
            .await?;
        for n in waiting {
            let Some(at) = n.escalate_at else { continue };
            let left = self.office.between(&before, now, at);
            let moved = self.office.add_time(&after, now, left);
            if moved != at {
                notification::Entity::update_many()
                    .col_expr(C::EscalateAt, Expr::value(moved))
                    .filter(C::Id.eq(n.id))
                    .filter(C::Rung.eq(n.rung))
                    .filter(C::AcknowledgedAt.is_null())
                    .exec(conn)
                    .await?;
            }
        }
        Ok(())
    }

    /// Moves every unanswered notice whose next rung is due one rung up (skipping rungs
    /// with nobody to tell); the escalation notices written.
    pub async fn escalate(&self) -> Result<usize, DbErr> {
        use notification::Column as C;
        let now = self.clock.now();
        let cal = self.calendar_now();
        let county_rules = crate::county_rules::load_all(&self.db).await?;
        let fallback = crate::rules::Rules::default();
        let txn = self.db.begin().await?;
        let due = notification::Entity::find()
            .filter(C::EscalateAt.lte(now))
            .filter(C::AcknowledgedAt.is_null())
            .filter(C::RequiresAck.eq(true))
            .order_by_asc(C::EscalateAt)
            .limit(BATCH)
            .all(&txn)
            .await?;
        if due.is_empty() {
            return Ok(0);
        }
        let ladder = ladder(&txn, &due).await?;
        let mut rows = Vec::new();
        for n in &due {
            let hours =
                crate::county_rules::of(&county_rules, &n.org_path, &fallback).escalate_after_hours;
            let next = self.office.add(&cal, now, hours);
            let reached = ((n.rung + 1)..=LAST_RUNG).find_map(|r| {
                let people = ladder.rung(r, n);
                (!people.is_empty()).then_some((r, people))
            });
            let rung = reached.as_ref().map_or(LAST_RUNG, |(r, _)| *r);
            let then = (rung < LAST_RUNG && reached.is_some()).then_some(next);
            let moved = notification::Entity::update_many()
                .col_expr(C::Rung, Expr::value(rung))
                .col_expr(C::EscalateAt, Expr::value(then))
                .filter(C::Id.eq(n.id.clone()))
                .filter(C::Rung.eq(n.rung))
                .exec(&txn)
                .await?;
            let Some((rung, people)) = reached.filter(|_| moved.rows_affected == 1) else {
                continue;
            };
            let created = n
                .created_at
                .with_timezone(&duban_clock::shanghai())
                .format("%Y年%m月%d日%H:%M")
                .to_string();
            let (title, body) = crate::compose::escalation(&n.title, &created, hours, rung);
            let draft = crate::compose::Draft {
                to: crate::compose::To::Person(n.recipient_id.clone()),
                kind: NotificationKind::EscalationNotice,
                title,
                body,
                assignment_id: n.assignment_id.clone(),
                problem_id: n.problem_id.clone(),
                copy: true,
            };
            for person in people {
                rows.push((
                    notification::Model {
                        rung,
                        issuer_id: n.issuer_id.clone(),
                        escalated_from: Some(n.id.clone()),
                        dedupe_key: crate::compose::dedupe_key(
                            &person,
                            NotificationKind::EscalationNotice,
                            Some(&n.id),
                            None,
                            &rung.to_string(),
                        ),
                        urgent: n.urgent,
                        ..notification::Model::of(&draft, &person, &n.org_path, now)
                    },
                    None,
                ));
            }
        }
        let made = rows.len();
        let after = self
            .create(&txn, rows, &county_rules)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        txn.commit().await?;
        for f in after {
            f();
        }
        Ok(made)
    }
}
