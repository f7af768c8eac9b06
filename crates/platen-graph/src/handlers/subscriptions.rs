//! `/subscriptions`: change notifications on print resources (create with validation handshake, list, get,
//! renew by PATCH, delete). The rules live in `platen_app::webhooks`; this decodes and renders.

use crate::ctx::Ctx;
use crate::error::{GraphError, GraphResult};
use crate::handlers::{object_body, schema_error};
use crate::paging::select;
use crate::response::{collection, entity, json, no_content, ok};
use crate::schema::ObjectReader;
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use platen_app::webhooks::{
    MAX_CLIENT_STATE_CHARS, SubscriptionPatch, SubscriptionRequest, require_application,
};
use platen_domain::records::Subscription;
use platen_domain::time::{Micros, to_graph};
use serde_json::{Map, Value, json};

/// Longest URL or option string accepted in a subscription body.
const MAX_TEXT: usize = 2048;
/// Properties a subscriber cannot set.
const READ_ONLY: &[&str] = &["id", "applicationId", "creatorId"];

fn wire(s: &Subscription) -> Map<String, Value> {
    let v = json!({
        "id": s.id,
        "resource": s.resource,
        "applicationId": s.app_id,
        "changeType": s.change_type,
        "clientState": s.client_state,
        "notificationUrl": s.notification_url,
        "notificationQueryOptions": s.notification_query_options,
        "lifecycleNotificationUrl": s.lifecycle_notification_url,
        "expirationDateTime": to_graph(s.expires_at),
        "creatorId": s.creator_id,
        "includeResourceData": false,
        "latestSupportedTlsVersion": s.latest_supported_tls_version,
        "encryptionCertificate": null,
        "encryptionCertificateId": null,
        "notificationUrlAppId": null,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `expirationDateTime`: RFC 3339; a value without an offset is taken as UTC, as Graph does.
fn date_time(raw: &str) -> GraphResult<Micros> {
    let bad = || {
        GraphError::bad_request(format!(
            "expirationDateTime '{raw}' is not a DateTimeOffset such as 2030-01-01T00:00:00Z."
        ))
    };
    let raw = raw.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(t.timestamp_micros());
    }
    chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|t| t.and_utc().timestamp_micros())
        .map_err(|_| bad())
}

/// Rich notifications (resource data in the notification) are not offered for print resources.
fn reject_resource_data(r: &mut ObjectReader<'_>) -> GraphResult<()> {
    if r.opt_bool("includeResourceData").map_err(schema_error)? == Some(true) {
        return Err(GraphError::bad_request(
            "includeResourceData is not supported for Universal Print resources.",
        ));
    }
    for key in [
        "encryptionCertificate",
        "encryptionCertificateId",
        "notificationUrlAppId",
    ] {
        if r.nullable_string(key, MAX_TEXT)
            .map_err(schema_error)?
            .flatten()
            .is_some()
        {
            return Err(GraphError::bad_request(format!(
                "{key} is not supported: notifications on print resources carry no resource data."
            )));
        }
    }
    Ok(())
}

fn entity_of(ctx: &Ctx, s: &Subscription) -> Value {
    entity(ctx.context("subscriptions/$entity"), wire(s))
}

pub async fn create(ctx: &Ctx, body: &Bytes) -> GraphResult<Response> {
    require_application(&ctx.caller)?;
    ctx.no_options()?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let req = SubscriptionRequest {
        change_type: r.string("changeType", MAX_TEXT).map_err(schema_error)?,
        resource: r.string("resource", MAX_TEXT).map_err(schema_error)?,
        notification_url: r.string("notificationUrl", MAX_TEXT).map_err(schema_error)?,
        expires_at: date_time(&r.string("expirationDateTime", 64).map_err(schema_error)?)?,
        lifecycle_notification_url: r
            .nullable_string("lifecycleNotificationUrl", MAX_TEXT)
            .map_err(schema_error)?
            .flatten(),
        client_state: r
            .nullable_string("clientState", MAX_CLIENT_STATE_CHARS)
            .map_err(schema_error)?
            .flatten(),
        notification_query_options: r
            .nullable_string("notificationQueryOptions", MAX_TEXT)
            .map_err(schema_error)?
            .flatten(),
        latest_supported_tls_version: r
            .nullable_string("latestSupportedTlsVersion", 16)
            .map_err(schema_error)?
            .flatten(),
    };
    reject_resource_data(&mut r)?;
    r.finish(READ_ONLY).map_err(schema_error)?;
    let s = ctx.app().subscribe(&ctx.caller, req).await?;
    Ok(json(StatusCode::CREATED, &entity_of(ctx, &s)))
}

pub async fn list(ctx: &Ctx) -> GraphResult<Response> {
    require_application(&ctx.caller)?;
    ctx.no_options()?;
    let items = ctx.app().subscriptions(&ctx.caller).await?;
    let values = items.iter().map(|s| Value::Object(wire(s))).collect();
    Ok(ok(&collection(ctx.context("subscriptions"), values, None, None)))
}

pub async fn get(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    require_application(&ctx.caller)?;
    ctx.entity_options_only()?;
    let s = ctx.app().subscription(&ctx.caller, id).await?;
    Ok(ok(&entity(
        ctx.context("subscriptions/$entity"),
        select(wire(&s), &ctx.query)?,
    )))
}

/// Renewal: `expirationDateTime`; also `notificationUrl` and `lifecycleNotificationUrl` (validated again).
pub async fn update(ctx: &Ctx, id: &str, body: &Bytes) -> GraphResult<Response> {
    require_application(&ctx.caller)?;
    ctx.no_options()?;
    let v = object_body(body)?;
    let mut r = ObjectReader::new(&v, "body").map_err(schema_error)?;
    let patch = SubscriptionPatch {
        expires_at: r
            .opt_string("expirationDateTime", 64)
            .map_err(schema_error)?
            .map(|t| date_time(&t))
            .transpose()?,
        notification_url: r.opt_string("notificationUrl", MAX_TEXT).map_err(schema_error)?,
        lifecycle_notification_url: r
            .nullable_string("lifecycleNotificationUrl", MAX_TEXT)
            .map_err(schema_error)?,
    };
    let fixed = [
        "id",
        "applicationId",
        "creatorId",
        "resource",
        "changeType",
        "clientState",
        "notificationQueryOptions",
        "latestSupportedTlsVersion",
        "includeResourceData",
        "encryptionCertificate",
        "encryptionCertificateId",
        "notificationUrlAppId",
    ];
    r.finish(&fixed).map_err(schema_error)?;
    let s = ctx.app().update_subscription(&ctx.caller, id, patch).await?;
    Ok(ok(&entity_of(ctx, &s)))
}

pub async fn delete(ctx: &Ctx, id: &str) -> GraphResult<Response> {
    require_application(&ctx.caller)?;
    ctx.no_options()?;
    ctx.app().unsubscribe(&ctx.caller, id).await?;
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiration_accepts_offsets_and_bare_utc() {
        let z = date_time("2030-01-01T00:00:00Z").unwrap();
        assert_eq!(date_time("2030-01-01T01:00:00+01:00").unwrap(), z);
        assert_eq!(date_time("2030-01-01T00:00:00").unwrap(), z);
        assert_eq!(date_time("2030-01-01T00:00:00.0000000Z").unwrap(), z);
        assert!(date_time("tomorrow").is_err());
        assert!(date_time("2030-01-01").is_err());
    }

    #[test]
    fn wire_shape_has_every_graph_property() {
        let s = Subscription {
            id: "s".into(),
            tenant_id: "t".into(),
            app_id: "a".into(),
            creator_id: "c".into(),
            change_type: "updated".into(),
            resource: "print/printers/p/jobs".into(),
            resource_kind: "printerJobs".into(),
            resource_key: "p".into(),
            notification_url: "https://h/n".into(),
            lifecycle_notification_url: None,
            client_state: None,
            notification_query_options: Some("$filter=isFetchable eq true".into()),
            latest_supported_tls_version: Some("v1_2".into()),
            expires_at: 0,
            created_at: 0,
        };
        let w = wire(&s);
        for key in [
            "id",
            "resource",
            "applicationId",
            "changeType",
            "clientState",
            "notificationUrl",
            "lifecycleNotificationUrl",
            "expirationDateTime",
            "creatorId",
            "latestSupportedTlsVersion",
            "notificationQueryOptions",
            "includeResourceData",
            "encryptionCertificate",
            "encryptionCertificateId",
            "notificationUrlAppId",
        ] {
            assert!(w.contains_key(key), "{key}");
        }
        assert_eq!(w["expirationDateTime"], "1970-01-01T00:00:00Z");
    }
}
