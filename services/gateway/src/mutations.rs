//! Mutations on assignments, campaigns, the calendar and the directory: each one checks its input,
//! calls one service and answers with the changed item.

use crate::error::ApiResultExt;
use crate::resolve::*;
use crate::types::*;
use async_graphql::{Context, Object, ID};

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

/// Write side: one mutation per transition.
#[derive(Default)]
pub struct MutationRoot;

#[Object]
impl MutationRoot {
    /// 交办: a supervisor issues an assignment to a lead unit with a time limit in working days.
    async fn issue_assignment(
        &self,
        ctx: &Context<'_>,
        input: duban_api::IssueAssignmentInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let v = s.assignments.issue_assignment(a, input).await.gql()?;
        issued_payload(ctx, s, v).await
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
        input: duban_api::ReportProgressInput,
    ) -> async_graphql::Result<AssignmentPayload> {
        let a = actor(ctx)?;
        let s = services(ctx)?;
        let v = s.assignments.report_progress(a, input).await.gql()?;
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
            duban_api::AssignmentCommand::RaiseSupervision { level: input.level },
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
        input: duban_api::LaunchCampaignInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let a = actor(ctx)?;
        let c = services(ctx)?
            .assignments
            .launch_campaign_as(a, input)
            .await
            .gql()?;
        Ok(CampaignPayload { campaign: c })
    }

    /// Adds a unit to the directory (ADMIN); counties and townships carry their division code.
    async fn register_org_unit(
        &self,
        ctx: &Context<'_>,
        input: duban_api::RegisterOrgUnitInput,
    ) -> async_graphql::Result<OrgUnitPayload> {
        let a = actor(ctx)?;
        let u = services(ctx)?
            .assignments
            .register_org_unit(a, input)
            .await
            .gql()?;
        Ok(OrgUnitPayload { org_unit: u })
    }

    /// Adds a person to the directory (ADMIN).
    async fn register_person(
        &self,
        ctx: &Context<'_>,
        input: duban_api::RegisterPersonInput,
    ) -> async_graphql::Result<PersonPayload> {
        let a = actor(ctx)?;
        let p = services(ctx)?
            .assignments
            .register_person_as(a, input)
            .await
            .gql()?;
        Ok(PersonPayload { person: p })
    }

    /// Changes one day of the county's working calendar (ADMIN); every open time limit
    /// measured on it is recomputed and records why it moved.
    async fn set_calendar_day(
        &self,
        ctx: &Context<'_>,
        input: duban_api::SetCalendarDayInput,
    ) -> async_graphql::Result<SetCalendarDayPayload> {
        let a = actor(ctx)?;
        let r = services(ctx)?
            .assignments
            .set_calendar_day(a, input)
            .await
            .gql()?;
        Ok(SetCalendarDayPayload {
            day: r.day,
            moved_assignments: r.moved as i32,
        })
    }

    /// 回复签收: acknowledges one of the caller's notices that asks for it (事事有回音);
    /// the sender sees when. Also marks it read.
    async fn acknowledge_notification(
        &self,
        ctx: &Context<'_>,
        input: MarkNotificationReadInput,
    ) -> async_graphql::Result<NotificationPayload> {
        let a = actor(ctx)?;
        let v = services(ctx)?
            .notifications
            .acknowledge(a, &input.id)
            .await
            .gql()?;
        Ok(NotificationPayload { notification: v })
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
        Ok(NotificationPayload { notification: v })
    }
}
