//! Campaigns (专项整治): launching one with its phases, and listing them.

use crate::domain::campaign::{self as rules, Campaign};
use crate::entity::{campaign, org_unit};
use crate::rows::{domain_err, internal};
use crate::service::AssignmentsService;
use duban_api::{ApiError, LaunchCampaignInput};
use duban_auth::{in_subtree, Actor, Role};
use duban_schema::assignments::{AssignmentsEvent, CampaignSnapshot};
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, TransactionTrait};

/// The categories of the campaign `id` names, read through `conn`; VALIDATION on
/// `campaignId` when there is no such campaign.
pub(crate) async fn categories_of<C: sea_orm::ConnectionTrait>(
    conn: &C,
    id: Option<&str>,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(id) = id else {
        return Ok(None);
    };
    let c = campaign::Entity::find_by_id(id.to_string())
        .one(conn)
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::validation("campaignId", "专项整治不存在"))?;
    Ok(Some(Campaign::try_from(&c)?.snapshot.categories))
}

impl AssignmentsService {
    /// Launches a campaign (admin and demo loading).
    pub async fn launch_campaign(&self, c: CampaignSnapshot) -> Result<(), ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let scope = org_unit::Entity::find_by_id(c.scope_unit_id.clone())
            .one(&txn)
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::validation("scopeUnitId", "范围单位不存在"))?;
        let c = Campaign {
            snapshot: c,
            announced_phase: 0,
        };
        campaign::ActiveModel::from(&c)
            .insert(&txn)
            .await
            .map_err(internal)?;
        let id = c.snapshot.id.clone();
        self.emit(
            &txn,
            "system",
            &scope.path,
            &id,
            1,
            AssignmentsEvent::CampaignLaunched {
                campaign: c.snapshot,
            },
        )
        .await?;
        self.commit(txn).await
    }

    pub(crate) async fn launch_campaign_as(
        &self,
        actor: &Actor,
        input: LaunchCampaignInput,
    ) -> Result<CampaignSnapshot, ApiError> {
        ApiError::forbidden_unless(
            actor.has_any(&[Role::Supervisor, Role::Admin]),
            "只有督查人员或系统管理员可以部署专项整治",
        )?;
        let scope = org_unit::Entity::find_by_id(input.scope_unit_id.clone())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|u| actor.can_see(&u.path))
            .ok_or_else(|| {
                ApiError::validation("scopeUnitId", "范围单位不存在或不在您的权限范围内")
            })?;
        let id = duban_outbox::new_event_id(self.clock.now()).to_string();
        let campaign = rules::launch(&input, &scope.id, id)
            .map_err(domain_err)?
            .snapshot;
        self.launch_campaign(campaign.clone()).await?;
        Ok(campaign)
    }

    pub(crate) async fn campaigns(&self, actor: &Actor) -> Result<Vec<CampaignSnapshot>, ApiError> {
        let rows = campaign::Entity::find()
            .order_by_asc(campaign::Column::Id)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut out = Vec::new();
        for c in rows {
            let scope = org_unit::Entity::find_by_id(c.scope_unit_id.clone())
                .one(&self.db)
                .await
                .map_err(internal)?;
            let covers = scope
                .is_some_and(|u| in_subtree(&actor.unit_path, &u.path) || actor.can_see(&u.path));
            if covers {
                out.push(Campaign::try_from(&c)?.snapshot);
            }
        }
        Ok(out)
    }
}
