//! GraphQL types: thin wrappers over the services' data, named as API.md says.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{ComplexObject, OutputType, SimpleObject};
use duban_api::{AssignmentView, ColorView};

mod inputs;
pub use duban_api::graphql::{Date, DateTime};
pub use duban_api::CalendarDayView as CalendarDay;
pub use duban_api::NotificationView as Notification;
pub use duban_schema::assignments::{
    CampaignSnapshot as Campaign, OrgUnitSnapshot as OrgUnit, PersonSnapshot as Person,
    SupervisionLevel, Urgency,
};
pub use duban_schema::notifications::NotificationKind;
pub use duban_schema::Color;
pub use inputs::*;

/// An assignment (交办事项) with its three-color status.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Assignment {
    /// What the assignments service answers of it.
    #[graphql(flatten)]
    pub view: AssignmentView,
    #[graphql(skip)]
    pub color_view: Option<ColorView>,
}

/// Most notices `Assignment.notices` lists.
const NOTICES_PER_ITEM: usize = 100;

#[ComplexObject]
impl Assignment {
    /// Chinese label of the state, e.g. 已签收.
    async fn state_label(&self) -> &'static str {
        self.view.assignment.state.label()
    }
    /// Two or more transfers: flagged as passing the buck (推诿).
    async fn buck_passing(&self) -> bool {
        self.view.assignment.buck_passing()
    }
    /// Three-color status; null until evaluation has seen the item (a moment after issue).
    async fn color(&self) -> Option<Color> {
        self.color_view.as_ref().map(|c| c.color)
    }
    /// Why it has that color.
    async fn color_reason(&self) -> Option<&str> {
        self.color_view.as_ref().map(|c| c.reason.as_str())
    }
    /// The rule behind the color, e.g. RED_OVERDUE, YELLOW_LAG, BLUE_ON_TRACK.
    async fn color_rule(&self) -> Option<&str> {
        self.color_view.as_ref().map(|c| c.rule.as_str())
    }
    /// The notices about it, oldest first, at most 100: who was told what, and who
    /// acknowledged which (事事有回音). Costs as a page of 100, so a long list of items
    /// cannot ask each for its notices.
    #[graphql(
        complexity = "crate::caller::page_cost(Some(NOTICES_PER_ITEM as i32), child_complexity)"
    )]
    async fn notices(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<Notification>> {
        use crate::error::ApiResultExt;
        let (a, s) = (crate::caller::actor(ctx)?, crate::caller::services(ctx)?);
        let found = s
            .notifications
            .notices_about(a, &self.view.assignment.id, NOTICES_PER_ITEM)
            .await
            .gql()?;
        Ok(found.into_iter().collect())
    }
}

impl Assignment {
    /// The GraphQL object of a view and its color.
    pub fn new(view: AssignmentView, color_view: Option<ColorView>) -> Self {
        Assignment { view, color_view }
    }
}

/// Extra fields of every connection.
#[derive(SimpleObject)]
pub struct Totals {
    /// Items matching the filter, in all pages.
    pub total_count: i32,
}

/// A page from a service as a GraphQL connection, each item made a node by `node`.
pub fn connection<T, N: OutputType>(
    page: duban_api::Page<T>,
    mut node: impl FnMut(T) -> N,
) -> Connection<String, N, Totals, EmptyFields> {
    let totals = Totals {
        total_count: i32::try_from(page.total_count).unwrap_or(i32::MAX),
    };
    let mut conn =
        Connection::with_additional_fields(page.has_previous_page, page.has_next_page, totals);
    conn.edges.extend(
        page.items
            .into_iter()
            .map(|(cursor, item)| Edge::new(cursor, node(item))),
    );
    conn
}
