//! One page of a scope's assignments by time limit, read in time that does not grow with
//! the ledger: each (unit, state) pair is walked along its own index from the cursor and
//! only the page's worth of keys is merged and joined to the rows.

use crate::entity::assignment;
use chrono::NaiveDate;
use sea_orm::sea_query::{
    Alias, Expr, Order, PostgresQueryBuilder, Query, SelectStatement, UnionType,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, Statement,
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

/// The page's rows, in order.
pub(crate) async fn page_rows<C: ConnectionTrait>(
    db: &C,
    w: &Walk<'_>,
) -> Result<Vec<assignment::Model>, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        let ids = db
            .query_all(union(w, backend))
            .await?
            .iter()
            .map(|r| r.try_get::<String>("", "id"))
            .collect::<Result<Vec<_>, _>>()?;
        return rows(db, &ids).await;
    }
    // Each walk first takes a few keys, about its share of the page; a walk that stopped
    // at its share before the page's last key may hide earlier keys, so the page is read
    // again with a larger share. The last round takes a whole page from every walk.
    let limit = w.limit as usize;
    let walks = if w.per_unit() {
        w.units.len() * w.states.len()
    } else {
        w.states.len()
    };
    let mut share = (limit.div_ceil(walks.max(1)) * 4).min(limit);
    loop {
        let found = db.query_all(lateral(w, share as u64)).await?;
        // Every row says whether the walks were complete; no row, nothing was hidden.
        let complete = match found.first() {
            Some(r) => share >= limit || r.try_get::<Option<bool>>("", "complete")? == Some(true),
            None => true,
        };
        if complete {
            return found
                .iter()
                .map(|r| assignment::Model::from_query_result(r, ""))
                .collect();
        }
        share = (share * 4).min(limit);
    }
}

/// PostgreSQL, in one statement: one LATERAL walk per (unit, state) pair from arrays,
/// each stopping after `share` keys (planned once whatever the number of units); the
/// first `limit` keys in order joined to their rows; and on each row whether every walk
/// that stopped at its share reached past the page's last key.
fn lateral(w: &Walk<'_>, share: u64) -> Statement {
    let dir = if w.descending { "DESC" } else { "ASC" };
    let mut keys = w.keys();
    keys.and_where(Expr::cust("\"state\" = s.st"));
    if w.per_unit() {
        keys.and_where(Expr::cust("\"lead_unit_path\" = u.pa"));
    }
    keys.order_by(assignment::Column::DueOn, w.order())
        .order_by(assignment::Column::Id, w.order())
        .limit(share);
    let (inner, values) = keys.build(PostgresQueryBuilder);
    let mut values = values.0;
    values.push(array_literal(w.states).into());
    let mut from = format!(
        "unnest(${}::text[]) WITH ORDINALITY AS s(st, sn)",
        values.len()
    );
    let mut walk = "s.sn".to_string();
    if w.per_unit() {
        values.push(array_literal(w.units).into());
        from.push_str(&format!(
            " CROSS JOIN unnest(${}::text[]) WITH ORDINALITY AS u(pa, un)",
            values.len()
        ));
        walk = format!("u.un * {} + s.sn", w.states.len() + 1);
    }
    let limit = w.limit;
    let sql = format!(
        "WITH k AS (SELECT k.id, k.due_on, ({walk})::BIGINT AS walk \
           FROM {from} CROSS JOIN LATERAL ({inner}) AS k), \
         o AS (SELECT id, walk, row_number() OVER (ORDER BY due_on {dir}, id {dir}) AS pos, \
           count(*) OVER (PARTITION BY walk) AS taken FROM k), \
         c AS (SELECT bool_and(taken < {share} OR last > {limit}) AS complete \
           FROM (SELECT max(taken) AS taken, max(pos) AS last FROM o GROUP BY walk) AS w) \
         SELECT a.*, c.complete FROM o JOIN assignment AS a ON a.id = o.id CROSS JOIN c \
         WHERE o.pos <= {limit} ORDER BY o.pos"
    );
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

/// A PostgreSQL array literal of `items`, each quoted.
fn array_literal(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|i| format!("\"{}\"", i.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{{{}}}", quoted.join(","))
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
    let backend = db.get_database_backend();
    let statement = if backend == DbBackend::Postgres {
        // Arrays, not IN lists: one plan for every scope, not one planned per call.
        let mut sql = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM assignment_tally \
                       WHERE lead_unit_path = ANY($1::text[])"
            .to_string();
        let mut values = vec![array_literal(units).into()];
        if let Some(states) = states {
            sql.push_str(" AND state = ANY($2::text[])");
            values.push(array_literal(states).into());
        }
        Statement::from_sql_and_values(backend, sql, values)
    } else {
        let path = Alias::new("lead_unit_path");
        let mut q = Query::select();
        q.expr(Expr::cust("CAST(COALESCE(SUM(n), 0) AS BIGINT)"))
            .from(Alias::new("assignment_tally"))
            .and_where(Expr::col(path).is_in(units.iter().cloned()));
        if let Some(states) = states {
            q.and_where(Expr::col(Alias::new("state")).is_in(states.iter().cloned()));
        }
        backend.build(&q)
    };
    let n: i64 = match db.query_one(statement).await? {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    Ok(n.max(0) as u64)
}
