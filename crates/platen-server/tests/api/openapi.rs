//! `GET /platen/openapi.json` (issue 14 item 4): served to anyone, and true to the routers it is generated from:
//! every operation it lists is routed (never a 405, never Graph's unknown-segment 400), and every other method on
//! its paths is a 405 whose `Allow` header names exactly the documented methods. schemathesis fuzzes the running
//! server from the same document in the compatibility suite (tests/compat/test_openapi_schemathesis.py).

use crate::common::*;
use reqwest::Method;
use serde_json::Value;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// The path with every `{name}` replaced by a value no resource has.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e + 1);
        out.push_str("nothing-here");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_every_other_method_is_405() {
    let t = Tenant::new();
    let http = t.api.http();
    let r = http.exec(http.req(Method::GET, "/platen/openapi.json")).await;
    r.expect(200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let doc: Value = r.json();
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().expect("paths");
    let mut cells = 0;
    for (path, item) in paths {
        let mut documented: Vec<String> = item
            .as_object()
            .expect("path item")
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        documented.sort_by_key(|m| METHODS.iter().position(|x| x == m));
        let url = concrete(path);
        for method in METHODS {
            let m = Method::from_bytes(method.as_bytes()).expect("method");
            let r = http.exec(http.req(m, &url).bearer_auth(&t.admin)).await;
            cells += 1;
            if documented.iter().any(|d| d == method) {
                assert_ne!(
                    r.status,
                    405,
                    "{method} {path} is documented but not routed: {}",
                    r.text()
                );
                assert!(
                    !r.text().contains("Resource not found for the segment"),
                    "{method} {path} is documented but not routed: {}",
                    r.text()
                );
                assert!(r.status < 500, "{method} {path}: {} {}", r.status, r.text());
            } else {
                assert_eq!(r.status, 405, "{method} {path} is not documented: {}", r.text());
                assert_eq!(
                    r.header("allow"),
                    Some(documented.join(", ").as_str()),
                    "{method} {path}"
                );
            }
        }
    }
    assert!(paths.len() > 250, "{} paths", paths.len());
    println!(
        "openapi: {} paths, {cells} path × method cells checked",
        paths.len()
    );
}

#[tokio::test]
async fn the_document_needs_no_token_and_describes_each_version_from_its_own_csdl() {
    let t = Tenant::new();
    let http = t.api.http();
    let doc: Value = http
        .exec(http.req(Method::GET, "/platen/openapi.json"))
        .await
        .expect_json(200);
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    // β declares members v1.0 does not (printer.acceptingJobs), each version's paths name their own types.
    assert!(schemas["beta.microsoft.graph.printer"]["properties"]["acceptingJobs"].is_object());
    assert!(
        schemas["v1.0.microsoft.graph.printer"]["properties"]
            .get("acceptingJobs")
            .is_none()
    );
    let get = &doc["paths"]["/beta/print/printers/{printerId}"]["get"];
    assert_eq!(
        get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/beta.microsoft.graph.printer"
    );
    assert_eq!(
        get["responses"]["default"]["$ref"],
        "#/components/responses/graphError"
    );
    // Platen's own endpoints and the device side are there too, with their own security.
    assert_eq!(
        doc["paths"]["/platen/print-passwords"]["post"]["security"][0],
        serde_json::json!({"bearer": []})
    );
    assert!(
        doc["paths"]["/device/token"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
            .is_object()
    );
    assert!(doc["paths"]["/uploadSessions/{id}"]["put"].is_object());
    assert!(doc["paths"]["/ipp/print/{printer_id}"]["post"].is_object());
}
