//! GraphiQL served from the binary: the page and its pinned assets (React 18.3.1, GraphiQL
//! 3.8.3, see `assets/graphiql/`), so it works on a county intranet with no internet.

use actix_web::{http::header, web, HttpRequest, HttpResponse};

/// One compiled-in asset: its name under `/graphiql/`, type and gzip bytes.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    gzip: &'static [u8],
}

const ASSETS: [Asset; 4] = [
    Asset {
        name: "react.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        gzip: include_bytes!("../assets/graphiql/react.production.min.js.gz"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        gzip: include_bytes!("../assets/graphiql/react-dom.production.min.js.gz"),
    },
    Asset {
        name: "graphiql.min.js",
        content_type: "text/javascript; charset=utf-8",
        gzip: include_bytes!("../assets/graphiql/graphiql.min.js.gz"),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: "text/css; charset=utf-8",
        gzip: include_bytes!("../assets/graphiql/graphiql.min.css.gz"),
    },
];

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>督办 duban · GraphiQL</title>
<link rel="stylesheet" href="/graphiql/graphiql.min.css">
<style>html,body,#graphiql{height:100%;margin:0}</style>
</head>
<body>
<div id="graphiql">正在加载 GraphiQL…</div>
<script src="/graphiql/react.production.min.js"></script>
<script src="/graphiql/react-dom.production.min.js"></script>
<script src="/graphiql/graphiql.min.js"></script>
<script src="/graphiql/start.js"></script>
</body>
</html>
"#;

const START: &str = r#"ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({ url: '/graphql' }),
    defaultHeaders: '{"Authorization": "Bearer "}',
    defaultEditorToolsVisibility: 'headers',
  }),
);
"#;

/// The page scripts may only come from this server.
const POLICY: &str = "default-src 'self'; img-src 'self' data:; font-src 'self' data:; \
    style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'";

/// `GET /graphql`: the GraphiQL page.
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .body(PAGE)
}

/// `GET /graphiql/{name}`: a compiled-in asset, gzip-encoded (every browser accepts it).
pub async fn asset(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    if name.as_str() == "start.js" {
        return HttpResponse::Ok()
            .content_type("text/javascript; charset=utf-8")
            .body(START);
    }
    let Some(asset) = ASSETS.iter().find(|a| a.name == name.as_str()) else {
        return HttpResponse::NotFound().finish();
    };
    let accepts_gzip = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let mut reply = HttpResponse::Ok();
    reply
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"));
    if accepts_gzip {
        reply
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(asset.gzip)
    } else {
        match gunzip(asset.gzip) {
            Ok(plain) => reply.body(plain),
            Err(e) => {
                tracing::error!(error = %e, asset = asset.name, "a compiled-in asset is not gzip");
                HttpResponse::InternalServerError().finish()
            }
        }
    }
}

pub(crate) fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_asset_is_gzip_and_the_page_links_each() {
        for a in super::ASSETS {
            let plain = super::gunzip(a.gzip).unwrap();
            assert!(plain.len() > 1_000, "{}", a.name);
            assert!(super::PAGE.contains(&format!("/graphiql/{}", a.name)));
        }
    }
}
