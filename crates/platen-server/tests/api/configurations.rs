//! `printJobConfiguration` against the printer's `printerCapabilities` (a job asking for what the printer does
//! not offer is a 400 naming the property and the value), and the one canonical form of capabilities and
//! defaults (β legacy names accepted on β input, stored under the v1.0 names, shown in each version's shape).

use crate::common::*;
use crate::pull::{held_job, pull};
use serde_json::{Value, json};

/// A virtual printer registered through app `app_id` (an administrator signed in to that app), shared with
/// everyone, and that app's token allowed to PATCH it: `(printer, share, app token)`.
async fn app_printer(t: &Tenant, app_id: &str) -> (String, String, String) {
    let admin_via_app = t
        .srv()
        .user_token(&t.id, &t.admin_oid)
        .scopes(ADMIN_SCOPES)
        .admin()
        .app(app_id)
        .mint();
    let body = platen_testkit::graph::printer_body("Capable printer", "Virtual", false);
    let p = t.printer_with(&admin_via_app, body).await;
    let s = t.share(&p, "Capable printer", true).await;
    (p, s, t.app(app_id, "Printer.ReadWrite.All"))
}

fn capabilities() -> Value {
    json!({"mediaSizes":["A4","North America Letter"],"inputBins":["tray-1"],"outputBins":["face-down"],
        "colorModes":["blackAndWhite"],"duplexModes":["oneSided"],"qualities":["medium"],"dpis":[600],
        "orientations":["portrait"],"copiesPerJob":{"start":1,"end":10},"pagesPerSheet":[1,2],
        "finishings":["none"],"feedOrientations":["longEdgeFirst"],"scalings":["auto"],"topMargins":[0],
        "contentTypes":["application/pdf"]})
}

async fn set_capabilities(t: &Tenant, version: &str, printer: &str, app: &str, caps: Value) {
    t.api
        .patch(
            &format!("/{version}/print/printers/{printer}"),
            app,
            &json!({ "capabilities": caps }),
        )
        .await
        .expect(200);
}

/// Asserts a 400 invalidRequest whose message names `property` and `value`.
#[track_caller]
fn assert_refused(r: &Resp, property: &str, value: &str) {
    let e = r.expect_code(400, "invalidRequest");
    let message = e["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("configuration.{property}")) && message.contains(value),
        "{property}/{value}: {message}"
    );
}

#[tokio::test]
async fn a_job_asking_for_what_the_printer_does_not_offer_is_refused_by_property_and_value() {
    let t = Tenant::new();
    let (p, s, app) = app_printer(&t, &uuid()).await;
    set_capabilities(&t, "v1.0", &p, &app, capabilities()).await;
    let u = t.user("u");
    let share_jobs = format!("/v1.0/print/shares/{s}/jobs");
    let printer_jobs = format!("/v1.0/print/printers/{p}/jobs");
    let refused = [
        (json!({"mediaSize":"A3"}), "mediaSize", "'A3'"),
        (json!({"inputBin":"by-pass-tray"}), "inputBin", "'by-pass-tray'"),
        (json!({"outputBin":"face-up"}), "outputBin", "'face-up'"),
        (json!({"colorMode":"color"}), "colorMode", "'color'"),
        (
            json!({"duplexMode":"flipOnLongEdge"}),
            "duplexMode",
            "'flipOnLongEdge'",
        ),
        (json!({"quality":"high"}), "quality", "'high'"),
        (json!({"dpi":1200}), "dpi", "1200"),
        (json!({"orientation":"landscape"}), "orientation", "'landscape'"),
        (json!({"copies":11}), "copies", "11"),
        (json!({"pagesPerSheet":4}), "pagesPerSheet", "4"),
        (json!({"finishings":["staple"]}), "finishings", "'staple'"),
        (
            json!({"feedOrientation":"shortEdgeFirst"}),
            "feedOrientation",
            "'shortEdgeFirst'",
        ),
        (json!({"scaling":"fill"}), "scaling", "'fill'"),
        (json!({"margin":{"top":500}}), "margin.top", "500"),
    ];
    for (configuration, property, value) in refused {
        let body = json!({ "configuration": configuration });
        assert_refused(&t.api.post(&share_jobs, &u.token, &body).await, property, value);
        assert_refused(&t.api.post(&printer_jobs, &t.admin, &body).await, property, value);
    }
    // Within the capabilities, and what they do not describe (mediaType, collate), is accepted.
    let fits = json!({"configuration": {"mediaSize":"a4","inputBin":"tray-1","colorMode":"blackAndWhite",
        "copies":10,"pagesPerSheet":2,"finishings":["none"],"margin":{"top":0,"left":7},"mediaType":"labels",
        "collate":true,"duplexMode":null}});
    t.api.post(&share_jobs, &u.token, &fits).await.expect(201);
}

#[tokio::test]
async fn a_printer_without_capabilities_refuses_no_configuration() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Undescribed").await;
    let u = t.user("u");
    let body =
        json!({"configuration": {"mediaSize":"A0","colorMode":"color","copies":999,"finishings":["bind"]}});
    t.api
        .post(&format!("/v1.0/print/shares/{s}/jobs"), &u.token, &body)
        .await
        .expect(201);
}

#[tokio::test]
async fn a_start_is_refused_when_the_capabilities_no_longer_offer_the_configuration() {
    let t = Tenant::new();
    let (p, s, app) = app_printer(&t, &uuid()).await;
    let u = t.user("u");
    let collection = format!("/v1.0/print/shares/{s}/jobs");
    let (id, doc) = t
        .api
        .create_job(&collection, &u.token, json!({"colorMode":"color"}))
        .await;
    let job = Job { id, doc, collection };
    t.upload(&job, &u.token, b"%PDF-1.7").await;
    set_capabilities(&t, "v1.0", &p, &app, capabilities()).await;
    let r = t.api.post_empty(&job.action("start"), &u.token).await;
    assert_refused(&r, "colorMode", "'color'");
    set_capabilities(&t, "v1.0", &p, &app, json!({"colorModes":["color"]})).await;
    t.api.post_empty(&job.action("start"), &u.token).await.expect(200);
}

#[tokio::test]
async fn pull_print_changes_and_redirects_must_fit_the_printer() {
    let (t, p) = pull().await;
    let u = t.user("alice");
    let (job, _task) = held_job(&p, &u, b"held").await;
    let manage = t.app(&p.app_id, "Printer.ReadWrite.All");
    set_capabilities(&t, "v1.0", &p.printer, &manage, json!({"mediaSizes":["A4"]})).await;
    set_capabilities(
        &t,
        "v1.0",
        &p.dest,
        &manage,
        json!({"copiesPerJob":{"start":1,"end":2}}),
    )
    .await;

    let patch = |size: &str| json!({"configuration": {"mediaSize": size}});
    let r = t.api.patch(&job.path(), &p.app, &patch("A3")).await;
    assert_refused(&r, "mediaSize", "'A3'");
    t.api.patch(&job.path(), &p.app, &patch("A4")).await.expect(200);

    let redirect = |copies: i64| json!({"destinationPrinterId": p.dest, "configuration": {"copies": copies}});
    let r = t.api.post(&job.action("redirect"), &p.app, &redirect(3)).await;
    assert_refused(&r, "copies", "3");
    // Still held: a configuration that fits the destination redirects it.
    let new = t
        .api
        .post(&job.action("redirect"), &p.app, &redirect(2))
        .await
        .expect_json(200);
    assert_eq!(new["configuration"]["copies"], 2);
}

#[tokio::test]
async fn beta_legacy_capabilities_are_stored_under_v1_names_and_shown_per_version() {
    let t = Tenant::new();
    let (p, s, app) = app_printer(&t, &uuid()).await;
    let legacy = json!({"supportedMediaSizes":["A4"],"supportedCopiesPerJob":{"minimum":1,"maximum":5},
        "supportedDuplexConfigurations":["twoSidedLongEdge"],"supportedColorConfigurations":["grayscale"],
        "supportedPresentationDirections":["counterClockwiseFromTopLeft"],"supportedPagesPerSheet":{"start":1,"end":2},
        "feedDirections":["shortEdgeFirst"],"supportedDocumentMimeTypes":["application/pdf"]});
    set_capabilities(&t, "beta", &p, &app, legacy.clone()).await;

    // v1.0: the v1.0 names only, whichever version wrote them.
    let v1 = t
        .api
        .get(
            &format!("/v1.0/print/printers/{p}?$select=capabilities"),
            &t.admin,
        )
        .await
        .expect_json(200)["capabilities"]
        .clone();
    assert_eq!(
        v1,
        json!({"mediaSizes":["A4"],"copiesPerJob":{"start":1,"end":5},"duplexModes":["flipOnLongEdge"],
            "colorModes":["grayscale"],"multipageLayouts":["counterclockwiseFromTopLeft"],"pagesPerSheet":[1,2],
            "feedOrientations":["shortEdgeFirst"],"contentTypes":["application/pdf"]})
    );
    let v1_share = t
        .api
        .get(&format!("/v1.0/print/shares/{s}?$select=capabilities"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(v1_share["capabilities"], v1);

    // β: the v1.0 names and the legacy ones; getCapabilities() as its documented example.
    let beta = t
        .api
        .get(
            &format!("/beta/print/printers/{p}?$select=capabilities"),
            &t.admin,
        )
        .await
        .expect_json(200)["capabilities"]
        .clone();
    let from_function = t
        .api
        .get(&format!("/beta/print/printers/{p}/getCapabilities()"), &t.admin)
        .await
        .expect_json(200);
    for shown in [&beta, &from_function] {
        assert_eq!(shown["mediaSizes"], json!(["A4"]), "{shown}");
        assert_eq!(shown["supportedMediaSizes"], json!(["A4"]), "{shown}");
        assert_eq!(
            shown["supportedDuplexConfigurations"],
            json!(["twoSidedLongEdge"])
        );
        assert_eq!(shown["supportedColorConfigurations"], json!(["grayscale"]));
        assert_eq!(
            shown["supportedPresentationDirections"],
            json!(["counterClockwiseFromTopLeft"])
        );
        assert_eq!(shown["supportedCopiesPerJob"]["minimum"], 1);
        assert_eq!(shown["supportedCopiesPerJob"]["maximum"], 5);
        assert_eq!(shown["supportedPagesPerSheet"]["maximum"], 2);
        assert_eq!(shown["feedDirections"], json!(["shortEdgeFirst"]));
    }

    // The legacy names restrict jobs as their v1.0 names do.
    let u = t.user("u");
    let r = t
        .api
        .post(
            &format!("/v1.0/print/shares/{s}/jobs"),
            &u.token,
            &json!({"configuration": {"copies": 6}}),
        )
        .await;
    assert_refused(&r, "copies", "6");
}

#[tokio::test]
async fn v1_capabilities_reach_beta_with_legacy_names_and_legacy_input_is_checked() {
    let t = Tenant::new();
    let (p, _s, app) = app_printer(&t, &uuid()).await;
    set_capabilities(&t, "v1.0", &p, &app, capabilities()).await;
    let beta = t
        .api
        .get(&format!("/beta/print/printers/{p}/getCapabilities"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(beta["supportedOutputBins"], json!(["face-down"]));
    assert_eq!(beta["supportedPrintQualities"], json!(["medium"]));
    assert_eq!(beta["supportedDuplexConfigurations"], json!(["oneSided"]));
    assert_eq!(beta["supportedPagesPerSheet"]["end"], 2);

    // v1.0 has no legacy names; on β a legacy member must agree with its v1.0 member.
    for (version, caps) in [
        ("v1.0", json!({"supportedMediaSizes":["A4"]})),
        (
            "beta",
            json!({"colorModes":["color"],"supportedColorConfigurations":["grayscale"]}),
        ),
        ("beta", json!({"supportedPagesPerSheet":{"start":1}})),
    ] {
        t.api
            .patch(
                &format!("/{version}/print/printers/{p}"),
                &app,
                &json!({ "capabilities": caps }),
            )
            .await
            .expect_code(400, "invalidRequest");
    }
    // A β client writing back what it read (both names, agreeing) is accepted and changes nothing.
    let mut read_back = beta.clone();
    if let Some(m) = read_back.as_object_mut() {
        m.remove("@odata.context");
    }
    set_capabilities(&t, "beta", &p, &app, read_back).await;
    let v1 = t
        .api
        .get(
            &format!("/v1.0/print/printers/{p}?$select=capabilities"),
            &t.admin,
        )
        .await
        .expect_json(200);
    assert_eq!(v1["capabilities"], capabilities());
}

#[tokio::test]
async fn beta_legacy_defaults_are_stored_under_v1_names_and_shown_per_version() {
    let t = Tenant::new();
    let p = t.printer("Defaults").await;
    let legacy = json!({"documentMimeType":"application/pdf","duplexConfiguration":"twoSidedShortEdge",
        "pdfFitToPage":true,"presentationDirection":"clockwiseFromTopRight",
        "printColorConfiguration":"blackAndWhite","printQuality":"high","copiesPerJob":2});
    t.api
        .patch(
            &format!("/beta/print/printers/{p}"),
            &t.admin,
            &json!({ "defaults": legacy }),
        )
        .await
        .expect(200);
    let modern = json!({"contentType":"application/pdf","duplexMode":"flipOnShortEdge","fitPdfToPage":true,
        "multipageLayout":"clockwiseFromTopRight","colorMode":"blackAndWhite","quality":"high","copiesPerJob":2});
    let v1 = t
        .api
        .get(&format!("/v1.0/print/printers/{p}"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(v1["defaults"], modern);
    let beta = t
        .api
        .get(&format!("/beta/print/printers/{p}"), &t.admin)
        .await
        .expect_json(200);
    for (name, value) in legacy
        .as_object()
        .into_iter()
        .flatten()
        .chain(modern.as_object().into_iter().flatten())
    {
        assert_eq!(&beta["defaults"][name], value, "{name}: {beta}");
    }

    // Written on v1.0, read on β: the legacy names are derived.
    t.api
        .patch(
            &format!("/v1.0/print/printers/{p}"),
            &t.admin,
            &json!({"defaults": {"quality": "low", "duplexMode": "oneSided"}}),
        )
        .await
        .expect(200);
    let beta = t
        .api
        .get(&format!("/beta/print/printers/{p}"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(beta["defaults"]["printQuality"], "low");
    assert_eq!(beta["defaults"]["duplexConfiguration"], "oneSided");
    t.api
        .patch(
            &format!("/v1.0/print/printers/{p}"),
            &t.admin,
            &json!({"defaults": {"printQuality": "low"}}),
        )
        .await
        .expect_code(400, "invalidRequest");
}
