//! The four services as the gateway reaches them: through their client traits only.

use duban_api::{AssignmentsApi, AuditApi, EvaluationApi, NotificationsApi};
use std::sync::Arc;

/// The services the gateway calls, through their client traits.
#[derive(Clone)]
pub struct Services {
    /// Assignments.
    pub assignments: Arc<dyn AssignmentsApi>,
    /// Evaluation.
    pub evaluation: Arc<dyn EvaluationApi>,
    /// Notifications.
    pub notifications: Arc<dyn NotificationsApi>,
    /// Audit.
    pub audit: Arc<dyn AuditApi>,
}
