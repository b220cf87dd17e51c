//! Queries, mutations and subscriptions; each resolver checks the caller and calls one service.

use crate::clients::Services;
use crate::error::{forbidden, ApiResultExt};
use crate::resolve::*;
use crate::types::*;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object, Schema, Subscription, ID};
use duban_api::ApiError;
use duban_auth::Role as AuthRole;
use futures::{Stream, StreamExt};

/// The executable schema.
pub type DubanSchema = Schema<Query, Mutation, SubscriptionRoot>;

/// Every query: the core ones and the audit proofs.
#[derive(async_graphql::MergedObject, Default)]
pub struct Query(QueryRoot, AuditQuery, crate::ledger::LedgerQuery);

/// Every mutation: assignments and the directory, then the ledger and duties.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(MutationRoot, crate::ledger::LedgerMutation);

/// The deepest query served: the standard introspection query (graphql-js
/// `getIntrospectionQuery`, nine levels of `ofType`) is 15 deep.
pub const MAX_DEPTH: usize = 16;
/// The highest cost served; a list field costs its page size times its selection.
pub const MAX_COMPLEXITY: usize = 10_000;

fn bounded(
    services: Services,
    max_page_size: usize,
    anonymous: bool,
) -> async_graphql::SchemaBuilder<Query, Mutation, SubscriptionRoot> {
    Schema::build(Query::default(), Mutation::default(), SubscriptionRoot)
        .data(services)
        .data(MaxPageSize(max_page_size))
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_directives(16)
        .extension(crate::guard::DocumentBounds {
            refuse_introspection: anonymous,
        })
}

/// Builds the schema with its services and limits, for signed-in callers.
pub fn build_schema(services: Services, max_page_size: usize) -> DubanSchema {
    bounded(services, max_page_size, false).finish()
}

/// The schema for callers without a valid token: the same limits, no introspection and
/// no "did you mean" suggestions.
pub fn build_anonymous_schema(services: Services, max_page_size: usize) -> DubanSchema {
    bounded(services, max_page_size, true)
        .disable_introspection()
        .disable_suggestions()
        .finish()
}

async fn command(
    ctx: &Context<'_>,
    id: ID,
    expected_version: i32,
    cmd: duban_api::AssignmentCommand,
) -> async_graphql::Result<AssignmentPayload> {
    let a = actor(ctx)?;
    let s = services(ctx)?;
    let v = s
        .assignments
        .command(a, &id, version(expected_version), cmd)
        .await
        .gql()?;
    payload(ctx, s, v).await
}

/// The payload of an assignment mutation: the changed item, with its color when asked.
async fn payload(
    ctx: &Context<'_>,
    s: &Services,
    v: duban_api::AssignmentView,
) -> async_graphql::Result<AssignmentPayload> {
    let item = ctx.look_ahead().field("assignment");
    let wants = selects(std::slice::from_ref(&item), &COLOR);
    let v = if selects(std::slice::from_ref(&item), &HISTORY) {
        // Commands answer without the item's history; read it when the client asks.
        // After a transfer the caller may no longer see the item: answer as the command did.
        // The command has committed by then, so no error of this read fails the request.
        match s
            .assignments
            .assignment(actor(ctx)?, &v.assignment.id)
            .await
        {
            Ok(read) => read,
            Err(ApiError::NotFound { .. } | ApiError::Forbidden(_)) => v,
            Err(e) => {
                tracing::warn!(id = %v.assignment.id, error = %e, "re-reading an item after a command failed; answered without its history");
                v
            }
        }
    } else {
        v
    };
    Ok(AssignmentPayload {
        assignment: with_color(s, v, wants).await?,
    })
}

/// The item with its color from evaluation, looked up only when `wanted`.
async fn with_color(
    s: &Services,
    v: duban_api::AssignmentView,
    wanted: bool,
) -> async_graphql::Result<Assignment> {
    if !wanted {
        return Ok(Assignment::new(v, None));
    }
    let mut colors = s
        .evaluation
        .colors(std::slice::from_ref(&v.assignment.id))
        .await
        .gql()?;
    let c = colors.remove(&v.assignment.id);
    Ok(Assignment::new(v, c))
}

/// Read side.
#[derive(Default)]
pub struct QueryRoot;

#[Object]
impl QueryRoot {
    /// The signed-in caller.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Me> {
        let a = actor(ctx)?;
        Ok(Me {
            person_id: ID(a.person_id.clone()),
            name: a.name.clone(),
            unit_id: ID(a.unit_id.clone()),
            unit_path: a.unit_path.clone(),
            scope: a.scope.clone(),
            roles: a.roles.iter().copied().map(Into::into).collect(),
        })
    }

    /// Every day of `year` on the working calendar: weekends, the State Council's
    /// holidays and make-up workdays, and the county's own changes.
    async fn work_calendar(
        &self,
        ctx: &Context<'_>,
        year: i32,
    ) -> async_graphql::Result<Vec<CalendarDay>> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .assignments
            .work_calendar(a, year)
            .await
            .gql()?
            .into_iter()
            .map(|d| CalendarDay {
                date: Date(d.date),
                workday: d.workday,
                holiday: d.holiday,
                makeup_for: d.makeup_for,
            })
            .collect())
    }

    /// The `days`th working day after `from`: a time limit's last day, to preview it.
    async fn add_working_days(
        &self,
        ctx: &Context<'_>,
        from: Date,
        days: i32,
    ) -> async_graphql::Result<Date> {
        let a = actor(ctx)?;
        Ok(Date(
            services(ctx)?
                .assignments
                .add_working_days(a, from.0, days)
                .await
                .gql()?,
        ))
    }

    /// Units in the caller's scope and above it, ordered by path.
    async fn org_units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrgUnit>> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .assignments
            .org_units(a)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// One person in the caller's scope.
    async fn person(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Person> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .assignments
            .person(a, &id)
            .await
            .gql()?
            .into())
    }

    /// Campaigns covering the caller.
    async fn campaigns(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Campaign>> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .assignments
            .campaigns(a)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// One assignment in the caller's scope.
    async fn assignment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Assignment> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let wanted = selects(&[ctx.look_ahead()], &COLOR);
        with_color(s, s.assignments.assignment(a, &id).await.gql()?, wanted).await
    }

    /// Assignments in the caller's scope, by time limit then id. At most 100 a page.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn assignments(
        &self,
        ctx: &Context<'_>,
        filter: Option<AssignmentFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Assignment, Totals, EmptyFields>> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let filter = filter.unwrap_or_default();
        let ids = match filter.color {
            Some(c) => Some(s.evaluation.ids_with_color(a, c.into()).await.gql()?),
            None => None,
        };
        let f = duban_api::AssignmentFilter {
            scope: filter.scope.map(|i| i.0),
            states: filter
                .states
                .map(|v| v.into_iter().map(Into::into).collect()),
            ids,
            text: filter.text,
            due_from: filter.due_from.map(|d| d.0),
            due_to: filter.due_to.map(|d| d.0),
            responsible_person_id: filter.responsible_person_id.map(|i| i.0),
            campaign_id: filter.campaign_id.map(|i| i.0),
            category: filter.category,
            cooperating_unit_id: filter.cooperating_unit_id.map(|i| i.0),
            sort: filter.sort.into(),
        };
        let result = s
            .assignments
            .assignments(a, f, page(ctx, first, after)?)
            .await
            .gql()?;
        let ids: Vec<String> = result
            .items
            .iter()
            .map(|(_, v)| v.assignment.id.clone())
            .collect();
        let node = ctx.look_ahead().field("edges").field("node");
        let nodes = ctx.look_ahead().field("nodes");
        let wanted = selects(&[node, nodes], &COLOR);
        let mut colors = if wanted {
            s.evaluation.colors(&ids).await.gql()?
        } else {
            Default::default()
        };
        let mut conn = Connection::with_additional_fields(
            result.has_previous_page,
            result.has_next_page,
            Totals {
                total_count: result.total_count as i32,
            },
        );
        conn.edges
            .extend(result.items.into_iter().map(|(cursor, v)| {
                let c = colors.remove(&v.assignment.id);
                Edge::new(cursor, Assignment::new(v, c))
            }));
        Ok(conn)
    }

    /// The caller's notices, newest first. At most 100 a page.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn my_notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] unread_only: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Notification, Totals, EmptyFields>> {
        let a = actor(ctx)?;
        let p = services(ctx)?
            .notifications
            .my_notifications(a, unread_only, page(ctx, first, after)?)
            .await
            .gql()?;
        let mut conn = Connection::with_additional_fields(
            p.has_previous_page,
            p.has_next_page,
            Totals {
                total_count: p.total_count as i32,
            },
        );
        conn.edges
            .extend(p.items.into_iter().map(|(c, v)| Edge::new(c, v.into())));
        Ok(conn)
    }

    /// The audit log in the caller's scope, oldest first (DISCIPLINE and ADMIN). At most 100 a page.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn audit_entries(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuditEntry, Totals, EmptyFields>> {
        let a = actor(ctx)?;
        if !a.has_any(&[AuthRole::Discipline, AuthRole::Admin]) {
            return Err(forbidden("只有纪检监察人员可以查阅审计日志"));
        }
        let filter = filter.unwrap_or_default();
        let scope_path = match filter.scope {
            Some(unit) => Some(
                services(ctx)?
                    .assignments
                    .org_unit(a, &unit)
                    .await
                    .gql()?
                    .path,
            ),
            None => None,
        };
        let f = duban_api::AuditFilter {
            aggregate_id: filter.aggregate_id.map(|i| i.0),
            correlation_id: filter.correlation_id.map(|i| i.0),
            actor: filter.actor.map(|i| i.0),
            scope_path,
            from: filter.from.map(|d| d.0),
            to: filter.to.map(|d| d.0),
        };
        let p = services(ctx)?
            .audit
            .entries(a, f, page(ctx, first, after)?)
            .await
            .gql()?;
        let mut conn = Connection::with_additional_fields(
            p.has_previous_page,
            p.has_next_page,
            Totals {
                total_count: p.total_count as i32,
            },
        );
        conn.edges
            .extend(p.items.into_iter().map(|(c, v)| Edge::new(c, v.into())));
        Ok(conn)
    }
}

/// Audit proofs for discipline commissions.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The latest signed checkpoint of the audit log (signed now if the log grew). DISCIPLINE and ADMIN.
    async fn audit_checkpoint(&self, ctx: &Context<'_>) -> async_graphql::Result<Checkpoint> {
        let a = actor(ctx)?;
        Ok(services(ctx)?.audit.checkpoint(a).await.gql()?.into())
    }

    /// Proof that an event is in the log, at `treeSize` (default: the latest checkpoint).
    async fn audit_inclusion_proof(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        tree_size: Option<i32>,
    ) -> async_graphql::Result<InclusionProof> {
        let a = actor(ctx)?;
        let size = tree_size.map(|s| s.max(0) as u64);
        Ok(services(ctx)?
            .audit
            .inclusion_proof(a, &event_id, size)
            .await
            .gql()?
            .into())
    }

    /// Proof that the log of `toSize` (default: latest) extends the log of `fromSize`.
    async fn audit_consistency_proof(
        &self,
        ctx: &Context<'_>,
        from_size: i32,
        to_size: Option<i32>,
    ) -> async_graphql::Result<ConsistencyProof> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .audit
            .consistency_proof(a, from_size.max(0) as u64, to_size.map(|s| s.max(0) as u64))
            .await
            .gql()?
            .into())
    }

    /// The verifier key of the checkpoints (C2SP signed-note format), to keep beside them.
    async fn audit_verifier_key(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        actor(ctx)?;
        services(ctx)?.audit.verifier_key().await.gql()
    }
}

/// Write side: one mutation per transition.
#[derive(Default)]
pub struct MutationRoot;

#[Object]
impl MutationRoot {
    /// 交办: a supervisor issues an assignment to a lead unit with a time limit in working days.
    async fn issue_assignment(
        &self,
        ctx: &Context<'_>,
        input: IssueAssignmentInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let v = s
            .assignments
            .issue_assignment(
                a,
                duban_api::IssueAssignmentInput {
                    title: input.title,
                    description: input.description,
                    source: input.source.into(),
                    source_text: input.source_text,
                    lead_unit_id: input.lead_unit_id.0,
                    responsible_person_id: input.responsible_person_id.map(|i| i.0),
                    time_limit_days: input.time_limit_days,
                    due_on: input.due_on.map(|d| d.0),
                    urgency: input.urgency.into(),
                    cooperating_unit_ids: input
                        .cooperating_unit_ids
                        .into_iter()
                        .map(|i| i.0)
                        .collect(),
                    ack_time_limit_days: input.ack_time_limit_days,
                    campaign_id: input.campaign_id.map(|i| i.0),
                    category: input.category,
                    problem_id: input.problem_id.map(|i| i.0),
                },
            )
            .await
            .gql()?;
        payload(ctx, s, v).await
    }

    /// 签收: the lead unit signs for an issued item.
    async fn acknowledge_assignment(
        &self,
        ctx: &Context<'_>,
        input: AssignmentVersionInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let v = s
            .assignments
            .acknowledge_assignment(
                a,
                duban_api::TransitionInput {
                    id: input.id.0,
                    expected_version: version(input.expected_version),
                },
            )
            .await
            .gql()?;
        payload(ctx, s, v).await
    }

    /// 进度报送: the lead unit reports progress.
    async fn report_progress(
        &self,
        ctx: &Context<'_>,
        input: ReportProgressInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let v = s
            .assignments
            .report_progress(
                a,
                duban_api::ReportProgressInput {
                    id: input.id.0,
                    expected_version: version(input.expected_version),
                    percent: input.percent,
                    text: input.text,
                    evidence: input.evidence,
                },
            )
            .await
            .gql()?;
        payload(ctx, s, v).await
    }

    /// 办结: the lead unit reports the item done, for verification.
    async fn complete_assignment(
        &self,
        ctx: &Context<'_>,
        input: CompleteAssignmentInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let v = s
            .assignments
            .complete_assignment(
                a,
                duban_api::TextTransitionInput {
                    id: input.id.0,
                    expected_version: version(input.expected_version),
                    text: input.result,
                },
            )
            .await
            .gql()?;
        payload(ctx, s, v).await
    }

    /// 审核销号: the supervisor accepts the result and closes the item.
    async fn verify_assignment(
        &self,
        ctx: &Context<'_>,
        input: AssignmentVersionInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let v = s
            .assignments
            .verify_assignment(
                a,
                duban_api::TransitionInput {
                    id: input.id.0,
                    expected_version: version(input.expected_version),
                },
            )
            .await
            .gql()?;
        payload(ctx, s, v).await
    }

    /// 退回: the supervisor sends a completed item back with a reason.
    async fn return_assignment(
        &self,
        ctx: &Context<'_>,
        input: ReturnAssignmentInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let v = s
            .assignments
            .return_assignment(
                a,
                duban_api::TextTransitionInput {
                    id: input.id.0,
                    expected_version: version(input.expected_version),
                    text: input.reason,
                },
            )
            .await
            .gql()?;
        payload(ctx, s, v).await
    }

    /// 撤销: the supervisor withdraws an item that is not closed.
    async fn cancel_assignment(
        &self,
        ctx: &Context<'_>,
        input: AssignmentReasonInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        command(
            ctx,
            input.id,
            input.expected_version,
            duban_api::AssignmentCommand::Cancel {
                reason: input.reason,
            },
        )
        .await
    }

    /// 重新打开: a follow-up review (回头看) reopens a closed item.
    async fn reopen_assignment(
        &self,
        ctx: &Context<'_>,
        input: ReopenAssignmentInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        command(
            ctx,
            input.id,
            input.expected_version,
            duban_api::AssignmentCommand::Reopen {
                reason: input.reason,
                time_limit_days: input.time_limit_days,
                due_on: input.due_on.map(|d| d.0),
            },
        )
        .await
    }

    /// 中止: the item's clock stops, e.g. while another authority decides.
    async fn suspend_assignment(
        &self,
        ctx: &Context<'_>,
        input: AssignmentReasonInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        command(
            ctx,
            input.id,
            input.expected_version,
            duban_api::AssignmentCommand::Suspend {
                reason: input.reason,
            },
        )
        .await
    }

    /// 恢复: the clock runs again; the time limit moves by the working days suspended.
    async fn resume_assignment(
        &self,
        ctx: &Context<'_>,
        input: AssignmentVersionInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        command(
            ctx,
            input.id,
            input.expected_version,
            duban_api::AssignmentCommand::Resume,
        )
        .await
    }

    /// 申请延期: the lead unit asks for more working days; the issuer decides.
    async fn request_extension(
        &self,
        ctx: &Context<'_>,
        input: RequestExtensionInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let cmd = duban_api::AssignmentCommand::RequestExtension {
            days: input.days,
            reason: input.reason,
        };
        command(ctx, input.id, input.expected_version, cmd).await
    }

    /// 审批延期: the issuer grants (the time limit moves, the count is kept) or refuses.
    async fn decide_extension(
        &self,
        ctx: &Context<'_>,
        input: DecideExtensionInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let cmd = duban_api::AssignmentCommand::DecideExtension {
            approve: input.approve,
            note: input.note,
        };
        command(ctx, input.id, input.expected_version, cmd).await
    }

    /// 申请转办: the lead unit asks the issuer to hand the item to another unit.
    async fn request_transfer(
        &self,
        ctx: &Context<'_>,
        input: RequestTransferInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let cmd = duban_api::AssignmentCommand::RequestTransfer {
            to_unit_id: input.to_unit_id.0,
            reason: input.reason,
        };
        command(ctx, input.id, input.expected_version, cmd).await
    }

    /// 审批转办: when approved the item goes to the new lead unit; the chain is kept and two
    /// or more transfers flag it as passing the buck (推诿).
    async fn decide_transfer(
        &self,
        ctx: &Context<'_>,
        input: DecideTransferInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let cmd = duban_api::AssignmentCommand::DecideTransfer {
            approve: input.approve,
        };
        command(ctx, input.id, input.expected_version, cmd).await
    }

    /// 回退: a lead unit that is not the right one sends the item back within 2 working days (首问负责).
    async fn return_to_issuer(
        &self,
        ctx: &Context<'_>,
        input: AssignmentReasonInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let cmd = duban_api::AssignmentCommand::ReturnToIssuer {
            reason: input.reason,
        };
        command(ctx, input.id, input.expected_version, cmd).await
    }

    /// 重新确定承办单位: after a 回退, the issuer (or a supervisor above the issuer's unit)
    /// names the right lead unit and a new time limit; the old unit can no longer act on it.
    async fn reassign_assignment(
        &self,
        ctx: &Context<'_>,
        input: ReassignAssignmentInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let cmd = duban_api::AssignmentCommand::Reassign {
            lead_unit_id: input.lead_unit_id.0,
            reason: input.reason,
            time_limit_days: input.time_limit_days,
            due_on: input.due_on.map(|d| d.0),
        };
        command(ctx, input.id, input.expected_version, cmd).await
    }

    /// 催办 → 督办 → 挂牌督办: the supervisor presses harder.
    async fn raise_supervision(
        &self,
        ctx: &Context<'_>,
        input: RaiseSupervisionInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        command(
            ctx,
            input.id,
            input.expected_version,
            duban_api::AssignmentCommand::RaiseSupervision {
                level: input.level.into(),
            },
        )
        .await
    }

    /// 更换责任人: a supervisor names another person of the lead unit to answer for the item.
    async fn change_responsible_person(
        &self,
        ctx: &Context<'_>,
        input: ChangeResponsiblePersonInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        command(
            ctx,
            input.id,
            input.expected_version,
            duban_api::AssignmentCommand::ChangeResponsible {
                person_id: input.person_id.0,
                reason: input.reason,
            },
        )
        .await
    }

    /// 部署专项整治: a campaign with ordered phases over a unit's subtree (SUPERVISOR or ADMIN).
    async fn launch_campaign(
        &self,
        ctx: &Context<'_>,
        input: LaunchCampaignInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let a = actor(ctx)?;
        let c = services(ctx)?
            .assignments
            .launch_campaign_as(
                a,
                duban_api::LaunchCampaignInput {
                    name: input.name,
                    document_number: input.document_number,
                    scope_unit_id: input.scope_unit_id.0,
                    phases: input
                        .phases
                        .into_iter()
                        .map(|p| duban_api::PhaseInput {
                            name: p.name,
                            starts_on: p.starts_on.0,
                            ends_on: p.ends_on.0,
                        })
                        .collect(),
                    categories: input.categories,
                    report_deadlines: input
                        .report_deadlines
                        .into_iter()
                        .map(|r| duban_schema::assignments::ReportDeadlineSnapshot {
                            name: r.name,
                            due_on: r.due_on.0,
                        })
                        .collect(),
                },
            )
            .await
            .gql()?;
        Ok(CampaignPayload { campaign: c.into() })
    }

    /// Adds a unit to the directory (ADMIN); counties and townships carry their division code.
    async fn register_org_unit(
        &self,
        ctx: &Context<'_>,
        input: RegisterOrgUnitInput,
    ) -> async_graphql::Result<OrgUnitPayload> {
        let a = actor(ctx)?;
        let u = services(ctx)?
            .assignments
            .register_org_unit(
                a,
                duban_api::RegisterOrgUnitInput {
                    id: input.id.map(|i| i.0),
                    parent_id: input.parent_id.map(|i| i.0),
                    kind: input.kind.into(),
                    name: input.name,
                    division_code: input.division_code,
                },
            )
            .await
            .gql()?;
        Ok(OrgUnitPayload { org_unit: u.into() })
    }

    /// Adds a person to the directory (ADMIN).
    async fn register_person(
        &self,
        ctx: &Context<'_>,
        input: RegisterPersonInput,
    ) -> async_graphql::Result<PersonPayload> {
        let a = actor(ctx)?;
        let p = services(ctx)?
            .assignments
            .register_person_as(
                a,
                duban_api::RegisterPersonInput {
                    account: input.account,
                    name: input.name,
                    title: input.title,
                    unit_id: input.unit_id.0,
                    roles: input.roles.into_iter().map(Into::into).collect(),
                },
            )
            .await
            .gql()?;
        Ok(PersonPayload { person: p.into() })
    }

    /// Changes one day of the county's working calendar (ADMIN); every open time limit
    /// measured on it is recomputed and records why it moved.
    async fn set_calendar_day(
        &self,
        ctx: &Context<'_>,
        input: SetCalendarDayInput,
    ) -> async_graphql::Result<SetCalendarDayPayload> {
        let a = actor(ctx)?;
        let r = services(ctx)?
            .assignments
            .set_calendar_day(
                a,
                duban_api::SetCalendarDayInput {
                    date: input.date.0,
                    workday: input.workday,
                    name: input.name,
                    reason: input.reason,
                },
            )
            .await
            .gql()?;
        Ok(SetCalendarDayPayload {
            day: CalendarDay {
                date: Date(r.day.date),
                workday: r.day.workday,
                holiday: r.day.holiday,
                makeup_for: r.day.makeup_for,
            },
            moved_assignments: r.moved as i32,
        })
    }

    /// Marks one of the caller's notices read.
    async fn mark_notification_read(
        &self,
        ctx: &Context<'_>,
        input: MarkNotificationReadInput,
    ) -> async_graphql::Result<NotificationPayload> {
        let a = actor(ctx)?;
        let v = services(ctx)?
            .notifications
            .mark_read(a, &input.id)
            .await
            .gql()?;
        Ok(NotificationPayload {
            notification: v.into(),
        })
    }
}

/// How often an open subscription asks the directory whether its caller is still signed in.
const REAUTHENTICATE: std::time::Duration = std::time::Duration::from_secs(2);

/// Live updates over `graphql-transport-ws` at `/graphql/ws`.
pub struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    /// Each new notice for the caller, as it arrives.
    async fn notification_received(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = Notification>> {
        let a = actor(ctx)?;
        let subject = ctx.data::<duban_auth::Subject>()?.clone();
        let services = services(ctx)?;
        let directory = services.assignments.clone();
        // The stream ends once the directory no longer knows the caller as signed in
        // (deactivated, revoked), checked every REAUTHENTICATE.
        let revoked = async move {
            loop {
                tokio::time::sleep(REAUTHENTICATE).await;
                if let Err(ApiError::Unauthenticated(_)) = directory.authenticate(&subject).await {
                    return;
                }
            }
        };
        Ok(services
            .notifications
            .watch(&a.person_id)
            .map(Notification::from)
            .take_until(Box::pin(revoked)))
    }
}

/// The schema in SDL, as exported to `schema/duban.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), SubscriptionRoot)
        .finish()
        .sdl()
}
