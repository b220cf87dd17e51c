//! m0008: the problem ledger, its history and duty rules.

use super::*;
use sea_orm_migration::schema::{big_integer, boolean, date, integer, string, text};

/// The problem ledger, recurring duties, and the assignment fields of a full 交办单
/// (urgency, cooperating units, acknowledgement time limit, campaign and category).
pub(super) struct AddLedger;

impl MigrationName for AddLedger {
    fn name(&self) -> &str {
        "m0008_ledger"
    }
}

#[derive(DeriveIden)]
enum Problem {
    Table,
    Id,
    CampaignId,
    Category,
    Source,
    Description,
    CauseAnalysis,
    Measures,
    UnitId,
    UnitPath,
    UnitName,
    ResponsiblePersonId,
    ResponsibleLeaderId,
    RegisteredBy,
    RegisteredAt,
    DueOn,
    State,
    Version,
    ReturnCount,
    ReopenCount,
}

#[derive(DeriveIden)]
enum ProblemLog {
    Table,
    Id,
    ProblemId,
    Action,
    Text,
    Evidence,
    Actor,
    At,
}

#[derive(DeriveIden)]
enum DutyRule {
    Table,
    Id,
    Title,
    Description,
    Recurrence,
    UnitId,
    UnitPath,
    PersonId,
    TimeLimitDays,
    WorkingDaysOnly,
    StartsOn,
    CreatedBy,
    NextOn,
}

#[async_trait::async_trait]
impl MigrationTrait for AddLedger {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let opt = |name: &str| ColumnDef::new(Alias::new(name)).string().to_owned();
        add_columns(
            m,
            vec![
                string(Alias::new("urgency")).default("NORMAL").to_owned(),
                text(Alias::new("cooperating_unit_ids"))
                    .default("[]")
                    .to_owned(),
                ColumnDef::new(Alias::new("ack_due_on")).date().to_owned(),
                opt("campaign_id"),
                opt("category"),
                opt("problem_id"),
                opt("duty_id"),
            ],
        )
        .await?;
        add_columns_to(
            m,
            "progress_report",
            vec![text(Alias::new("evidence")).default("[]").to_owned()],
        )
        .await?;
        add_columns_to(
            m,
            "person",
            vec![
                opt("supervising_leader_id"),
                boolean(Alias::new("deactivated")).default(false).to_owned(),
            ],
        )
        .await?;
        add_columns_to(
            m,
            "campaign",
            vec![
                integer(Alias::new("announced_phase")).default(0).to_owned(),
                text(Alias::new("report_deadlines"))
                    .default("[]")
                    .to_owned(),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Problem::Table)
                .col(id(Problem::Id))
                .col(ColumnDef::new(Problem::CampaignId).string())
                .col(string(Problem::Category))
                .col(string(Problem::Source))
                .col(text(Problem::Description))
                .col(text(Problem::CauseAnalysis))
                .col(text(Problem::Measures))
                .col(string(Problem::UnitId))
                .col(string(Problem::UnitPath))
                .col(string(Problem::UnitName))
                .col(string(Problem::ResponsiblePersonId))
                .col(ColumnDef::new(Problem::ResponsibleLeaderId).string())
                .col(string(Problem::RegisteredBy))
                .col(ts(Problem::RegisteredAt).not_null().to_owned())
                .col(date(Problem::DueOn))
                .col(string(Problem::State))
                .col(big_integer(Problem::Version))
                .col(integer(Problem::ReturnCount))
                .col(integer(Problem::ReopenCount))
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_problem_unit_due",
            Problem::Table,
            [Problem::UnitPath, Problem::DueOn],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(ProblemLog::Table)
                .col(id(ProblemLog::Id))
                .col(string(ProblemLog::ProblemId))
                .col(string(ProblemLog::Action))
                .col(text(ProblemLog::Text))
                .col(text(ProblemLog::Evidence))
                .col(string(ProblemLog::Actor))
                .col(ts(ProblemLog::At).not_null().to_owned())
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_problem_log_problem",
            ProblemLog::Table,
            [ProblemLog::ProblemId],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(DutyRule::Table)
                .col(id(DutyRule::Id))
                .col(string(DutyRule::Title))
                .col(text(DutyRule::Description))
                .col(text(DutyRule::Recurrence))
                .col(string(DutyRule::UnitId))
                .col(string(DutyRule::UnitPath))
                .col(ColumnDef::new(DutyRule::PersonId).string())
                .col(integer(DutyRule::TimeLimitDays))
                .col(boolean(DutyRule::WorkingDaysOnly))
                .col(date(DutyRule::StartsOn))
                .col(string(DutyRule::CreatedBy))
                .col(date(DutyRule::NextOn))
                .to_owned(),
        )
        .await?;
        m.create_index(index_on(
            "ix_duty_rule_next",
            DutyRule::Table,
            [DutyRule::NextOn],
        ))
        .await?;
        m.create_index(index_on(
            "ix_assignment_campaign",
            Assignment::Table,
            ["campaign_id"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["duty_rule", "problem_log", "problem"] {
            drop_tables(m, [Alias::new(t)]).await?;
        }
        m.drop_index(
            Index::drop()
                .name("ix_assignment_campaign")
                .table(Assignment::Table)
                .to_owned(),
        )
        .await?;
        for (table, col) in [
            ("campaign", "report_deadlines"),
            ("campaign", "announced_phase"),
            ("person", "deactivated"),
            ("person", "supervising_leader_id"),
            ("progress_report", "evidence"),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(table))
                    .drop_column(Alias::new(col))
                    .to_owned(),
            )
            .await?;
        }
        drop_columns(
            m,
            &[
                "duty_id",
                "problem_id",
                "category",
                "campaign_id",
                "ack_due_on",
                "cooperating_unit_ids",
                "urgency",
            ],
        )
        .await
    }
}
