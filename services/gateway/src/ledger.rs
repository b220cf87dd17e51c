//! The problem ledger, recurring duties and directory upkeep in GraphQL: their types,
//! queries and one mutation per transition.

use crate::error::ApiResultExt;
use crate::resolve::{actor, page, services, version};
use crate::types::{connection, Date, OrgUnitPayload, PersonPayload, Totals};
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject, ID};
use duban_api::{ApiError, ProblemCommand, ProblemView};
use duban_schema::assignments::{self as ev, DutyRuleSnapshot};
use duban_schema::duty::RecurrenceKind;

/// A problem in a unit's ledger (问题清单台账).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Problem {
    /// What the assignments service answers of it.
    #[graphql(flatten)]
    pub view: ProblemView,
}

impl From<ProblemView> for Problem {
    fn from(view: ProblemView) -> Self {
        Self { view }
    }
}

#[ComplexObject]
impl Problem {
    /// Chinese label of the state, e.g. 整改中.
    async fn state_label(&self) -> &'static str {
        self.view.problem.state.label()
    }
    /// Chinese label of the source, e.g. 群众提.
    async fn source_label(&self) -> &'static str {
        self.view.problem.source.label()
    }
}

/// Input of `requestProblemCloseOut`.
#[derive(InputObject)]
pub struct RequestProblemCloseOutInput {
    /// Problem id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// 整改情况.
    pub summary: String,
    /// Evidence references, at least one.
    pub evidence: Vec<String>,
}

/// Input of `closeProblem`.
#[derive(InputObject)]
pub struct ProblemVersionInput {
    /// Problem id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
}

/// Input of `reopenProblem` (回头看): what the review found and a new 整改时限, in working
/// days from today or as a last day (exactly one).
#[derive(InputObject)]
pub struct ReopenProblemInput {
    /// Problem id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// What the follow-up review found.
    pub reason: String,
    /// New time limit in working days from today (1–365).
    pub time_limit_days: Option<i32>,
    /// Or the new last day.
    pub due_on: Option<Date>,
}

/// Input of `returnProblem`.
#[derive(InputObject)]
pub struct ProblemReasonInput {
    /// Problem id.
    pub id: ID,
    /// The version the caller last saw.
    pub expected_version: i32,
    /// Why, or what the follow-up review found.
    pub reason: String,
}

/// Result of a ledger mutation.
#[derive(SimpleObject)]
pub struct ProblemPayload {
    /// The problem after the change.
    pub problem: Problem,
}

/// When a duty falls due, as given.
#[derive(InputObject)]
pub struct RecurrenceInput {
    /// Weekly, monthly or every working day.
    pub kind: RecurrenceKind,
    /// For WEEKLY: 1 (Monday) to 7 (Sunday).
    pub weekday: Option<i32>,
    /// For MONTHLY: day of the month, 1–31 (clamped to the month's end).
    pub day: Option<i32>,
    /// For MONTHLY: interval in months (1 by default).
    pub every_months: Option<i32>,
}

impl RecurrenceInput {
    fn to_rule(&self) -> Result<ev::Recurrence, ApiError> {
        let n = |v: Option<i32>, field: &str, what: &str| {
            v.map(|x| x.max(0) as u32)
                .ok_or_else(|| ApiError::validation(field, format!("请填写{what}")))
        };
        Ok(match self.kind {
            RecurrenceKind::Weekly => ev::Recurrence::Weekly {
                weekday: n(self.weekday, "recurrence.weekday", "星期几")?,
            },
            RecurrenceKind::Monthly => ev::Recurrence::Monthly {
                day: n(self.day, "recurrence.day", "每月几日")?,
                every_months: n(
                    self.every_months.or(Some(1)),
                    "recurrence.everyMonths",
                    "间隔月数",
                )?,
            },
            RecurrenceKind::WorkingDays => ev::Recurrence::WorkingDays,
        })
    }
}

/// Input of `createDutyRule`.
#[derive(InputObject)]
pub struct CreateDutyRuleInput {
    /// Title of each assignment, e.g. 本周工作总结及下周计划.
    pub title: String,
    /// What is to be done.
    #[graphql(default)]
    pub description: String,
    /// When it falls due.
    pub recurrence: RecurrenceInput,
    /// Unit that carries it out.
    pub unit_id: ID,
    /// A person who carries it out; the unit's leader by default.
    pub person_id: Option<ID>,
    /// Working days from the day it falls due to its time limit (0: that day).
    #[graphql(default)]
    pub time_limit_days: i32,
    /// Move days on rest days to the next working day.
    #[graphql(default = true)]
    pub working_days_only: bool,
    /// First day; today by default.
    pub starts_on: Option<Date>,
}

/// Result of `createDutyRule`.
#[derive(SimpleObject)]
pub struct DutyRulePayload {
    /// The rule.
    pub rule: DutyRuleSnapshot,
}

/// Ledger and duty queries.
#[derive(Default)]
pub struct LedgerQuery;

#[Object]
impl LedgerQuery {
    /// One ledger problem in the caller's scope.
    async fn problem(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Problem> {
        let a = actor(ctx)?;
        Ok(services(ctx)?
            .assignments
            .problem(a, &id)
            .await
            .gql()?
            .into())
    }

    /// The problem ledger in the caller's scope, by time limit then id. At most 100 a page.
    #[graphql(complexity = "crate::resolve::page_cost(first, child_complexity)")]
    async fn problems(
        &self,
        ctx: &Context<'_>,
        filter: Option<duban_api::ProblemFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Problem, Totals, EmptyFields>> {
        let a = actor(ctx)?;
        let result = services(ctx)?
            .assignments
            .problems(a, filter.unwrap_or_default(), page(ctx, first, after)?)
            .await
            .gql()?;
        Ok(connection(result, Problem::from))
    }

    /// Recurring duties of units in the caller's scope.
    async fn duty_rules(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DutyRuleSnapshot>> {
        let a = actor(ctx)?;
        services(ctx)?.assignments.duty_rules(a).await.gql()
    }
}

async fn problem_command(
    ctx: &Context<'_>,
    id: ID,
    expected_version: i32,
    cmd: ProblemCommand,
) -> async_graphql::Result<ProblemPayload> {
    let a = actor(ctx)?;
    let v = services(ctx)?
        .assignments
        .problem_command(a, &id, version(expected_version), cmd)
        .await
        .gql()?;
    Ok(ProblemPayload { problem: v.into() })
}

/// Ledger, duty and directory mutations.
#[derive(Default)]
pub struct LedgerMutation;

#[Object]
impl LedgerMutation {
    /// 登记: enters a problem in a unit's ledger (supervisor, or the unit's own staff);
    /// rectification starts.
    async fn register_problem(
        &self,
        ctx: &Context<'_>,
        input: duban_api::RegisterProblemInput,
    ) -> async_graphql::Result<ProblemPayload> {
        let a = actor(ctx)?;
        let v = services(ctx)?
            .assignments
            .register_problem(a, input)
            .await
            .gql()?;
        Ok(ProblemPayload { problem: v.into() })
    }

    /// 申请销号: the unit reports the rectification done, with evidence.
    async fn request_problem_close_out(
        &self,
        ctx: &Context<'_>,
        input: RequestProblemCloseOutInput,
    ) -> async_graphql::Result<ProblemPayload> {
        let cmd = ProblemCommand::RequestCloseOut {
            summary: input.summary,
            evidence: input.evidence,
        };
        problem_command(ctx, input.id, input.expected_version, cmd).await
    }

    /// 销号: a supervisor accepts the rectification.
    async fn close_problem(
        &self,
        ctx: &Context<'_>,
        input: ProblemVersionInput,
    ) -> async_graphql::Result<ProblemPayload> {
        problem_command(ctx, input.id, input.expected_version, ProblemCommand::Close).await
    }

    /// 退回: a supervisor refuses the close-out, with the reason.
    async fn return_problem(
        &self,
        ctx: &Context<'_>,
        input: ProblemReasonInput,
    ) -> async_graphql::Result<ProblemPayload> {
        let cmd = ProblemCommand::Return {
            reason: input.reason,
        };
        problem_command(ctx, input.id, input.expected_version, cmd).await
    }

    /// 回头看: a supervisor reopens a closed problem that has come back.
    async fn reopen_problem(
        &self,
        ctx: &Context<'_>,
        input: ReopenProblemInput,
    ) -> async_graphql::Result<ProblemPayload> {
        let cmd = ProblemCommand::Reopen {
            reason: input.reason,
            time_limit_days: input.time_limit_days,
            due_on: input.due_on.map(|d| d.0),
        };
        problem_command(ctx, input.id, input.expected_version, cmd).await
    }

    /// Makes a recurring duty (SUPERVISOR, or a unit leader for their own unit).
    async fn create_duty_rule(
        &self,
        ctx: &Context<'_>,
        input: CreateDutyRuleInput,
    ) -> async_graphql::Result<DutyRulePayload> {
        let a = actor(ctx)?;
        let recurrence = input.recurrence.to_rule().gql()?;
        let rule = services(ctx)?
            .assignments
            .create_duty_rule(
                a,
                duban_api::CreateDutyRuleInput {
                    title: input.title,
                    description: input.description,
                    recurrence,
                    unit_id: input.unit_id.0,
                    person_id: input.person_id.map(|i| i.0),
                    time_limit_days: input.time_limit_days,
                    working_days_only: input.working_days_only,
                    starts_on: input.starts_on.map(|d| d.0),
                },
            )
            .await
            .gql()?;
        Ok(DutyRulePayload { rule })
    }

    /// Renames a unit or corrects its 统计用区划代码 (ADMIN).
    async fn update_org_unit(
        &self,
        ctx: &Context<'_>,
        input: duban_api::UpdateOrgUnitInput,
    ) -> async_graphql::Result<OrgUnitPayload> {
        let a = actor(ctx)?;
        let unit = services(ctx)?
            .assignments
            .update_org_unit(a, input)
            .await
            .gql()?;
        Ok(OrgUnitPayload { org_unit: unit })
    }

    /// Changes a person's title, unit, roles or 分管领导, or marks them as having left (ADMIN).
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        input: duban_api::UpdatePersonInput,
    ) -> async_graphql::Result<PersonPayload> {
        let a = actor(ctx)?;
        let p = services(ctx)?
            .assignments
            .update_person(a, input)
            .await
            .gql()?;
        Ok(PersonPayload { person: p })
    }
}
