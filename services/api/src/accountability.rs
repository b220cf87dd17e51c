//! 追责问责 as callers see it: a record on a person or a unit, written only by DISCIPLINE,
//! corrected only by a new record that supersedes it.

use chrono::{DateTime, FixedOffset, NaiveDate};
use duban_api_macros::{graphql_input, graphql_object};
use serde::{Deserialize, Serialize};

/// Input of `recordAccountability`: a new accountability record.
#[graphql_input(name = "RecordAccountabilityInput")]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordAccountabilityInput {
    /// Person or unit.
    #[gql(into = "duban_schema::evaluation::AccountabilitySubject")]
    pub subject_kind: String,
    /// The person or unit.
    pub subject_id: String,
    /// The form (one of `accountabilityForms`).
    pub form: String,
    /// Grounds: the facts and the rule broken.
    pub grounds: String,
    /// Linked assignments and problems.
    #[serde(default)]
    pub item_ids: Vec<String>,
    /// The clue referral it came from.
    pub referral_id: Option<String>,
    /// The day decided.
    pub decided_on: NaiveDate,
    /// Who decided (an organ or a person).
    pub decided_by: String,
    /// The record it corrects.
    #[gql(id)]
    pub supersedes: Option<String>,
    /// A higher level's 通报批评: its document number.
    pub document_number: Option<String>,
}

/// An accountability record; a superseded one no longer stands but stays on record.
#[graphql_object(name = "AccountabilityRecord")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AccountabilityView {
    /// Id.
    pub id: String,
    /// Person or unit.
    #[gql(into = "duban_schema::evaluation::AccountabilitySubject")]
    pub subject_kind: String,
    /// The person or unit.
    pub subject_id: String,
    /// The unit (the person's, or the unit itself).
    pub unit_id: String,
    /// Its name.
    pub unit_name: String,
    /// The form.
    pub form: String,
    /// Grounds.
    pub grounds: String,
    /// Linked assignments and problems.
    pub item_ids: Vec<String>,
    /// The clue referral it came from.
    pub referral_id: Option<String>,
    /// The day decided.
    pub decided_on: NaiveDate,
    /// Who decided.
    pub decided_by: String,
    /// The DISCIPLINE user who recorded it.
    #[gql(id)]
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<FixedOffset>,
    /// The record it corrects.
    #[gql(id)]
    pub supersedes: Option<String>,
    /// The record that corrects it.
    #[gql(id)]
    pub superseded_by: Option<String>,
    /// A higher level's document number (its 通报批评).
    pub document_number: Option<String>,
}

/// One line of a 作风表现台账.
#[graphql_object(name = "ConductLine")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConductLineView {
    /// 落实八项规定, 服务群众, 担当作为 or 工作实绩.
    pub category: String,
    /// The day.
    pub on: NaiveDate,
    /// What, e.g. 按时办结, 红牌督办, 诫勉谈话.
    pub what: String,
    /// The item's title and detail.
    pub text: String,
    /// The item, where there is one.
    pub item_id: Option<String>,
}

/// A cadre's 作风表现台账 over a period, built from what happened.
#[graphql_object(name = "ConductLedger")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConductLedgerView {
    /// The cadre.
    pub person_id: String,
    /// Their unit.
    pub unit_id: String,
    /// Its name.
    pub unit_name: String,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Lines, oldest first.
    pub lines: Vec<ConductLineView>,
    /// Lines per category.
    #[gql(into = "Vec<CategoryCount>")]
    pub counts: Vec<(String, u64)>,
}

crate::graphql::tuple_object! {
    /// Lines in one category.
    CategoryCount {
        /// The category.
        category: String,
        /// Lines.
        count: u64,
    }
}

/// Which category one kind of ledger line falls in.
#[graphql_object(name = "KindCategory")]
#[graphql_input(name = "KindCategoryInput")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct KindCategory {
    /// `DONE_ON_TIME`, `DONE_LATE`, `RETURNED`, `YELLOW_CARD`, `RED_CARD`, `BUCK_PASSING`,
    /// `GOOD_RATING`, `BAD_RATING`, `ACCOUNTABILITY`, `REVIEW` or `COMMENDATION`.
    pub kind: String,
    /// The category.
    pub category: String,
}

/// A county's 作风台账 categories (default seed 003's four).
#[graphql_object(name = "ConductCategories")]
#[graphql_input(name = "ConductCategoriesInput")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConductCategoriesView {
    /// Names, in the order a ledger lists them.
    pub categories: Vec<String>,
    /// The category of each kind of line (every kind, once).
    pub kinds: Vec<KindCategory>,
}
