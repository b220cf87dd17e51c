//! 线索移送 as callers see it: a clue referred to the discipline commission by hand or by
//! rule, and its steps there; the referrer sees the state, never the commission's notes.

use chrono::{DateTime, FixedOffset, NaiveDate};
use duban_api_macros::{graphql_input, graphql_object};
use serde::{Deserialize, Serialize};

/// A county's referral rules and time limits, in working days (0 or empty: that rule off).
#[graphql_object(name = "ReferralSettings")]
#[graphql_input(name = "ReferralSettingsInput")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralSettings {
    /// Refer an item red for more than this many working days (default 10).
    pub red_days: u32,
    /// Refer a problem whose category contains this text (default 弄虚作假).
    pub falsification_category: String,
    /// Refer a unit with this many standing 差评 in one quarter (default 2).
    pub bad_ratings_per_quarter: u32,
    /// Refer a cadre flagged for 推诿 this many times in one quarter (default 2).
    pub buck_passing_per_quarter: u32,
    /// 签收 within, and the disposition chosen within as many days after (default 3).
    pub receipt_days: u32,
    /// 谈话函询 finished within (default 30).
    pub talk_days: u32,
    /// 初步核实 finished within (default 15).
    pub check_days: u32,
    /// 暂存待查 looked at again within (default 60).
    pub shelved_days: u32,
    /// 予以了结 written up within (default 5).
    pub closing_days: u32,
}

impl Default for ReferralSettings {
    /// Seed 003's four rules; time limits after the local practice in REFERENCES §6.
    fn default() -> Self {
        Self {
            red_days: 10,
            falsification_category: "弄虚作假".into(),
            bad_ratings_per_quarter: 2,
            buck_passing_per_quarter: 2,
            receipt_days: 3,
            talk_days: 30,
            check_days: 15,
            shelved_days: 60,
            closing_days: 5,
        }
    }
}

/// Input of `referClue`: a referral by hand.
#[graphql_input(name = "ReferClueInput")]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReferClueInput {
    /// Person or unit.
    #[gql(into = "duban_schema::evaluation::AccountabilitySubject")]
    pub subject_kind: String,
    /// The person or unit.
    pub subject_id: String,
    /// Items whose full history goes with it as evidence (1–20).
    pub item_ids: Vec<String>,
    /// Facts and reasons.
    pub grounds: String,
}

/// A step of the commission on a referral: 签收, a disposition, or 办结.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReferralStepInput {
    /// The referral.
    pub referral_id: String,
    /// The commission's note (never shown to the referrer).
    pub note: String,
    /// For a disposition: its wire name.
    pub disposition: Option<String>,
    /// For 办结: the accountability record it led to.
    pub accountability_record_id: Option<String>,
}

/// A clue referred to the discipline commission. The fields from `dueOn` on are the
/// commission's: empty for the referring supervisor, who sees the state only.
#[graphql_object(name = "ReferralView")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReferralView {
    /// Id.
    pub id: String,
    /// Why.
    #[gql(into = "duban_schema::evaluation::ReferralCause")]
    pub cause: String,
    /// Person or unit.
    #[gql(into = "duban_schema::evaluation::AccountabilitySubject")]
    pub subject_kind: String,
    /// The person or unit.
    pub subject_id: String,
    /// The unit.
    pub unit_id: String,
    /// Its name.
    pub unit_name: String,
    /// The items whose history is the evidence.
    pub item_ids: Vec<String>,
    /// Facts and reasons given with it.
    pub grounds: String,
    /// The supervisor, or `system` for a rule.
    pub referred_by: String,
    /// When.
    pub referred_at: DateTime<FixedOffset>,
    /// Where it stands.
    #[gql(into = "duban_schema::evaluation::ReferralStage")]
    pub stage: String,
    /// When signed for.
    pub received_at: Option<DateTime<FixedOffset>>,
    /// When finished.
    pub concluded_at: Option<DateTime<FixedOffset>>,
    /// Whether the commission reads it (the fields below are filled).
    #[gql(skip)]
    pub full: bool,
    /// The step under way is due by.
    pub due_on: Option<NaiveDate>,
    /// The step under way is late.
    pub overdue: bool,
    /// 签收 was late.
    pub received_late: bool,
    /// The disposition.
    #[gql(into = "Option<duban_schema::evaluation::Disposition>")]
    pub disposition: Option<String>,
    /// 办结 was late.
    pub concluded_late: bool,
    /// The commission's notes, in step order.
    pub notes: Vec<String>,
    /// The accountability record it led to.
    pub accountability_record_id: Option<String>,
}

/// Referrals of one unit with everything under it.
#[graphql_object(name = "ReferralFigures")]
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReferralFiguresView {
    /// The unit's path.
    pub path: String,
    /// Not yet concluded.
    pub open: u64,
    /// Open with the step under way late.
    pub overdue: u64,
    /// Concluded.
    pub concluded: u64,
}

/// The evidence sealed at a referral: its items' history, proven in the audit log.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReferralEvidenceView {
    /// The bundle (`duban-audit-bundle/1`, checked offline with `duban audit verify`).
    pub bundle: String,
    /// The log size it is proven at: just after the referral's own event.
    pub tree_size: u64,
    /// The events, oldest first: index, type, when, by whom.
    pub entries: Vec<EvidenceEntryView>,
}

/// One event of the evidence.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EvidenceEntryView {
    /// Leaf index.
    pub index: u64,
    /// Event type.
    pub event_type: String,
    /// The aggregate (item or referral).
    pub aggregate_id: String,
    /// When.
    pub occurred_at: DateTime<FixedOffset>,
    /// By whom.
    pub actor: String,
}
