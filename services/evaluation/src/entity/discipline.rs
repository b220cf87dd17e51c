//! The discipline and verdict tables: accountability records and forms, the 作风台账's facts
//! and categories, referrals and their rules, assessments, their entries and rules.

/// 追责问责 records: never edited or deleted; a correction supersedes.
pub mod accountability_record {
    use sea_orm::entity::prelude::*;

    /// One record.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "accountability_record")]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// `PERSON` or `UNIT`.
        pub subject_kind: String,
        /// The person or unit.
        pub subject_id: String,
        /// The unit (the person's, or the unit itself).
        pub unit_id: String,
        /// Its path.
        pub unit_path: String,
        /// The form.
        pub form: String,
        /// Grounds.
        #[sea_orm(column_type = "Text")]
        pub grounds: String,
        /// Linked items and problems: JSON list of ids.
        #[sea_orm(column_type = "Text")]
        pub item_ids: String,
        /// The clue referral it came from.
        pub referral_id: Option<String>,
        /// The day decided.
        pub decided_on: Date,
        /// Who decided, as written.
        pub decided_by: String,
        /// The DISCIPLINE user who recorded it.
        pub recorded_by: String,
        /// When.
        pub recorded_at: ChronoDateTimeWithTimeZone,
        /// The record it corrects.
        pub supersedes: Option<String>,
        /// A higher level's document number, for its 通报批评.
        pub document_number: Option<String>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Each county's list of accountability forms (none stored: the default list).
pub mod accountability_form {
    use sea_orm::entity::prelude::*;

    /// One county's list.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "accountability_form")]
    pub struct Model {
        /// The county.
        #[sea_orm(primary_key, auto_increment = false)]
        pub county: String,
        /// JSON list of forms, mildest first.
        #[sea_orm(column_type = "Text")]
        pub forms: String,
        /// Who set it.
        pub changed_by: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// 作风表现台账: facts about a cadre, recorded from events as they happen.
pub mod conduct_entry {
    use sea_orm::entity::prelude::*;

    /// One fact.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "conduct_entry")]
    pub struct Model {
        /// The event it comes from, and the fact: one entry per event and fact.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The cadre.
        pub person_id: String,
        /// `conduct::Fact` wire name.
        pub fact: String,
        /// The day.
        pub on_day: Date,
        /// The item.
        pub item_id: String,
        /// The item's title and what happened.
        #[sea_orm(column_type = "Text")]
        pub text: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// 线索移送: a clue referred to the discipline commission and its steps there.
pub mod referral {
    use sea_orm::entity::prelude::*;

    /// One referral.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "referral")]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// `referral::Cause` wire name.
        pub cause: String,
        /// What a rule refers once (an item, a unit's quarter, a cadre's quarter); a
        /// referral by hand is its own.
        pub once_key: String,
        /// `PERSON` or `UNIT`.
        pub subject_kind: String,
        /// The person or unit.
        pub subject_id: String,
        /// The unit.
        pub unit_id: String,
        /// Its path.
        pub unit_path: String,
        /// JSON list of item ids.
        #[sea_orm(column_type = "Text")]
        pub item_ids: String,
        /// Facts and reasons.
        #[sea_orm(column_type = "Text")]
        pub grounds: String,
        /// The supervisor, or `system`.
        pub referred_by: String,
        /// When.
        pub referred_at: ChronoDateTimeWithTimeZone,
        /// `referral::Stage` wire name.
        pub stage: String,
        /// Events written about it.
        pub version: i64,
        /// 签收 due by.
        pub receipt_due_on: Date,
        /// Who signed for it.
        pub received_by: Option<String>,
        /// When.
        pub received_at: Option<ChronoDateTimeWithTimeZone>,
        /// The day.
        pub received_on: Option<Date>,
        /// `referral::Disposition` wire name.
        pub disposition: Option<String>,
        /// When chosen.
        pub disposed_at: Option<ChronoDateTimeWithTimeZone>,
        /// The disposition due by.
        pub disposition_due_on: Option<Date>,
        /// When finished.
        pub concluded_at: Option<ChronoDateTimeWithTimeZone>,
        /// The day.
        pub concluded_on: Option<Date>,
        /// The commission's notes, JSON list, in step order.
        #[sea_orm(column_type = "Text")]
        pub notes: String,
        /// The accountability record it led to.
        pub accountability_record_id: Option<String>,
        /// The last reminder sent, as `<step>:<due>:<late>`.
        pub reminded: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Each county's referral rules and time limits (none stored: the defaults).
pub mod referral_setting {
    use sea_orm::entity::prelude::*;

    /// One county's settings.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "referral_setting")]
    pub struct Model {
        /// The county.
        #[sea_orm(primary_key, auto_increment = false)]
        pub county: String,
        /// JSON of `ReferralSettings`.
        #[sea_orm(column_type = "Text")]
        pub settings: String,
        /// Who set them.
        pub changed_by: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// 年度考核: an assessment year of a scope.
pub mod assessment {
    use sea_orm::entity::prelude::*;

    /// One assessment.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "assessment")]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// Scope unit.
        pub scope_unit_id: String,
        /// Its path.
        pub scope_path: String,
        /// The year.
        pub year: i32,
        /// JSON list of the units assessed.
        #[sea_orm(column_type = "Text")]
        pub unit_ids: String,
        /// JSON list of the 考评组.
        #[sea_orm(column_type = "Text")]
        pub panel_ids: String,
        /// `OPEN` or `PUBLISHED`.
        pub status: String,
        /// Who opened it.
        pub opened_by: String,
        /// When.
        pub opened_at: ChronoDateTimeWithTimeZone,
        /// When published.
        pub published_at: Option<ChronoDateTimeWithTimeZone>,
        /// The published `AssessmentView` as JSON, frozen.
        #[sea_orm(column_type = "Text", nullable)]
        pub result: Option<String>,
        /// Events written about it.
        pub version: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The 考评组's entries: never edited; the latest of a kind on a subject stands.
pub mod assessment_entry {
    use sea_orm::entity::prelude::*;

    /// One entry.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "assessment_entry")]
    pub struct Model {
        /// Id (time-ordered).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The assessment.
        pub assessment_id: String,
        /// `REPORT`, `OVERRIDE`, `BONUS`, `PENALTY`, `SCREENING` or `TIE`.
        pub kind: String,
        /// `PERSON` or `UNIT`.
        pub subject_kind: String,
        /// The person or unit (empty for a tie).
        pub subject_id: String,
        /// For an override.
        pub indicator: Option<String>,
        /// Points, as text.
        pub value: Option<String>,
        /// For a 甄别.
        pub own_fault: Option<bool>,
        /// For a tie: JSON list.
        #[sea_orm(column_type = "Text")]
        pub chosen_ids: String,
        /// Why.
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        /// Who.
        pub entered_by: String,
        /// When.
        pub entered_at: ChronoDateTimeWithTimeZone,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Each county's assessment rules (none stored: the defaults).
pub mod assessment_setting {
    use sea_orm::entity::prelude::*;

    /// One county's rules.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "assessment_setting")]
    pub struct Model {
        /// The county.
        #[sea_orm(primary_key, auto_increment = false)]
        pub county: String,
        /// JSON of `assessment::Settings`.
        #[sea_orm(column_type = "Text")]
        pub settings: String,
        /// Who set them.
        pub changed_by: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Each county's 作风台账 categories (none stored: seed 003's four).
pub mod conduct_category {
    use sea_orm::entity::prelude::*;

    /// One county's categories.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "conduct_category")]
    pub struct Model {
        /// The county.
        #[sea_orm(primary_key, auto_increment = false)]
        pub county: String,
        /// JSON of `conduct::Categories`.
        #[sea_orm(column_type = "Text")]
        pub categories: String,
        /// Who set them.
        pub changed_by: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
