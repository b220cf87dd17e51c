//! The directory's rules: a unit's name, place in the tree and 统计用区划代码; a person's
//! account, roles, 分管领导 and leaving the post; and who answers for a unit (责任人).

use super::assignment::DomainError;
use duban_api::{RegisterOrgUnitInput, RegisterPersonInput, UpdateOrgUnitInput, UpdatePersonInput};
use duban_auth::Role;
use duban_schema::assignments::{OrgUnitSnapshot, PersonSnapshot, UnitKind};

/// A person as the directory's rules see them: the snapshot events carry, and the
/// generation of their tokens (a token of an older generation is dead).
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    /// What events carry.
    pub snapshot: PersonSnapshot,
    /// Token generation.
    pub generation: i64,
}

fn invalid(field: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field,
        message: message.into(),
    }
}

fn name_of_unit(name: &str) -> Result<String, DomainError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("name", "请填写单位名称"));
    }
    Ok(name.to_string())
}

/// Checks a 统计用区划代码 against the unit's kind and its county's code.
pub fn check_division_code(
    kind: UnitKind,
    code: Option<&str>,
    parent_code: Option<&str>,
) -> Result<(), DomainError> {
    let digits = |c: &str, n: usize| c.len() == n && c.bytes().all(|b| b.is_ascii_digit());
    match (kind, code) {
        (UnitKind::County, Some(c)) if !digits(c, 6) => {
            Err(invalid("divisionCode", "县的区划代码应为6位数字"))
        }
        (UnitKind::Township, Some(c)) if !digits(c, 9) => {
            Err(invalid("divisionCode", "乡镇的区划代码应为9位数字"))
        }
        (UnitKind::Township, Some(c)) => match parent_code {
            Some(pc) if !c.starts_with(pc) => Err(invalid(
                "divisionCode",
                format!("乡镇的区划代码应以所属县的代码{pc}开头"),
            )),
            _ => Ok(()),
        },
        (UnitKind::Department | UnitKind::Office, Some(_)) => {
            Err(invalid("divisionCode", "只有县和乡镇有区划代码"))
        }
        _ => Ok(()),
    }
}

fn division_code(code: Option<&str>) -> Option<&str> {
    code.map(str::trim).filter(|c| !c.is_empty())
}

/// A new unit under `parent` (a county is made by the operator's CLI, never here), with
/// the id given or `fresh_id`.
pub fn register_unit(
    input: &RegisterOrgUnitInput,
    parent: &OrgUnitSnapshot,
    fresh_id: String,
) -> Result<OrgUnitSnapshot, DomainError> {
    let name = name_of_unit(&input.name)?;
    if input.kind == UnitKind::County {
        return Err(invalid("parentId", "县不能有上级单位"));
    }
    let code = division_code(input.division_code.as_deref());
    check_division_code(input.kind, code, parent.division_code.as_deref())?;
    let id = input
        .id
        .clone()
        .filter(|i| !i.trim().is_empty())
        .unwrap_or(fresh_id);
    if id.contains('/') {
        return Err(invalid("id", "单位编号已存在或含有“/”"));
    }
    Ok(OrgUnitSnapshot {
        path: format!("{}/{id}", parent.path),
        id,
        parent_id: Some(parent.id.clone()),
        kind: input.kind,
        name,
        division_code: code.map(str::to_string),
        version: 1,
    })
}

/// A unit renamed or recoded; `parent_code` is its county's code.
pub fn update_unit(
    current: &OrgUnitSnapshot,
    input: &UpdateOrgUnitInput,
    parent_code: Option<&str>,
) -> Result<OrgUnitSnapshot, DomainError> {
    let mut next = current.clone();
    next.version += 1;
    if let Some(name) = &input.name {
        next.name = name_of_unit(name)?;
    }
    if let Some(code) = &input.division_code {
        let code = division_code(Some(code));
        check_division_code(current.kind, code, parent_code)?;
        next.division_code = code.map(str::to_string);
    }
    Ok(next)
}

/// A new person of `unit`.
pub fn register_person(
    input: &RegisterPersonInput,
    unit: &OrgUnitSnapshot,
) -> Result<Person, DomainError> {
    let account = input.account.trim().to_string();
    if account.is_empty() || account.contains(char::is_whitespace) {
        return Err(invalid("account", "账号不能为空或含有空格"));
    }
    if input.name.trim().is_empty() {
        return Err(invalid("name", "请填写姓名"));
    }
    if input.roles.is_empty() {
        return Err(invalid("roles", "请至少选择一个角色"));
    }
    Ok(Person {
        snapshot: PersonSnapshot {
            id: format!("p-{account}"),
            account,
            name: input.name.trim().to_string(),
            title: input.title.trim().to_string(),
            unit_id: unit.id.clone(),
            unit_path: unit.path.clone(),
            roles: input.roles.clone(),
            supervising_leader_id: None,
            deactivated: false,
            version: 1,
        },
        generation: 0,
    })
}

/// What an update of a person names, as the store found it.
pub struct PersonRefs<'a> {
    /// The new unit, when one is named and exists in scope.
    pub unit: Option<&'a OrgUnitSnapshot>,
    /// Whether the named 分管领导 is an active unit leader or supervisor in scope.
    pub leader_in_post: bool,
    /// Who makes the change.
    pub by: &'a str,
}

/// A person moved, retitled, given other roles or a 分管领导, or marked as having left;
/// a change of being in post starts a new token generation.
pub fn update_person(
    current: &Person,
    input: &UpdatePersonInput,
    refs: &PersonRefs,
) -> Result<Person, DomainError> {
    let p = &current.snapshot;
    let mut next = current.clone();
    next.snapshot.version += 1;
    if let Some(title) = &input.title {
        next.snapshot.title = title.trim().to_string();
    }
    if input.unit_id.is_some() {
        let unit = refs
            .unit
            .ok_or_else(|| invalid("unitId", "所在单位不存在或不在您的管理范围内"))?;
        next.snapshot.unit_id = unit.id.clone();
        next.snapshot.unit_path = unit.path.clone();
    }
    if let Some(roles) = &input.roles {
        if roles.is_empty() {
            return Err(invalid("roles", "请至少选择一个角色"));
        }
        next.snapshot.roles = roles.clone();
    }
    if let Some(leader) = &input.supervising_leader_id {
        let leader = leader.trim();
        next.snapshot.supervising_leader_id = if leader.is_empty() {
            None
        } else if leader == p.id {
            return Err(invalid("supervisingLeaderId", "分管领导不能是本人"));
        } else if !refs.leader_in_post {
            return Err(invalid(
                "supervisingLeaderId",
                "分管领导须是您管理范围内在岗的单位负责人或督查领导",
            ));
        } else {
            Some(leader.to_string())
        };
    }
    if let Some(d) = input.deactivated {
        if d && p.id == refs.by {
            return Err(invalid("deactivated", "不能停用自己的账号"));
        }
        if d != p.deactivated {
            // Tokens signed before a deactivation stay dead after a reactivation.
            next.generation += 1;
        }
        next.snapshot.deactivated = d;
    }
    if input.successor_id.is_some() && !leaves(current, &next) {
        return Err(invalid("successorId", "只有停用或调离单位时才需指定接替人"));
    }
    Ok(next)
}

/// Whether the change from `before` to `after` takes the person from their work: they
/// leave the post or the unit, and hand over what they answer for.
pub fn leaves(before: &Person, after: &Person) -> bool {
    (after.snapshot.deactivated && !before.snapshot.deactivated)
        || after.snapshot.unit_id != before.snapshot.unit_id
}

/// The 单位负责人 among a unit's people in post, if one is there.
pub fn unit_leader(people: &[PersonSnapshot]) -> Option<&PersonSnapshot> {
    people.iter().find(|p| p.roles.contains(&Role::UnitLeader))
}

/// The 责任人 among a unit's people in post (ordered by account): the requested person
/// when among them, otherwise the unit's leader, or its first person.
pub fn pick_responsible(people: &[PersonSnapshot], requested: Option<&str>) -> Option<String> {
    match requested {
        Some(pid) => people.iter().find(|p| p.id == pid),
        None => unit_leader(people).or_else(|| people.first()),
    }
    .map(|p| p.id.clone())
}

/// A new county, a root of the directory, and its first administrator (account, name):
/// the operator's `duban county add`.
pub fn county(
    id: &str,
    name: &str,
    division_code: Option<&str>,
    (account, admin_name): (&str, &str),
) -> Result<(OrgUnitSnapshot, PersonSnapshot), DomainError> {
    let (id, name) = (id.trim(), name.trim());
    let (account, admin_name) = (account.trim(), admin_name.trim());
    if account.is_empty() || admin_name.is_empty() {
        return Err(invalid("admin", "请填写系统管理员的账号和姓名"));
    }
    if id.is_empty() || id.contains('/') {
        return Err(invalid("id", "县的编号不能为空或含有“/”"));
    }
    if name.is_empty() {
        return Err(invalid("name", "请填写县的名称"));
    }
    check_division_code(UnitKind::County, division_code, None)?;
    let unit = OrgUnitSnapshot {
        id: id.to_string(),
        parent_id: None,
        kind: UnitKind::County,
        name: name.to_string(),
        division_code: division_code.map(str::to_string),
        path: format!("/{id}"),
        version: 1,
    };
    let admin = PersonSnapshot {
        id: account.to_string(),
        account: account.to_string(),
        name: admin_name.to_string(),
        title: "系统管理员".to_string(),
        unit_id: unit.id.clone(),
        unit_path: unit.path.clone(),
        roles: vec![Role::Admin],
        supervising_leader_id: None,
        deactivated: false,
        version: 1,
    };
    Ok((unit, admin))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn county() -> OrgUnitSnapshot {
        OrgUnitSnapshot {
            id: "c".into(),
            parent_id: None,
            kind: UnitKind::County,
            name: "某县".into(),
            division_code: Some("360101".into()),
            path: "/c".into(),
            version: 1,
        }
    }

    fn person(id: &str, roles: Vec<Role>) -> PersonSnapshot {
        PersonSnapshot {
            id: id.into(),
            account: id.into(),
            name: id.into(),
            title: String::new(),
            unit_id: "c".into(),
            unit_path: "/c".into(),
            roles,
            supervising_leader_id: None,
            deactivated: false,
            version: 1,
        }
    }

    #[test]
    fn a_township_code_starts_with_its_county_and_a_new_unit_lies_under_its_parent() {
        let input = |code: &str| RegisterOrgUnitInput {
            id: Some("t1".into()),
            parent_id: Some("c".into()),
            kind: UnitKind::Township,
            name: " 白沙镇 ".into(),
            division_code: Some(code.into()),
        };
        let bad = register_unit(&input("360102001"), &county(), "x".into());
        assert!(matches!(
            bad,
            Err(DomainError::Invalid {
                field: "divisionCode",
                ..
            })
        ));
        let t = register_unit(&input("360101001"), &county(), "x".into()).unwrap();
        assert_eq!((t.path.as_str(), t.name.as_str()), ("/c/t1", "白沙镇"));
        let slash = RegisterOrgUnitInput {
            id: Some("a/b".into()),
            ..input("")
        };
        let e = register_unit(&slash, &county(), "x".into());
        assert!(matches!(e, Err(DomainError::Invalid { field: "id", .. })));
    }

    #[test]
    fn leaving_starts_a_new_token_generation_and_one_cannot_deactivate_oneself() {
        let p = Person {
            snapshot: person("p-a", vec![Role::Clerk]),
            generation: 3,
        };
        let leave = UpdatePersonInput {
            id: "p-a".into(),
            expected_version: 1,
            deactivated: Some(true),
            ..Default::default()
        };
        let refs = |by| PersonRefs {
            unit: None,
            leader_in_post: false,
            by,
        };
        let gone = update_person(&p, &leave, &refs("admin")).unwrap();
        assert_eq!((gone.generation, gone.snapshot.version), (4, 2));
        assert!(leaves(&p, &gone));
        let own = update_person(&p, &leave, &refs("p-a"));
        assert!(matches!(
            own,
            Err(DomainError::Invalid {
                field: "deactivated",
                ..
            })
        ));
        let successor_alone = UpdatePersonInput {
            title: Some("科员".into()),
            successor_id: Some("p-b".into()),
            ..leave.clone()
        };
        let stays = UpdatePersonInput {
            deactivated: None,
            ..successor_alone
        };
        let e = update_person(&p, &stays, &refs("admin"));
        assert!(matches!(
            e,
            Err(DomainError::Invalid {
                field: "successorId",
                ..
            })
        ));
    }

    #[test]
    fn the_responsible_person_is_the_one_asked_for_else_the_leader_else_the_first() {
        let people = [
            person("p-a", vec![Role::Clerk]),
            person("p-b", vec![Role::UnitLeader]),
        ];
        assert_eq!(pick_responsible(&people, None).as_deref(), Some("p-b"));
        assert_eq!(
            pick_responsible(&people, Some("p-a")).as_deref(),
            Some("p-a")
        );
        assert_eq!(pick_responsible(&people, Some("p-x")), None);
        assert_eq!(pick_responsible(&people[..1], None).as_deref(), Some("p-a"));
    }
}
