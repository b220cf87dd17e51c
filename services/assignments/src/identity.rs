//! Who a signed-in person is, read from the directory on each request: the token names a
//! person and a generation; unit, scope and roles come from here. Answers are cached
//! until the directory changes (every unit or person written here empties the cache).

use crate::entity::person;
use crate::rows::{internal, person_snapshot};
use crate::service::AssignmentsService;
use duban_api::ApiError;
use duban_auth::{Actor, Subject};
use sea_orm::EntityTrait;

/// The refusal for every token that does not name an active person of this county with
/// the current generation; one answer, so a caller cannot tell which check failed.
fn revoked() -> ApiError {
    ApiError::Unauthenticated(
        "身份令牌已失效（人员不存在、已停用或令牌已被撤销），请重新获取令牌".into(),
    )
}

impl AssignmentsService {
    /// The caller a token's subject is now, or UNAUTHENTICATED when the person is unknown,
    /// deactivated, of another county, or the token's generation was revoked.
    pub async fn authenticate(&self, subject: &Subject) -> Result<Actor, ApiError> {
        if subject.tenant != self.tenant {
            return Err(revoked());
        }
        let (epoch, cached) = self.kept.lookup(&subject.person_id);
        let (generation, actor) = match cached {
            Some(hit) => hit,
            None => {
                let Some(p) = person::Entity::find_by_id(subject.person_id.clone())
                    .one(&self.db)
                    .await
                    .map_err(internal)?
                    .filter(|p| !p.deactivated)
                else {
                    return Err(revoked());
                };
                let generation = p.generation;
                let actor = self.actor_for(&person_snapshot(p)).await?;
                self.kept
                    .keep(epoch, &subject.person_id, generation, &actor);
                (generation, actor)
            }
        };
        if generation != subject.generation {
            return Err(revoked());
        }
        if let Some(session) = &subject.session {
            if !self.session_open(session, &subject.person_id).await? {
                return Err(revoked());
            }
        }
        Ok(actor)
    }

    /// Registers a new county, a root of the directory, and its first administrator: the
    /// installation operator's `duban county add`, never an API call.
    pub async fn register_county(
        &self,
        id: &str,
        name: &str,
        division_code: Option<&str>,
        (admin, admin_name): (&str, &str),
    ) -> Result<duban_schema::assignments::OrgUnitSnapshot, ApiError> {
        let (unit, admin) =
            crate::domain::directory::county(id, name, division_code, (admin, admin_name))
                .map_err(crate::rows::domain_err)?;
        if self.find_person(&admin.account).await.is_ok() {
            return Err(ApiError::validation("admin", "该账号已存在"));
        }
        if crate::entity::org_unit::Entity::find_by_id(unit.id.clone())
            .one(&self.db)
            .await
            .map_err(internal)?
            .is_some()
        {
            return Err(ApiError::validation("id", "单位编号已存在"));
        }
        self.register_unit(unit.clone()).await?;
        self.register_person(admin).await?;
        Ok(unit)
    }

    /// Claims for a token naming an active person (by id or account), valid `ttl_secs`.
    pub async fn claims_for(
        &self,
        id_or_account: &str,
        ttl_secs: i64,
    ) -> Result<duban_auth::Claims, ApiError> {
        let p = self.find_person(id_or_account).await?;
        if p.deactivated {
            return Err(ApiError::Forbidden(format!(
                "人员 {}（{}）已停用，不能签发令牌",
                p.name, p.id
            )));
        }
        let generation = person::Entity::find_by_id(p.id.clone())
            .one(&self.db)
            .await
            .map_err(internal)?
            .map(|m| m.generation)
            .unwrap_or_default();
        let now = self.clock.now_utc().timestamp();
        Ok(duban_auth::Claims {
            sub: p.id,
            gen: generation,
            tenant: self.tenant.clone(),
            iat: now,
            exp: now + ttl_secs,
            sid: None,
        })
    }
}
