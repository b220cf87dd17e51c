//! 作风表现台账 facts, recorded by the tracker as each event arrives: items done, returned,
//! carded and passed on, and ratings of what a cadre handled — one entry per event and
//! fact, written once.

use crate::conduct::Fact;
use crate::entity::{conduct_entry, tracked_item};
use duban_outbox::db::{pg_array, with_arrays, ARRAYS_FROM};
use duban_schema::assignments::AssignmentsEvent;
use duban_schema::evaluation::EvaluationEvent;
use duban_schema::{Color, Envelope, RawEnvelope};
use sea_orm::{ConnectionTrait, DbBackend};

/// An entry of `fact` for `person` from the event `event_id`.
pub(crate) fn entry(
    event_id: &str,
    fact: Fact,
    person: &str,
    on: chrono::NaiveDate,
    item: &tracked_item::Model,
    detail: &str,
) -> conduct_entry::Model {
    conduct_entry::Model {
        id: format!("{event_id}:{}", fact.as_str()),
        person_id: person.to_string(),
        fact: fact.as_str().into(),
        on_day: on,
        item_id: item.id.clone(),
        text: if detail.is_empty() {
            item.title.clone()
        } else {
            format!("{}（{detail}）", item.title)
        },
    }
}

/// The facts one item event makes, given the item before (`holder`: its 责任人 then) and
/// after it.
pub(crate) fn facts_of(
    event: &RawEnvelope,
    typed: &AssignmentsEvent,
    holder: &str,
    m: &tracked_item::Model,
    on: chrono::NaiveDate,
) -> Vec<conduct_entry::Model> {
    let id = event.meta.id.to_string();
    let person = m.responsible_person_id.as_str();
    match typed {
        AssignmentsEvent::AssignmentCompleted { .. }
        | AssignmentsEvent::ProblemCloseOutRequested { .. } => match m.late_days {
            Some(d) if d > 0 => vec![entry(
                &id,
                Fact::DoneLate,
                person,
                on,
                m,
                &format!("超期{d}个工作日"),
            )],
            _ => vec![entry(&id, Fact::DoneOnTime, person, on, m, "")],
        },
        AssignmentsEvent::AssignmentReturned { .. } => {
            vec![entry(&id, Fact::Returned, person, on, m, "")]
        }
        AssignmentsEvent::TransferDecided {
            approved: true,
            buck_passing: true,
            ..
        } if !holder.is_empty() => {
            vec![entry(
                &id,
                Fact::BuckPassing,
                holder,
                on,
                m,
                &format!("第{}次转办", m.transfers),
            )]
        }
        _ => Vec::new(),
    }
}

/// The card fact of an announced color change on `item`: a yellow or red card shown is a
/// fact about its 责任人 (never "system").
pub(crate) fn card_of(
    announced: &Envelope<EvaluationEvent>,
    item: &tracked_item::Model,
) -> Option<conduct_entry::Model> {
    let EvaluationEvent::ColorChanged {
        to,
        responsible_person_id,
        reason,
        ..
    } = &announced.event
    else {
        return None;
    };
    let fact = match to {
        Color::Yellow => Fact::YellowCard,
        Color::Red => Fact::RedCard,
        _ => return None,
    };
    (!responsible_person_id.is_empty()).then(|| {
        entry(
            &announced.meta.id.to_string(),
            fact,
            responsible_person_id,
            duban_clock::local_date(&announced.meta.occurred_at),
            item,
            reason,
        )
    })
}

/// Writes entries once each (an event read again writes nothing new).
pub(crate) async fn record<C: ConnectionTrait>(
    conn: &C,
    entries: Vec<conduct_entry::Model>,
) -> Result<(), sea_orm::DbErr> {
    if entries.is_empty() {
        return Ok(());
    }
    if conn.get_database_backend() == DbBackend::Postgres && entries.len() >= ARRAYS_FROM {
        let column = |f: &dyn Fn(&conduct_entry::Model) -> String| {
            pg_array(entries.iter().map(|e| Some(f(e))))
        };
        let values = vec![
            column(&|e| e.id.clone()),
            column(&|e| e.person_id.clone()),
            column(&|e| e.fact.clone()),
            column(&|e| e.on_day.to_string()),
            column(&|e| e.item_id.clone()),
            column(&|e| e.text.clone()),
        ];
        let sql = "INSERT INTO conduct_entry (id, person_id, fact, on_day, item_id, text) \
                   SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], \
                   $5::text[], $6::text[]) ON CONFLICT (id) DO NOTHING";
        conn.execute(with_arrays(sql, values)).await?;
        return Ok(());
    }
    let rows: Vec<conduct_entry::ActiveModel> = entries.into_iter().map(Into::into).collect();
    duban_outbox::db::insert_new(conn, rows, [conduct_entry::Column::Id]).await?;
    Ok(())
}
