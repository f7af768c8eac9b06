//! The upload URL (`/uploadSessions/{id}?tempauthtoken=…`): PUT byte ranges, GET status, DELETE cancel.
//! It needs no `Authorization` header: the URL's own secret authenticates it. An `Authorization` header, which
//! the Graph SDK's upload helper sends anyway, is ignored rather than rejected, so that client keeps working.

use crate::error::{GraphError, GraphResult};
use crate::response::{json, no_content, ok};
use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use futures::TryStreamExt;
use platen_app::{App, ContentRange, RangeOutcome, UploadStatus};
use platen_domain::time::to_graph;
use serde_json::{Value, json};

/// The `tempauthtoken` of a pre-authenticated URL (`what`: "upload", "download").
pub(crate) fn token_of(raw_query: &str, what: &str) -> GraphResult<String> {
    url_params(raw_query)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("tempauthtoken"))
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            GraphError::unauthenticated(
                format!("The {what} URL's tempauthtoken is missing."),
                r#"Bearer realm="platen""#.into(),
            )
        })
}

fn url_params(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| {
            let d = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .to_string()
            };
            (d(k), d(v))
        })
        .collect()
}

fn status_json(s: &UploadStatus) -> Value {
    json!({"expirationDateTime": to_graph(s.expires_at), "nextExpectedRanges": s.next_expected_ranges})
}

pub async fn handle(
    app: &App,
    method: &Method,
    session: &str,
    raw_query: &str,
    headers: &HeaderMap,
    body: Body,
) -> GraphResult<Response> {
    let token = token_of(raw_query, "upload")?;
    match *method {
        Method::GET => Ok(ok(&status_json(&app.upload_status(session, &token).await?))),
        Method::DELETE => {
            app.cancel_upload(session, &token).await?;
            Ok(no_content())
        }
        Method::PUT => {
            let range = headers
                .get(header::CONTENT_RANGE)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| {
                    GraphError::bad_request("The Content-Range header is required.")
                        .inner("invalidParameterFormat")
                })?;
            let range = ContentRange::parse(range)?;
            let length = headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let stream = body.into_data_stream().map_err(std::io::Error::other);
            match app
                .put_range(session, &token, range, length, Box::pin(stream))
                .await?
            {
                RangeOutcome::Partial(s) => Ok(json(StatusCode::ACCEPTED, &status_json(&s))),
                RangeOutcome::Completed(d) => Ok(json(
                    StatusCode::CREATED,
                    &json!({
                        "id": d.id,
                        "documentName": d.display_name,
                        "displayName": d.display_name,
                        "contentType": d.content_type,
                        "size": d.size,
                        "uploadedDateTime": d.uploaded_at.map(to_graph),
                    }),
                )),
            }
        }
        _ => Err(GraphError::method_not_allowed("GET, PUT, DELETE")),
    }
}
