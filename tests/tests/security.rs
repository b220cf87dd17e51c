//! The doors an attacker holding a clerk's or a township admin's account, or network
//! access to the services, would try, on the embedded default.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duban_tests::{scenarios, spawn_app};

#[actix_web::test]
async fn identity_comes_from_the_directory_on_each_request() {
    let app = spawn_app().await.unwrap();
    scenarios::identity_comes_from_the_directory(&app).await;
    app.shutdown().await.unwrap();
}
