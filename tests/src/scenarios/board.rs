//! The board checked against the assignments' own tables, on any deployment.

use crate::{count_rows, TestApp};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

/// The board ranked by `$by` with ties as `$r`, now or as the day `$d` closed.
pub const BOARD: &str = "query($by: BoardOrder, $r: RankingStyle, $d: Date) { board(orderBy: $by, ranking: $r, asOf: $d) {
  ranking total { unit { id } issued open completed closed overdue red yellow blue
                  ackOnTimeNumerator ackOnTimeDenominator problemsRegistered }
  rows { unit { id } rank issued open completed closed overdue red yellow blue onTimeRate
         onTimeNumerator onTimeDenominator ackOnTimeNumerator ackOnTimeDenominator
         problemsRegistered problemsClosed problemsOverdue } } }";

async fn direct(app: &TestApp, path: &str, today: &str) -> Value {
    let under = format!("(lead_unit_path = '{path}' OR lead_unit_path LIKE '{path}/%')");
    let open = "state IN ('ISSUED','ACKNOWLEDGED','IN_PROGRESS','RETURNED','SUSPENDED')";
    let count = |w: String| {
        let db = app.databases.assignments.clone();
        async move {
            count_rows(&db, &format!("SELECT count(*) FROM assignment WHERE {w}"))
                .await
                .unwrap()
        }
    };
    let live = "state NOT IN ('CLOSED','CANCELLED')";
    let problems = format!("(unit_path = '{path}' OR unit_path LIKE '{path}/%')");
    // 及时签收: signed for by the sign-for day (dates on the Shanghai calendar), over the
    // sign-fors made and those missed past their day.
    let (mut ack_due, mut ack_on_time) = (0, 0);
    {
        use duban_assignments::entity::assignment;
        use sea_orm::{EntityTrait, QueryFilter};
        let today = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap();
        for a in assignment::Entity::find()
            .filter(duban_outbox::db::in_subtree(
                assignment::Column::LeadUnitPath,
                path,
            ))
            .all(&app.databases.assignments)
            .await
            .unwrap()
        {
            if a.state == "CANCELLED" {
                continue;
            }
            match a.acknowledged_at {
                Some(at) if a.state != "ISSUED" => {
                    ack_due += 1;
                    let on = duban_clock::local_date(&at);
                    ack_on_time += i64::from(a.ack_due_on.is_none_or(|d| on <= d));
                }
                _ if a.state == "ISSUED" && a.ack_due_on.is_some_and(|d| today > d) => ack_due += 1,
                _ => {}
            }
        }
    }
    json!({
        "ackOnTimeDenominator": ack_due,
        "ackOnTimeNumerator": ack_on_time,
        "issued": count(under.clone()).await,
        "open": count(format!("{under} AND {open}")).await,
        "completed": count(format!("{under} AND state = 'COMPLETED'")).await,
        "closed": count(format!("{under} AND state = 'CLOSED'")).await,
        "overdue": count(format!(
            "{under} AND state IN ('ISSUED','ACKNOWLEDGED','IN_PROGRESS','RETURNED') \
             AND NOT returned_to_issuer AND due_on < '{today}'"
        )).await,
        "red": count(format!("{under} AND {live} AND color = 'RED'")).await,
        "yellow": count(format!("{under} AND {live} AND color = 'YELLOW'")).await,
        "blue": count(format!("{under} AND {live} AND color = 'BLUE'")).await,
        "problemsRegistered": count_rows(
            &app.databases.assignments,
            &format!("SELECT count(*) FROM problem WHERE {problems}"),
        ).await.unwrap(),
    })
}

/// The board of the caller's scope, ranked by overdue items with ties as one place: every
/// row and the total checked figure by figure against counts made directly from the
/// assignments' tables as of `today` (YYYY-MM-DD); the board as read.
pub async fn board_matches_the_tables(app: &TestApp, token: &str, today: &str) -> Value {
    let b = app
        .ask(token, BOARD, json!({"by": "OVERDUE", "r": "DENSE"}))
        .await;
    let board = &b["data"]["board"];
    assert!(
        board["rows"].as_array().is_some_and(|r| r.len() >= 2),
        "{b}"
    );
    let path_of = |id: &str| {
        let db = app.databases.assignments.clone();
        let id = id.to_string();
        async move {
            let rows = db
                .query_all(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT path FROM org_unit WHERE id = '{id}'"),
                ))
                .await
                .unwrap();
            rows[0].try_get_by_index::<String>(0).unwrap()
        }
    };
    let mut rows: Vec<&Value> = board["rows"].as_array().unwrap().iter().collect();
    rows.push(&board["total"]);
    for row in rows {
        let path = path_of(row["unit"]["id"].as_str().unwrap()).await;
        let want = direct(app, &path, today).await;
        for (figure, n) in want.as_object().unwrap() {
            assert_eq!(&row[figure], n, "{figure} of {path} on {today}: {row}");
        }
    }
    assert_eq!(board["ranking"], "DENSE");
    b
}
