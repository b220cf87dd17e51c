//! Who may do what, in one place: every entry point (GraphQL, file import, recurring
//! duties, internal calls) reaches these checks through the same service functions.

use duban_api::ApiError;
use duban_auth::{in_subtree, Actor, Role};

/// Who may take a transition on an assignment.
#[derive(Clone, Copy)]
pub(crate) enum Party {
    /// A clerk or leader of the lead unit.
    LeadUnit,
    /// A supervisor whose scope covers the lead unit (催办, 督办, 挂牌督办).
    Supervisor,
    /// The issuer, or a supervisor whose scope covers the issuer's unit: verifying,
    /// returning, deciding extensions and transfers, suspending, cancelling, reopening.
    Issuer,
}

/// The assignment facts a party check reads.
pub(crate) struct Holder<'a> {
    /// The lead unit's path.
    pub lead_unit_path: &'a str,
    /// The issuer's person id.
    pub issuer_id: &'a str,
    /// The issuer's unit path, when the unit still exists.
    pub issuer_unit_path: Option<&'a str>,
}

/// Refuses `actor` unless they are `party` to the item.
pub(crate) fn check_party(actor: &Actor, party: Party, item: &Holder<'_>) -> Result<(), ApiError> {
    let allowed = match party {
        Party::LeadUnit => {
            actor.has_any(&[Role::Clerk, Role::UnitLeader]) && actor.works_in(item.lead_unit_path)
        }
        Party::Supervisor => actor.has(Role::Supervisor) && actor.can_see(item.lead_unit_path),
        Party::Issuer => {
            actor.has(Role::Supervisor)
                && (actor.person_id == item.issuer_id
                    || item.issuer_unit_path.is_some_and(|p| actor.can_see(p)))
        }
    };
    if allowed {
        return Ok(());
    }
    Err(ApiError::Forbidden(match party {
        Party::LeadUnit => "只有承办单位的经办人员或负责人可以办理此事项".into(),
        Party::Supervisor => "只有督查范围覆盖承办单位的督查人员可以催办、督办此事项".into(),
        Party::Issuer => {
            "此决定属于交办方：只有交办人或交办单位的上级督查人员可以审核、退回、批准延期或转办、中止、撤销、重新打开".into()
        }
    }))
}

/// Issuing assignments (by hand, by import, by a recurring duty's creator).
pub(crate) fn may_issue(actor: &Actor) -> Result<(), ApiError> {
    if actor.has(Role::Supervisor) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("只有督查人员可以交办事项".into()))
    }
}

/// Registering ledger problems: supervisors anywhere in scope, clerks and unit leaders
/// for their own unit (`unit_path`, when known).
pub(crate) fn may_register_problem(actor: &Actor, unit_path: Option<&str>) -> Result<(), ApiError> {
    let own_unit = actor.has_any(&[Role::Clerk, Role::UnitLeader])
        && unit_path.is_none_or(|p| actor.works_in(p));
    if actor.has(Role::Supervisor) || own_unit {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "只有督查人员或本单位的经办人员、负责人可以登记问题".into(),
        ))
    }
}

/// Keeping a recurring duty (工作动态清单) for a unit: supervisors in scope, or the
/// unit's own leader; checked when the rule is set and each time it issues.
pub(crate) fn may_keep_duty(actor: &Actor, unit_path: &str) -> Result<(), ApiError> {
    let own_leader = actor.has(Role::UnitLeader) && actor.works_in(unit_path);
    if (actor.has(Role::Supervisor) && actor.can_see(unit_path)) || own_leader {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "只有督查人员或本单位负责人可以设置工作动态清单".into(),
        ))
    }
}

/// Whether the actor's scope is a whole county (a root of the directory).
fn county_wide(actor: &Actor) -> bool {
    let scope = actor.scope.trim_matches('/');
    !scope.is_empty() && !scope.contains('/')
}

/// The working calendar is the county's: only an admin whose scope is the whole county.
pub(crate) fn may_change_calendar(actor: &Actor) -> Result<(), ApiError> {
    if actor.has(Role::Admin) && county_wide(actor) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "工作日历由县级系统管理员统一调整".into(),
        ))
    }
}

/// Maintaining units and people inside the admin's scope.
pub(crate) fn may_maintain_directory(actor: &Actor) -> Result<(), ApiError> {
    if actor.has(Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "只有系统管理员可以维护单位和人员".into(),
        ))
    }
}

/// A new county (a root of the directory) is the installation operator's, made with
/// `duban county` on the server, never through the API.
pub(crate) fn refuse_new_root() -> ApiError {
    ApiError::Forbidden("新建县级单位须由系统运维人员在服务器上使用 duban county 命令完成".into())
}

/// Whether `path` lies in `actor`'s scope; the one test for references a command names.
pub(crate) fn in_scope(actor: &Actor, path: &str) -> bool {
    in_subtree(path, &actor.scope)
}

/// Whether `actor` may read the unit at `path`: those in their scope and the units above it.
pub(crate) fn sees_unit(actor: &Actor, path: &str) -> bool {
    in_subtree(path, &actor.scope) || in_subtree(&actor.scope, path)
}

/// Whether `actor` may read the person `id` of the unit at `unit_path`: those they
/// oversee, themselves, and the people of the units above their scope.
pub(crate) fn sees_person(actor: &Actor, id: &str, unit_path: &str) -> bool {
    actor.can_see(unit_path) || id == actor.person_id || in_subtree(&actor.scope, unit_path)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn actor(id: &str, unit_path: &str, scope: &str, roles: &[Role]) -> Actor {
        Actor {
            person_id: id.into(),
            name: id.into(),
            tenant: "c".into(),
            unit_id: unit_path.rsplit('/').next().unwrap().into(),
            unit_path: unit_path.into(),
            scope: scope.into(),
            roles: roles.to_vec(),
        }
    }

    const ITEM: Holder<'static> = Holder {
        lead_unit_path: "/qs/baisha/baisha-dzb",
        issuer_id: "p-county-supervisor",
        issuer_unit_path: Some("/qs/qs-dcs"),
    };

    #[test]
    fn a_township_supervisor_urges_but_does_not_decide_a_county_item() {
        let township = actor(
            "p-t",
            "/qs/baisha/baisha-dzb",
            "/qs/baisha",
            &[Role::Supervisor],
        );
        assert!(check_party(&township, Party::Supervisor, &ITEM).is_ok());
        assert_eq!(
            check_party(&township, Party::Issuer, &ITEM)
                .unwrap_err()
                .code(),
            "FORBIDDEN"
        );
        let colleague = actor("p-c", "/qs/qs-dcs", "/qs", &[Role::Supervisor]);
        assert!(check_party(&colleague, Party::Issuer, &ITEM).is_ok());
        let issuer = actor(
            "p-county-supervisor",
            "/qs/qs-dcs",
            "/qs/qs-dcs",
            &[Role::Supervisor],
        );
        assert!(check_party(&issuer, Party::Issuer, &ITEM).is_ok());
    }

    #[test]
    fn only_a_county_wide_admin_changes_the_calendar() {
        let county = actor("a", "/qs/qs-dcs", "/qs", &[Role::Admin]);
        let township = actor("b", "/qs/baisha/baisha-dzb", "/qs/baisha", &[Role::Admin]);
        let supervisor = actor("c", "/qs/qs-dcs", "/qs", &[Role::Supervisor]);
        assert!(may_change_calendar(&county).is_ok());
        assert!(may_change_calendar(&township).is_err());
        assert!(may_change_calendar(&supervisor).is_err());
    }
}
