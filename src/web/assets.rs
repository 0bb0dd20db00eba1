//! CSS, JavaScript and images compiled into the binary: nothing is fetched from elsewhere.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "assets/"]
struct Assets;

pub async fn serve(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => {
            let mime = file.metadata.mimetype().to_owned();
            // The service worker must be revalidated so kiosks pick up new versions.
            let cache = if path.ends_with("sw.js") {
                "no-cache"
            } else {
                "public, max-age=3600"
            };
            let mut res = (
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, cache.to_owned()),
                ],
                file.data,
            )
                .into_response();
            if path.ends_with("sw.js") {
                // The kiosk's service worker lives under /assets/ but must control /kiosk.
                res.headers_mut().insert(
                    "service-worker-allowed",
                    header::HeaderValue::from_static("/"),
                );
            }
            res
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

pub fn get(path: &str) -> Option<Vec<u8>> {
    Assets::get(path).map(|f| f.data.into_owned())
}
