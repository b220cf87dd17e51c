//! Topic names, one per producing service; the message key is the aggregate id.

/// Events of the assignments service.
pub const ASSIGNMENTS: &str = "duban.assignments.v1";
/// Events of the evaluation service.
pub const EVALUATION: &str = "duban.evaluation.v1";
/// Events of the notifications service.
pub const NOTIFICATIONS: &str = "duban.notifications.v1";
/// Every topic, for consumers that read them all (audit).
pub const ALL: [&str; 3] = [ASSIGNMENTS, EVALUATION, NOTIFICATIONS];

/// The topic an event type is published on, read from the event enums' own schemas (so a
/// new variant needs no list kept here); none for a type no service announces.
pub fn of_event(event_type: &str) -> Option<&'static str> {
    event_topics().get(event_type).copied()
}

/// Every event type any service announces, with its topic.
pub fn event_types() -> impl Iterator<Item = (&'static str, &'static str)> {
    event_topics().iter().map(|(t, topic)| (t.as_str(), *topic))
}

fn event_topics() -> &'static std::collections::HashMap<String, &'static str> {
    static TOPICS: std::sync::LazyLock<std::collections::HashMap<String, &'static str>> =
        std::sync::LazyLock::new(|| {
            let schemas = [
                (
                    ASSIGNMENTS,
                    schemars::schema_for!(crate::assignments::AssignmentsEvent),
                ),
                (
                    EVALUATION,
                    schemars::schema_for!(crate::evaluation::EvaluationEvent),
                ),
                (
                    NOTIFICATIONS,
                    schemars::schema_for!(crate::notifications::NotificationsEvent),
                ),
            ];
            let mut topics = std::collections::HashMap::new();
            for (topic, schema) in schemas {
                let variants = schema.as_value().get("oneOf").and_then(|v| v.as_array());
                for variant in variants.into_iter().flatten() {
                    let tag = variant.pointer("/properties/type");
                    let consts = tag.and_then(|t| t.get("const")).into_iter();
                    let listed = tag
                        .and_then(|t| t.get("enum"))
                        .and_then(|e| e.as_array())
                        .into_iter()
                        .flatten();
                    for name in consts.chain(listed).filter_map(|n| n.as_str()) {
                        topics.insert(name.to_string(), topic);
                    }
                }
            }
            topics
        });
    &TOPICS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_type_is_found_on_the_topic_of_the_service_announcing_it() {
        assert_eq!(of_event("AssignmentIssued"), Some(ASSIGNMENTS));
        assert_eq!(of_event("PersonUpdated"), Some(ASSIGNMENTS));
        assert_eq!(of_event("ColorChanged"), Some(EVALUATION));
        assert_eq!(of_event("NotificationCreated"), Some(NOTIFICATIONS));
        assert_eq!(of_event("NotificationsCreated"), Some(NOTIFICATIONS));
        assert_eq!(of_event("NoSuchEvent"), None);
        let json = |f: &str| -> serde_json::Value {
            let path = format!("{}/events/{f}", env!("CARGO_MANIFEST_DIR"));
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
        };
        // Every variant of the checked-in contracts, not only the few named above.
        for (file, topic) in [
            ("assignments.v1.json", ASSIGNMENTS),
            ("evaluation.v1.json", EVALUATION),
            ("notifications.v1.json", NOTIFICATIONS),
        ] {
            let contract = json(file);
            let variants = contract["oneOf"].as_array().unwrap();
            assert!(variants.len() > 1, "{file}");
            for v in variants {
                let name = v["properties"]["type"]["const"].as_str().unwrap();
                assert_eq!(of_event(name), Some(topic), "{name} in {file}");
            }
        }
    }
}
