//! The dashboard at `/` (and `/login`): a Chinese page for county screens, offices and
//! phones, served from files compiled into the binary, Apache ECharts among them, so it
//! works on an intranet with no internet and no build step.

use crate::trusted::REGISTRY;
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use std::io::Write;
use std::sync::LazyLock;

/// One compiled-in file of the page.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    /// Plain text, gzip-compressed at first use.
    text: Option<&'static str>,
    /// Already gzip-compressed bytes (vendored).
    gzip: Option<&'static [u8]>,
}

const JS: &str = "text/javascript; charset=utf-8";

const ASSETS: [Asset; 16] = [
    Asset {
        name: "app.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/app.js")),
        gzip: None,
    },
    Asset {
        name: "api.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/api.js")),
        gzip: None,
    },
    Asset {
        name: "ui.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/ui.js")),
        gzip: None,
    },
    Asset {
        name: "board.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/board.js")),
        gzip: None,
    },
    Asset {
        name: "unit.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/unit.js")),
        gzip: None,
    },
    Asset {
        name: "review.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/review.js")),
        gzip: None,
    },
    Asset {
        name: "surveys.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/surveys.js")),
        gzip: None,
    },
    Asset {
        name: "ratings.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/ratings.js")),
        gzip: None,
    },
    Asset {
        name: "accountability.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/accountability.js")),
        gzip: None,
    },
    Asset {
        name: "referrals.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/referrals.js")),
        gzip: None,
    },
    Asset {
        name: "assessment.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/assessment.js")),
        gzip: None,
    },
    Asset {
        name: "ledger.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/ledger.js")),
        gzip: None,
    },
    Asset {
        name: "public.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/public.js")),
        gzip: None,
    },
    Asset {
        name: "mine.js",
        content_type: JS,
        text: Some(include_str!("../assets/dashboard/mine.js")),
        gzip: None,
    },
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        text: Some(include_str!("../assets/dashboard/app.css")),
        gzip: None,
    },
    Asset {
        name: "echarts.min.js",
        content_type: JS,
        text: None,
        gzip: Some(include_bytes!("../assets/dashboard/echarts.min.js.gz")),
    },
];

const PAGE: &str = include_str!("../assets/dashboard/index.html");
/// The page the public opens from a rating or survey link, with no account.
const PUBLIC_PAGE: &str = include_str!("../assets/dashboard/public.html");

/// Scripts, styles and connections only from this server; no frames.
const POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
    script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
    form-action 'self'";

fn gzip(text: &str) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = e.write_all(text.as_bytes());
    e.finish().unwrap_or_default()
}

static COMPRESSED: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| a.text.map(gzip).unwrap_or_default())
        .collect()
});

/// Each file's validator: revalidating a cached file costs a 304, not the file.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let bytes: &[u8] = a.gzip.unwrap_or(&COMPRESSED[i]);
            format!("\"{}\"", &crate::trusted::hash_bytes(bytes)[..20])
        })
        .collect()
});

/// `{operation name: SHA-256}` of the registered operations, for the page.
static OPERATIONS: LazyLock<String> =
    LazyLock::new(|| serde_json::to_string(&REGISTRY.names).unwrap_or_else(|_| "{}".into()));

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"))
}

/// `GET /` and `GET /login`: the page.
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("referrer-policy", "same-origin"))
        .body(PAGE)
}

/// `GET /p/`: the public page (`#r=<token>` rates an item, `#s=<token>` answers a survey);
/// it sends no referrer, so the token in the fragment goes nowhere else.
pub async fn public_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("referrer-policy", "no-referrer"))
        .body(PUBLIC_PAGE)
}

/// `GET /app/{name}`: a file of the page, gzip-encoded when the browser accepts it.
pub async fn asset(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    if name.as_str() == "operations.json" {
        return HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(OPERATIONS.as_str());
    }
    let Some((i, asset)) = ASSETS
        .iter()
        .enumerate()
        .find(|(_, a)| a.name == name.as_str())
    else {
        return HttpResponse::NotFound().finish();
    };
    let etag = ETAGS[i].as_str();
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if fresh {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish();
    }
    let mut reply = HttpResponse::Ok();
    reply
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, "accept-encoding"));
    let gz: &[u8] = match asset.gzip {
        Some(g) => g,
        None => &COMPRESSED[i],
    };
    if accepts_gzip(&req) {
        reply
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(gz.to_vec())
    } else {
        match asset.text {
            Some(t) => reply.body(t),
            None => match crate::graphiql::gunzip(gz) {
                Ok(plain) => reply.body(plain),
                Err(e) => {
                    tracing::error!(error = %e, asset = asset.name, "a compiled-in asset is not gzip");
                    HttpResponse::InternalServerError().finish()
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_links_every_file_and_stays_within_its_transfer_budget() {
        let total: usize = PAGE.len()
            + ASSETS
                .iter()
                .enumerate()
                .map(|(i, a)| a.gzip.map_or(COMPRESSED[i].len(), <[u8]>::len))
                .sum::<usize>();
        assert!(total < 1_500_000, "{total} bytes compressed");
        assert!(PAGE.contains("/app/app.js") && PAGE.contains("/app/echarts.min.js"));
        for a in ASSETS
            .iter()
            .filter(|a| a.name.ends_with(".js") && a.name != "echarts.min.js")
        {
            let linked = PAGE.contains(&format!("/app/{}", a.name))
                || PUBLIC_PAGE.contains(&format!("/app/{}", a.name))
                || ASSETS
                    .iter()
                    .filter_map(|b| b.text)
                    .any(|t| t.contains(&format!("'./{}'", a.name)));
            assert!(linked, "{} is served but never loaded", a.name);
        }
    }

    #[actix_web::test]
    async fn a_cached_file_is_revalidated_with_a_304() {
        use actix_web::test::TestRequest;
        let first = asset(
            TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, "gzip"))
                .to_http_request(),
            web::Path::from("app.js".to_string()),
        )
        .await;
        assert_eq!(first.status(), 200);
        let etag = first.headers().get(header::ETAG).unwrap().clone();
        let again = asset(
            TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, etag))
                .to_http_request(),
            web::Path::from("app.js".to_string()),
        )
        .await;
        assert_eq!(again.status(), 304);
        let other = asset(
            TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, "\"stale\""))
                .to_http_request(),
            web::Path::from("app.js".to_string()),
        )
        .await;
        assert_eq!(other.status(), 200);
    }

    #[test]
    fn the_page_calls_only_registered_operations() {
        for a in ASSETS.iter().filter_map(|a| a.text) {
            for (i, _) in a.match_indices("api.gql('") {
                let name: String = a[i + 9..].chars().take_while(|c| *c != '\'').collect();
                assert!(
                    REGISTRY.names.contains_key(&name),
                    "{name} is not registered"
                );
            }
            for (i, _) in a.match_indices("api.subscribe('") {
                let name: String = a[i + 15..].chars().take_while(|c| *c != '\'').collect();
                assert!(
                    REGISTRY.names.contains_key(&name),
                    "{name} is not registered"
                );
            }
        }
    }
}
