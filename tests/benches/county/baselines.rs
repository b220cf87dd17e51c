//! The baselines every figure is read against: PostgreSQL INSERT transactions, the broker's
//! round trip and an empty GraphQL query over the same HTTP stack.

use async_graphql::{EmptyMutation, EmptySubscription, Object, ObjectType, Schema};
use duban_transport::{KafkaSettings, KafkaTransport, Record, Transport};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Runs `clients` loops of `op` for `secs` seconds; returns operations per second and the
/// latencies in milliseconds. Each client gets its index and its own state.
pub(crate) async fn saturate<S, F, Fut>(
    clients: usize,
    secs: f64,
    init: impl Fn(usize) -> S,
    op: F,
) -> (f64, Vec<f64>)
where
    S: 'static,
    F: Fn(Rc<RefCell<S>>) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = bool> + 'static,
{
    let lat = Rc::new(RefCell::new(Vec::new()));
    let done = Rc::new(RefCell::new(0usize));
    let start = Instant::now();
    let stop = start + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (lat, done, op) = (lat.clone(), done.clone(), op.clone());
        let state = Rc::new(RefCell::new(init(c)));
        tasks.push(actix_web::rt::spawn(async move {
            while Instant::now() < stop {
                let t0 = Instant::now();
                if op(state.clone()).await {
                    lat.borrow_mut().push(t0.elapsed().as_secs_f64() * 1e3);
                    *done.borrow_mut() += 1;
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n = *done.borrow();
    let v = lat.borrow().clone();
    (n as f64 / start.elapsed().as_secs_f64(), v)
}

pub(crate) async fn pg_inserts(url: &str, clients: usize, secs: f64) -> (f64, Vec<f64>) {
    let mut opts = sea_orm::ConnectOptions::new(url.to_string());
    opts.max_connections(clients as u32)
        .min_connections(clients as u32)
        .sqlx_logging(false);
    let db = sea_orm::Database::connect(opts).await.unwrap();
    db.execute_unprepared("CREATE TABLE IF NOT EXISTS bench_insert (id bigserial primary key, payload text not null, at timestamptz not null default now())")
        .await
        .unwrap();
    let r = saturate(
        clients,
        secs,
        |_| db.clone(),
        |db: Rc<RefCell<DatabaseConnection>>| async move {
            let db = db.borrow().clone();
            db.execute(Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "INSERT INTO bench_insert (payload) VALUES ($1)",
                ["清理规范村级组织工作事项".into()],
            ))
            .await
            .is_ok()
        },
    )
    .await;
    db.close().await.unwrap();
    r
}

pub(crate) async fn broker_round_trip(brokers: &str, n: usize) -> Vec<f64> {
    let t = KafkaTransport::new(KafkaSettings {
        brokers: brokers.into(),
        client_id: "duban-bench".into(),
        namespace: format!("bench{}.", uuid::Uuid::now_v7().simple()),
        partitions: 1,
        replication: 1,
        ..Default::default()
    })
    .unwrap();
    let rec = |i: usize| Record {
        key: format!("k{i}"),
        payload: format!("{{\"n\":{i}}}").into_bytes(),
        headers: Default::default(),
    };
    t.publish("rt", vec![rec(0)]).await.unwrap();
    let mut sub = t.subscribe("bench", &["rt"]).await.unwrap();
    sub.next().await.unwrap();
    let mut v = Vec::new();
    for i in 1..=n {
        let t0 = Instant::now();
        t.publish("rt", vec![rec(i)]).await.unwrap();
        let d = sub.next().await.unwrap();
        assert_eq!(d.record.key, format!("k{i}"));
        v.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    v
}

pub(crate) struct Q;

#[Object]
impl Q {
    async fn ok(&self) -> bool {
        true
    }
}

pub(crate) async fn graphql<Qr: ObjectType + 'static, Mr: ObjectType + 'static>(
    schema: actix_web::web::Data<Schema<Qr, Mr, EmptySubscription>>,
    req: async_graphql_actix_web::GraphQLRequest,
) -> async_graphql_actix_web::GraphQLResponse {
    schema.execute(req.into_inner()).await.into()
}

/// Serves `schema` at `/graphql` on a free loopback port: its URL and the server's handle.
pub(crate) fn serve_graphql<Qr: ObjectType + 'static, Mr: ObjectType + 'static>(
    schema: Schema<Qr, Mr, EmptySubscription>,
) -> (String, actix_web::dev::ServerHandle) {
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(actix_web::web::Data::new(schema.clone()))
            .route("/graphql", actix_web::web::post().to(graphql::<Qr, Mr>))
    })
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}/graphql", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (url, handle)
}

pub(crate) async fn empty_graphql(clients: usize, secs: f64) -> (f64, Vec<f64>) {
    let (url, handle) = serve_graphql(Schema::new(Q, EmptyMutation, EmptySubscription));
    let r = saturate(
        clients,
        secs,
        |_| awc::Client::default(),
        move |c: Rc<RefCell<awc::Client>>| {
            let url = url.clone();
            async move {
                let c = c.borrow().clone();
                match c.post(&url).send_json(&json!({"query": "{ ok }"})).await {
                    Ok(mut r) => r.body().await.is_ok(),
                    Err(_) => false,
                }
            }
        },
    )
    .await;
    handle.stop(true).await;
    r
}
