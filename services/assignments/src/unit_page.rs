//! One page of a scope's assignments by time limit, read in time that does not grow with
//! the ledger: each (unit, state) pair is walked along its own index from the cursor and
//! only the page's worth of keys is merged, then the page's rows are fetched by id.

use crate::entity::assignment;
use chrono::NaiveDate;
use sea_orm::sea_query::{
    Alias, Expr, Order, PostgresQueryBuilder, Query, SelectStatement, UnionType,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Statement,
};

/// Beyond this many (unit, state) walks a page walks each state across the whole county
/// instead and filters by unit on the index (the county's own ledger).
const MAX_WALKS: usize = 200;

/// What a page is read from: the scope's units and the wanted states.
pub(crate) struct Walk<'a> {
    /// Every unit path in the scope.
    pub units: &'a [String],
    /// The scope's root path (used when there are too many units to walk one by one).
    pub root: &'a str,
    /// Wanted states, never empty.
    pub states: &'a [String],
    /// Further filters every row must pass.
    pub extra: Condition,
    /// The last row of the previous page.
    pub after: Option<(NaiveDate, String)>,
    /// Latest time limit first.
    pub descending: bool,
    /// Rows to return at most.
    pub limit: u64,
}

impl Walk<'_> {
    fn per_unit(&self) -> bool {
        self.units.len() * self.states.len() <= MAX_WALKS
    }

    fn order(&self) -> Order {
        if self.descending {
            Order::Desc
        } else {
            Order::Asc
        }
    }

    /// The keys of one walk: time limit and id past the cursor, with the extra filters.
    fn keys(&self) -> SelectStatement {
        let mut q = Query::select();
        q.columns([assignment::Column::DueOn, assignment::Column::Id])
            .from(assignment::Entity)
            .cond_where(self.extra.clone());
        if !self.per_unit() {
            q.cond_where(duban_outbox::db::in_subtree(
                assignment::Column::LeadUnitPath,
                self.root,
            ));
        }
        if let Some((due, id)) = &self.after {
            let key = Expr::tuple([
                Expr::col(assignment::Column::DueOn).into(),
                Expr::col(assignment::Column::Id).into(),
            ]);
            let cursor = Expr::tuple([Expr::val(*due).into(), Expr::val(id.clone()).into()]);
            q.and_where(if self.descending {
                key.lt(cursor)
            } else {
                key.gt(cursor)
            });
        }
        q
    }
}

/// The ids of the page's rows, in order.
pub(crate) async fn page_ids<C: ConnectionTrait>(
    db: &C,
    w: &Walk<'_>,
) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        let rows = db.query_all(union(w, backend)).await?;
        return rows.iter().map(|r| r.try_get::<String>("", "id")).collect();
    }
    // Each walk first takes a few keys, about its share of the page. A walk that stopped
    // at its share before the page's last key may hide earlier keys: only such walks are
    // read again, with four times the share, up to a whole page.
    let limit = w.limit as usize;
    let all: Vec<(Option<&str>, &str)> = if w.per_unit() {
        w.units
            .iter()
            .flat_map(|u| w.states.iter().map(move |s| (Some(u.as_str()), s.as_str())))
            .collect()
    } else {
        w.states.iter().map(|s| (None, s.as_str())).collect()
    };
    let first = (limit.div_ceil(all.len().max(1)) * 4).min(limit);
    let mut share = vec![first; all.len()];
    let mut keys = walk_keys(db, w, &all, &(0..all.len()).collect::<Vec<_>>(), first, &[]).await?;
    loop {
        let mut taken = vec![0usize; all.len()];
        let mut last = vec![0usize; all.len()];
        for (i, k) in keys.iter().enumerate() {
            taken[k.2] += 1;
            last[k.2] = i;
        }
        let hiding: Vec<usize> = (0..all.len())
            .filter(|&n| share[n] < limit && taken[n] == share[n] && last[n] < limit)
            .collect();
        if hiding.is_empty() {
            return Ok(keys.into_iter().take(limit).map(|k| k.1).collect());
        }
        let more = hiding
            .iter()
            .map(|&n| share[n] * 4)
            .max()
            .unwrap_or(limit)
            .min(limit);
        // The walks read again replace their keys; the others' keys up to the page's
        // end are merged with them by the database, in its own collation.
        let kept: Vec<_> = keys
            .into_iter()
            .take(limit)
            .filter(|k| !hiding.contains(&k.2))
            .collect();
        keys = walk_keys(db, w, &all, &hiding, more, &kept).await?;
        for n in hiding {
            share[n] = more;
        }
    }
}

/// The first `share` keys (time limit, id, walk) of each of the walks `which` of `all`,
/// merged with `kept` in the page's order.
async fn walk_keys<C: ConnectionTrait>(
    db: &C,
    w: &Walk<'_>,
    all: &[(Option<&str>, &str)],
    which: &[usize],
    share: usize,
    kept: &[(NaiveDate, String, usize)],
) -> Result<Vec<(NaiveDate, String, usize)>, DbErr> {
    let rows = db
        .query_all(lateral(w, all, which, share as u64, kept))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<NaiveDate>("", "due_on")?,
                r.try_get::<String>("", "id")?,
                r.try_get::<i64>("", "walk")?.max(0) as usize,
            ))
        })
        .collect()
}

/// PostgreSQL: one LATERAL walk per listed (unit, state) pair, from parallel arrays, each
/// stopping after `share` keys, merged with the `kept` keys in the page's order; planned
/// once whatever the number of walks.
fn lateral(
    w: &Walk<'_>,
    all: &[(Option<&str>, &str)],
    which: &[usize],
    share: u64,
    kept: &[(NaiveDate, String, usize)],
) -> Statement {
    let dir = if w.descending { "DESC" } else { "ASC" };
    let mut keys = w.keys();
    keys.and_where(Expr::cust("\"state\" = p.st"));
    if w.per_unit() {
        keys.and_where(Expr::cust("\"lead_unit_path\" = p.pa"));
    }
    keys.order_by(assignment::Column::DueOn, w.order())
        .order_by(assignment::Column::Id, w.order())
        .limit(share);
    let (inner, values) = keys.build(PostgresQueryBuilder);
    let mut values = values.0;
    let mut arg = |items: Vec<String>| {
        values.push(duban_outbox::db::pg_array(items.iter().map(Some)).into());
        values.len()
    };
    let (pa, st, wn) = (
        arg(which
            .iter()
            .map(|&n| all[n].0.unwrap_or_default().to_string())
            .collect()),
        arg(which.iter().map(|&n| all[n].1.to_string()).collect()),
        arg(which.iter().map(|n| n.to_string()).collect()),
    );
    let mut sql = format!(
        "SELECT k.id, k.due_on, p.wn AS walk \
         FROM unnest(${pa}::text[], ${st}::text[], ${wn}::bigint[]) AS p(pa, st, wn) \
         CROSS JOIN LATERAL ({inner}) AS k"
    );
    if !kept.is_empty() {
        let (id, due, walk) = (
            arg(kept.iter().map(|k| k.1.clone()).collect()),
            arg(kept.iter().map(|k| k.0.to_string()).collect()),
            arg(kept.iter().map(|k| k.2.to_string()).collect()),
        );
        sql = format!(
            "{sql} UNION ALL SELECT id, due_on, walk \
             FROM unnest(${id}::text[], ${due}::date[], ${walk}::bigint[]) AS q(id, due_on, walk)"
        );
    }
    sql.push_str(&format!(" ORDER BY due_on {dir}, id {dir}"));
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// SQLite: a compound SELECT of the walks, which SQLite merges in index order.
fn union(w: &Walk<'_>, backend: DbBackend) -> Statement {
    let units: Vec<Option<&String>> = if w.per_unit() {
        w.units.iter().map(Some).collect()
    } else {
        vec![None]
    };
    let mut walks = units.iter().flat_map(|u| {
        w.states.iter().map(move |s| {
            let mut q = w.keys();
            q.and_where(assignment::Column::State.eq(s.as_str()));
            if let Some(u) = u {
                q.and_where(assignment::Column::LeadUnitPath.eq(u.as_str()));
            }
            q
        })
    });
    let mut q = walks.next().unwrap_or_else(|| w.keys());
    for other in walks {
        q.union(UnionType::All, other);
    }
    q.order_by(Alias::new("due_on"), w.order())
        .order_by(Alias::new("id"), w.order())
        .limit(w.limit);
    backend.build(&q)
}

/// The rows of `ids`, in that order.
pub(crate) async fn rows<C: ConnectionTrait>(
    db: &C,
    ids: &[String],
) -> Result<Vec<assignment::Model>, DbErr> {
    let mut found: std::collections::HashMap<String, assignment::Model> =
        assignment::Entity::find()
            .filter(assignment::Column::Id.is_in(ids.to_vec()))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// How many items of `units` are in `states` (every state when `None`), from the counts
/// the triggers keep.
pub(crate) async fn tally<C: ConnectionTrait>(
    db: &C,
    units: &[String],
    states: Option<&[String]>,
) -> Result<u64, DbErr> {
    let path = Alias::new("lead_unit_path");
    let mut q = Query::select();
    q.expr(Expr::cust("CAST(COALESCE(SUM(n), 0) AS BIGINT)"))
        .from(Alias::new("assignment_tally"))
        .and_where(Expr::col(path).is_in(units.iter().cloned()));
    if let Some(states) = states {
        q.and_where(Expr::col(Alias::new("state")).is_in(states.iter().cloned()));
    }
    let backend = db.get_database_backend();
    let row = db.query_one(backend.build(&q)).await?;
    let n: i64 = match row {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    Ok(n.max(0) as u64)
}
