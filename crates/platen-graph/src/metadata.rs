//! `GET /{v1.0|beta}/$metadata`: the OData CSDL of each version (`metadata/*.xml`; `metadata/README.md` says what
//! they are and how they differ from Microsoft's). Served without authentication, as on Graph, so OData tooling and
//! code generators can read it. The documents are compiled in, so each has a fixed entity tag: a client that
//! sends it back in `If-None-Match` gets `304` without the body.

use crate::route::Version;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

pub const V1_0: &str = include_str!("../metadata/v1.0.xml");
pub const BETA: &str = include_str!("../metadata/beta.xml");

/// 64-bit FNV-1a, evaluated at compile time: a stable content hash for the entity tags without a hashing crate.
const fn fnv1a(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

const V1_0_HASH: u64 = fnv1a(V1_0);
const BETA_HASH: u64 = fnv1a(BETA);

/// The document of a version and its entity tag (quoted, as the header carries it).
pub fn document(version: Version) -> (&'static str, String) {
    let (text, hash) = match version {
        Version::V1 => (V1_0, V1_0_HASH),
        Version::Beta => (BETA, BETA_HASH),
    };
    (text, format!("\"{hash:016x}\""))
}

/// The answer to a `GET` (or `HEAD`) of `$metadata`.
pub fn respond(version: Version, headers: &HeaderMap) -> Response {
    let (text, etag) = document(version);
    let unchanged = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == etag
        });
    let (status, body) = if unchanged {
        (StatusCode::NOT_MODIFIED, Body::empty())
    } else {
        (StatusCode::OK, Body::from(text))
    };
    let mut r = Response::new(body);
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    h.insert("OData-Version", HeaderValue::from_static("4.0"));
    // Static for the life of the binary; a day keeps tools from refetching it, the tag lets them revalidate.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    if let Ok(tag) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, tag);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_version_has_its_own_document_and_tag() {
        let (v1, v1_tag) = document(Version::V1);
        let (beta, beta_tag) = document(Version::Beta);
        assert!(v1.contains("<edmx:Edmx Version=\"4.0\""));
        assert!(beta.contains("DERIVED, NOT OFFICIAL"));
        assert_ne!(v1_tag, beta_tag);
        assert_eq!(v1_tag.len(), 18);
    }

    #[test]
    fn a_matching_if_none_match_gets_304() {
        let (_, tag) = document(Version::V1);
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("\"x\", W/{tag}")).unwrap(),
        );
        assert_eq!(respond(Version::V1, &h).status(), StatusCode::NOT_MODIFIED);
        assert_eq!(respond(Version::Beta, &h).status(), StatusCode::OK);
        assert_eq!(respond(Version::V1, &HeaderMap::new()).status(), StatusCode::OK);
    }
}
