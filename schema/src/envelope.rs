//! The versioned envelope every event travels in.

use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Version of the envelope and event layout; bumped on breaking change.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything an event carries besides its type and data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EnvelopeMeta {
    /// Event id, a UUIDv7 (time ordered); consumers deduplicate on it.
    pub id: Uuid,
    /// Layout version of envelope and data.
    pub schema_version: u32,
    /// When the change happened, Asia/Shanghai offset.
    pub occurred_at: DateTime<FixedOffset>,
    /// The county (tenant) the event belongs to.
    pub tenant: String,
    /// Org path of the unit the event concerns, e.g. `/c1/t1/o1`; used for scoping.
    pub org_path: String,
    /// Person id of whoever caused it; `system` for the scheduler and consumers.
    pub actor: String,
    /// Shared by every event caused by one request.
    pub correlation_id: Uuid,
    /// The event that caused this one, if any.
    pub causation_id: Option<Uuid>,
    /// The aggregate this event belongs to; the Kafka message key.
    pub aggregate_id: String,
    /// Position of the event in its aggregate's history, from 1.
    pub aggregate_sequence: i64,
}

/// A typed event in its envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Envelope<E> {
    /// Envelope fields.
    #[serde(flatten)]
    pub meta: EnvelopeMeta,
    /// `type` and `data`.
    #[serde(flatten)]
    pub event: E,
}

/// An envelope whose data is left as its JSON text, for consumers that do not know every
/// type: reading one builds no tree of the data, and a consumer that knows the type reads
/// the text once, straight into it.
#[derive(Clone, Debug, Serialize)]
pub struct RawEnvelope {
    /// Envelope fields.
    #[serde(flatten)]
    pub meta: EnvelopeMeta,
    /// Event type name.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Event data, as the JSON text it arrived in.
    pub data: Box<serde_json::value::RawValue>,
}

impl PartialEq for RawEnvelope {
    fn eq(&self, other: &Self) -> bool {
        self.meta == other.meta
            && self.event_type == other.event_type
            && self.data.get() == other.data.get()
    }
}

impl RawEnvelope {
    /// Reads the typed event of one producer, if this envelope holds one.
    pub fn typed<E: serde::de::DeserializeOwned>(&self) -> Result<E, serde_json::Error> {
        // Read in place as {"type", "data"}: the data's text is not copied first.
        let tag = serde_json::value::to_raw_value(&self.event_type)?;
        E::deserialize(serde::de::value::MapDeserializer::new(
            [("type", &*tag), ("data", &*self.data)].into_iter(),
        ))
    }
}

/// Reads an envelope in one pass: `data` as its text and the envelope's
/// own fields into [`EnvelopeMeta`] (serde's `flatten` would buffer the whole envelope,
/// data included, before reading it again).
impl<'de> Deserialize<'de> for RawEnvelope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields;

        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = RawEnvelope;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an event envelope")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawEnvelope, A::Error> {
                use serde::de::Error;
                let (mut event_type, mut data) = (None, None);
                let mut meta = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "type" => event_type = Some(map.next_value::<String>()?),
                        "data" => data = Some(map.next_value()?),
                        _ => {
                            meta.insert(key, map.next_value()?);
                        }
                    }
                }
                Ok(RawEnvelope {
                    meta: EnvelopeMeta::deserialize(serde_json::Value::Object(meta))
                        .map_err(A::Error::custom)?,
                    event_type: event_type.ok_or_else(|| A::Error::missing_field("type"))?,
                    data: data.ok_or_else(|| A::Error::missing_field("data"))?,
                })
            }
        }

        d.deserialize_map(Fields)
    }
}

impl<E: Serialize> Envelope<E> {
    /// Serialises to the JSON that goes on the wire and into the outbox.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}
