//! JSON responses serialised into one growing buffer. axum's `Json` writes through a
//! `BytesMut` writer, whose bookkeeping on each of serde's many small writes was 40% of the
//! time to serialise a national ranking (3,321 rows, 1.3 MB); a `Vec` takes them as plain
//! copies. Used for the large report responses.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::WebError;

/// A response body of `T` as JSON (`application/json`).
pub struct JsonBody<T>(pub T);

impl<T: Serialize> IntoResponse for JsonBody<T> {
    fn into_response(self) -> Response {
        let mut buf = Vec::with_capacity(16 * 1024);
        match serde_json::to_writer(&mut buf, &self.0) {
            Ok(()) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                buf,
            )
                .into_response(),
            Err(e) => WebError::Internal(format!("serialising a response: {e}")).into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_reads_back_as_the_value_with_its_type() {
        let value = serde_json::json!({"tên": "Phường Bến Nghé", "rate": 0.875, "rows": [1, 2, 3]});
        let res = JsonBody(&value).into_response();
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        let back: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, value);
    }
}
