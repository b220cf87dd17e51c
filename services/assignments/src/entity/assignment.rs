//! Assignments (交办事项).

use sea_orm::entity::prelude::*;

/// One assignment, current state.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assignment")]
pub struct Model {
    /// Assignment id (UUIDv7, so ids sort by issue time).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Source wire name.
    pub source: String,
    /// Source text.
    #[sea_orm(column_type = "Text", nullable)]
    pub source_text: Option<String>,
    /// Issuer.
    pub issuer_id: String,
    /// Issuer's unit.
    pub issuer_unit_id: String,
    /// Lead unit.
    pub lead_unit_id: String,
    /// Lead unit path.
    pub lead_unit_path: String,
    /// Lead unit name.
    pub lead_unit_name: String,
    /// Responsible person.
    pub responsible_person_id: String,
    /// State wire name.
    pub state: String,
    /// Time limit in working days.
    pub time_limit_days: Option<i32>,
    /// Issued at.
    pub issued_at: ChronoDateTimeWithTimeZone,
    /// Due date.
    pub due_on: Date,
    /// Progress.
    pub progress_percent: i32,
    /// Version.
    pub version: i64,
    /// Acknowledged at.
    pub acknowledged_at: Option<ChronoDateTimeWithTimeZone>,
    /// Completed at.
    pub completed_at: Option<ChronoDateTimeWithTimeZone>,
    /// Result.
    #[sea_orm(column_type = "Text", nullable)]
    pub result: Option<String>,
    /// Last return reason.
    #[sea_orm(column_type = "Text", nullable)]
    pub return_reason: Option<String>,
    /// Supervision level wire name.
    pub supervision_level: String,
    /// Day suspended, while suspended.
    pub suspended_on: Option<Date>,
    /// Working days of an undecided extension request.
    pub pending_extension_days: Option<i32>,
    /// Its reason.
    #[sea_orm(column_type = "Text", nullable)]
    pub pending_extension_reason: Option<String>,
    /// Extensions granted.
    pub extension_count: i32,
    /// Unit of an undecided transfer request.
    pub pending_transfer_unit_id: Option<String>,
    /// Its reason.
    #[sea_orm(column_type = "Text", nullable)]
    pub pending_transfer_reason: Option<String>,
    /// Transfers approved.
    pub transfer_count: i32,
    /// Urgency wire name.
    pub urgency: String,
    /// Cooperating unit ids as JSON.
    #[sea_orm(column_type = "Text")]
    pub cooperating_unit_ids: String,
    pub cooperating_person_ids: String,
    pub returned_to_issuer: bool,
    pub last_sequence: i64,
    /// Acknowledgement time limit.
    pub ack_due_on: Option<Date>,
    /// Campaign.
    pub campaign_id: Option<String>,
    /// Problem category.
    pub category: Option<String>,
    /// Ledger problem.
    pub problem_id: Option<String>,
    /// Recurring duty rule.
    pub duty_id: Option<String>,
    /// 文号.
    pub document_number: Option<String>,
    /// The card evaluation last announced (BLUE, YELLOW, RED), if any.
    pub color: Option<String>,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
