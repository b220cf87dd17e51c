//! Password sign-in over `/auth/v1` as a browser uses it: the forced change of an initial
//! password, locks after failures with back-off, refresh with rotation and replay
//! detection, sign-out that revokes, and an administrator's audited reset.

use duban_tests::{at_nine, count_rows, error_code, query_rows, spawn_app, TestApp};
use serde_json::{json, Value};

/// One answer of `/auth/v1`: status, Retry-After, the refresh cookie set (if any), body.
struct Answer {
    status: u16,
    retry_after: Option<i64>,
    cookie: Option<String>,
    set_cookie: Vec<String>,
    body: Value,
}

impl Answer {
    fn code(&self) -> Option<&str> {
        error_code(&self.body)
    }

    fn token(&self) -> &str {
        self.body["accessToken"].as_str().unwrap_or("")
    }
}

async fn post(app: &TestApp, path: &str, body: Value, cookie: Option<&str>) -> Answer {
    let mut req = awc::Client::default()
        .post(format!("{}/auth/v1/{path}", app.url))
        .insert_header(("content-type", "application/json"));
    if let Some(c) = cookie {
        req = req.insert_header(("cookie", format!("duban_refresh={c}")));
    }
    let mut resp = req.send_json(&body).await.expect("the gateway answers");
    let set_cookie: Vec<String> = resp
        .headers()
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let cookie = set_cookie.iter().find_map(|c| {
        c.strip_prefix("duban_refresh=")
            .and_then(|v| v.split(';').next())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    });
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let bytes = resp.body().await.expect("a body");
    Answer {
        status: resp.status().as_u16(),
        retry_after,
        cookie,
        set_cookie,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

async fn login(app: &TestApp, account: &str, password: &str) -> Answer {
    post(
        app,
        "login",
        json!({"account": account, "password": password}),
        None,
    )
    .await
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.gql(Some(token), "{ me { personId name } }", json!({}))
        .await
        .expect("graphql answers")
}

/// Sets an initial password through the admin's GraphQL mutation and replaces it.
async fn signed_up(app: &TestApp, account: &str, new_password: &str) -> Answer {
    let admin = app.token("county-admin").await.expect("admin token");
    let reset = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { resetPassword(personId: $id) { account password } }",
            json!({"id": format!("p-{account}")}),
        )
        .await
        .expect("reset answers");
    let initial = reset["data"]["resetPassword"]["password"]
        .as_str()
        .unwrap_or_else(|| panic!("reset: {reset}"))
        .to_string();
    let changed = post(
        app,
        "password",
        json!({"account": account, "password": initial, "newPassword": new_password}),
        None,
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    changed
}

#[actix_web::test]
async fn an_initial_password_must_be_changed_before_it_signs_in() {
    let app = spawn_app().await.expect("duban starts");
    let admin = app.token("county-admin").await.expect("token");
    let reset = app
        .gql(
            Some(&admin),
            "mutation { resetPassword(personId: \"p-county-supervisor\") { account password } }",
            json!({}),
        )
        .await
        .expect("reset");
    let initial = reset["data"]["resetPassword"]["password"]
        .as_str()
        .expect("a password")
        .to_string();
    assert_eq!(
        reset["data"]["resetPassword"]["account"],
        "county-supervisor"
    );

    let first = login(&app, "county-supervisor", &initial).await;
    assert_eq!(
        (first.status, first.code()),
        (403, Some("PASSWORD_CHANGE_REQUIRED")),
        "{}",
        first.body
    );
    assert!(first.cookie.is_none(), "no session before the change");

    let weak = post(
        &app,
        "password",
        json!({"account": "county-supervisor", "password": initial, "newPassword": "12345678"}),
        None,
    )
    .await;
    assert_eq!(weak.status, 400);
    assert_eq!(weak.body["errors"][0]["extensions"]["field"], "newPassword");

    let changed = post(
        &app,
        "password",
        json!({"account": "county-supervisor", "password": initial, "newPassword": "Qingshi2026"}),
        None,
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["person"]["name"], "王建国");
    let cookie = changed
        .set_cookie
        .iter()
        .find(|c| c.starts_with("duban_refresh="))
        .expect("a refresh cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/auth/v1"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    let who = me(&app, changed.token()).await;
    assert_eq!(
        who["data"]["me"]["personId"], "p-county-supervisor",
        "{who}"
    );

    let old = login(&app, "county-supervisor", &initial).await;
    assert_eq!((old.status, old.code()), (401, Some("INVALID_CREDENTIALS")));
    let again = login(&app, "county-supervisor", "Qingshi2026").await;
    assert_eq!(again.status, 200, "{}", again.body);
}

#[actix_web::test]
async fn unknown_accounts_and_wrong_passwords_get_one_answer() {
    let app = spawn_app().await.expect("duban starts");
    signed_up(&app, "county-supervisor", "Qingshi2026").await;
    let wrong = login(&app, "county-supervisor", "Nope2026x").await;
    let unknown = login(&app, "nobody-here", "Nope2026x").await;
    let no_password = login(&app, "county-discipline", "Nope2026x").await;
    for a in [&wrong, &unknown, &no_password] {
        assert_eq!((a.status, a.code()), (401, Some("INVALID_CREDENTIALS")));
        assert_eq!(
            a.body["errors"][0]["message"],
            wrong.body["errors"][0]["message"]
        );
    }
    let form = awc::Client::default()
        .post(format!("{}/auth/v1/login", app.url))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .send_body("account=county-supervisor&password=Qingshi2026")
        .await
        .expect("answers");
    assert_eq!(form.status().as_u16(), 415, "a cross-site form is refused");
}

#[actix_web::test]
async fn failures_in_a_row_lock_the_account_with_back_off() {
    let (clock, app) = at_nine(2026, 3, 10).await;
    app.load_demo().await.expect("demo");
    signed_up(&app, "county-supervisor", "Qingshi2026").await;
    for i in 1..=4 {
        let a = login(&app, "county-supervisor", "Wrong2026").await;
        assert_eq!(a.code(), Some("INVALID_CREDENTIALS"), "failure {i}");
    }
    let fifth = login(&app, "county-supervisor", "Wrong2026").await;
    assert_eq!((fifth.status, fifth.code()), (429, Some("ACCOUNT_LOCKED")));
    assert_eq!(fifth.retry_after, Some(60));
    let right_but_locked = login(&app, "county-supervisor", "Qingshi2026").await;
    assert_eq!(right_but_locked.code(), Some("ACCOUNT_LOCKED"));
    assert!(right_but_locked.retry_after.is_some_and(|s| s <= 60));

    clock.advance(chrono::Duration::seconds(61));
    let sixth = login(&app, "county-supervisor", "Wrong2026").await;
    assert_eq!(
        (sixth.code(), sixth.retry_after),
        (Some("ACCOUNT_LOCKED"), Some(120)),
        "the next failure locks twice as long"
    );
    clock.advance(chrono::Duration::seconds(121));
    let back = login(&app, "county-supervisor", "Qingshi2026").await;
    assert_eq!(back.status, 200, "{}", back.body);
    let after = login(&app, "county-supervisor", "Wrong2026").await;
    assert_eq!(
        after.code(),
        Some("INVALID_CREDENTIALS"),
        "a sign-in clears the count"
    );
}

#[actix_web::test]
async fn refresh_rotates_and_a_replayed_refresh_token_ends_the_session() {
    let app = spawn_app().await.expect("duban starts");
    let first = signed_up(&app, "county-supervisor", "Qingshi2026").await;
    let spent = first.cookie.clone().expect("a refresh cookie");
    let refreshed = post(&app, "refresh", json!({}), Some(&spent)).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let current = refreshed.cookie.clone().expect("a new refresh cookie");
    assert_ne!(current, spent);
    assert_eq!(
        me(&app, refreshed.token()).await["data"]["me"]["name"],
        "王建国"
    );

    let replay = post(&app, "refresh", json!({}), Some(&spent)).await;
    assert_eq!((replay.status, replay.code()), (401, Some("SESSION_ENDED")));
    let after = post(&app, "refresh", json!({}), Some(&current)).await;
    assert_eq!(
        after.code(),
        Some("SESSION_ENDED"),
        "a replay ends the session for its holder too"
    );
    let refused = me(&app, refreshed.token()).await;
    assert_eq!(error_code(&refused), Some("UNAUTHENTICATED"), "{refused}");
    let none = post(&app, "refresh", json!({}), None).await;
    assert_eq!(none.code(), Some("SESSION_ENDED"));
}

#[actix_web::test]
async fn signing_out_revokes_the_session_and_its_access_tokens() {
    let app = spawn_app().await.expect("duban starts");
    signed_up(&app, "county-supervisor", "Qingshi2026").await;
    let other = login(&app, "county-supervisor", "Qingshi2026").await;
    let session = login(&app, "county-supervisor", "Qingshi2026").await;
    let cookie = session.cookie.clone().expect("cookie");
    // Used once before, so that the service has seen the session open.
    assert_eq!(
        me(&app, session.token()).await["data"]["me"]["name"],
        "王建国"
    );
    let out = post(&app, "logout", json!({}), Some(&cookie)).await;
    assert_eq!(out.status, 204);
    assert!(
        out.set_cookie
            .iter()
            .any(|c| c.starts_with("duban_refresh=;") || c.contains("Max-Age=0")),
        "the cookie is cleared: {:?}",
        out.set_cookie
    );
    assert_eq!(
        error_code(&me(&app, session.token()).await),
        Some("UNAUTHENTICATED")
    );
    let refresh = post(&app, "refresh", json!({}), Some(&cookie)).await;
    assert_eq!(refresh.code(), Some("SESSION_ENDED"));
    let still = me(&app, other.token()).await;
    assert_eq!(
        still["data"]["me"]["name"], "王建国",
        "another session is left alone: {still}"
    );
}

#[actix_web::test]
async fn a_reset_is_the_admins_ends_sessions_and_is_audited_without_the_password() {
    let app = spawn_app().await.expect("duban starts");
    let session = signed_up(&app, "county-supervisor", "Qingshi2026").await;
    let clerk = app.token("fgj-clerk").await.expect("clerk token");
    let refused = app
        .gql(
            Some(&clerk),
            "mutation { resetPassword(personId: \"p-county-supervisor\") { password } }",
            json!({}),
        )
        .await
        .expect("answers");
    assert_eq!(error_code(&refused), Some("FORBIDDEN"), "{refused}");
    let supervisor_token = session.token().to_string();
    assert_eq!(
        me(&app, &supervisor_token).await["data"]["me"]["name"],
        "王建国"
    );

    let admin = app.token("county-admin").await.expect("admin token");
    let reset = app
        .gql(
            Some(&admin),
            "mutation { resetPassword(personId: \"p-county-supervisor\") { password } }",
            json!({}),
        )
        .await
        .expect("answers");
    let password = reset["data"]["resetPassword"]["password"]
        .as_str()
        .expect("a password")
        .to_string();
    assert_eq!(
        error_code(&me(&app, &supervisor_token).await),
        Some("UNAUTHENTICATED"),
        "a reset ends the person's sessions"
    );
    let with_old = login(&app, "county-supervisor", "Qingshi2026").await;
    assert_eq!(with_old.code(), Some("INVALID_CREDENTIALS"));

    app.settle().await.expect("settles");
    let audit = &app.databases.audit;
    let rows = query_rows(
        audit,
        "SELECT actor, aggregate_id, canonical FROM audit_leaf WHERE event_type = 'PasswordReset'",
    )
    .await
    .expect("audit rows");
    let by_admin: Vec<_> = rows
        .iter()
        .filter(|r| r.try_get::<String>("", "actor").ok().as_deref() == Some("p-county-admin"))
        .collect();
    assert_eq!(by_admin.len(), 2, "both resets by the admin are in the log");
    for r in &rows {
        let canonical: String = r.try_get("", "canonical").expect("canonical");
        assert!(
            !canonical.contains(&password),
            "no password in the audit log"
        );
    }
    let stored = count_rows(
        &app.databases.assignments,
        &format!(
            "SELECT COUNT(*) FROM credential WHERE person_id = 'p-county-supervisor' \
             AND must_change AND hash LIKE '$argon2id$%' AND hash NOT LIKE '%{password}%'"
        ),
    )
    .await
    .expect("count");
    assert_eq!(stored, 1, "the password is kept only as an argon2id hash");
}

#[actix_web::test]
async fn me_is_the_caller_as_the_directory_has_them_and_never_the_tenant() {
    let app = spawn_app().await.unwrap();
    let clerk = app.token("qingshi-clerk").await.unwrap();
    let me = app
        .read(
            &clerk,
            "{ me { personId name unitId unitPath scope roles } }",
        )
        .await;
    let me = &me["data"]["me"];
    let person = app
        .ask(
            &clerk,
            "query($id: ID!) { person(id: $id) { name unitId roles } orgUnits { id path } }",
            json!({"id": me["personId"]}),
        )
        .await;
    let p = &person["data"]["person"];
    assert_eq!(
        (&me["name"], &me["unitId"], &me["roles"]),
        (&p["name"], &p["unitId"], &p["roles"]),
        "{person}"
    );
    let units = person["data"]["orgUnits"].as_array().unwrap();
    let unit = units.iter().find(|u| u["id"] == me["unitId"]).unwrap();
    assert_eq!(me["unitPath"], unit["path"], "{me}");
    assert!(
        me["unitPath"]
            .as_str()
            .unwrap()
            .starts_with(me["scope"].as_str().unwrap()),
        "{me}"
    );
    let tenant = app.read(&clerk, "{ me { tenant } }").await;
    assert_eq!(error_code(&tenant), Some("VALIDATION"), "{tenant}");
    app.shutdown().await.unwrap();
}
