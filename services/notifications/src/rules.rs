//! A county's notice rules: who each kind reaches and whether it must be acknowledged,
//! how long an acknowledgement may wait, quiet hours and digests; the defaults, and the
//! checks a change must pass. Pure.

use crate::push::PushRules;
use chrono::NaiveTime;
use duban_clock::office::QuietHours;
use duban_schema::notifications::{
    Audience, KindRule, NotificationKind, NotificationRulesSnapshot,
};
use std::collections::HashMap;

/// A county's rules, ready to apply.
#[derive(Clone, Debug)]
pub struct Rules {
    /// Office hours before escalation.
    pub escalate_after_hours: u32,
    /// Quiet hours and digests.
    pub push: PushRules,
    kinds: HashMap<NotificationKind, KindRule>,
}

impl Default for Rules {
    fn default() -> Self {
        Self::from_snapshot(&defaults(""))
    }
}

/// The rules a county has before it sets any.
pub fn defaults(county_id: &str) -> NotificationRulesSnapshot {
    NotificationRulesSnapshot {
        county_id: county_id.to_string(),
        escalate_after_working_hours: 4,
        digest_threshold: 5,
        digest_minutes: 10,
        quiet_from: "20:00".into(),
        quiet_until: "08:00".into(),
        kinds: Vec::new(),
        version: 0,
    }
}

fn time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

impl Rules {
    /// The rules a snapshot states (times that do not parse keep the defaults).
    pub fn from_snapshot(s: &NotificationRulesSnapshot) -> Self {
        let quiet = QuietHours::default();
        Self {
            escalate_after_hours: s.escalate_after_working_hours,
            push: PushRules {
                digest_threshold: s.digest_threshold as usize,
                digest_minutes: i64::from(s.digest_minutes),
                quiet: QuietHours {
                    from: time(&s.quiet_from).unwrap_or(quiet.from),
                    until: time(&s.quiet_until).unwrap_or(quiet.until),
                },
            },
            kinds: s.kinds.iter().map(|k| (k.kind, k.clone())).collect(),
        }
    }

    /// Whether `kind` goes to `who`: as the county set it, else as the event composes it.
    pub fn allows(&self, kind: NotificationKind, who: Audience) -> bool {
        self.kinds
            .get(&kind)
            .is_none_or(|r| r.audiences.contains(&who))
    }

    /// The audiences the county named for `kind`, if it set them.
    pub fn audiences(&self, kind: NotificationKind) -> &[Audience] {
        self.kinds
            .get(&kind)
            .map(|r| r.audiences.as_slice())
            .unwrap_or(&[])
    }

    /// Whether the 责任人's notice of `kind` must be acknowledged.
    pub fn requires_ack(&self, kind: NotificationKind) -> bool {
        self.kinds
            .get(&kind)
            .map_or(kind.requires_ack_by_default(), |r| r.requires_ack)
    }
}

/// Checks a county's rules; the field at fault and why.
pub fn check(s: &NotificationRulesSnapshot) -> Result<(), (&'static str, String)> {
    if !(1..=40).contains(&s.escalate_after_working_hours) {
        return Err((
            "escalateAfterWorkingHours",
            "逾时提级须在1到40个工作小时之间".into(),
        ));
    }
    if !(1..=100).contains(&s.digest_threshold) {
        return Err(("digestThreshold", "合并推送阈值须在1到100之间".into()));
    }
    if !(1..=240).contains(&s.digest_minutes) {
        return Err(("digestMinutes", "合并推送时间窗须在1到240分钟之间".into()));
    }
    let (Some(from), Some(until)) = (time(&s.quiet_from), time(&s.quiet_until)) else {
        return Err(("quietFrom", "免打扰时段须写作 HH:MM，如 20:00".into()));
    };
    if from <= until {
        return Err((
            "quietFrom",
            "免打扰时段应跨夜，开始时间须晚于结束时间（如20:00至08:00）".into(),
        ));
    }
    for k in &s.kinds {
        if k.audiences.is_empty() {
            return Err(("audiences", "至少指定一类接收人".into()));
        }
        if k.requires_ack && !k.audiences.contains(&Audience::Responsible) {
            return Err(("requiresAck", "须签收回复的通知必须发给责任人".into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_county_rule_narrows_or_widens_a_kind_and_sets_its_answer() {
        let mut s = defaults("qs");
        let r = Rules::from_snapshot(&s);
        assert!(r.allows(NotificationKind::RedCard, Audience::Issuer));
        assert!(r.requires_ack(NotificationKind::SupervisionNotice));
        assert!(!r.requires_ack(NotificationKind::ProgressUpdate));
        s.kinds.push(KindRule {
            kind: NotificationKind::RedCard,
            audiences: vec![Audience::Responsible, Audience::Discipline],
            requires_ack: false,
        });
        let r = Rules::from_snapshot(&s);
        assert!(!r.allows(NotificationKind::RedCard, Audience::Issuer));
        assert!(r.allows(NotificationKind::RedCard, Audience::Discipline));
        assert!(!r.requires_ack(NotificationKind::RedCard));
        assert!(check(&s).is_ok());
    }

    #[test]
    fn bad_rules_name_their_field() {
        let mut s = defaults("qs");
        s.quiet_from = "07:00".into();
        assert_eq!(check(&s).err().map(|e| e.0), Some("quietFrom"));
        let mut s = defaults("qs");
        s.escalate_after_working_hours = 0;
        assert_eq!(
            check(&s).err().map(|e| e.0),
            Some("escalateAfterWorkingHours")
        );
        let mut s = defaults("qs");
        s.kinds.push(KindRule {
            kind: NotificationKind::SupervisionNotice,
            audiences: vec![Audience::UnitLeaders],
            requires_ack: true,
        });
        assert_eq!(check(&s).err().map(|e| e.0), Some("requiresAck"));
    }
}
