#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The checked-in JSON Schemas under `schema/events/` must match the Rust types.
//! Run with `DUBAN_BLESS=1` to rewrite them after an intended change.

use duban_schema::{
    assignments::AssignmentsEvent, evaluation::EvaluationEvent, notifications::NotificationsEvent,
    Envelope,
};
use std::path::PathBuf;

/// This crate's directory as cargo gives it when running the test, so a binary built
/// from another checkout sharing the target directory reads this checkout's files.
fn manifest_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
}

fn files() -> Vec<(&'static str, schemars::Schema)> {
    vec![
        (
            "assignments.v1.json",
            schemars::schema_for!(Envelope<AssignmentsEvent>),
        ),
        (
            "evaluation.v1.json",
            schemars::schema_for!(Envelope<EvaluationEvent>),
        ),
        (
            "notifications.v1.json",
            schemars::schema_for!(Envelope<NotificationsEvent>),
        ),
    ]
}

#[test]
fn checked_in_json_schemas_match_the_rust_types() {
    let dir = manifest_dir().join("events");
    let bless = std::env::var("DUBAN_BLESS").is_ok_and(|v| v == "1");
    let mut drifted = Vec::new();
    for (name, schema) in files() {
        let generated = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        let path = dir.join(name);
        if bless {
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != generated {
            drifted.push(name);
        }
    }
    assert!(
        drifted.is_empty(),
        "schema/events drifted from the Rust types: {drifted:?}; run `DUBAN_BLESS=1 cargo test -p duban-schema` and commit"
    );
}

#[test]
fn an_issued_event_round_trips_through_its_envelope() {
    let json = include_str!("fixtures/assignment_issued.json");
    let typed: Envelope<AssignmentsEvent> = serde_json::from_str(json).unwrap();
    assert_eq!(typed.meta.aggregate_sequence, 1);
    let a = typed.event.assignment().unwrap();
    assert_eq!(a.lead_unit_name, "青石镇党政办公室");
    let raw: duban_schema::RawEnvelope = serde_json::from_str(json).unwrap();
    assert_eq!(raw.event_type, "AssignmentIssued");
    assert_eq!(raw.meta, typed.meta);
    let from_bytes: duban_schema::RawEnvelope = serde_json::from_slice(json.as_bytes()).unwrap();
    assert_eq!(from_bytes, raw);
    assert_eq!(
        serde_json::to_value(&raw).unwrap(),
        serde_json::from_str::<serde_json::Value>(json).unwrap(),
        "the raw envelope writes back what it read"
    );
    for missing in ["type", "data", "id"] {
        let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
        v.as_object_mut().unwrap().remove(missing);
        let e = serde_json::from_value::<duban_schema::RawEnvelope>(v).unwrap_err();
        assert!(e.to_string().contains(missing), "{missing}: {e}");
    }
    let back: AssignmentsEvent = raw.typed().unwrap();
    assert_eq!(&back, &typed.event);
    assert!(
        raw.typed::<duban_schema::evaluation::EvaluationEvent>()
            .is_err(),
        "read as another producer's event"
    );
    let reserialised: serde_json::Value = serde_json::to_value(&typed).unwrap();
    let original: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(reserialised, original, "the wire format changed");
}

#[test]
fn an_event_written_before_supervision_levels_existed_still_reads() {
    let json = include_str!("fixtures/assignment_issued.json").replace(
        ",\n      \"supervision_level\": \"NORMAL\",\n      \"suspended_on\": null,\n      \"pending_extension_days\": null,\n      \"extension_count\": 0,\n      \"pending_transfer_unit_id\": null,\n      \"transfer_count\": 0,\n      \"urgency\": \"NORMAL\",\n      \"cooperating_unit_ids\": [],\n      \"ack_due_on\": \"2026-03-11\",\n      \"campaign_id\": null,\n      \"category\": null,\n      \"problem_id\": null,\n      \"duty_id\": null,\n      \"cooperating_person_ids\": [],\n      \"returned_to_issuer\": false",
        "",
    );
    assert!(
        !json.contains("supervision_level")
            && !json.contains("cooperating_person_ids")
            && !json.contains("returned_to_issuer"),
        "fixture edit failed"
    );
    let typed: Envelope<AssignmentsEvent> = serde_json::from_str(&json).unwrap();
    let a = typed.event.assignment().unwrap();
    assert_eq!(
        a.supervision_level,
        duban_schema::assignments::SupervisionLevel::Normal
    );
    assert_eq!(a.suspended_on, None);
}
