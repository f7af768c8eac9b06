//! The JSON a receiver gets: `{"value":[…]}` of change notifications or of lifecycle notifications, built from
//! an outbox row (its change-specific part) and the subscription it belongs to.

use platen_domain::records::{OutboxItem, Subscription};
use platen_domain::time::to_graph;
use serde_json::{Map, Value, json};

pub const KIND_CHANGE: &str = "change";
pub const KIND_LIFECYCLE: &str = "lifecycle";
pub const EVENT_MISSED: &str = "missed";
pub const EVENT_REMOVED: &str = "subscriptionRemoved";

/// The lifecycle payload stored in the outbox.
pub fn lifecycle_payload(event: &str) -> String {
    json!({ "lifecycleEvent": event }).to_string()
}

/// The lifecycle event of a lifecycle row (`None` for change rows or unreadable payloads).
pub fn lifecycle_event(item: &OutboxItem) -> Option<String> {
    if item.kind != KIND_LIFECYCLE {
        return None;
    }
    serde_json::from_str::<Value>(&item.payload)
        .ok()?
        .get("lifecycleEvent")?
        .as_str()
        .map(str::to_string)
}

/// A notification id that is the same on every delivery attempt of one outbox row, so receivers can drop
/// duplicates: the row id and its creation time (unique together even across database restores) in a
/// version-8 (custom) UUID.
pub fn notification_id(item: &OutboxItem) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&item.created_at.to_be_bytes());
    bytes[8..].copy_from_slice(&item.id.to_be_bytes());
    uuid::Builder::from_custom_bytes(bytes).into_uuid().to_string()
}

fn common(sub: &Subscription) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("subscriptionId".into(), json!(sub.id));
    m.insert(
        "subscriptionExpirationDateTime".into(),
        json!(to_graph(sub.expires_at)),
    );
    m.insert("clientState".into(), json!(sub.client_state));
    m.insert("tenantId".into(), json!(sub.tenant_id));
    m
}

/// One element of `value`. Change rows carry `changeType`, `resource`, `resourceData` in their payload;
/// lifecycle rows `lifecycleEvent`. `None` if the stored payload is not a JSON object (never written so).
pub fn notification(item: &OutboxItem, sub: &Subscription) -> Option<Value> {
    let Ok(Value::Object(own)) = serde_json::from_str::<Value>(&item.payload) else {
        return None;
    };
    let mut m = Map::new();
    if item.kind == KIND_CHANGE {
        m.insert("id".into(), json!(notification_id(item)));
    }
    m.append(&mut common(sub));
    for (k, v) in own {
        m.insert(k, v);
    }
    Some(Value::Object(m))
}

/// A lifecycle notification that is sent directly rather than from the outbox (`subscriptionRemoved`: the
/// subscription and its outbox rows are gone by then).
pub fn direct_lifecycle(sub: &Subscription, event: &str) -> Value {
    let mut m = common(sub);
    m.insert("lifecycleEvent".into(), json!(event));
    json!({ "value": [Value::Object(m)] })
}

/// Where a row goes: lifecycle rows to the lifecycle URL when the subscription has one.
pub fn target<'a>(item: &OutboxItem, sub: &'a Subscription) -> &'a str {
    match (&sub.lifecycle_notification_url, item.kind.as_str()) {
        (Some(l), KIND_LIFECYCLE) => l,
        _ => &sub.notification_url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub() -> Subscription {
        Subscription {
            id: "s1".into(),
            tenant_id: "t1".into(),
            app_id: "a".into(),
            creator_id: "c".into(),
            change_type: "updated".into(),
            resource: "print/printers/p/jobs".into(),
            resource_kind: "printerJobs".into(),
            resource_key: "p".into(),
            notification_url: "http://127.0.0.1:1/n".into(),
            lifecycle_notification_url: Some("http://127.0.0.1:1/l".into()),
            client_state: Some("secret".into()),
            notification_query_options: None,
            latest_supported_tls_version: Some("v1_2".into()),
            expires_at: 1_700_000_000_000_000,
            created_at: 1,
        }
    }

    fn item(kind: &str, payload: &str) -> OutboxItem {
        OutboxItem {
            id: 7,
            tenant_id: "t1".into(),
            subscription_id: "s1".into(),
            kind: kind.into(),
            payload: payload.into(),
            created_at: 1_600_000_000_000_000,
            attempts: 1,
        }
    }

    #[test]
    fn change_notifications_have_graph_shape() {
        let payload = r##"{"changeType":"updated","resource":"print/printers/p/jobs/3","resourceData":{"@odata.type":"#microsoft.graph.printJob","@odata.id":"print/printers/p/jobs/3","id":"3"}}"##;
        let i = item(KIND_CHANGE, payload);
        let n = notification(&i, &sub()).unwrap();
        assert_eq!(n["subscriptionId"], "s1");
        assert_eq!(n["clientState"], "secret");
        assert_eq!(n["tenantId"], "t1");
        assert_eq!(n["changeType"], "updated");
        assert_eq!(n["resource"], "print/printers/p/jobs/3");
        assert_eq!(n["resourceData"]["id"], "3");
        assert_eq!(n["subscriptionExpirationDateTime"], "2023-11-14T22:13:20Z");
        assert_eq!(n["id"], notification_id(&i));
        assert!(uuid::Uuid::parse_str(n["id"].as_str().unwrap()).is_ok());
        assert_eq!(target(&i, &sub()), "http://127.0.0.1:1/n");
    }

    #[test]
    fn lifecycle_notifications_go_to_the_lifecycle_url() {
        let i = item(KIND_LIFECYCLE, &lifecycle_payload(EVENT_MISSED));
        let n = notification(&i, &sub()).unwrap();
        assert_eq!(n["lifecycleEvent"], "missed");
        assert!(n.get("id").is_none());
        assert_eq!(lifecycle_event(&i).as_deref(), Some("missed"));
        assert_eq!(target(&i, &sub()), "http://127.0.0.1:1/l");
        let mut no_lifecycle_url = sub();
        no_lifecycle_url.lifecycle_notification_url = None;
        assert_eq!(target(&i, &no_lifecycle_url), "http://127.0.0.1:1/n");
        assert_eq!(
            direct_lifecycle(&sub(), EVENT_REMOVED)["value"][0]["lifecycleEvent"],
            "subscriptionRemoved"
        );
    }

    #[test]
    fn ids_differ_per_row_and_repeat_per_attempt() {
        let a = item(KIND_CHANGE, "{}");
        let mut b = a.clone();
        b.id = 8;
        assert_ne!(notification_id(&a), notification_id(&b));
        let mut again = a.clone();
        again.attempts = 5;
        assert_eq!(notification_id(&a), notification_id(&again));
        assert!(notification(&item(KIND_CHANGE, "[]"), &sub()).is_none());
    }
}
