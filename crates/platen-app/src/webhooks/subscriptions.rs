//! The subscription use cases behind `/subscriptions`: create (with the endpoint validation handshake), get,
//! list, renew (PATCH) and delete. Subscriptions on print resources are application-only (§3.6): an app sees
//! and manages only the subscriptions it created, and only with the permission the resource requires.

use super::http::{shared_client, validate_endpoint};
use super::validate::{self, SubscribedResource};
use crate::{App, AppError, Result};
use platen_domain::Caller;
use platen_domain::permissions::authorize;
use platen_domain::records::Subscription;
use platen_domain::time::{Micros, now_micros};
use reqwest::Url;

/// A `POST /subscriptions` body, decoded but not yet checked.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionRequest {
    pub change_type: String,
    pub resource: String,
    pub notification_url: String,
    pub lifecycle_notification_url: Option<String>,
    pub expires_at: Micros,
    pub client_state: Option<String>,
    pub notification_query_options: Option<String>,
    pub latest_supported_tls_version: Option<String>,
}

/// A `PATCH /subscriptions/{id}` body: what Graph lets a subscriber change.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionPatch {
    pub expires_at: Option<Micros>,
    pub notification_url: Option<String>,
    /// `Some(None)`: stop sending lifecycle notifications to a separate URL.
    pub lifecycle_notification_url: Option<Option<String>>,
}

fn not_found() -> AppError {
    AppError::not_found("subscription")
}

/// Subscriptions on print resources cannot be made with a delegated token (§3.6, §7).
pub fn require_application(caller: &Caller) -> Result<&str> {
    if caller.is_delegated() {
        return Err(AppError::Forbidden(
            "Delegated tokens are not supported for subscriptions on Universal Print resources; use an \
             application token."
                .into(),
        ));
    }
    caller
        .app_id
        .as_deref()
        .ok_or_else(|| AppError::Forbidden("The token carries no application id (appid/azp).".into()))
}

fn permit(caller: &Caller, resource: &SubscribedResource) -> Result<()> {
    authorize(caller, resource.operation()).map_err(|e| AppError::Forbidden(e.0))?;
    Ok(())
}

impl App {
    /// Validates the request, checks the resource exists and the caller may subscribe to it, runs the
    /// validation handshake against the notification URL (and a separate lifecycle URL), then stores it.
    pub async fn subscribe(&self, caller: &Caller, req: SubscriptionRequest) -> Result<Subscription> {
        let app_id = require_application(caller)?.to_string();
        let resource = SubscribedResource::parse(req.resource.trim())?;
        permit(caller, &resource)?;
        let change_type = validate::change_types(&req.change_type, &resource)?;
        let now = now_micros();
        validate::expiration(req.expires_at, now)?;
        let insecure = self.config.allow_insecure_webhooks;
        let url = validate::webhook_url(&req.notification_url, "notificationUrl", insecure)?;
        let lifecycle = req
            .lifecycle_notification_url
            .as_deref()
            .map(|u| validate::webhook_url(u, "lifecycleNotificationUrl", insecure))
            .transpose()?;
        validate::client_state(req.client_state.as_deref())?;
        let query = validate::query_options(req.notification_query_options.as_deref(), &resource)?;
        let tls = validate::tls_version(req.latest_supported_tls_version.as_deref())?;
        self.check_resource(caller, &app_id, &resource).await?;
        self.handshake(&url, "notificationUrl").await?;
        if let Some(l) = lifecycle.as_ref().filter(|l| *l != &url) {
            self.handshake(l, "lifecycleNotificationUrl").await?;
        }
        let sub = Subscription {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: caller.tenant_id.clone(),
            creator_id: if caller.object_id.is_empty() {
                app_id.clone()
            } else {
                caller.object_id.clone()
            },
            app_id,
            change_type,
            resource: req.resource.trim().to_string(),
            resource_kind: resource.kind().to_string(),
            resource_key: resource.key().to_string(),
            notification_url: url.to_string(),
            lifecycle_notification_url: lifecycle.map(|u| u.to_string()),
            client_state: req.client_state,
            notification_query_options: query,
            latest_supported_tls_version: Some(tls),
            expires_at: req.expires_at,
            created_at: now,
        };
        self.store.create_subscription(&sub).await?;
        tracing::info!(subscription = %sub.id, resource = %sub.resource, app = %sub.app_id, "subscription created");
        Ok(sub)
    }

    /// One of the caller's own, unexpired subscriptions.
    pub async fn subscription(&self, caller: &Caller, id: &str) -> Result<Subscription> {
        let app_id = require_application(caller)?;
        let sub = self
            .store
            .get_subscription(&caller.tenant_id, id)
            .await?
            .filter(|s| s.app_id.eq_ignore_ascii_case(app_id) && s.expires_at > now_micros())
            .ok_or_else(not_found)?;
        let resource =
            SubscribedResource::from_stored(&sub.resource_kind, &sub.resource_key).ok_or_else(not_found)?;
        permit(caller, &resource)?;
        Ok(sub)
    }

    /// The caller's unexpired subscriptions on the resources its permissions cover, oldest first.
    pub async fn subscriptions(&self, caller: &Caller) -> Result<Vec<Subscription>> {
        let app_id = require_application(caller)?;
        let covers = |op| authorize(caller, op).is_ok();
        let probes = [
            SubscribedResource::TaskDefinitionTasks {
                definition_id: String::new(),
            },
            SubscribedResource::PrinterJobs {
                printer_id: String::new(),
            },
        ];
        if !probes.iter().any(|r| covers(r.operation())) {
            return Err(AppError::Forbidden(
                "Listing subscriptions needs Printer.Read.All, Printer.ReadWrite.All or \
                 PrintTaskDefinition.ReadWrite.All."
                    .into(),
            ));
        }
        let now = now_micros();
        Ok(self
            .store
            .list_subscriptions(&caller.tenant_id, Some(app_id))
            .await?
            .into_iter()
            .filter(|s| s.expires_at > now)
            .filter(|s| {
                SubscribedResource::from_stored(&s.resource_kind, &s.resource_key)
                    .is_some_and(|r| covers(r.operation()))
            })
            .collect())
    }

    /// Renews (new `expirationDateTime`) or re-points (new URL, validated again) a subscription.
    pub async fn update_subscription(
        &self,
        caller: &Caller,
        id: &str,
        patch: SubscriptionPatch,
    ) -> Result<Subscription> {
        let mut sub = self.subscription(caller, id).await?;
        if let Some(expires_at) = patch.expires_at {
            validate::expiration(expires_at, now_micros())?;
            sub.expires_at = expires_at;
        }
        let insecure = self.config.allow_insecure_webhooks;
        if let Some(raw) = &patch.notification_url {
            let url = validate::webhook_url(raw, "notificationUrl", insecure)?;
            if url.as_str() != sub.notification_url {
                self.handshake(&url, "notificationUrl").await?;
            }
            sub.notification_url = url.to_string();
        }
        match &patch.lifecycle_notification_url {
            None => {}
            Some(None) => sub.lifecycle_notification_url = None,
            Some(Some(raw)) => {
                let url = validate::webhook_url(raw, "lifecycleNotificationUrl", insecure)?;
                let known = [
                    Some(sub.notification_url.as_str()),
                    sub.lifecycle_notification_url.as_deref(),
                ];
                if !known.contains(&Some(url.as_str())) {
                    self.handshake(&url, "lifecycleNotificationUrl").await?;
                }
                sub.lifecycle_notification_url = Some(url.to_string());
            }
        }
        self.store.update_subscription(&sub).await.map_err(|e| match e {
            platen_store::StoreError::NotFound => not_found(),
            other => other.into(),
        })?;
        Ok(sub)
    }

    /// Deletes a subscription with its undelivered notifications.
    pub async fn unsubscribe(&self, caller: &Caller, id: &str) -> Result<()> {
        let sub = self.subscription(caller, id).await?;
        if self.store.delete_subscription(&sub.tenant_id, &sub.id).await? {
            Ok(())
        } else {
            Err(not_found())
        }
    }

    /// The subscribed resource must exist in the caller's tenant; a task definition must be the caller's own
    /// (another app's definition: 403, as its tasks belong to that app).
    async fn check_resource(
        &self,
        caller: &Caller,
        app_id: &str,
        resource: &SubscribedResource,
    ) -> Result<()> {
        let tenant = &caller.tenant_id;
        match resource {
            SubscribedResource::TaskDefinitionTasks { definition_id } => {
                let d = self
                    .store
                    .get_task_definition(tenant, definition_id)
                    .await?
                    .ok_or_else(|| AppError::not_found("task definition"))?;
                if !d.app_id.eq_ignore_ascii_case(app_id) {
                    return Err(AppError::Forbidden(
                        "The task definition was created by another application; only its creator may \
                         subscribe to its tasks."
                            .into(),
                    ));
                }
            }
            SubscribedResource::PrinterJobs { printer_id } => {
                self.store
                    .get_printer(tenant, printer_id)
                    .await?
                    .ok_or_else(|| AppError::not_found("printer"))?;
            }
        }
        Ok(())
    }

    async fn handshake(&self, url: &Url, field: &str) -> Result<()> {
        validate_endpoint(&shared_client()?, url, field).await
    }
}
