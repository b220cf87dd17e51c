//! Computing a 满意度评议 at a county's size: 10,000 responses over 41 units (each response
//! scoring three units on the six indicators, 180,000 scores as rows), closed once, against
//! a plain AVG … GROUP BY over the same scores in the same database.

use crate::report::*;
use crate::review::{county_units, due_since_yesterday, exec, median_ms, timed_close, UNITS};
use duban_evaluation::review::Rounding;
use duban_evaluation::survey::{Group, Settings, DEFAULT_INDICATORS};
use duban_tests::TestApp;

const RESPONSES: usize = 10_000;
const UNITS_PER_RESPONSE: usize = 3;

/// Writes the survey and its answers, times the aggregate 20 times and the close once.
pub(crate) async fn close_survey(app: &TestApp, report: &mut Report, section: &str) {
    let Some(running) = app.running.as_ref() else {
        return;
    };
    let db = app.databases.evaluation.clone();
    let exec = |sql: String| exec(&db, sql);
    let ids = county_units(&db, "sv").await;
    let settings = serde_json::to_string(&Settings {
        indicators: DEFAULT_INDICATORS.map(String::from).into(),
        groups: Group::ALL.into(),
        min_sample: 30,
        rounding: Rounding::Gbt8170,
        dense_ranking: false,
    })
    .unwrap();
    let survey = format!("bench-survey-{}", uuid::Uuid::now_v7().simple());
    let today = app.clock.today();
    exec(format!(
        "INSERT INTO survey (id, scope_unit_id, scope_path, title, deadline, settings, unit_ids, status, \
         opened_by, opened_at, closed_at, results, version) VALUES ('{survey}', 'sv', '/sv', '万人评议', \
         '{today}', '{settings}', '{}', 'OPEN', 'p-x', '2026-01-01T00:00:00+08:00', NULL, NULL, 1)",
        serde_json::to_string(&ids).unwrap()
    ))
    .await;
    for start in (0..RESPONSES).step_by(200) {
        let end = (start + 200).min(RESPONSES);
        let responses: Vec<String> = (start..end)
            .map(|r| format!("('{survey}-r{r}', '{survey}', 'PUBLIC', '2026-01-01')"))
            .collect();
        exec(format!(
            "INSERT INTO survey_response (id, survey_id, grp, answered_on) VALUES {}",
            responses.join(",")
        ))
        .await;
        let scores: Vec<String> = (start..end)
            .flat_map(|r| {
                let survey = survey.clone();
                (0..UNITS_PER_RESPONSE).flat_map(move |k| {
                    let unit = (r * 7 + k * 13) % UNITS;
                    let survey = survey.clone();
                    (0..DEFAULT_INDICATORS.len()).map(move |i| {
                        let v = 60 + (r * 11 + unit * 3 + i * 5) % 41;
                        format!("('{survey}-r{r}', 'sv-u{unit}', {i}, '{survey}', {v})")
                    })
                })
            })
            .collect();
        exec(format!(
            "INSERT INTO survey_score (response_id, unit_id, indicator, survey_id, score) VALUES {}",
            scores.join(",")
        ))
        .await;
    }
    let base = median_ms(
        &db,
        &format!(
            "SELECT unit_id, indicator, AVG(score), COUNT(*) FROM survey_score \
             WHERE survey_id = '{survey}' GROUP BY unit_id, indicator"
        ),
    )
    .await;
    due_since_yesterday(&db, "survey", &survey, today).await;
    let n = RESPONSES * UNITS_PER_RESPONSE * DEFAULT_INDICATORS.len();
    let what = format!(
        "closing a 满意度评议: {RESPONSES} responses over {UNITS} units ({n} scores; means in decimal, ranks, results stored with their event)"
    );
    let closing = running.evaluation.close_due_surveys();
    timed_close(report, section, &what, ("AVG … GROUP BY", base), closing).await;
}
