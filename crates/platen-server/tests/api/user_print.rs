//! `/me/print` and `/users/{id}/print` (§1.0, §1.9): the user's `userPrint`, whose one member is the contained
//! `recentPrinterShares` navigation (returned with `$expand`), readable only for the signed-in user.

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn user_print_is_routed_with_its_recent_printer_shares_navigation() {
    let t = Tenant::new();
    let (_p, s) = t.open_share("Recent").await;
    let u = t.user("u");
    t.job(&format!("/v1.0/print/shares/{s}/jobs"), &u.token).await;
    let api = &t.api;
    for version in ["v1.0", "beta"] {
        let plain = api
            .get(&format!("/{version}/me/print"), &u.token)
            .await
            .expect_json(200);
        assert!(
            plain["@odata.context"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/{version}/$metadata#me/print")),
            "{plain}"
        );
        assert!(plain.get("recentPrinterShares").is_none(), "{plain}");

        let expanded = api
            .get(
                &format!("/{version}/me/print?$expand=recentPrinterShares"),
                &u.token,
            )
            .await
            .expect_json(200);
        let recent = expanded["recentPrinterShares"].as_array().unwrap();
        assert_eq!(recent.len(), 1, "{expanded}");
        assert_eq!(recent[0]["id"], s.as_str());
        assert!(
            recent[0]["viewPoint"]["lastUsedDateTime"].is_string(),
            "{expanded}"
        );

        let nested = api
            .get(
                &format!(
                    "/{version}/users/{}/print?$expand=recentPrinterShares($select=id)",
                    u.oid
                ),
                &u.token,
            )
            .await
            .expect_json(200);
        assert_eq!(nested["recentPrinterShares"], json!([{"id": s}]), "{nested}");
        assert!(
            nested["@odata.context"]
                .as_str()
                .unwrap()
                .ends_with(&format!("$metadata#users('{}')/print", u.oid)),
            "{nested}"
        );
    }
    // Someone else's userPrint is not readable; unknown navigations and list options are refused.
    let other = t.user("other");
    let r = api
        .get(&format!("/v1.0/users/{}/print", u.oid), &other.token)
        .await;
    r.expect_error(403);
    api.get("/v1.0/me/print?$expand=jobs", &u.token)
        .await
        .expect_error(400);
    api.get("/v1.0/me/print?$top=1", &u.token).await.expect_error(400);
    // The permission of the navigation it carries.
    let no_shares = t.token(&uuid(), "PrintJob.ReadWrite", false);
    api.get("/v1.0/me/print", &no_shares).await.expect_denied();
}

/// `viewPoint.lastUsedDateTime` in the full share list (administrators) is the caller's own last use of each
/// share, as on a single GET; a share the caller never printed to has null.
#[tokio::test]
async fn share_lists_carry_the_callers_last_use_of_each_share() {
    let t = Tenant::new();
    let (_p, used) = t.open_share("Used").await;
    let (_q, unused) = t.open_share("Unused").await;
    t.job(&format!("/v1.0/print/shares/{used}/jobs"), &t.admin).await;
    let single = t
        .api
        .get(&format!("/v1.0/print/shares/{used}"), &t.admin)
        .await
        .expect_json(200);
    let when = single["viewPoint"]["lastUsedDateTime"].clone();
    assert!(when.is_string(), "{single}");
    let list = t.api.get("/v1.0/print/shares", &t.admin).await.expect_json(200);
    let item = |id: &str| {
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} not listed: {list}"))
    };
    assert_eq!(item(&used)["viewPoint"]["lastUsedDateTime"], when, "{list}");
    assert!(item(&unused)["viewPoint"]["lastUsedDateTime"].is_null(), "{list}");
}
