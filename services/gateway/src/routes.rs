//! The gateway's routes: GraphQL and GraphiQL, the audit proofs, ledger and bulletin
//! files, health.

use crate::server::*;
use crate::{dashboard, graphiql, ledger_export, ledger_file, public, sign_in};
use actix_web::{guard, web};

/// Registers the gateway's routes on an actix app.
pub fn app_config(gw: Gateway) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + Sync + 'static {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::Data::new(gw.clone()))
            .service(web::resource("/graphql").guard(guard::Post()).to(graphql))
            .service(
                web::resource("/graphql")
                    .guard(guard::Get())
                    .to(graphiql::page),
            )
            .route("/graphiql/{name}", web::get().to(graphiql::asset))
            .service(web::resource("/graphql/ws").to(ws))
            .route("/audit/v1/verifier-key", web::get().to(audit_verifier_key))
            .route("/audit/v1/checkpoint", web::get().to(audit_checkpoint))
            .route("/audit/v1/proof/inclusion", web::get().to(audit_inclusion))
            .route(
                "/audit/v1/proof/consistency",
                web::get().to(audit_consistency),
            )
            .route(
                "/ledger/v1/{kind}/import",
                web::post().to(ledger_file::import),
            )
            .route("/ledger/v1/{file}", web::get().to(ledger_export::export))
            .route(
                "/survey/v1/{file}",
                web::get().to(crate::survey_file::export),
            )
            .route(
                "/conduct/v1/{file}",
                web::get().to(crate::survey_file::ledger_export),
            )
            .route(
                "/bulletins/v1/{file}",
                web::get().to(crate::bulletin_file::download),
            )
            .route("/auth/v1/login", web::post().to(sign_in::login))
            .route(
                "/auth/v1/password",
                web::post().to(sign_in::change_password),
            )
            .route("/auth/v1/refresh", web::post().to(sign_in::refresh))
            .route("/auth/v1/logout", web::post().to(sign_in::logout))
            .route("/public/v1/survey", web::post().to(public::survey_form))
            .route("/public/v1/rating", web::post().to(public::rating_form))
            .route("/public/v1/rating/rate", web::post().to(public::rate))
            .route(
                "/public/v1/survey/answer",
                web::post().to(public::survey_answer),
            )
            .route("/", web::get().to(dashboard::page))
            .route("/login", web::get().to(dashboard::page))
            .route("/p/", web::get().to(dashboard::public_page))
            .route("/p", web::get().to(dashboard::public_page))
            .route("/app/{name}", web::get().to(dashboard::asset))
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz));
    }
}
