//! Events of the evaluation service, and the county's color rules they carry.

use duban_api_macros::{graphql_input, graphql_object};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::assignments::Urgency;
use crate::{Color, WireName};

/// The thresholds of the yellow and red cards (红黄蓝三色管理, seed 003) a county sets: when
/// an item gets a yellow card (黄牌预警) and when a red one (红牌督办).
#[graphql_object(name = "ColorRules", feature = "graphql")]
#[graphql_input(name = "ColorRulesInput", feature = "graphql")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ColorRules {
    /// 黄牌: progress lags the working time elapsed by this many points or more (default 10).
    pub yellow_lag_points: i64,
    /// 黄牌: no progress report for this many working days (default 5).
    pub stale_days: i64,
    /// 黄牌: the limit is within this many working days and the item is not done (default 1).
    pub yellow_days_before_due: i64,
    /// 红牌: progress lags by this many points or more (default 30).
    pub red_lag_points: i64,
    /// 红牌: overdue by more than this many working days (default 0).
    pub red_overdue_days: i64,
    /// 红牌: verification sent it back this many times (default 2).
    pub red_returns: i32,
    /// Whether a red card raises the supervision level (催办 → 督办 → 挂牌督办).
    #[serde(default)]
    pub raise_on_red: bool,
    /// County rules only: boards rank ties as one place (1, 2, 2, 3, 中国式排名) rather
    /// than the places they fill (1, 2, 2, 4, the default).
    #[serde(default)]
    pub dense_ranking: bool,
    /// County rules only: working days a unit has to rectify a 好差评 差评 (default 5).
    #[serde(default = "five")]
    #[gql(default_with = "5")]
    pub rectification_days: i32,
}

fn five() -> i32 {
    5
}

impl Default for ColorRules {
    fn default() -> Self {
        Self {
            yellow_lag_points: 10,
            stale_days: 5,
            yellow_days_before_due: 1,
            red_lag_points: 30,
            red_overdue_days: 0,
            red_returns: 2,
            raise_on_red: false,
            dense_ranking: false,
            rectification_days: 5,
        }
    }
}

/// Who is held to account, referred or assessed: a person or a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountabilitySubject {
    /// A person.
    Person,
    /// A unit.
    Unit,
}

/// Who answers a survey.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RespondentGroup {
    /// 机关干部: cadres of the scope, signed in.
    Cadre,
    /// 服务对象: the public, through one-time links.
    Public,
    /// 两代表一委员: invited, through one-time links.
    Deputy,
}

/// Why a clue was referred.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReferralCause {
    /// By hand, by a supervisor.
    Manual,
    /// An item red for longer than the county allows.
    LongRed,
    /// A problem of the 弄虚作假 category.
    Falsification,
    /// Standing 差评 on one unit in a quarter.
    BadRatings,
    /// 推诿 repeated by one cadre in a quarter.
    BuckPassing,
}

/// Where a referral stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReferralStage {
    /// Sent, awaiting 签收.
    Referred,
    /// Signed for, awaiting a disposition.
    Received,
    /// Under a disposition.
    Disposed,
    /// Finished (办结).
    Concluded,
}

/// The four dispositions of the commission's clue rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Disposition {
    /// 谈话函询.
    TalkOrLetter,
    /// 初步核实.
    PreliminaryCheck,
    /// 暂存待查.
    Shelved,
    /// 予以了结.
    Closed,
}

/// What an assessment composite is made of.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssessmentIndicator {
    /// 按时办结率: items done within their limit over items done, × 100.
    OnTime,
    /// 督办牌: 100 less the points of each yellow and red card.
    Cards,
    /// 作风体检: the mean of the unit's totals in the year's closed rounds.
    Review,
    /// 满意度评议: the mean of the unit's overall means in the year's closed surveys.
    Survey,
    /// 好差评: 好评 over 好评 and standing 差评, × 100.
    Ratings,
    /// 述职: the 考评组's score.
    Report,
}

impl AssessmentIndicator {
    /// Its name on the page.
    pub fn label(self) -> &'static str {
        match self {
            Self::OnTime => "按时办结率",
            Self::Cards => "督办牌",
            Self::Review => "作风体检",
            Self::Survey => "满意度评议",
            Self::Ratings => "好差评",
            Self::Report => "述职",
        }
    }
}

/// The five levels of 好差评 (the last two are 差评).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RatingLevel {
    /// 非常满意.
    VerySatisfied,
    /// 满意.
    Satisfied,
    /// 基本满意.
    FairlySatisfied,
    /// 不满意 (差评).
    Dissatisfied,
    /// 非常不满意 (差评).
    VeryDissatisfied,
}

/// Where a 作风体检 score comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewSource {
    /// 科室自评 (the unit's leader).
    SelfAssessment,
    /// 分管领导点评.
    LeaderComment,
    /// 干部互评 (cadres of the other units).
    Peer,
}

/// Where a person or unit stands for 评先.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Eligibility {
    /// No accountability record this year.
    Eligible,
    /// A record this year, waiting for the 考评组's 甄别.
    PendingScreening,
    /// 甄别 found the fault their own (or, for a unit, one of its people's).
    Excluded,
    /// 甄别 found the fault not their own: eligible again.
    Restored,
}

/// Wire names of enums that contracts carry as strings.
macro_rules! wire_names {
    ($($t:ident { $($v:ident = $w:literal),* })*) => {$(
        impl WireName for $t {
            const ALL: &'static [Self] = &[$(Self::$v),*];
            fn as_str(self) -> &'static str {
                match self { $(Self::$v => $w),* }
            }
        }
    )*};
}

wire_names! {
    AccountabilitySubject { Person = "PERSON", Unit = "UNIT" }
    RespondentGroup { Cadre = "CADRE", Public = "PUBLIC", Deputy = "DEPUTY" }
    ReferralCause {
        Manual = "MANUAL", LongRed = "LONG_RED", Falsification = "FALSIFICATION",
        BadRatings = "BAD_RATINGS", BuckPassing = "BUCK_PASSING"
    }
    ReferralStage {
        Referred = "REFERRED", Received = "RECEIVED", Disposed = "DISPOSED", Concluded = "CONCLUDED"
    }
    AssessmentIndicator {
        OnTime = "ON_TIME", Cards = "CARDS", Review = "REVIEW", Survey = "SURVEY",
        Ratings = "RATINGS", Report = "REPORT"
    }
    RatingLevel {
        VerySatisfied = "VERY_SATISFIED", Satisfied = "SATISFIED",
        FairlySatisfied = "FAIRLY_SATISFIED", Dissatisfied = "DISSATISFIED",
        VeryDissatisfied = "VERY_DISSATISFIED"
    }
    Disposition {
        TalkOrLetter = "TALK_OR_LETTER", PreliminaryCheck = "PRELIMINARY_CHECK",
        Shelved = "SHELVED", Closed = "CLOSED"
    }
    ReviewSource {
        Peer = "PEER", SelfAssessment = "SELF_ASSESSMENT", LeaderComment = "LEADER_COMMENT"
    }
    Eligibility {
        Eligible = "ELIGIBLE", PendingScreening = "PENDING_SCREENING", Excluded = "EXCLUDED",
        Restored = "RESTORED"
    }
}

/// Which items a set of color rules is for: the whole county, or its items of one
/// campaign or of one urgency (a campaign's rules win over an urgency's, both over the county's).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", content = "value")]
pub enum RuleScope {
    /// The county's own rules.
    County,
    /// Items of this campaign.
    Campaign(String),
    /// Items of this urgency.
    Urgency(Urgency),
}

/// Everything the evaluation service announces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data")]
pub enum EvaluationEvent {
    /// An item's three-color status was set or changed (a card was shown or withdrawn);
    /// `from` equal to `to` says a carded item passed to a new 责任人, who holds the card now.
    ColorChanged {
        /// The assignment or problem.
        item_id: String,
        /// Its lead unit.
        unit_id: String,
        /// Color before, none when first assessed.
        from: Option<Color>,
        /// Color now.
        to: Color,
        /// Why, in Chinese, e.g. 已超过办结时限3个工作日.
        reason: String,
        /// The rule that fired (e.g. `RED_OVERDUE`).
        #[serde(default)]
        rule: String,
        /// `ASSIGNMENT` or `PROBLEM`.
        #[serde(default)]
        kind: String,
        /// Its title (or a problem's description), for the notice.
        #[serde(default)]
        title: String,
        /// Its 责任人.
        #[serde(default)]
        responsible_person_id: String,
        /// Who issued or registered it.
        #[serde(default)]
        issuer_id: String,
        /// Whether the rules ask a red card to raise the supervision level.
        #[serde(default)]
        raise: bool,
    },
    /// A county's color rules for a scope were set; open items were recolored at once.
    ColorRulesChanged {
        /// The county (its root unit).
        county_id: String,
        /// Which items they are for.
        scope: RuleScope,
        /// The rules now.
        rules: ColorRules,
        /// Version of this scope's rules after the change.
        version: i64,
        /// Who set them.
        changed_by: String,
    },
    /// A weekly bulletin (周通报) was published for a unit or the county.
    BulletinPublished {
        /// Bulletin id.
        bulletin_id: String,
        /// The unit it is about.
        scope_unit_id: String,
        /// Its title.
        title: String,
        /// The Monday of the week it reports on.
        week_start: chrono::NaiveDate,
    },
    /// A leader or supervisor commented on a bulletin (一点评).
    BulletinCommented {
        /// Bulletin id.
        bulletin_id: String,
        /// The unit it is about.
        scope_unit_id: String,
        /// Its title.
        title: String,
        /// Who commented.
        author_id: String,
        /// What they wrote.
        text: String,
    },
    /// A 作风体检 round was opened.
    ConductReviewOpened {
        /// The round.
        round_id: String,
        /// The scope unit.
        scope_unit_id: String,
        /// The month, `YYYY-MM`.
        month: String,
        /// The last day scores are taken.
        deadline: chrono::NaiveDate,
        /// The units reviewed.
        unit_ids: Vec<String>,
    },
    /// Someone gave or changed their scores of a unit (never the scores themselves).
    ConductScoresSubmitted {
        /// The round.
        round_id: String,
        /// The unit scored.
        unit_id: String,
        /// `SELF_ASSESSMENT`, `LEADER_COMMENT` or `PEER`.
        source: String,
    },
    /// A round closes soon: the people of its scope who have scores left to give.
    ConductReviewDue {
        /// The round.
        round_id: String,
        /// The scope's name.
        scope_name: String,
        /// The month.
        month: String,
        /// The last day scores are taken.
        deadline: chrono::NaiveDate,
        /// Who still has scores to give.
        person_ids: Vec<String>,
    },
    /// A round closed: each unit's weighted total and rank.
    ConductReviewClosed {
        /// The round.
        round_id: String,
        /// The scope unit.
        scope_unit_id: String,
        /// The month.
        month: String,
        /// Per unit: id, total (two decimals, as text), rank, missing sources.
        results: Vec<ConductResult>,
    },
    /// A unit ranked among the lowest: its 分管领导 is to hold a 谈心谈话; the assignments
    /// service issues it.
    TalkRequested {
        /// The round.
        round_id: String,
        /// The unit talked with.
        unit_id: String,
        /// Its name.
        unit_name: String,
        /// The 分管领导 who holds the talk.
        leader_id: String,
        /// The supervisor who opened the round, who issues the talk.
        issuer_id: String,
        /// The month reviewed.
        month: String,
        /// Its total, as text.
        total: String,
        /// Its rank.
        rank: u32,
        /// Working days for the talk.
        time_limit_days: u32,
    },
    /// A 满意度评议 is defined.
    SurveyCreated {
        /// The survey.
        survey_id: String,
        /// The scope unit.
        scope_unit_id: String,
        /// Title.
        title: String,
        /// The last day answers are taken.
        deadline: chrono::NaiveDate,
        /// The units surveyed.
        unit_ids: Vec<String>,
        /// Groups asked: `CADRE`, `PUBLIC`, `DEPUTY`.
        groups: Vec<String>,
    },
    /// One-time links were issued (how many, never the tokens).
    SurveyLinksIssued {
        /// The survey.
        survey_id: String,
        /// `PUBLIC` or `DEPUTY`.
        group: String,
        /// How many.
        count: u32,
    },
    /// A survey closed: each unit's overall mean and rank.
    SurveyClosed {
        /// The survey.
        survey_id: String,
        /// The scope unit.
        scope_unit_id: String,
        /// Per unit.
        results: Vec<SurveyUnitResult>,
    },
    /// A 好差评 came in through an item's rating link (the rater is not recorded).
    Rated {
        /// The rating.
        rating_id: String,
        /// The rated assignment or problem.
        item_id: String,
        /// The unit that handled it.
        unit_id: String,
        /// 5 非常满意 … 1 非常不满意.
        level: u8,
        /// Whether it is a 差评 (不满意 or 非常不满意).
        bad: bool,
        /// A rating again after a rectification.
        again: bool,
    },
    /// A 差评: the unit that handled the item rectifies it and the item's issuer visits
    /// the rater again; the assignments service issues both.
    RectificationRequested {
        /// The rating.
        rating_id: String,
        /// The rated item.
        item_id: String,
        /// `ASSIGNMENT` or `PROBLEM`.
        item_kind: String,
        /// Its title (a problem's description).
        title: String,
        /// The unit that handled it.
        unit_id: String,
        /// 不满意 or 非常不满意.
        level_label: String,
        /// What the rater wrote.
        comment: String,
        /// Working days for the rectification.
        time_limit_days: u32,
    },
    /// The unit appealed a 差评 (申诉).
    RatingAppealed {
        /// The rating.
        rating_id: String,
        /// The rated item.
        item_id: String,
        /// The unit.
        unit_id: String,
    },
    /// A supervisor decided an appeal: an upheld one takes the 差评 out of the figures.
    RatingAppealDecided {
        /// The rating.
        rating_id: String,
        /// The rated item.
        item_id: String,
        /// The unit.
        unit_id: String,
        /// Whether the appeal was upheld.
        upheld: bool,
    },
    /// DISCIPLINE recorded an accountability decision (追责问责) on a person or a unit; a
    /// correction is a new record that supersedes the old.
    AccountabilityRecorded {
        /// The record.
        record_id: String,
        /// `PERSON` or `UNIT`.
        subject_kind: String,
        /// The person or unit held to account.
        subject_id: String,
        /// The unit (the person's, or the unit itself).
        unit_id: String,
        /// The form, e.g. 诫勉谈话.
        form: String,
        /// Grounds.
        grounds: String,
        /// The day decided.
        decided_on: chrono::NaiveDate,
        /// Who decided (an organ or a person, as written).
        decided_by: String,
        /// The record it corrects.
        supersedes: Option<String>,
        /// A 通报批评 by a higher level, with its document number.
        document_number: Option<String>,
    },
    /// A clue went to the discipline commission (线索移送), by hand or by rule; the audit
    /// log seals, at this event, the full history of its items with inclusion proofs.
    ClueReferred {
        /// The referral.
        referral_id: String,
        /// `MANUAL`, `LONG_RED`, `FALSIFICATION`, `BAD_RATINGS` or `BUCK_PASSING`.
        cause: String,
        /// `PERSON` or `UNIT`.
        subject_kind: String,
        /// The person or unit.
        subject_id: String,
        /// The unit (the person's, or the unit itself).
        unit_id: String,
        /// The items whose history is the evidence.
        item_ids: Vec<String>,
        /// Facts and reasons.
        grounds: String,
        /// The supervisor, or `system` for a rule.
        referred_by: String,
        /// 签收 due by.
        receipt_due_on: chrono::NaiveDate,
    },
    /// The commission signed for a referral (签收).
    ReferralReceived {
        /// The referral.
        referral_id: String,
    },
    /// The commission chose how to dispose of a clue.
    ReferralDisposed {
        /// The referral.
        referral_id: String,
        /// `TALK_OR_LETTER`, `PRELIMINARY_CHECK`, `SHELVED` or `CLOSED`.
        disposition: String,
        /// To be finished by.
        due_on: chrono::NaiveDate,
    },
    /// The commission finished a referral (办结), with the accountability record it led to.
    ReferralConcluded {
        /// The referral.
        referral_id: String,
        /// The record, where it led to one.
        accountability_record_id: Option<String>,
    },
    /// A referral's step is due tomorrow or is late: the county's DISCIPLINE users are told.
    ReferralDue {
        /// The referral.
        referral_id: String,
        /// `RECEIPT` or the disposition's wire name.
        step: String,
        /// Due by.
        due_on: chrono::NaiveDate,
        /// Already late.
        overdue: bool,
    },
    /// A supervisor opened an assessment year (年度考核) of a scope with its 考评组.
    AssessmentOpened {
        /// The assessment.
        assessment_id: String,
        /// The scope unit.
        scope_unit_id: String,
        /// The year.
        year: i32,
        /// The units assessed.
        unit_ids: Vec<String>,
        /// The 考评组.
        panel_ids: Vec<String>,
    },
    /// A member of the 考评组 entered a 述职 score, an override, a bonus or penalty, a
    /// 甄别 or a choice among the tied; the computed figures stay beside it.
    AssessmentEntered {
        /// The assessment.
        assessment_id: String,
        /// `REPORT`, `OVERRIDE`, `BONUS`, `PENALTY`, `SCREENING` or `TIE`.
        kind: String,
        /// `PERSON` or `UNIT`.
        subject_kind: String,
        /// The person or unit (empty for a tie).
        subject_id: String,
        /// For an override: the indicator.
        indicator: Option<String>,
        /// Points, as text.
        value: Option<String>,
        /// For a 甄别: whether the fault was their own.
        own_fault: Option<bool>,
        /// For a tie: those chosen.
        chosen_ids: Vec<String>,
        /// Why.
        reason: String,
    },
    /// An assessment's result was published: 先进工作者 (推荐使用) and 先进科室, and every
    /// exclusion with its grounds.
    AssessmentPublished {
        /// The assessment.
        assessment_id: String,
        /// The scope unit.
        scope_unit_id: String,
        /// The year.
        year: i32,
        /// 先进工作者, flagged 推荐使用 for the organisation department.
        advanced_people: Vec<String>,
        /// 先进科室.
        advanced_units: Vec<String>,
        /// Excluded after 甄别: kind, id, grounds.
        exclusions: Vec<(String, String, String)>,
    },
}

impl EvaluationEvent {
    /// The event's type name, as in the envelope.
    pub fn type_name(&self) -> &'static str {
        match self {
            EvaluationEvent::ColorChanged { .. } => "ColorChanged",
            EvaluationEvent::ColorRulesChanged { .. } => "ColorRulesChanged",
            EvaluationEvent::BulletinPublished { .. } => "BulletinPublished",
            EvaluationEvent::BulletinCommented { .. } => "BulletinCommented",
            EvaluationEvent::ConductReviewOpened { .. } => "ConductReviewOpened",
            EvaluationEvent::ConductScoresSubmitted { .. } => "ConductScoresSubmitted",
            EvaluationEvent::ConductReviewDue { .. } => "ConductReviewDue",
            EvaluationEvent::ConductReviewClosed { .. } => "ConductReviewClosed",
            EvaluationEvent::TalkRequested { .. } => "TalkRequested",
            EvaluationEvent::SurveyCreated { .. } => "SurveyCreated",
            EvaluationEvent::SurveyLinksIssued { .. } => "SurveyLinksIssued",
            EvaluationEvent::SurveyClosed { .. } => "SurveyClosed",
            EvaluationEvent::Rated { .. } => "Rated",
            EvaluationEvent::RectificationRequested { .. } => "RectificationRequested",
            EvaluationEvent::RatingAppealed { .. } => "RatingAppealed",
            EvaluationEvent::RatingAppealDecided { .. } => "RatingAppealDecided",
            EvaluationEvent::AccountabilityRecorded { .. } => "AccountabilityRecorded",
            EvaluationEvent::ClueReferred { .. } => "ClueReferred",
            EvaluationEvent::ReferralReceived { .. } => "ReferralReceived",
            EvaluationEvent::ReferralDisposed { .. } => "ReferralDisposed",
            EvaluationEvent::ReferralConcluded { .. } => "ReferralConcluded",
            EvaluationEvent::ReferralDue { .. } => "ReferralDue",
            EvaluationEvent::AssessmentOpened { .. } => "AssessmentOpened",
            EvaluationEvent::AssessmentEntered { .. } => "AssessmentEntered",
            EvaluationEvent::AssessmentPublished { .. } => "AssessmentPublished",
        }
    }
}

/// One unit's line in a closed round.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct ConductResult {
    /// The unit.
    pub unit_id: String,
    /// Weighted total, two decimals, as text.
    pub total: Option<String>,
    /// Rank.
    pub rank: Option<u32>,
    /// Sources with no submission.
    pub missing: Vec<String>,
}

/// One unit's line in a closed survey.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct SurveyUnitResult {
    /// The unit.
    pub unit_id: String,
    /// Mean of the indicator means, two decimals, as text.
    pub overall: Option<String>,
    /// Rank.
    pub rank: Option<u32>,
    /// Respondents who scored it.
    pub respondents: u64,
    /// Whether they reach the minimum sample.
    pub representative: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_are_serdes<E: WireName + Serialize + std::fmt::Debug + PartialEq>() {
        for &v in E::ALL {
            let serde = serde_json::to_value(v).unwrap();
            assert_eq!(serde.as_str(), Some(v.as_str()), "{v:?}");
            assert_eq!(E::parse(v.as_str()), Some(v));
        }
        assert_eq!(E::parse("NO_SUCH_NAME"), None);
    }

    #[test]
    fn every_wire_name_is_the_one_serde_writes_and_reads_back() {
        names_are_serdes::<AccountabilitySubject>();
        names_are_serdes::<RespondentGroup>();
        names_are_serdes::<ReferralCause>();
        names_are_serdes::<ReferralStage>();
        names_are_serdes::<Disposition>();
        names_are_serdes::<AssessmentIndicator>();
        names_are_serdes::<RatingLevel>();
        names_are_serdes::<Eligibility>();
        names_are_serdes::<ReviewSource>();
    }
}
