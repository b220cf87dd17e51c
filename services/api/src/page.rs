//! Relay pages as the services read and answer them.

use serde::{Deserialize, Serialize};

/// One page request of a Relay connection.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PageRequest {
    /// How many items at most.
    pub first: usize,
    /// Opaque cursor to continue after.
    pub after: Option<String>,
    /// Whether the caller reads the total count (it costs a count when it cannot be
    /// taken from running tallies).
    #[serde(default = "counted")]
    pub count: bool,
    /// Whether the caller reads each item's lists (progress reports, deadline changes,
    /// transfers), which cost queries of their own.
    #[serde(default = "counted")]
    pub details: bool,
}

fn counted() -> bool {
    true
}

/// One page of results.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Page<T> {
    /// Items with their cursors, in order.
    pub items: Vec<(String, T)>,
    /// Whether more items follow.
    pub has_next_page: bool,
    /// Whether items come before this page.
    pub has_previous_page: bool,
    /// Matching items in all pages.
    pub total_count: u64,
}
