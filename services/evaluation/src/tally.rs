//! Running figures per unit, kept in the transaction of the item changes that move them,
//! and summed over a unit's subtree for a board: a few rows per unit, never the items.

use crate::entity::tracked_item;
use crate::figures::{contribution, Ack, Figures, Tallied};
use crate::item::{facts, PROBLEM};
use crate::migration::TALLY_COLUMNS;
use duban_outbox::db::{pg_array, with_arrays, ARRAYS_FROM};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter};
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
            contribution(&Tallied {
                stage: f.stage,
                color: duban_schema::Color::parse(&m.color),
                overdue: m.overdue,
                late_days: m.late_days,
                work_days: m.work_days,
                returns: m.returns,
                reopens: m.reopens,
                transfers: m.transfers,
                ack,
            })
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
        let mut add = |m: &tracked_item::Model, f: Figures| {
            let campaigns = std::iter::once(String::new()).chain(m.campaign_id.clone());
            for c in campaigns {
                let key = (m.org_path.clone(), c, m.kind.clone());
                let d = deltas.entry(key).or_default();
                *d = d.plus(f);
            }
        };
        if let Some(b) = before.as_ref().filter(|b| !b.org_path.is_empty()) {
            add(b, Figures::default().minus(of(b)));
            // A transfer counts at the unit that handed the item on, and stays there.
            let handed_on = after.transfers - b.transfers;
            if handed_on > 0 {
                let f = Figures {
                    transfers: i64::from(handed_on),
                    ..Figures::default()
                };
                add(b, f);
            }
        }
        add(after, of(after));
    }
    let deltas: Vec<_> = deltas.into_iter().filter(|(_, f)| !f.is_zero()).collect();
    // Only the counts that move are written (a card change moves two of seventeen).
    let moving: Vec<usize> = (0..TALLY_COLUMNS.len())
        .filter(|&i| deltas.iter().any(|(_, f)| f.to_list()[i] != 0))
        .collect();
    let names: Vec<&str> = moving.iter().map(|&i| TALLY_COLUMNS[i]).collect();
    let set: Vec<String> = names
        .iter()
        .map(|c| format!("{c} = unit_tally.{c} + excluded.{c}"))
        .collect();
    let set = set.join(", ");
    if conn.get_database_backend() == DbBackend::Postgres && deltas.len() >= ARRAYS_FROM {
        let mut columns = vec![
            pg_array(deltas.iter().map(|((p, _, _), _)| Some(p))),
            pg_array(deltas.iter().map(|((_, c, _), _)| Some(c))),
            pg_array(deltas.iter().map(|((_, _, k), _)| Some(k))),
        ];
        columns.extend(
            moving
                .iter()
                .map(|&i| pg_array(deltas.iter().map(|(_, f)| Some(f.to_list()[i].to_string())))),
        );
        let arrays: Vec<String> = (1..=columns.len())
            .map(|n| format!("${n}::{}[]", if n <= 3 { "text" } else { "bigint" }))
            .collect();
        let sql = format!(
            "INSERT INTO unit_tally (unit_path, campaign_id, kind, {}) SELECT * FROM unnest({}) \
             ON CONFLICT (unit_path, campaign_id, kind) DO UPDATE SET {set}",
            names.join(", "),
            arrays.join(", ")
        );
        conn.execute(with_arrays(sql, columns)).await?;
        return Ok(());
    }
    let rows: Vec<String> = deltas
        .into_iter()
        .map(|((path, campaign, kind), f)| {
            let list = f.to_list();
            let counts: Vec<String> = moving.iter().map(|&i| list[i].to_string()).collect();
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
        let sql = format!(
            "INSERT INTO unit_tally (unit_path, campaign_id, kind, {}) VALUES {} \
             ON CONFLICT (unit_path, campaign_id, kind) DO UPDATE SET {set}",
            names.join(", "),
            chunk.join(", "),
        );
        conn.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// The figures of each of `paths` with everything under it (assignments, then problems),
/// from the tally rows of `campaign` (`""`: all), live or as `day` closed. The database
/// sums them, one group per path asked for: a board reads a few rows however many units
/// its county has.
pub(crate) async fn sums<C: ConnectionTrait>(
    conn: &C,
    campaign: &str,
    day: Option<chrono::NaiveDate>,
    paths: &[String],
) -> Result<Vec<(Figures, Figures)>, DbErr> {
    let mut out = vec![(Figures::default(), Figures::default()); paths.len()];
    if paths.is_empty() {
        return Ok(out);
    }
    let (table, when) = match day {
        None => ("unit_tally", String::new()),
        Some(d) => ("unit_tally_day", format!(" AND day = '{d}'")),
    };
    let sums: Vec<String> = TALLY_COLUMNS
        .iter()
        .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
        .collect();
    let mut at: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in paths.iter().enumerate() {
        at.entry(p.trim_end_matches('/')).or_default().push(i);
    }
    let mut by_length: std::collections::BTreeMap<usize, Vec<&str>> = Default::default();
    for &p in at.keys() {
        by_length.entry(p.chars().count()).or_default().push(p);
    }
    // A row is under a path of length n when its first n characters are that path and
    // the path ends there or at a '/' (so /qs/a is not under /qs/ab).
    let selects: Vec<String> = by_length
        .iter()
        .map(|(n, of_length)| {
            let listed: Vec<String> = of_length.iter().map(|p| quoted(p)).collect();
            format!(
                "SELECT substr(unit_path, 1, {n}) AS under, kind, {} FROM {table} \
                 WHERE campaign_id = {}{when} AND substr(unit_path, 1, {n}) IN ({}) \
                 AND (length(unit_path) = {n} OR substr(unit_path, {}, 1) = '/') \
                 GROUP BY substr(unit_path, 1, {n}), kind",
                sums.join(", "),
                quoted(campaign),
                listed.join(", "),
                n + 1
            )
        })
        .collect();
    let found = conn
        .query_all(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            selects.join(" UNION ALL "),
        ))
        .await?;
    for r in &found {
        let under: String = r.try_get_by_index(0)?;
        let kind: String = r.try_get_by_index(1)?;
        let mut counts = [0i64; TALLY_COLUMNS.len()];
        for (i, c) in counts.iter_mut().enumerate() {
            *c = r.try_get_by_index(i + 2)?;
        }
        let f = Figures::from_list(counts);
        for &i in at.get(under.as_str()).into_iter().flatten() {
            let slot = if kind == PROBLEM {
                &mut out[i].1
            } else {
                &mut out[i].0
            };
            *slot = slot.plus(f);
        }
    }
    Ok(out)
}

/// The day the live tallies stand for; none before the first item or tick.
pub(crate) async fn live_day<C: ConnectionTrait>(
    conn: &C,
) -> Result<Option<chrono::NaiveDate>, DbErr> {
    use crate::entity::tally_day;
    use sea_orm::QueryOrder;
    // Two first days opened at once (a tick and an event): the earlier one stands.
    Ok(tally_day::Entity::find()
        .order_by_asc(tally_day::Column::Day)
        .one(conn)
        .await?
        .map(|d| d.day))
}

/// The live day, locked until the transaction ends (on PostgreSQL; SQLite has one writer),
/// so that the tick and the consumer close each day once, one after the other. Every
/// writer of items takes it first (the consumer, the tick, a change of rules), so none
/// judges an item from a row another is changing. Two first days opened at once leave
/// the earlier.
pub(crate) async fn lock_live_day<C: ConnectionTrait>(
    conn: &C,
) -> Result<Option<chrono::NaiveDate>, DbErr> {
    use crate::entity::tally_day;
    use sea_orm::{QueryOrder, QuerySelect};
    let mut find = tally_day::Entity::find().order_by_asc(tally_day::Column::Day);
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        find = find.lock_exclusive();
    }
    let rows = find.all(conn).await?;
    let Some(first) = rows.first().map(|r| r.day) else {
        return Ok(None);
    };
    if rows.len() > 1 {
        tally_day::Entity::delete_many()
            .filter(tally_day::Column::Day.ne(first))
            .exec(conn)
            .await?;
    }
    Ok(Some(first))
}

/// Closes the live day `live` (locked by [`lock_live_day`]): copies the live tallies as
/// that day's figures, unless a copy is kept already, and makes the next day live.
pub(crate) async fn close_day<C: ConnectionTrait>(
    conn: &C,
    live: chrono::NaiveDate,
) -> Result<(), DbErr> {
    use crate::entity::tally_day;
    let Some(next) = live.succ_opt() else {
        return Ok(());
    };
    tally_day::Entity::update_many()
        .col_expr(
            tally_day::Column::Day,
            sea_orm::sea_query::Expr::value(next),
        )
        .filter(tally_day::Column::Day.eq(live))
        .exec(conn)
        .await?;
    let cols = TALLY_COLUMNS.join(", ");
    conn.execute_unprepared(&format!(
        "INSERT INTO unit_tally_day (day, unit_path, campaign_id, kind, {cols}) \
         SELECT '{live}', unit_path, campaign_id, kind, {cols} FROM unit_tally WHERE true \
         ON CONFLICT (day, unit_path, campaign_id, kind) DO NOTHING"
    ))
    .await?;
    Ok(())
}

/// Makes `day` the first live day.
pub(crate) async fn open_first_day<C: ConnectionTrait>(
    conn: &C,
    day: chrono::NaiveDate,
) -> Result<(), DbErr> {
    use crate::entity::tally_day;

    use sea_orm::IntoActiveModel;
    duban_outbox::db::insert_new(
        conn,
        [tally_day::Model { day }.into_active_model()],
        [tally_day::Column::Day],
    )
    .await?;
    Ok(())
}

/// The first day kept, if any.
pub(crate) async fn first_kept<C: ConnectionTrait>(
    conn: &C,
) -> Result<Option<chrono::NaiveDate>, DbErr> {
    let found = conn
        .query_one(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT MIN(day) FROM unit_tally_day".to_string(),
        ))
        .await?;
    match found {
        Some(r) => r.try_get_by_index::<Option<chrono::NaiveDate>>(0),
        None => Ok(None),
    }
}

/// Whether figures were kept as `day` closed.
pub(crate) async fn kept<C: ConnectionTrait>(
    conn: &C,
    day: chrono::NaiveDate,
) -> Result<bool, DbErr> {
    any_row(conn, &format!("unit_tally_day WHERE day = '{day}'")).await
}

/// Whether `from` (a table and its condition) holds a row.
async fn any_row<C: ConnectionTrait>(conn: &C, from: &str) -> Result<bool, DbErr> {
    let found = conn
        .query_one(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT 1 FROM {from} LIMIT 1"),
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
    if any_row(db, "unit_tally").await? {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_row_counts_for_each_ancestor_asked_for_and_no_sibling() {
        use sea_orm_migration::MigratorTrait;
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        crate::migration::Migrator::up(&db, None).await.unwrap();
        let rows = [
            ("/qs/qingshi/a", "ASSIGNMENT", 1),
            ("/qs/qingshi", "ASSIGNMENT", 2),
            ("/qs/qingshi", PROBLEM, 7),
            ("/qs/qingshi2", "ASSIGNMENT", 4),
            ("/qs", "ASSIGNMENT", 8),
            ("/qt", "ASSIGNMENT", 16),
        ];
        for (path, kind, issued) in rows {
            for campaign in ["", "c1"] {
                db.execute_unprepared(&format!(
                    "INSERT INTO unit_tally (unit_path, campaign_id, kind, issued) \
                     VALUES ('{path}', '{campaign}', '{kind}', {issued})"
                ))
                .await
                .unwrap();
            }
        }
        db.execute_unprepared(
            "INSERT INTO unit_tally (unit_path, campaign_id, kind, issued) \
             VALUES ('/qs/qingshi/b', 'c2', 'ASSIGNMENT', 32)",
        )
        .await
        .unwrap();
        let paths: Vec<String> = [
            "/qs",
            "/qs/qingshi/",
            "/qs/qingshi2",
            "/qs/baisha",
            "",
            "/qs",
        ]
        .map(String::from)
        .to_vec();
        let got: Vec<(i64, i64)> = sums(&db, "c1", None, &paths)
            .await
            .unwrap()
            .iter()
            .map(|(a, p)| (a.issued, p.issued))
            .collect();
        assert_eq!(got, [(15, 7), (3, 7), (4, 0), (0, 0), (31, 7), (15, 7)]);
    }
}
