//! Events of the evaluation service.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Color;

/// Everything the evaluation service announces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data")]
pub enum EvaluationEvent {
    /// An item's three-color status was set or changed.
    ColorChanged {
        /// The assignment.
        item_id: String,
        /// Its lead unit.
        unit_id: String,
        /// Color before, none when first assessed.
        from: Option<Color>,
        /// Color now.
        to: Color,
        /// Why, in Chinese, e.g. 已超期3个工作日.
        reason: String,
    },
}

impl EvaluationEvent {
    /// The event's type name, as in the envelope.
    pub fn type_name(&self) -> &'static str {
        match self {
            EvaluationEvent::ColorChanged { .. } => "ColorChanged",
        }
    }
}
