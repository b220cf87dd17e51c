//! Which notice an assignment event produces, for whom, in what words. Pure.

use duban_schema::assignments::AssignmentsEvent;
use duban_schema::evaluation::EvaluationEvent;
use duban_schema::notifications::{Audience, NotificationKind};
use duban_schema::Color;

/// Whom a notice goes to: a person the event names, or one the directory answers for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum To {
    /// This person.
    Person(String),
    /// The active leaders of this unit (科室负责人负直接责任).
    LeadersOf(String),
    /// This person's 分管领导 (分管领导负领导责任).
    SupervisorOf(String),
    /// The DISCIPLINE users of this county.
    DisciplineOf(String),
    /// The leaders of every unit at or under this path.
    LeadersUnder(String),
}

impl To {
    /// The person, when the event names one.
    pub fn person(&self) -> Option<&str> {
        match self {
            To::Person(p) => Some(p),
            _ => None,
        }
    }
}

/// A notice to put into the inboxes of its audience.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// Whom it is for.
    pub to: To,
    /// Kind.
    pub kind: NotificationKind,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// The assignment, for notices about one.
    pub assignment_id: Option<String>,
    /// The ledger problem, for notices about one.
    pub problem_id: Option<String>,
    /// A copy for those who answer for the recipient (leaders, 分管领导, issuer): for
    /// their information, never to be acknowledged.
    pub copy: bool,
}

/// What an event's notices are about beyond their words: the item's time limit, who
/// issued it (the last rung of escalation), and whether it cannot wait for the morning.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct About {
    /// The item's time limit.
    pub due_on: Option<chrono::NaiveDate>,
    /// Who issued the item or registered the problem.
    pub issuer_id: Option<String>,
    /// 特急 items and red cards: pushed even in quiet hours.
    pub urgent: bool,
    /// The 责任人.
    pub responsible_id: Option<String>,
    /// The lead unit.
    pub lead_unit_id: Option<String>,
    /// The 配合单位's people.
    pub cooperating: Vec<String>,
    /// A problem's 责任领导.
    pub problem_leader: Option<String>,
}

/// [`About`] an assignments event.
pub fn about(event: &AssignmentsEvent) -> About {
    if let Some(a) = event.assignment() {
        return About {
            due_on: Some(a.due_on),
            issuer_id: Some(a.issuer_id.clone()),
            urgent: a.brief.urgency == duban_schema::assignments::Urgency::VeryUrgent,
            responsible_id: Some(a.responsible_person_id.clone()),
            lead_unit_id: Some(a.lead_unit_id.clone()),
            cooperating: a.cooperating_person_ids.clone(),
            problem_leader: None,
        };
    }
    match event.problem() {
        Some(p) => About {
            due_on: Some(p.due_on),
            issuer_id: Some(p.registered_by.clone()),
            urgent: false,
            responsible_id: Some(p.responsible_person_id.clone()),
            lead_unit_id: Some(p.unit_id.clone()),
            cooperating: Vec::new(),
            problem_leader: p.responsible_leader_id.clone().filter(|l| !l.is_empty()),
        },
        None => About::default(),
    }
}

/// [`About`] a card: a red card cannot wait.
pub fn about_card(event: &EvaluationEvent) -> About {
    match event {
        EvaluationEvent::ColorChanged {
            to,
            issuer_id,
            unit_id,
            responsible_person_id,
            ..
        } => About {
            issuer_id: Some(issuer_id.clone()).filter(|i| !i.is_empty()),
            urgent: *to == Color::Red,
            responsible_id: Some(responsible_person_id.clone()).filter(|i| !i.is_empty()),
            lead_unit_id: Some(unit_id.clone()),
            ..About::default()
        },
        _ => About::default(),
    }
}

/// Who `to` is to the item, so a county's rule can take or leave it.
pub fn role_of(to: &To, about: &About) -> Audience {
    match to {
        To::LeadersOf(_) | To::LeadersUnder(_) => Audience::UnitLeaders,
        To::SupervisorOf(_) => Audience::SupervisingLeader,
        To::DisciplineOf(_) => Audience::Discipline,
        To::Person(p) if about.responsible_id.as_ref() == Some(p) => Audience::Responsible,
        To::Person(p) if about.cooperating.contains(p) => Audience::Cooperating,
        To::Person(p) if about.problem_leader.as_ref() == Some(p) => Audience::ProblemLeader,
        To::Person(p) if about.issuer_id.as_ref() == Some(p) => Audience::Issuer,
        // Reviewers of a close-out decide as the issuer does.
        To::Person(_) => Audience::Issuer,
    }
}

/// Where a county's rule sends `kind` beyond what the event composed: the audiences it
/// names, as this item's people (the DISCIPLINE users of `county`).
pub fn audience_of(who: Audience, about: &About, county: &str) -> Vec<To> {
    let person = |p: &Option<String>| p.iter().map(|p| To::Person(p.clone())).collect();
    match who {
        Audience::Responsible => person(&about.responsible_id),
        Audience::Issuer => person(&about.issuer_id),
        Audience::ProblemLeader => person(&about.problem_leader),
        Audience::Cooperating => about.cooperating.iter().cloned().map(To::Person).collect(),
        Audience::UnitLeaders => about
            .lead_unit_id
            .iter()
            .cloned()
            .map(To::LeadersOf)
            .collect(),
        Audience::SupervisingLeader => about
            .responsible_id
            .iter()
            .cloned()
            .map(To::SupervisorOf)
            .collect(),
        Audience::Discipline => vec![To::DisciplineOf(county.to_string())],
    }
}

/// The key that keeps a reminder or escalation from reaching the same person twice with
/// the same words about the same item and time limit, however often its cause is
/// delivered or fired; none for kinds where a repeat is news (a second progress report).
pub fn dedupe_key(
    person: &str,
    kind: NotificationKind,
    item: Option<&str>,
    due_on: Option<chrono::NaiveDate>,
    body: &str,
) -> Option<String> {
    use sha2::{Digest, Sha256};
    let reminder = matches!(
        kind,
        NotificationKind::DueSoonReminder
            | NotificationKind::OverdueNotice
            | NotificationKind::EscalationNotice
            | NotificationKind::CampaignReportDue
    );
    let item = item.filter(|_| reminder)?;
    let mut h = Sha256::new();
    for part in [
        person,
        &format!("{kind:?}"),
        item,
        &due_on.map(|d| d.to_string()).unwrap_or_default(),
        body,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    Some(hex::encode(h.finalize()))
}

mod assignment;
mod county;
mod problem;
#[cfg(test)]
mod tests;

pub use county::{
    accountability_drafts, bulletin_drafts, campaign_drafts, card_drafts, escalation,
    referral_drafts, report_due, review_drafts, REPORT_REMINDER_DAYS,
};

/// The item whose earlier notices stop waiting for an answer after `event`: it was
/// withdrawn, suspended, reported done or closed, or passed to another unit or person
/// (whose own notice then asks instead). No rung is climbed for it any more.
pub fn settles(event: &AssignmentsEvent) -> Option<&str> {
    use AssignmentsEvent as E;
    match event {
        E::AssignmentCancelled { .. }
        | E::AssignmentSuspended { .. }
        | E::AssignmentCompleted { .. }
        | E::AssignmentVerified { .. }
        | E::AssignmentReassigned { .. }
        | E::AssignmentResponsibleChanged { .. }
        | E::ReturnedToIssuer { .. }
        | E::TransferDecided { approved: true, .. } => event.assignment().map(|a| a.id.as_str()),
        E::ProblemClosed { .. } | E::ProblemResponsibleChanged { .. } => {
            event.problem().map(|p| p.id.as_str())
        }
        _ => None,
    }
}

/// The notices an event produces.
/// Besides the 责任人, the lead unit's leaders and the 责任人's 分管领导 hear of what they
/// answer for: the item itself, its suspension, withdrawal and lateness; a problem's
/// 责任领导 hears that it is listed, late or reopened.
pub fn drafts(event: &AssignmentsEvent) -> Vec<Draft> {
    let mut out = assignment::lead_drafts(event);
    if let Some(a) = event.assignment() {
        let responsible = To::Person(a.responsible_person_id.clone());
        let also = [
            To::LeadersOf(a.lead_unit_id.clone()),
            To::SupervisorOf(a.responsible_person_id.clone()),
        ];
        let copies = copied(&out, &responsible, &also, |k| ANSWERED_FOR.contains(&k));
        out.extend(copies);
    }
    if let Some(p) = event.problem() {
        // A problem's 责任领导 hears that it is listed, late, or back on the list.
        let leader = p.responsible_leader_id.as_deref().filter(|l| !l.is_empty());
        let concerns_leader = matches!(
            event,
            AssignmentsEvent::ProblemRegistered { .. }
                | AssignmentsEvent::ProblemOverdue { .. }
                | AssignmentsEvent::ProblemReopened { .. }
        );
        if let (Some(leader), true) = (leader, concerns_leader) {
            let responsible = To::Person(p.responsible_person_id.clone());
            let copies = copied(&out, &responsible, &[To::Person(leader.into())], |_| true);
            out.extend(copies);
        }
    }
    out.extend(assignment::cooperating_drafts(event));
    out
}

/// Copies for each of `also` of the drafts among `out` addressed to `to` whose kind
/// `kinds` takes.
fn copied(
    out: &[Draft],
    to: &To,
    also: &[To],
    kinds: impl Fn(NotificationKind) -> bool,
) -> Vec<Draft> {
    out.iter()
        .filter(|d| &d.to == to && kinds(d.kind))
        .flat_map(|d| {
            also.iter().map(|a| Draft {
                to: a.clone(),
                copy: true,
                ..d.clone()
            })
        })
        .collect()
}

/// Kinds the lead unit's leaders and the 分管领导 receive with the 责任人.
const ANSWERED_FOR: [NotificationKind; 4] = [
    NotificationKind::SupervisionNotice,
    NotificationKind::OverdueNotice,
    NotificationKind::SuspensionNotice,
    NotificationKind::CancellationNotice,
];
