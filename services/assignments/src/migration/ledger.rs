//! m0008: the problem ledger, its history and duty rules.

use super::*;

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
                ColumnDef::new(Alias::new("urgency"))
                    .string()
                    .not_null()
                    .default("NORMAL")
                    .to_owned(),
                ColumnDef::new(Alias::new("cooperating_unit_ids"))
                    .text()
                    .not_null()
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
            vec![ColumnDef::new(Alias::new("evidence"))
                .text()
                .not_null()
                .default("[]")
                .to_owned()],
        )
        .await?;
        add_columns_to(
            m,
            "person",
            vec![
                opt("supervising_leader_id"),
                ColumnDef::new(Alias::new("deactivated"))
                    .boolean()
                    .not_null()
                    .default(false)
                    .to_owned(),
            ],
        )
        .await?;
        add_columns_to(
            m,
            "campaign",
            vec![
                ColumnDef::new(Alias::new("announced_phase"))
                    .integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
                ColumnDef::new(Alias::new("report_deadlines"))
                    .text()
                    .not_null()
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
                .col(s(Problem::Category))
                .col(s(Problem::Source))
                .col(text(Problem::Description))
                .col(text(Problem::CauseAnalysis))
                .col(text(Problem::Measures))
                .col(s(Problem::UnitId))
                .col(s(Problem::UnitPath))
                .col(s(Problem::UnitName))
                .col(s(Problem::ResponsiblePersonId))
                .col(ColumnDef::new(Problem::ResponsibleLeaderId).string())
                .col(s(Problem::RegisteredBy))
                .col(ts(Problem::RegisteredAt).not_null().to_owned())
                .col(ColumnDef::new(Problem::DueOn).date().not_null())
                .col(s(Problem::State))
                .col(ColumnDef::new(Problem::Version).big_integer().not_null())
                .col(ColumnDef::new(Problem::ReturnCount).integer().not_null())
                .col(ColumnDef::new(Problem::ReopenCount).integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_problem_unit_due")
                .table(Problem::Table)
                .col(Problem::UnitPath)
                .col(Problem::DueOn)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProblemLog::Table)
                .col(id(ProblemLog::Id))
                .col(s(ProblemLog::ProblemId))
                .col(s(ProblemLog::Action))
                .col(text(ProblemLog::Text))
                .col(text(ProblemLog::Evidence))
                .col(s(ProblemLog::Actor))
                .col(ts(ProblemLog::At).not_null().to_owned())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_problem_log_problem")
                .table(ProblemLog::Table)
                .col(ProblemLog::ProblemId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DutyRule::Table)
                .col(id(DutyRule::Id))
                .col(s(DutyRule::Title))
                .col(text(DutyRule::Description))
                .col(text(DutyRule::Recurrence))
                .col(s(DutyRule::UnitId))
                .col(s(DutyRule::UnitPath))
                .col(ColumnDef::new(DutyRule::PersonId).string())
                .col(ColumnDef::new(DutyRule::TimeLimitDays).integer().not_null())
                .col(
                    ColumnDef::new(DutyRule::WorkingDaysOnly)
                        .boolean()
                        .not_null(),
                )
                .col(ColumnDef::new(DutyRule::StartsOn).date().not_null())
                .col(s(DutyRule::CreatedBy))
                .col(ColumnDef::new(DutyRule::NextOn).date().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_duty_rule_next")
                .table(DutyRule::Table)
                .col(DutyRule::NextOn)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_assignment_campaign")
                .table(Assignment::Table)
                .col(Alias::new("campaign_id"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["duty_rule", "problem_log", "problem"] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
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
