//! Campaigns (专项整治): launching one with its phases, and listing them.

use crate::entity::{campaign, org_unit};
use crate::rows::{domain_err, internal};
use crate::service::AssignmentsService;
use duban_api::{ApiError, LaunchCampaignInput};
use duban_auth::{in_subtree, Actor, Role};
use duban_schema::assignments::{AssignmentsEvent, CampaignSnapshot, PhaseSnapshot};
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set, TransactionTrait};

impl AssignmentsService {
    /// Launches a campaign (admin and demo loading).
    pub async fn launch_campaign(&self, c: CampaignSnapshot) -> Result<(), ApiError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let scope = org_unit::Entity::find_by_id(c.scope_unit_id.clone())
            .one(&txn)
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::validation("scopeUnitId", "范围单位不存在"))?;
        campaign::ActiveModel {
            id: Set(c.id.clone()),
            name: Set(c.name.clone()),
            document_number: Set(c.document_number.clone()),
            scope_unit_id: Set(c.scope_unit_id.clone()),
            phases: Set(serde_json::to_string(&c.phases).map_err(internal)?),
            categories: Set(serde_json::to_string(&c.categories).map_err(internal)?),
            announced_phase: Set(0),
            report_deadlines: Set(serde_json::to_string(&c.report_deadlines).map_err(internal)?),
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        let id = c.id.clone();
        self.emit(
            &txn,
            "system",
            &scope.path,
            &id,
            1,
            AssignmentsEvent::CampaignLaunched { campaign: c },
        )
        .await?;
        self.commit(txn).await
    }

    pub(crate) async fn launch_campaign_as(
        &self,
        actor: &Actor,
        input: LaunchCampaignInput,
    ) -> Result<CampaignSnapshot, ApiError> {
        if !actor.has_any(&[Role::Supervisor, Role::Admin]) {
            return Err(ApiError::Forbidden(
                "只有督查人员或系统管理员可以部署专项整治".into(),
            ));
        }
        let phases: Vec<(String, chrono::NaiveDate, chrono::NaiveDate)> = input
            .phases
            .iter()
            .map(|p| (p.name.trim().to_string(), p.starts_on, p.ends_on))
            .collect();
        let categories = crate::domain::campaign::validate(&input.name, &phases, input.categories)
            .map_err(domain_err)?;
        let scope = org_unit::Entity::find_by_id(input.scope_unit_id.clone())
            .one(&self.db)
            .await
            .map_err(internal)?
            .filter(|u| actor.can_see(&u.path))
            .ok_or_else(|| {
                ApiError::validation("scopeUnitId", "范围单位不存在或不在您的权限范围内")
            })?;
        let campaign = CampaignSnapshot {
            id: duban_outbox::new_event_id(self.clock.now()).to_string(),
            name: input.name.trim().to_string(),
            document_number: input.document_number.trim().to_string(),
            scope_unit_id: scope.id,
            phases: phases
                .into_iter()
                .enumerate()
                .map(|(i, (name, starts_on, ends_on))| PhaseSnapshot {
                    ordinal: i as i32 + 1,
                    name,
                    starts_on,
                    ends_on,
                })
                .collect(),
            categories,
            report_deadlines: {
                let mut r = input.report_deadlines;
                if let Some(bad) = r.iter().position(|d| d.name.trim().is_empty()) {
                    return Err(ApiError::validation(
                        &format!("reportDeadlines[{bad}].name"),
                        "请填写报告名称",
                    ));
                }
                r.sort_by_key(|d| d.due_on);
                r
            },
        };
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
                out.push(CampaignSnapshot {
                    id: c.id,
                    name: c.name,
                    document_number: c.document_number,
                    scope_unit_id: c.scope_unit_id,
                    phases: serde_json::from_str(&c.phases).map_err(internal)?,
                    categories: serde_json::from_str(&c.categories).map_err(internal)?,
                    report_deadlines: serde_json::from_str(&c.report_deadlines)
                        .map_err(internal)?,
                });
            }
        }
        Ok(out)
    }
}
