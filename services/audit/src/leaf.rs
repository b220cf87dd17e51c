//! Canonical bytes of an event and its RFC 6962 leaf hash. Pure.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// JSON with object keys sorted at every depth and no insignificant white space,
/// so the same event always hashes the same.
pub fn canonical(value: &Value) -> String {
    // Writing to a String cannot fail.
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{}", Value::String(k.clone()));
                    out.push(':');
                    write(v, out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(v, out);
                }
                out.push(']');
            }
            other => {
                let _ = write!(out, "{other}");
            }
        }
    }
    let mut out = String::with_capacity(1024);
    write(value, &mut out);
    out
}

/// SHA-256(0x00 ‖ bytes): the RFC 6962 hash of a leaf.
pub fn leaf_hash(bytes: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(bytes);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_does_not_change_the_canonical_form() {
        let a: Value =
            serde_json::from_str(r#"{"b":1,"a":{"d":[1,{"z":0,"y":1}],"c":null}}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{"a":{"c":null,"d":[1,{"y":1,"z":0}]},"b":1}"#).unwrap();
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(
            canonical(&a),
            r#"{"a":{"c":null,"d":[1,{"y":1,"z":0}]},"b":1}"#
        );
    }

    /// The form the log was written in before: the tree copied with its keys sorted, then
    /// printed. Leaves already stored are checked against `canonical`, so it must not move.
    fn sorted_then_printed(v: &Value) -> String {
        fn sorted(v: &Value) -> Value {
            match v {
                Value::Object(map) => {
                    let mut keys: Vec<_> = map.keys().collect();
                    keys.sort();
                    Value::Object(
                        keys.into_iter()
                            .map(|k| (k.clone(), sorted(&map[k])))
                            .collect(),
                    )
                }
                Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
                other => other.clone(),
            }
        }
        sorted(v).to_string()
    }

    #[test]
    fn the_canonical_form_is_the_sorted_tree_printed() {
        let odd: Value = serde_json::from_str(
            r#"{"引号":"他说\"好\"\n\t\u0001","n":[-0.5,1e300,0,-7,18446744073709551615],
               "e":{},"a":[],"z":[{"b":null,"a":true}],"":false}"#,
        )
        .unwrap();
        let mut values = vec![odd];
        for text in [
            include_str!("../../../schema/events/assignments.v1.json"),
            include_str!("../../../schema/events/evaluation.v1.json"),
            include_str!("../../../schema/events/notifications.v1.json"),
        ] {
            values.push(serde_json::from_str(text).unwrap());
        }
        for v in &values {
            assert_eq!(canonical(v), sorted_then_printed(v));
        }
    }

    #[test]
    fn an_envelope_read_with_its_data_as_text_is_the_same_leaf() {
        use duban_schema::assignments::{AssignmentSnapshot, AssignmentsEvent};
        let mut assignment = AssignmentSnapshot::example("a-1");
        assignment.cooperating_person_ids = vec!["p-b".into(), "p-a".into()];
        assignment.brief.title = "关于\"门难进\"问题的督办\n（第1号）".into();
        let envelope = duban_schema::Envelope {
            meta: duban_schema::EnvelopeMeta {
                id: uuid::Uuid::from_u128(7),
                schema_version: 1,
                occurred_at: "2026-03-16T10:00:00+08:00".parse().unwrap(),
                tenant: "qs".into(),
                org_path: "/qs/qingshi/qingshi-dzb".into(),
                actor: "p-county-supervisor".into(),
                correlation_id: uuid::Uuid::from_u128(8),
                causation_id: None,
                aggregate_id: "a-1".into(),
                aggregate_sequence: 1,
            },
            event: AssignmentsEvent::AssignmentIssued { assignment },
        };
        let payload = envelope.to_json().unwrap();
        let raw: duban_schema::RawEnvelope = serde_json::from_str(&payload).unwrap();
        let as_text = canonical(&serde_json::to_value(&raw).unwrap());
        let as_tree = sorted_then_printed(&serde_json::from_str(&payload).unwrap());
        assert_eq!(as_text, as_tree);
        assert_eq!(raw.typed::<AssignmentsEvent>().unwrap(), envelope.event);
    }

    #[test]
    fn the_leaf_hash_of_the_empty_leaf_matches_rfc_6962() {
        // SHA-256 of the single byte 0x00, as in RFC 6962 test vectors.
        assert_eq!(
            hex::encode(leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }
}
