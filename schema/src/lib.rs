//! Event contracts: the only thing duban's services share with each other.
//!
//! Every event travels in an [`Envelope`]; each producing service has one
//! `#[serde(tag = "type", content = "data")]` enum of past-tense events
//! carrying public snapshot structs. JSON Schemas generated from these types
//! are checked in under `schema/events/` and guarded against drift by a test.

pub mod assignments;
pub mod duty;
pub mod envelope;
pub mod evaluation;
#[cfg(feature = "graphql")]
pub mod graphql;
pub mod notifications;
pub mod topics;

pub use envelope::{Envelope, EnvelopeMeta, RawEnvelope, SCHEMA_VERSION};

/// An enum whose contracts carry its wire name as a string (`PERSON`, `LONG_RED`…): the
/// names, and through `graphql::GraphqlForm` the enum GraphQL serves for such a field.
pub trait WireName: Copy + Sized + 'static {
    /// Every value; the first is what an unknown name reads as.
    const ALL: &'static [Self];
    /// The wire name.
    fn as_str(self) -> &'static str;
    /// Reads a wire name.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
    /// Reads a wire name; an unknown one is the first value.
    fn read(s: &str) -> Self {
        Self::parse(s).unwrap_or(Self::ALL[0])
    }
}

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A role a person holds; carried in tokens and in person snapshots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// 经办人员: an office clerk who handles assignments.
    Clerk,
    /// 单位负责人: the head of a unit, responsible for its assignments.
    UnitLeader,
    /// 督查人员: issues, urges and verifies assignments.
    Supervisor,
    /// 纪检监察: reads everything in scope, records accountability.
    Discipline,
    /// 系统管理员: manages the directory and configuration.
    Admin,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 5] = [
        Role::Clerk,
        Role::UnitLeader,
        Role::Supervisor,
        Role::Discipline,
        Role::Admin,
    ];

    /// The wire name, as in tokens and GraphQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "CLERK",
            Role::UnitLeader => "UNIT_LEADER",
            Role::Supervisor => "SUPERVISOR",
            Role::Discipline => "DISCIPLINE",
            Role::Admin => "ADMIN",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The Chinese label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Role::Clerk => "经办人员",
            Role::UnitLeader => "单位负责人",
            Role::Supervisor => "督查人员",
            Role::Discipline => "纪检监察",
            Role::Admin => "系统管理员",
        }
    }
}

/// The color an item is kept with from its first row: blue, no card. Evaluation announces
/// an item's first color only when it differs (a card at once), so an item issued on
/// track costs no second event.
pub const FIRST_COLOR: Color = Color::Blue;

/// Three-color status of an item (红黄蓝三色管理).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Color {
    /// 蓝：正常推进
    Blue,
    /// 黄牌预警：进度滞后
    Yellow,
    /// 红牌督办：久拖不决
    Red,
}

impl Color {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Color::Blue => "BLUE",
            Color::Yellow => "YELLOW",
            Color::Red => "RED",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Color> {
        [Color::Blue, Color::Yellow, Color::Red]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}
