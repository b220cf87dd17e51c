//! The evaluation database's own tables.

/// Evaluation's copy of an assignment with its color.
pub mod tracked_item {
    use sea_orm::entity::prelude::*;

    /// One item.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tracked_item")]
    pub struct Model {
        /// Assignment id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// Lead unit.
        pub unit_id: String,
        /// Lead unit path.
        pub org_path: String,
        /// State wire name.
        pub state: String,
        /// Issue day.
        pub issued_on: Date,
        /// Due day.
        pub due_on: Date,
        /// Progress.
        pub percent: i32,
        /// Assignment version last applied.
        pub version: i64,
        /// Color wire name.
        pub color: String,
        /// Why.
        pub reason: String,
        /// Since when.
        pub color_since: ChronoDateTimeWithTimeZone,
        /// `ASSIGNMENT` or `PROBLEM`.
        pub kind: String,
        /// Title, or a problem's description.
        pub title: String,
        /// Urgency wire name.
        pub urgency: String,
        /// Campaign.
        pub campaign_id: Option<String>,
        /// Day of the last progress report.
        pub last_report_on: Option<Date>,
        /// Times verification sent it back.
        pub returns: i32,
        /// Working days late when reported done.
        pub late_days: Option<i64>,
        /// Sent back to the issuer (回退).
        pub returned_to_issuer: bool,
        /// The rule behind the color.
        pub rule: String,
        /// The day time alone can next change its color.
        pub next_check_on: Option<Date>,
        /// 责任人.
        pub responsible_person_id: String,
        /// Issuer, or who registered the problem.
        pub issuer_id: String,
        /// Counted as overdue in its unit's figures.
        pub overdue: bool,
        /// Day by which the lead unit is to sign for it.
        pub ack_due_on: Option<Date>,
        /// Day it signed for it.
        pub acknowledged_on: Option<Date>,
        /// Counted as an acknowledgement missed (not signed for by its day).
        pub ack_missed: bool,
        /// Times reopened after being done (回头看).
        pub reopens: i32,
        /// Approved transfers (转办) in its history.
        pub transfers: i32,
        /// Working days from issue to being reported done; none while not done.
        pub work_days: Option<i64>,
        /// Working days its clock stood still while suspended, over all suspensions.
        pub paused_days: i32,
        /// Day it was last resumed.
        pub resumed_on: Option<Date>,
        /// A problem's category (empty for an assignment).
        pub category: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A county's color rules for one scope.
pub mod color_rule {
    use sea_orm::entity::prelude::*;

    /// One scope's rules.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "color_rule")]
    pub struct Model {
        /// The county.
        #[sea_orm(primary_key, auto_increment = false)]
        pub county_id: String,
        /// `COUNTY`, `CAMPAIGN:<id>` or `URGENCY:<wire name>`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub scope: String,
        /// The rules as JSON.
        #[sea_orm(column_type = "Text")]
        pub rules: String,
        /// Version, from 1.
        pub version: i64,
        /// Who set them.
        pub changed_by: String,
        /// When.
        pub changed_at: ChronoDateTimeWithTimeZone,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The day the live tallies stand for.
pub mod tally_day {
    use sea_orm::entity::prelude::*;

    /// The one row.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tally_day")]
    pub struct Model {
        /// The day.
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: Date,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Evaluation's copy of the org tree: names for the bulletins.
pub mod org_unit_copy {
    use sea_orm::entity::prelude::*;

    /// One unit.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "org_unit_copy")]
    pub struct Model {
        /// Unit id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// Parent.
        pub parent_id: Option<String>,
        /// Path.
        pub path: String,
        /// Name.
        pub name: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Evaluation's copy of who is each person's 分管领导 (who may comment on a bulletin).
pub mod person_copy {
    use sea_orm::entity::prelude::*;

    /// One person.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "person_copy")]
    pub struct Model {
        /// Person id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub person_id: String,
        /// Their unit.
        pub unit_id: String,
        /// Their 分管领导.
        pub supervising_leader_id: Option<String>,
        /// A UNIT_LEADER: gives their unit's 自评.
        pub leads: bool,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The weekly bulletins.
pub mod bulletin {
    use sea_orm::entity::prelude::*;

    /// One bulletin of one scope and week.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bulletin")]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The unit it is about.
        pub scope_unit_id: String,
        /// Its path.
        pub scope_path: String,
        /// The Monday of the week it reports on.
        pub week_start: Date,
        /// Title.
        pub title: String,
        /// What it states ([`duban_api::BulletinData`] JSON).
        #[sea_orm(column_type = "Text")]
        pub data: String,
        /// When it was published.
        pub published_at: ChronoDateTimeWithTimeZone,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Comments (一点评) under bulletins.
pub mod bulletin_comment {
    use sea_orm::entity::prelude::*;

    /// One comment.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bulletin_comment")]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The bulletin.
        pub bulletin_id: String,
        /// Who wrote it.
        pub author_id: String,
        /// Their name.
        pub author_name: String,
        /// What they wrote.
        #[sea_orm(column_type = "Text")]
        pub text: String,
        /// When.
        pub at: ChronoDateTimeWithTimeZone,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// 作风体检 rounds.
pub mod review_round {
    use sea_orm::entity::prelude::*;

    /// One round of one scope and month.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "review_round")]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The scope unit.
        pub scope_unit_id: String,
        /// Its path.
        pub scope_path: String,
        /// The month, `YYYY-MM`.
        pub month: String,
        /// The last day scores are taken.
        pub deadline: Date,
        /// `review::Settings` as JSON.
        #[sea_orm(column_type = "Text")]
        pub settings: String,
        /// The units reviewed: JSON list of ids.
        #[sea_orm(column_type = "Text")]
        pub unit_ids: String,
        /// How many of the lowest get a talk.
        pub lowest: i32,
        /// Working days for the talk.
        pub talk_days: i32,
        /// `OPEN` or `CLOSED`.
        pub status: String,
        /// Who opened it.
        pub opened_by: String,
        /// When.
        pub opened_at: ChronoDateTimeWithTimeZone,
        /// When it closed.
        pub closed_at: Option<ChronoDateTimeWithTimeZone>,
        /// `Vec<review::UnitResult>` as JSON, once closed.
        #[sea_orm(column_type = "Text", nullable)]
        pub results: Option<String>,
        /// Version.
        pub version: i64,
        /// The reminder before the deadline went out.
        pub reminded: bool,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Scores given in 作风体检 rounds: secret to other units.
pub mod review_submission {
    use sea_orm::entity::prelude::*;

    /// One person's scores of one unit in one round.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "review_submission")]
    pub struct Model {
        /// The round.
        #[sea_orm(primary_key, auto_increment = false)]
        pub round_id: String,
        /// The unit scored.
        #[sea_orm(primary_key, auto_increment = false)]
        pub unit_id: String,
        /// Who scored.
        #[sea_orm(primary_key, auto_increment = false)]
        pub person_id: String,
        /// `review::Source` wire name.
        pub source: String,
        /// Score by dimension, JSON.
        #[sea_orm(column_type = "Text")]
        pub scores: String,
        /// The comment.
        #[sea_orm(column_type = "Text")]
        pub comment: String,
        /// When last given.
        pub submitted_at: ChronoDateTimeWithTimeZone,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// 满意度评议 surveys.
pub mod survey {
    use sea_orm::entity::prelude::*;

    /// One survey.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "survey")]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The scope unit.
        pub scope_unit_id: String,
        /// Its path.
        pub scope_path: String,
        /// Title.
        pub title: String,
        /// The last day answers are taken.
        pub deadline: Date,
        /// `survey::Settings` as JSON.
        #[sea_orm(column_type = "Text")]
        pub settings: String,
        /// The units surveyed: JSON list of ids.
        #[sea_orm(column_type = "Text")]
        pub unit_ids: String,
        /// `OPEN` or `CLOSED`.
        pub status: String,
        /// Who defined it.
        pub opened_by: String,
        /// When.
        pub opened_at: ChronoDateTimeWithTimeZone,
        /// When it closed.
        pub closed_at: Option<ChronoDateTimeWithTimeZone>,
        /// `Vec<survey::UnitResult>` as JSON, once closed.
        #[sea_orm(column_type = "Text", nullable)]
        pub results: Option<String>,
        /// Version.
        pub version: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One-time links of surveys, kept as hashes.
pub mod survey_link {
    use sea_orm::entity::prelude::*;

    /// One link.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "survey_link")]
    pub struct Model {
        /// SHA-256 of the token, hex.
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        /// The survey.
        pub survey_id: String,
        /// `survey::Group` wire name.
        pub grp: String,
        /// Whom it is for, if named.
        pub label: Option<String>,
        /// Spent.
        pub used: bool,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Cadres who have answered a survey (never linked to their answer).
pub mod survey_participant {
    use sea_orm::entity::prelude::*;

    /// One cadre who answered.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "survey_participant")]
    pub struct Model {
        /// The survey.
        #[sea_orm(primary_key, auto_increment = false)]
        pub survey_id: String,
        /// The cadre.
        #[sea_orm(primary_key, auto_increment = false)]
        pub person_id: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Survey responses: the group and the day, no identity.
pub mod survey_response {
    use sea_orm::entity::prelude::*;

    /// One response.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "survey_response")]
    pub struct Model {
        /// A random id (not time-ordered).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The survey.
        pub survey_id: String,
        /// `survey::Group` wire name.
        pub grp: String,
        /// The day it came in.
        pub answered_on: Date,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Survey scores: one row per response, unit and indicator.
pub mod survey_score {
    use sea_orm::entity::prelude::*;

    /// One score.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "survey_score")]
    pub struct Model {
        /// The response.
        #[sea_orm(primary_key, auto_increment = false)]
        pub response_id: String,
        /// The unit scored.
        #[sea_orm(primary_key, auto_increment = false)]
        pub unit_id: String,
        /// Index of the indicator in the survey's settings.
        #[sea_orm(primary_key, auto_increment = false)]
        pub indicator: i32,
        /// The survey.
        pub survey_id: String,
        /// 0–100.
        pub score: i32,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Items open to 好差评: public-serving assignments and problems, once completed.
pub mod rating_item {
    use sea_orm::entity::prelude::*;

    /// One item.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rating_item")]
    pub struct Model {
        /// The assignment or problem.
        #[sea_orm(primary_key, auto_increment = false)]
        pub item_id: String,
        /// `ASSIGNMENT` or `PROBLEM`.
        pub kind: String,
        /// Title, or a problem's description.
        pub title: String,
        /// The unit that handled it.
        pub unit_id: String,
        /// Its path.
        pub org_path: String,
        /// The day it was completed.
        pub completed_on: Date,
        /// SHA-256 of the rating link's token, hex (none until a link is made).
        pub token_hash: Option<String>,
        /// `rating::Stage` wire name.
        pub stage: String,
        /// The 整改 assignment of its 差评.
        pub rectification_id: Option<String>,
        /// Position of its last event.
        pub version: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// 好差评 given: the rater is not recorded.
pub mod rating {
    use sea_orm::entity::prelude::*;

    /// One rating.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rating")]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The rated item.
        pub item_id: String,
        /// The unit that handled it.
        pub unit_id: String,
        /// Its path.
        pub org_path: String,
        /// 5 非常满意 … 1 非常不满意.
        pub level: i32,
        /// What the rater wrote.
        #[sea_orm(column_type = "Text")]
        pub comment: String,
        /// When.
        pub rated_at: ChronoDateTimeWithTimeZone,
        /// The item's latest rating.
        pub current: bool,
        /// A 差评 whose rectification is done.
        pub rectified: bool,
        /// `rating::Appeal` wire name.
        pub appeal: String,
        /// The unit's reasons.
        #[sea_orm(column_type = "Text", nullable)]
        pub appeal_reasons: Option<String>,
        /// Its evidence.
        #[sea_orm(column_type = "Text", nullable)]
        pub appeal_evidence: Option<String>,
        /// Who appealed.
        pub appealed_by: Option<String>,
        /// When.
        pub appealed_at: Option<ChronoDateTimeWithTimeZone>,
        /// The supervisor who decided.
        pub decided_by: Option<String>,
        /// When.
        pub decided_at: Option<ChronoDateTimeWithTimeZone>,
        /// Why.
        #[sea_orm(column_type = "Text", nullable)]
        pub decision_note: Option<String>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod discipline;
pub use discipline::{
    accountability_form, accountability_record, assessment, assessment_entry, assessment_setting,
    conduct_category, conduct_entry, referral, referral_setting,
};
