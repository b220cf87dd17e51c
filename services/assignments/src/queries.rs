//! Reading assignments: one, or a filtered, sorted page of them with their progress.

use crate::entity::{assignment, deadline_change, progress_report, transfer};
use crate::rows::{bare_view, decode_cursor, encode_cursor, internal, json_list, view_of};
use crate::service::AssignmentsService;
use duban_api::{
    ApiError, AssignmentFilter, AssignmentSort, AssignmentView, DeadlineChangeView, Page,
    PageRequest, TransferView,
};
use duban_auth::Actor;
use duban_schema::assignments::{AssignmentState, ProgressReportSnapshot};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

impl AssignmentsService {
    pub(crate) async fn view<C: ConnectionTrait>(
        &self,
        conn: &C,
        m: assignment::Model,
    ) -> Result<AssignmentView, ApiError> {
        let mut views = self.views(conn, vec![m]).await?;
        views
            .pop()
            .ok_or_else(|| ApiError::Internal("empty view".into()))
    }

    /// Views of several assignments with their reports, deadline changes and transfers,
    /// in three queries whatever their number (a ledger page must not cost one per row).
    pub(crate) async fn views<C: ConnectionTrait>(
        &self,
        conn: &C,
        models: Vec<assignment::Model>,
    ) -> Result<Vec<AssignmentView>, ApiError> {
        use std::collections::HashMap;
        let ids: Vec<String> = models.iter().map(|m| m.id.clone()).collect();
        let mut progress: HashMap<String, Vec<ProgressReportSnapshot>> = HashMap::new();
        for r in progress_report::Entity::find()
            .filter(progress_report::Column::AssignmentId.is_in(ids.clone()))
            .order_by_asc(progress_report::Column::ReportedAt)
            .order_by_asc(progress_report::Column::Id)
            .all(conn)
            .await
            .map_err(internal)?
        {
            progress
                .entry(r.assignment_id)
                .or_default()
                .push(ProgressReportSnapshot {
                    id: r.id,
                    percent: r.percent,
                    text: r.text,
                    reported_by: r.reported_by,
                    reported_at: r.reported_at,
                    evidence: json_list(&r.evidence),
                });
        }
        let mut changes: HashMap<String, Vec<DeadlineChangeView>> = HashMap::new();
        for c in deadline_change::Entity::find()
            .filter(deadline_change::Column::AssignmentId.is_in(ids.clone()))
            .order_by_asc(deadline_change::Column::ChangedAt)
            .order_by_asc(deadline_change::Column::Id)
            .all(conn)
            .await
            .map_err(internal)?
        {
            changes
                .entry(c.assignment_id)
                .or_default()
                .push(DeadlineChangeView {
                    from: c.from_date,
                    to: c.to_date,
                    reason: c.reason,
                    at: c.changed_at,
                });
        }
        let mut transfers: HashMap<String, Vec<TransferView>> = HashMap::new();
        for t in transfer::Entity::find()
            .filter(transfer::Column::AssignmentId.is_in(ids))
            .order_by_asc(transfer::Column::DecidedAt)
            .order_by_asc(transfer::Column::Id)
            .all(conn)
            .await
            .map_err(internal)?
        {
            transfers
                .entry(t.assignment_id)
                .or_default()
                .push(TransferView {
                    from_unit_id: t.from_unit_id,
                    to_unit_id: t.to_unit_id,
                    reason: t.reason,
                    approved: t.approved,
                    decided_at: t.decided_at,
                });
        }
        models
            .into_iter()
            .map(|m| {
                let (p, c, t) = (
                    progress.remove(&m.id).unwrap_or_default(),
                    changes.remove(&m.id).unwrap_or_default(),
                    transfers.remove(&m.id).unwrap_or_default(),
                );
                view_of(m, p, c, t)
            })
            .collect()
    }

    /// A page from up to `first + 1` rows in order: cursors, views (with their lists when
    /// asked), whether more follow.
    pub(crate) async fn page_of(
        &self,
        mut rows: Vec<assignment::Model>,
        page: PageRequest,
        total_count: u64,
    ) -> Result<Page<AssignmentView>, ApiError> {
        let has_next_page = rows.len() > page.first;
        rows.truncate(page.first);
        let cursors: Vec<String> = rows.iter().map(encode_cursor).collect();
        let views = if page.details {
            self.views(&self.db, rows).await?
        } else {
            rows.into_iter().map(bare_view).collect::<Result<_, _>>()?
        };
        let items = cursors.into_iter().zip(views).collect();
        Ok(Page {
            items,
            has_next_page,
            has_previous_page: page.after.is_some(),
            total_count,
        })
    }

    pub(crate) async fn assignment(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<AssignmentView, ApiError> {
        let m = assignment::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|m| {
                actor.can_see(&m.lead_unit_path)
                    || json_list(&m.cooperating_unit_ids).contains(&actor.unit_id)
            })
            .ok_or_else(|| ApiError::not_found("交办事项", id))?;
        self.view(&self.db, m).await
    }

    /// Whether `filter` asks for the items a unit in the caller's scope cooperates on
    /// (seen wherever their lead unit is), instead of a scope's items.
    pub(crate) async fn cooperating_in_scope(
        &self,
        actor: &Actor,
        filter: &AssignmentFilter,
    ) -> bool {
        match &filter.cooperating_unit_id {
            Some(u) if filter.scope.is_none() => self.scope_root(actor, Some(u)).await.is_ok(),
            _ => false,
        }
    }

    pub(crate) async fn assignments(
        &self,
        actor: &Actor,
        filter: AssignmentFilter,
        page: PageRequest,
    ) -> Result<Page<AssignmentView>, ApiError> {
        let cooperating_in_scope = self.cooperating_in_scope(actor, &filter).await;
        let extra = extra_condition(&filter);
        let only_scope_and_states = extra.is_empty();
        let sort = filter.sort;
        // A page by time limit walks the scope's units along their indexes.
        let walks = matches!(sort, AssignmentSort::DueAsc | AssignmentSort::DueDesc);
        let mut cond = Condition::all();
        let mut walk_scope = None;
        if !cooperating_in_scope {
            let scope = filter.scope.as_deref();
            let root = if walks {
                let (root, units) = self.scope_units(actor, scope).await?;
                walk_scope = Some((root.clone(), units));
                root
            } else {
                self.scope_root(actor, scope).await?
            };
            cond = cond.add(duban_outbox::db::in_subtree(
                assignment::Column::LeadUnitPath,
                &root,
            ));
        }
        let cond = cond.add(states_condition(&filter)).add(extra.clone());
        let after = page.after.as_deref().map(decode_cursor).transpose()?;
        if let Some((root, units)) = &walk_scope {
            let states: Vec<String> = match &filter.states {
                Some(s) => s.iter().map(|s| s.as_str().to_string()).collect(),
                None => AssignmentState::ALL
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
            };
            // The count and the page do not depend on each other: both at once, on two
            // of the pool's connections.
            let count = async {
                Ok::<_, sea_orm::DbErr>(match (page.count, only_scope_and_states) {
                    (false, _) => 0,
                    (true, true) => {
                        crate::unit_page::tally(
                            &self.db,
                            units,
                            filter.states.as_ref().map(|_| &states[..]),
                        )
                        .await?
                    }
                    (true, false) => {
                        assignment::Entity::find()
                            .filter(cond.clone())
                            .count(&self.db)
                            .await?
                    }
                })
            };
            let walk = crate::unit_page::Walk {
                units,
                root,
                states: &states,
                extra,
                after,
                descending: sort == AssignmentSort::DueDesc,
                limit: page.first as u64 + 1,
            };
            let rows = async {
                let ids = crate::unit_page::page_ids(&self.db, &walk).await?;
                crate::unit_page::rows(&self.db, &ids).await
            };
            let (total_count, rows) = futures::try_join!(count, rows).map_err(internal)?;
            return self.page_of(rows, page, total_count).await;
        }
        let total_count = if page.count {
            assignment::Entity::find()
                .filter(cond.clone())
                .count(&self.db)
                .await
                .map_err(internal)?
        } else {
            0
        };
        let mut query = assignment::Entity::find().filter(cond);
        if let Some((due, id)) = after {
            let (due_col, id_col) = (assignment::Column::DueOn, assignment::Column::Id);
            query = query.filter(match sort {
                AssignmentSort::DueAsc => Condition::any()
                    .add(due_col.gt(due))
                    .add(Condition::all().add(due_col.eq(due)).add(id_col.gt(id))),
                AssignmentSort::DueDesc => Condition::any()
                    .add(due_col.lt(due))
                    .add(Condition::all().add(due_col.eq(due)).add(id_col.lt(id))),
                AssignmentSort::IssuedDesc => Condition::all().add(id_col.lt(id)),
            });
        }
        query = match sort {
            AssignmentSort::DueAsc => query
                .order_by_asc(assignment::Column::DueOn)
                .order_by_asc(assignment::Column::Id),
            AssignmentSort::DueDesc => query
                .order_by_desc(assignment::Column::DueOn)
                .order_by_desc(assignment::Column::Id),
            AssignmentSort::IssuedDesc => query.order_by_desc(assignment::Column::Id),
        };
        let rows = query
            .limit(page.first as u64 + 1)
            .all(&self.db)
            .await
            .map_err(internal)?;
        self.page_of(rows, page, total_count).await
    }
}

/// The states `filter` asks for (any when none).
pub(crate) fn states_condition(filter: &AssignmentFilter) -> Condition {
    let mut cond = Condition::all();
    if let Some(states) = &filter.states {
        cond = cond
            .add(assignment::Column::State.is_in(states.iter().map(|s| s.as_str().to_string())));
    }
    cond
}

/// Every filter of `filter` but the scope and the states.
pub(crate) fn extra_condition(filter: &AssignmentFilter) -> Condition {
    let mut extra = Condition::all();
    if let Some(d) = filter.due_from {
        extra = extra.add(assignment::Column::DueOn.gte(d));
    }
    if let Some(d) = filter.due_to {
        extra = extra.add(assignment::Column::DueOn.lte(d));
    }
    if let Some(p) = &filter.responsible_person_id {
        extra = extra.add(assignment::Column::ResponsiblePersonId.eq(p.clone()));
    }
    if let Some(c) = filter.color {
        extra = extra.add(assignment::Column::Color.eq(c.as_str()));
    }
    if let Some(c) = &filter.campaign_id {
        extra = extra.add(assignment::Column::CampaignId.eq(c.clone()));
    }
    if let Some(c) = &filter.category {
        extra = extra.add(assignment::Column::Category.eq(c.clone()));
    }
    if let Some(u) = &filter.cooperating_unit_id {
        extra = extra.add(
            assignment::Column::CooperatingUnitIds
                .like(crate::ledger::contains(&format!("\"{u}\""))),
        );
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        extra = extra.add(
            Condition::any()
                .add(assignment::Column::Title.like(crate::ledger::contains(text)))
                .add(assignment::Column::Description.like(crate::ledger::contains(text))),
        );
    }
    extra
}
