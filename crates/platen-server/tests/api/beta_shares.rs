//! Beta's printerShare and printer.share (§1.2–1.4, §1.12): `name` is printerBase's beta alias of displayName,
//! and printer.share is a read-only navigation (the beta permission map names `DELETE /print/printers/{id}/share`
//! but no page documents it, so it answers 405 like any method a resource does not take).

use crate::common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn beta_shares_take_name_as_the_alias_of_display_name() {
    let t = Tenant::new();
    let api = &t.api;
    let (p, s) = t.open_share("Before").await;
    for alias in ["shares", "printerShares"] {
        let v = api
            .patch(
                &format!("/beta/print/{alias}/{s}"),
                &t.admin,
                &json!({"name": format!("Renamed through {alias}")}),
            )
            .await
            .expect_json(200);
        assert_eq!(v["displayName"], format!("Renamed through {alias}"), "{v}");
        assert_eq!(v["name"], format!("Renamed through {alias}"), "{v}");
    }
    let v1 = api
        .get(&format!("/v1.0/print/shares/{s}"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(v1["displayName"], "Renamed through printerShares");
    // Both names, agreeing, are fine; disagreeing, or too long (share names are at most 50 characters), not.
    api.patch(
        &format!("/beta/print/shares/{s}"),
        &t.admin,
        &json!({"name": "Same", "displayName": "Same"}),
    )
    .await
    .expect(200);
    for body in [
        json!({"name": "One", "displayName": "Other"}),
        json!({"name": "x".repeat(51)}),
        json!({"name": 5}),
    ] {
        api.patch(&format!("/beta/print/shares/{s}"), &t.admin, &body)
            .await
            .expect_error(400);
    }
    // v1.0's printerShare has no `name`.
    api.patch(
        &format!("/v1.0/print/shares/{s}"),
        &t.admin,
        &json!({"name": "v1"}),
    )
    .await
    .expect_error(400);

    // Creating a share on beta with `name` only.
    api.delete(&format!("/beta/print/shares/{s}"), &t.admin)
        .await
        .expect(204);
    let created = api
        .post(
            "/beta/print/shares",
            &t.admin,
            &json!({"name": "Created by name",
                "printer@odata.bind": format!("https://graph.microsoft.com/beta/print/printers/{p}")}),
        )
        .await
        .expect_json(201);
    assert_eq!(created["displayName"], "Created by name", "{created}");
}

#[tokio::test]
async fn beta_printer_share_navigation_is_read_only() {
    let t = Tenant::new();
    let (p, s) = t.open_share("Read only").await;
    let api = &t.api;
    let nav = format!("/beta/print/printers/{p}/share");
    for m in [Method::DELETE, Method::PATCH, Method::POST] {
        let r = api
            .exec(
                api.authed(m.clone(), &nav, &t.admin)
                    .header("content-type", "application/json")
                    .body("{}"),
            )
            .await;
        r.expect_error(405);
        assert_eq!(r.header("allow"), Some("GET"), "{m}: {r:?}");
        assert!(!r.text().contains("use /beta"), "{m}: {r:?}");
    }
    // Nothing was deleted; v1.0 still has no such navigation.
    let v = api.get(&nav, &t.admin).await.expect_json(200);
    assert_eq!(v["id"], s.as_str());
    api.delete(&format!("/v1.0/print/printers/{p}/share"), &t.admin)
        .await
        .expect_error(404);
}

/// β's legacy `printerStatus.processingStateReasons` (§1.10, §1.12): the state details in the older reason enum,
/// a detail that enum lacks read as `unknownFutureValue`; never on v1.0.
#[tokio::test]
async fn beta_printer_status_carries_processing_state_reasons() {
    let t = Tenant::new();
    let (printer, app_id, _, _) = t.virtual_printer_via_app("Reasons").await;
    let status = json!({"state": "stopped", "details": ["mediaEmpty", "alertRemovalOfBinaryChangeEntry", "coverOpen"]});
    t.api
        .patch(
            &format!("/v1.0/print/printers/{printer}"),
            &t.app(&app_id, "Printer.ReadWrite.All"),
            &json!({"status": status}),
        )
        .await
        .expect(200);
    let beta = t
        .api
        .get(&format!("/beta/print/printers/{printer}"), &t.admin)
        .await
        .expect_json(200);
    assert_eq!(
        beta["status"]["processingStateReasons"],
        json!(["mediaEmpty", "unknownFutureValue", "coverOpen"]),
        "{beta}"
    );
    let v1 = t
        .api
        .get(&format!("/v1.0/print/printers/{printer}"), &t.admin)
        .await
        .expect_json(200);
    assert!(v1["status"].get("processingStateReasons").is_none(), "{v1}");
}
