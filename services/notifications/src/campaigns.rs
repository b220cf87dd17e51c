//! Campaigns kept from their events: their scope and the reports they ask for.

use duban_schema::assignments::AssignmentsEvent;
use duban_schema::RawEnvelope;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter};

/// The campaigns table.
pub mod campaign_copy {
    use sea_orm::entity::prelude::*;

    /// One campaign.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "campaign_copy")]
    pub struct Model {
        /// Campaign id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// Its name.
        pub name: String,
        /// The path of the unit whose subtree it covers.
        pub scope_path: String,
        /// Its report deadlines (JSON).
        #[sea_orm(column_type = "Text")]
        pub report_deadlines: String,
        /// Its last phase has ended.
        pub ended: bool,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Keeps the campaigns `events` launch or end.
pub(crate) async fn keep<C: ConnectionTrait>(
    conn: &C,
    events: &[(&RawEnvelope, &AssignmentsEvent)],
) -> Result<(), DbErr> {
    use campaign_copy::Column as C;
    for (event, typed) in events {
        match typed {
            AssignmentsEvent::CampaignLaunched { campaign } => {
                let row = campaign_copy::Model {
                    id: campaign.id.clone(),
                    name: campaign.name.clone(),
                    scope_path: event.meta.org_path.clone(),
                    report_deadlines: serde_json::to_string(&campaign.report_deadlines)
                        .unwrap_or_else(|_| "[]".into()),
                    ended: false,
                };
                duban_outbox::db::upsert(
                    conn,
                    [row.into_active_model()],
                    [C::Id],
                    [C::Name, C::ScopePath, C::ReportDeadlines],
                )
                .await?;
            }
            AssignmentsEvent::CampaignEnded { campaign_id, .. } => {
                campaign_copy::Entity::update_many()
                    .col_expr(C::Ended, Expr::value(true))
                    .filter(C::Id.eq(campaign_id))
                    .exec(conn)
                    .await?;
            }
            _ => {}
        }
    }
    Ok(())
}
