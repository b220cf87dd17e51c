//! Topic names, one per producing service; the message key is the aggregate id.

/// Events of the assignments service.
pub const ASSIGNMENTS: &str = "duban.assignments.v1";
/// Events of the evaluation service.
pub const EVALUATION: &str = "duban.evaluation.v1";
/// Events of the notifications service.
pub const NOTIFICATIONS: &str = "duban.notifications.v1";
/// Every topic, for consumers that read them all (audit).
pub const ALL: [&str; 3] = [ASSIGNMENTS, EVALUATION, NOTIFICATIONS];
