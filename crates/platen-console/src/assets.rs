//! The console's stylesheet and script, embedded in the binary and served under names that carry a hash of
//! their content (`console-3f2a…css`), so browsers may cache them for a year and a new build is fetched anew.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

struct Asset {
    /// The versioned file name, e.g. `console-0123456789.css`.
    name: String,
    content_type: &'static str,
    bytes: &'static [u8],
}

const SOURCES: &[(&str, &str, &[u8])] = &[
    ("console", "css", include_bytes!("../assets/console.css")),
    ("console", "js", include_bytes!("../assets/console.js")),
];

fn assets() -> &'static [Asset] {
    static ASSETS: OnceLock<Vec<Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(stem, ext, bytes)| Asset {
                name: format!("{stem}-{}.{ext}", &hex::encode(Sha256::digest(bytes))[..12]),
                content_type: match *ext {
                    "css" => "text/css; charset=utf-8",
                    _ => "text/javascript; charset=utf-8",
                },
                bytes,
            })
            .collect()
    })
}

/// The versioned name of an asset (`"css"` or `"js"`), for the page layout.
pub(crate) fn versioned(ext: &str) -> &'static str {
    assets()
        .iter()
        .find(|a| a.name.ends_with(ext))
        .map_or("", |a| a.name.as_str())
}

/// Total bytes of the embedded assets (reported in the closing note and the console's footer test).
pub fn total_size() -> usize {
    SOURCES.iter().map(|(_, _, b)| b.len()).sum()
}

pub(crate) async fn serve(Path(name): Path<String>) -> Response {
    match assets().iter().find(|a| a.name == name) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            a.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
