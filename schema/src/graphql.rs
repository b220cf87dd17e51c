//! The GraphQL face of the contracts (feature `graphql`, which duban-api turns on for the
//! gateway): the scalars, a calendar day and an instant as Shanghai reads them, and
//! `GraphqlForm`, by which `#[graphql_object]` and `#[graphql_input]` convert a field whose
//! GraphQL type is not its Rust type.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value, ID};
use chrono::{DateTime as ChronoDateTime, FixedOffset, NaiveDate};

use crate::WireName;

/// A calendar day `YYYY-MM-DD` on the Asia/Shanghai calendar.
#[derive(Clone, Copy, Debug)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom("日期格式应为 YYYY-MM-DD")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }
    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// An instant, RFC 3339 with offset, e.g. `2026-03-10T17:30:00+08:00`.
#[derive(Clone, Copy, Debug)]
pub struct DateTime(pub ChronoDateTime<FixedOffset>);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => ChronoDateTime::parse_from_rfc3339(s)
                .map(DateTime)
                .map_err(|_| {
                    InputValueError::custom("时间格式应为 RFC 3339，例如 2026-03-10T17:30:00+08:00")
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }
    fn to_value(&self) -> Value {
        Value::String(
            self.0
                .with_timezone(&duban_clock::shanghai())
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        )
    }
}

/// A contract value and the GraphQL value that carries it (`String` as `ID`, a day as
/// `Date`, an instant as `DateTime`; options and lists of them alike), both ways: what
/// `graphql_input` converts a field by.
pub trait GraphqlForm<G>: Sized {
    /// The GraphQL value.
    fn to_graphql(self) -> G;
    /// The contract value.
    fn from_graphql(g: G) -> Self;
}

impl GraphqlForm<ID> for String {
    fn to_graphql(self) -> ID {
        ID(self)
    }
    fn from_graphql(g: ID) -> Self {
        g.0
    }
}

impl GraphqlForm<Date> for NaiveDate {
    fn to_graphql(self) -> Date {
        Date(self)
    }
    fn from_graphql(g: Date) -> Self {
        g.0
    }
}

impl GraphqlForm<DateTime> for ChronoDateTime<FixedOffset> {
    fn to_graphql(self) -> DateTime {
        DateTime(self)
    }
    fn from_graphql(g: DateTime) -> Self {
        g.0
    }
}

impl<E: WireName> GraphqlForm<E> for String {
    fn to_graphql(self) -> E {
        E::read(&self)
    }
    fn from_graphql(g: E) -> Self {
        g.as_str().into()
    }
}

impl<T: GraphqlForm<G>, G> GraphqlForm<Option<G>> for Option<T> {
    fn to_graphql(self) -> Option<G> {
        self.map(T::to_graphql)
    }
    fn from_graphql(g: Option<G>) -> Self {
        g.map(T::from_graphql)
    }
}

impl<T: GraphqlForm<G>, G> GraphqlForm<Vec<G>> for Vec<T> {
    fn to_graphql(self) -> Vec<G> {
        self.into_iter().map(T::to_graphql).collect()
    }
    fn from_graphql(g: Vec<G>) -> Self {
        g.into_iter().map(T::from_graphql).collect()
    }
}
