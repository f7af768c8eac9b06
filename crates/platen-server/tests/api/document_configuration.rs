//! beta `printDocument.configuration` (printerDocumentConfiguration): null until set, set by a PATCH of the
//! document (validated; `null` clears it) until the job is started, returned on beta only; v1.0 has no writable
//! document property.

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn beta_document_configuration_is_validated_stored_and_returned_until_start() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("DocConfig").await;
    let u = t.user("writer");
    let job = t.job(&format!("/beta/print/shares/{s}/jobs"), &u.token).await;
    let doc = job.doc_path();
    let got = t.api.get(&doc, &u.token).await.expect_json(200);
    assert_eq!(got["configuration"], json!(null), "{got}");

    let config = json!({"feedDirection": "shortEdgeFirst", "copies": 2, "colorMode": "grayscale"});
    let patched = t
        .api
        .patch(&doc, &u.token, &json!({"configuration": config}))
        .await
        .expect_json(200);
    assert_eq!(
        patched["configuration"]["feedDirection"], "shortEdgeFirst",
        "{patched}"
    );
    assert_eq!(patched["configuration"]["copies"], 2, "{patched}");
    let got = t.api.get(&doc, &u.token).await.expect_json(200);
    assert_eq!(got["configuration"], patched["configuration"], "{got}");
    // The job's expanded documents carry it too.
    let expanded = t
        .api
        .get(&format!("{}?$expand=documents", job.path()), &u.token)
        .await
        .expect_json(200);
    assert_eq!(
        expanded["documents"][0]["configuration"]["copies"], 2,
        "{expanded}"
    );

    // v1.0 has no such property: not shown, not writable.
    let v1_doc = doc.replacen("/beta/", "/v1.0/", 1);
    let v1 = t.api.get(&v1_doc, &u.token).await.expect_json(200);
    assert!(v1.get("configuration").is_none(), "{v1}");
    t.api
        .patch(&v1_doc, &u.token, &json!({"configuration": config}))
        .await
        .expect_bad_request();

    // Invalid values and read-only properties are refused and change nothing.
    for bad in [
        json!({"configuration": {"feedDirection": "sideways"}}),
        json!({"configuration": {"copies": 0}}),
        json!({"configuration": {"color": "red"}}),
        json!({"size": 5}),
        json!({}),
    ] {
        t.api.patch(&doc, &u.token, &bad).await.expect_bad_request();
    }
    let got = t.api.get(&doc, &u.token).await.expect_json(200);
    assert_eq!(got["configuration"]["copies"], 2, "{got}");

    // Another user may not change it.
    let other = t.user("other");
    let r = t
        .api
        .patch(&doc, &other.token, &json!({"configuration": null}))
        .await;
    assert!(r.status == 403 || r.status == 404, "{r:?}");

    // null clears it.
    let cleared = t
        .api
        .patch(&doc, &u.token, &json!({"configuration": null}))
        .await
        .expect_json(200);
    assert_eq!(cleared["configuration"], json!(null), "{cleared}");

    // Once the job is started its document is fixed.
    t.upload(&job, &u.token, &bytes(100)).await;
    t.api
        .patch(&doc, &u.token, &json!({"configuration": config}))
        .await
        .expect(200);
    t.api.post_empty(&job.action("start"), &u.token).await.expect(200);
    t.api
        .patch(&doc, &u.token, &json!({"configuration": {"copies": 3}}))
        .await
        .expect_conflict();
    let got = t.api.get(&doc, &u.token).await.expect_json(200);
    assert_eq!(got["configuration"]["copies"], 2, "{got}");
}
