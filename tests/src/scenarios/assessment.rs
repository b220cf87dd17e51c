//! 年度考核 of the demo county, set up as its 考评组 would: this year's two records, the
//! county weighing 述职 alone, every 述职 score entered, one bonus.

use crate::TestApp;
use serde_json::json;

/// The 考评组: a supervisor and a department head.
pub const PANEL: [&str; 2] = ["p-county-supervisor", "p-fgj-leader"];

/// Each person's 述职 score (the composite, with 述职 weighed alone): 罗红梅 first but with
/// a 提醒谈话 this year, 张伟 third with a higher level's 通报批评, 李明 and 何磊 tied at the
/// fourth place once 罗红梅 is excluded.
pub const PEOPLE: [(&str, &str); 16] = [
    ("p-liuhe-leader", "97"),
    ("p-zwfw-leader", "96"),
    ("p-qingshi-clerk", "95"),
    ("p-baisha-leader", "92"),
    ("p-qingshi-leader", "90"),
    ("p-baisha-clerk", "90"),
    ("p-fgj-leader", "89"),
    ("p-county-supervisor", "85"),
    ("p-county-admin", "84"),
    ("p-county-discipline", "83"),
    ("p-fgj-clerk", "82"),
    ("p-zwfw-clerk", "81"),
    ("p-qingshi-supervisor", "80"),
    ("p-baisha-supervisor", "79"),
    ("p-liuhe-supervisor", "78"),
    ("p-liuhe-clerk", "77"),
];

/// Each 科室's 述职 score.
pub const UNITS: [(&str, &str); 7] = [
    ("liuhe", "98"),
    ("qingshi", "95"),
    ("qs-zwfw", "93"),
    ("baisha", "91"),
    ("qs-fgj", "90"),
    ("qs-dcs", "88"),
    ("qs-jw", "87"),
];

/// The county's rules weighing 述职 alone, with the default quotas and tie rule.
pub fn report_only() -> serde_json::Value {
    let weights: Vec<serde_json::Value> =
        ["ON_TIME", "CARDS", "REVIEW", "SURVEY", "RATINGS", "REPORT"]
            .iter()
            .map(|i| json!({"indicator": i, "weight": if *i == "REPORT" { 100 } else { 0 }}))
            .collect();
    json!({"weights": weights, "personQuotaPct": 30, "unitQuotaPct": 40,
           "quotaRounding": "DOWN", "tieRule": "PANEL", "yellowCardPoints": 2,
           "redCardPoints": 5, "halfUp": false})
}

/// This year's records: a 提醒谈话 of 罗红梅, a higher level's 通报批评 of 张伟.
pub async fn record_this_years_faults(app: &TestApp, decided_on: &str) -> anyhow::Result<()> {
    let disc = app.token("county-discipline").await?;
    for (person, form, number) in [
        ("p-liuhe-leader", "提醒谈话", None),
        ("p-qingshi-clerk", "通报批评", Some("市督查〔2026〕12号")),
    ] {
        let v = app
            .gql(
                Some(&disc),
                "mutation($i: RecordAccountabilityInput!) { recordAccountability(input: $i) { id } }",
                json!({"i": {"subjectKind": "PERSON", "subjectId": person, "form": form,
                    "grounds": "督办事项推进不力", "decidedOn": decided_on,
                    "decidedBy": "县纪委监委", "documentNumber": number}}),
            )
            .await?;
        anyhow::ensure!(v["errors"].is_null(), "{v}");
    }
    Ok(())
}

/// Enters every 述职 score as `token` (a member of the 考评组) and 林静's bonus of 2.
pub async fn enter_scores(app: &TestApp, token: &str, id: &str) -> anyhow::Result<()> {
    for (k, rows) in [("PERSON", &PEOPLE[..]), ("UNIT", &UNITS[..])] {
        for (s, score) in rows {
            let v = app
                .gql(
                    Some(token),
                    "mutation($a: ID!, $k: AccountabilitySubject!, $s: ID!, $v: String!) {
                      enterReportScore(assessmentId: $a, subjectKind: $k, subjectId: $s, score: $v) { status } }",
                    json!({"a": id, "k": k, "s": s, "v": score}),
                )
                .await?;
            anyhow::ensure!(v["errors"].is_null(), "{v}");
        }
    }
    let v = app
        .gql(
            Some(token),
            "mutation($a: ID!) { adjustAssessment(assessmentId: $a, subjectKind: PERSON,
               subjectId: \"p-baisha-leader\", points: \"2\", reason: \"获市级表彰\") { status } }",
            json!({"a": id}),
        )
        .await?;
    anyhow::ensure!(v["errors"].is_null(), "{v}");
    Ok(())
}

/// The county weighs 述职 alone (set by its supervisor).
pub async fn weigh_report_only(app: &TestApp) -> anyhow::Result<()> {
    let sup = app.token("county-supervisor").await?;
    let set = app
        .gql(
            Some(&sup),
            "mutation($s: AssessmentSettingsInput!) { setAssessmentSettings(settings: $s) { personQuotaPct } }",
            json!({"s": report_only()}),
        )
        .await?;
    anyhow::ensure!(set["errors"].is_null(), "{set}");
    Ok(())
}
