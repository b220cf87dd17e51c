//! 工作动态清单: a rule that issues the same assignment each time it falls due, and when
//! it falls due.

use chrono::NaiveDate;
use duban_api_macros::graphql_object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How often a recurring duty falls due (工作动态清单).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Recurrence {
    /// Every week on a weekday (1 = Monday … 7 = Sunday), e.g. the Friday 周总结.
    Weekly {
        /// ISO weekday, 1–7.
        weekday: u32,
    },
    /// Every `every_months` months on a day of the month (clamped to the month's end),
    /// e.g. the mentor's monthly talk (1) or a research report every two months (2).
    Monthly {
        /// Day of the month, 1–31.
        day: u32,
        /// Interval in months, 1 for every month.
        every_months: u32,
    },
    /// Every working day on the calendar, e.g. a daily 值班 log.
    WorkingDays,
}

/// A recurring duty (工作动态清单): issues the same assignment each time it falls due.
#[graphql_object(name = "DutyRule", feature = "graphql")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DutyRuleSnapshot {
    /// Rule id.
    pub id: String,
    /// Title of each assignment, e.g. 本周工作总结及下周计划.
    pub title: String,
    /// What is to be done.
    pub description: String,
    /// When it falls due.
    #[gql(into = "crate::duty::RecurrenceFields")]
    pub recurrence: Recurrence,
    /// Unit that carries it out.
    pub unit_id: String,
    /// A person who carries it out; the unit's leader when none.
    pub person_id: Option<String>,
    /// Working days from the day it falls due to its time limit (0: the same day).
    pub time_limit_days: i32,
    /// When a day falls on a rest day, move it to the next working day.
    pub working_days_only: bool,
    /// First day the rule applies.
    pub starts_on: NaiveDate,
    /// Who made the rule.
    #[gql(skip)]
    pub created_by: String,
}

#[cfg(feature = "graphql")]
pub use face::*;

/// The recurrence as GraphQL serves it.
#[cfg(feature = "graphql")]
mod face {
    use super::Recurrence;
    use crate::graphql::GraphqlForm;
    /// How often a duty falls due.
    #[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
    pub enum RecurrenceKind {
        /// Every week on `weekday`.
        Weekly,
        /// Every `everyMonths` months on `day`.
        Monthly,
        /// Every working day.
        WorkingDays,
    }

    /// When a duty falls due: its kind and the numbers that kind takes.
    #[derive(async_graphql::SimpleObject)]
    #[graphql(name = "Recurrence")]
    pub struct RecurrenceFields {
        /// Weekly, monthly or every working day.
        pub kind: RecurrenceKind,
        /// For WEEKLY: 1 (Monday) to 7 (Sunday).
        pub weekday: Option<u32>,
        /// For MONTHLY: day of the month, 1–31 (clamped to the month's end).
        pub day: Option<u32>,
        /// For MONTHLY: interval in months.
        pub every_months: Option<u32>,
    }

    impl GraphqlForm<RecurrenceFields> for Recurrence {
        fn to_graphql(self) -> RecurrenceFields {
            use Recurrence as R;
            let (kind, weekday, day, every_months) = match self {
                R::Weekly { weekday } => (RecurrenceKind::Weekly, Some(weekday), None, None),
                R::Monthly { day, every_months } => {
                    (RecurrenceKind::Monthly, None, Some(day), Some(every_months))
                }
                R::WorkingDays => (RecurrenceKind::WorkingDays, None, None, None),
            };
            RecurrenceFields {
                kind,
                weekday,
                day,
                every_months,
            }
        }
        /// A number the kind takes and the value lacks reads as 0, which a duty rule refuses.
        fn from_graphql(g: RecurrenceFields) -> Self {
            use Recurrence as R;
            match g.kind {
                RecurrenceKind::Weekly => R::Weekly {
                    weekday: g.weekday.unwrap_or_default(),
                },
                RecurrenceKind::Monthly => R::Monthly {
                    day: g.day.unwrap_or_default(),
                    every_months: g.every_months.unwrap_or_default(),
                },
                RecurrenceKind::WorkingDays => R::WorkingDays,
            }
        }
    }
}
