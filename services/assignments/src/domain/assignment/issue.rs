//! 交办: a new assignment from its input and what the store found it names.

use super::*;
use crate::domain::directory::pick_responsible;
use duban_api::IssueAssignmentInput;
use duban_schema::assignments::{AssignmentBrief, PersonSnapshot, Urgency};

/// A unit an input names, as found, with its people in post by account.
pub struct FoundUnit<'a> {
    /// Unit id.
    pub id: &'a str,
    /// Unit path.
    pub path: &'a str,
    /// Unit name.
    pub name: &'a str,
    /// Its people in post.
    pub people: Vec<PersonSnapshot>,
}

/// What a new assignment needs besides its input.
pub struct IssueFacts<'a> {
    /// Its id.
    pub id: String,
    /// Who issues it, and their unit.
    pub by: (&'a str, &'a str),
    /// When.
    pub now: DateTime<FixedOffset>,
    /// The working calendar.
    pub calendar: &'a Calendar,
    /// The lead unit.
    pub lead: FoundUnit<'a>,
    /// The cooperating units, in the input's order.
    pub cooperating: Vec<FoundUnit<'a>>,
    /// The categories of the campaign it belongs to, when it names one.
    pub campaign_categories: Option<Vec<String>>,
    /// The recurring duty that issues it, if any.
    pub duty_id: Option<String>,
}

/// A new assignment: a title and texts within their bounds, a time limit by the one rule, a sign-for limit of 0 (the
/// same day) to 10 working days (never past the time limit), distinct cooperating units
/// other than the lead, a category of its campaign, and a 责任人 in the lead unit.
pub fn issue(input: &IssueAssignmentInput, f: &IssueFacts) -> Result<Assignment, DomainError> {
    let invalid = |field, message: String| DomainError::Invalid { field, message };
    let today = f.now.date_naive();
    validate_issue(&input.brief.title, input.time_limit_days.unwrap_or(1))?;
    validate_brief(&input.brief)?;
    let (time_limit_days, due_on) = time_limit(
        "办结时限",
        input.time_limit_days,
        input.due_on,
        today,
        f.calendar,
    )?;
    let ack_days = input
        .ack_time_limit_days
        .unwrap_or(match input.brief.urgency {
            Urgency::VeryUrgent => 0,
            _ => 1,
        });
    if !(0..=10).contains(&ack_days) {
        return Err(invalid(
            "ackTimeLimitDays",
            "签收时限须为0（当日）至10个工作日".into(),
        ));
    }
    let ack_due_on = match ack_days {
        0 => today,
        n => f.calendar.add_working_days(today, n as u32),
    }
    .min(due_on);
    let mut cooperating: Vec<String> = Vec::new();
    let mut cooperating_people = Vec::new();
    for (index, unit) in f.cooperating.iter().enumerate() {
        let refused = |message: &str| DomainError::InvalidItem {
            list: "cooperatingUnitIds",
            index,
            field: "",
            message: message.into(),
        };
        if unit.id == f.lead.id {
            return Err(refused("配合单位不能是承办单位本身"));
        }
        if cooperating.iter().any(|c| c == unit.id) {
            return Err(refused("配合单位重复"));
        }
        cooperating.push(unit.id.to_string());
        cooperating_people.extend(pick_responsible(&unit.people, None));
    }
    if let (Some(cats), Some(cat)) = (&f.campaign_categories, &input.brief.category) {
        if !cats.contains(cat) {
            return Err(invalid(
                "category",
                format!("类别须为该专项整治的类别之一：{}", cats.join("、")),
            ));
        }
    }
    let responsible = pick_responsible(&f.lead.people, input.responsible_person_id.as_deref())
        .ok_or_else(|| match input.responsible_person_id {
            Some(_) => invalid("responsiblePersonId", "责任人须是承办单位的在岗人员".into()),
            None => invalid("leadUnitId", "承办单位尚无人员，无法明确责任人".into()),
        })?;
    Ok(Assignment::issued(AssignmentSnapshot {
        id: f.id.clone(),
        brief: AssignmentBrief {
            title: input.brief.title.trim().to_string(),
            description: input.brief.description.trim().to_string(),
            cooperating_unit_ids: cooperating,
            ..input.brief.clone()
        },
        issuer_id: f.by.0.to_string(),
        issuer_unit_id: f.by.1.to_string(),
        lead_unit_id: f.lead.id.to_string(),
        lead_unit_path: f.lead.path.to_string(),
        lead_unit_name: f.lead.name.to_string(),
        responsible_person_id: responsible,
        state: AssignmentState::Issued,
        time_limit_days,
        issued_at: f.now,
        due_on,
        progress_percent: 0,
        version: 1,
        supervision_level: SupervisionLevel::Normal,
        suspended_on: None,
        pending_extension_days: None,
        extension_count: 0,
        pending_transfer_unit_id: None,
        transfer_count: 0,
        cooperating_person_ids: cooperating_people,
        returned_to_issuer: false,
        ack_due_on: Some(ack_due_on),
        duty_id: f.duty_id.clone(),
    }))
}
