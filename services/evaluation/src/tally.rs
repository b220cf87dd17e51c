//! Running figures per unit, kept in the transaction of the item changes that move them,
//! and summed over a unit's subtree for a board: a few rows per unit, never the items.

use crate::entity::{tracked_item, unit_tally};
use crate::figures::{contribution, Ack, Figures};
use crate::item::{facts, PROBLEM};
use crate::migration::TALLY_COLUMNS;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// What `m` adds to its unit's figures as it is stored.
fn of(m: &tracked_item::Model) -> Figures {
    match facts(m) {
        Ok(f) => {
            let ack = match (m.acknowledged_on, m.ack_due_on) {
                (Some(on), due) => Ack::Made {
                    on_time: due.is_none_or(|d| on <= d),
                },
                (None, _) if m.ack_missed => Ack::Missed,
                _ => Ack::NotDue,
            };
            contribution(
                f.stage,
                duban_schema::Color::parse(&m.color),
                m.overdue,
                m.late_days,
                m.returns,
                ack,
            )
        }
        // An unknown stored state counts nowhere (and is logged where it is read).
        Err(_) => Figures::default(),
    }
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Moves the figures of the units `changes` touch, from each item's row before to after
/// (none before: a new item), one statement for all.
pub(crate) async fn apply<C: ConnectionTrait>(
    conn: &C,
    changes: &[(Option<tracked_item::Model>, tracked_item::Model)],
) -> Result<(), DbErr> {
    let mut deltas: HashMap<(String, String, String), Figures> = HashMap::new();
    for (before, after) in changes {
        let mut add = |m: &tracked_item::Model, sign: i64| {
            let f = of(m);
            let f = if sign < 0 {
                Figures::default().minus(f)
            } else {
                f
            };
            let campaigns = std::iter::once(String::new()).chain(m.campaign_id.clone());
            for c in campaigns {
                let key = (m.org_path.clone(), c, m.kind.clone());
                let d = deltas.entry(key).or_default();
                *d = d.plus(f);
            }
        };
        if let Some(b) = before.as_ref().filter(|b| !b.org_path.is_empty()) {
            add(b, -1);
        }
        add(after, 1);
    }
    let rows: Vec<String> = deltas
        .into_iter()
        .filter(|(_, f)| !f.is_zero())
        .map(|((path, campaign, kind), f)| {
            let counts: Vec<String> = f.to_list().iter().map(i64::to_string).collect();
            format!(
                "({}, {}, {}, {})",
                quoted(&path),
                quoted(&campaign),
                quoted(&kind),
                counts.join(", ")
            )
        })
        .collect();
    for chunk in rows.chunks(500) {
        let set: Vec<String> = TALLY_COLUMNS
            .iter()
            .map(|c| format!("{c} = unit_tally.{c} + excluded.{c}"))
            .collect();
        let sql = format!(
            "INSERT INTO unit_tally (unit_path, campaign_id, kind, {}) VALUES {} \
             ON CONFLICT (unit_path, campaign_id, kind) DO UPDATE SET {}",
            TALLY_COLUMNS.join(", "),
            chunk.join(", "),
            set.join(", ")
        );
        conn.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// Every tally row of `campaign` (`""`: all), live or as `day` closed: path, kind and
/// figures. A county has a few rows per unit.
pub(crate) async fn rows<C: ConnectionTrait>(
    conn: &C,
    campaign: &str,
    day: Option<chrono::NaiveDate>,
) -> Result<Vec<(String, String, Figures)>, DbErr> {
    let cols = TALLY_COLUMNS.join(", ");
    let sql = match day {
        None => format!(
            "SELECT unit_path, kind, {cols} FROM unit_tally WHERE campaign_id = {}",
            quoted(campaign)
        ),
        Some(d) => format!(
            "SELECT unit_path, kind, {cols} FROM unit_tally_day WHERE campaign_id = {} AND day = '{d}'",
            quoted(campaign)
        ),
    };
    let found = conn
        .query_all(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            sql,
        ))
        .await?;
    found
        .iter()
        .map(|r| {
            let mut counts = [0i64; 13];
            for (i, c) in counts.iter_mut().enumerate() {
                *c = r.try_get_by_index(i + 2)?;
            }
            Ok((
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                Figures::from_list(counts),
            ))
        })
        .collect()
}

/// The figures of `path` and everything under it among `rows`: assignments, then problems.
pub(crate) fn subtree(rows: &[(String, String, Figures)], path: &str) -> (Figures, Figures) {
    let (mut items, mut problems) = (Figures::default(), Figures::default());
    for (_, kind, f) in rows.iter().filter(|r| duban_auth::in_subtree(&r.0, path)) {
        if kind == PROBLEM {
            problems = problems.plus(*f);
        } else {
            items = items.plus(*f);
        }
    }
    (items, problems)
}

/// Closes the day the live tallies stand for, when `today` is later: copies them as that
/// day's figures (before today's judging moves them) and makes today the live day.
/// Returns the day closed.
pub(crate) async fn close_day<C: ConnectionTrait>(
    conn: &C,
    today: chrono::NaiveDate,
) -> Result<Option<chrono::NaiveDate>, DbErr> {
    use crate::entity::tally_day;
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    let live = tally_day::Entity::find().one(conn).await?;
    let open = tally_day::Model { day: today }.into_active_model();
    match live {
        None => {
            open.insert(conn).await?;
            Ok(None)
        }
        Some(l) if l.day < today => {
            let cols = TALLY_COLUMNS.join(", ");
            conn.execute_unprepared(&format!(
                "INSERT INTO unit_tally_day (day, unit_path, campaign_id, kind, {cols}) \
                 SELECT '{}', unit_path, campaign_id, kind, {cols} FROM unit_tally",
                l.day
            ))
            .await?;
            tally_day::Entity::delete_many().exec(conn).await?;
            open.insert(conn).await?;
            Ok(Some(l.day))
        }
        Some(_) => Ok(None),
    }
}

/// Whether figures were kept as `day` closed.
pub(crate) async fn kept<C: ConnectionTrait>(
    conn: &C,
    day: chrono::NaiveDate,
) -> Result<bool, DbErr> {
    let found = conn
        .query_one(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT 1 FROM unit_tally_day WHERE day = '{day}' LIMIT 1"),
        ))
        .await?;
    Ok(found.is_some())
}

/// Whether `m` is not signed for and its day to be has passed.
pub(crate) fn missed_ack(m: &tracked_item::Model, today: chrono::NaiveDate) -> bool {
    m.acknowledged_on.is_none()
        && m.state == duban_schema::assignments::AssignmentState::Issued.as_str()
        && m.ack_due_on.is_some_and(|d| today > d)
}

/// Counts every item into empty tallies (a database from before the tallies, once), each
/// item's overdue flag set as of `today` first.
pub(crate) async fn backfill(
    db: &sea_orm::DatabaseConnection,
    today: chrono::NaiveDate,
) -> Result<usize, DbErr> {
    use sea_orm::{PaginatorTrait, QueryOrder, TransactionTrait};
    if unit_tally::Entity::find().one(db).await?.is_some() {
        return Ok(0);
    }
    let txn = db.begin().await?;
    let mut pages = tracked_item::Entity::find()
        .order_by_asc(tracked_item::Column::Id)
        .paginate(&txn, 10_000);
    let mut counted = 0;
    while let Some(rows) = pages.fetch_and_next().await? {
        let mut late = Vec::new();
        let changes: Vec<_> = rows
            .into_iter()
            .map(|mut m| {
                let open = facts(&m).is_ok_and(|f| f.stage == crate::color::Stage::Open);
                m.overdue = open && today > m.due_on;
                m.ack_missed = missed_ack(&m, today);
                if m.overdue {
                    late.push(m.id.clone());
                }
                (None, m)
            })
            .collect();
        counted += changes.len();
        apply(&txn, &changes).await?;
        if !late.is_empty() {
            tracked_item::Entity::update_many()
                .col_expr(
                    tracked_item::Column::Overdue,
                    sea_orm::sea_query::Expr::value(true),
                )
                .filter(tracked_item::Column::Id.is_in(late))
                .exec(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(counted)
}
