//! Printers: registration with a CSR signed by Platen's CA, updates, removal.

use crate::job_door::{Intent, Otherwise};
use crate::jobs::actor;
use crate::{App, AppError, Result};
use platen_domain::job::JobEvent;
use platen_domain::records::{Printer, PrinterOperation};
use platen_domain::time::now_micros;
use platen_domain::{Caller, CallerKind};
use platen_odata::{Expr, Literal};
use platen_store::{JobScope, ListQuery};
use serde_json::{Value, json};

pub struct PrinterRegistration {
    pub display_name: String,
    pub manufacturer: String,
    pub model: String,
    pub physical_device_id: Option<String>,
    pub has_physical_device: bool,
    /// Base64 DER or PEM PKCS#10.
    pub csr: String,
    pub transport_key: String,
    pub connector_id: Option<String>,
}

/// Changes to a printer; `None` leaves a property alone. The HTTP layer decides which a caller may send.
#[derive(Default)]
pub struct PrinterUpdate {
    pub display_name: Option<String>,
    pub location: Option<Value>,
    pub defaults: Option<Value>,
    pub capabilities: Option<Value>,
    pub manufacturer: Option<Option<String>>,
    pub model: Option<Option<String>>,
    pub status: Option<Value>,
    pub is_accepting_jobs: Option<Option<bool>>,
}

impl App {
    /// Validates the CSR, issues the device certificate and stores the printer with its finished operation.
    pub async fn register_printer(
        &self,
        caller: &Caller,
        reg: PrinterRegistration,
    ) -> Result<PrinterOperation> {
        if let Some(connector) = &reg.connector_id
            && self
                .store
                .get_connector(&caller.tenant_id, connector)
                .await?
                .is_none()
        {
            return Err(AppError::bad_request(format!(
                "The connector '{connector}' does not exist."
            )));
        }
        let printer_id = uuid::Uuid::new_v4().to_string();
        let cert = self
            .ca
            .issue(&reg.csr, &printer_id, self.config.device_certificate_lifetime)
            .map_err(|e| {
                if e.is_client_error() {
                    AppError::bad_request(format!("certificateSigningRequest: {e}"))
                } else {
                    AppError::Internal(format!("issuing the device certificate failed: {e}"))
                }
            })?;
        let now = now_micros();
        let printer = Printer {
            tenant_id: caller.tenant_id.clone(),
            id: printer_id.clone().into(),
            display_name: reg.display_name,
            manufacturer: Some(reg.manufacturer),
            model: Some(reg.model),
            is_accepting_jobs: None,
            status_state: "unknown".into(),
            status_details: vec![],
            status_description: Some(String::new()),
            location: json!({}),
            defaults: json!({}),
            factory_defaults: json!({}),
            capabilities: json!({}),
            registered_at: now,
            is_shared: false,
            has_physical_device: reg.has_physical_device,
            physical_device_id: reg.physical_device_id,
            last_seen_at: None,
            connector_id: reg.connector_id,
            registered_by_app: caller.app_id.clone(),
            certificate: Some(cert.base64_der.clone()),
            device_attributes: serde_json::Value::Null,
        };
        let operation = PrinterOperation {
            tenant_id: caller.tenant_id.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            created_at: now,
            state: "succeeded".into(),
            description: "The printer was registered and its device certificate issued.".into(),
            certificate: Some(cert.base64_der),
            printer_id: Some(printer_id.into()),
        };
        let _ = reg.transport_key; // Carried for protocol compatibility; Platen's devices authenticate with their certificate key.
        self.store.create_printer(&printer, &operation).await?;
        Ok(operation)
    }

    pub async fn get_printer(&self, caller: &Caller, id: &str) -> Result<Printer> {
        self.store
            .get_printer(&caller.tenant_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("printer"))
    }

    /// Applies `change` to a printer the caller may update: with an application token, only a virtual printer
    /// (hasPhysicalDevice false) registered through the same app. Nothing is stored when `change` fails.
    pub async fn update_printer_with(
        &self,
        caller: &Caller,
        id: &str,
        change: impl FnOnce(&mut Printer) -> Result<()>,
    ) -> Result<Printer> {
        let mut printer = self.get_printer(caller, id).await?;
        if let CallerKind::Application { .. } = caller.kind
            && (printer.has_physical_device
                || printer.registered_by_app.is_none()
                || printer.registered_by_app != caller.app_id)
        {
            return Err(AppError::Forbidden(
                    "Apps may update only virtual printers (hasPhysicalDevice false) registered through the same app."
                        .into(),
                ));
        }
        change(&mut printer)?;
        self.store.update_printer(&printer).await?;
        Ok(printer)
    }

    pub async fn update_printer(&self, caller: &Caller, id: &str, update: PrinterUpdate) -> Result<Printer> {
        self.update_printer_with(caller, id, |printer| {
            apply_update(printer, update);
            Ok(())
        })
        .await
    }
    /// Unregisters a printer (its share and registration go with it), then aborts, through the door, every job
    /// of it that had not ended: no new job can reach it once it is gone, and none is left waiting for it. Ended
    /// jobs stay until retention removes them, and reports keep them.
    pub async fn delete_printer(&self, caller: &Caller, id: &str) -> Result<()> {
        if !self.store.delete_printer(&caller.tenant_id, id).await? {
            return Err(AppError::not_found("printer"));
        }
        // Its share went with it.
        self.share_wakeup.notify_one();
        let scope = JobScope {
            printer_id: Some(id.into()),
            share_id: None,
            owner_id: None,
        };
        let unfinished = ListQuery {
            filter: Some(Expr::In {
                path: "status/state".into(),
                values: ["pending", "processing", "paused", "stopped"]
                    .map(|s| Literal::String(s.into()))
                    .to_vec(),
            }),
            limit: 100,
            ..ListQuery::default()
        };
        loop {
            let page = self
                .store
                .list_jobs(&caller.tenant_id, &scope, &unfinished)
                .await?;
            let mut aborted = 0;
            for job in page.items {
                let gone = Intent::new(JobEvent::PrinterRemoved, actor(caller))
                    .reason(Some("The printer was unregistered.".into()))
                    .otherwise(Otherwise::Answer);
                match self.change_job(job, gone).await {
                    Ok(_) => aborted += 1,
                    Err(AppError::Refused(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            // Every job of the page ended meanwhile, or the page was empty: nothing unfinished is left.
            if aborted == 0 {
                return Ok(());
            }
        }
    }

    pub async fn restore_factory_defaults(&self, caller: &Caller, id: &str) -> Result<()> {
        let mut printer = self.get_printer(caller, id).await?;
        printer.defaults = printer.factory_defaults.clone();
        self.store.update_printer(&printer).await?;
        Ok(())
    }
}

/// The JSON PATCH of a printer: the properties the request named replace the stored ones.
fn apply_update(printer: &mut Printer, update: PrinterUpdate) {
    if let Some(v) = update.display_name {
        printer.display_name = v;
    }
    if let Some(v) = update.location {
        printer.location = v;
    }
    if let Some(v) = update.defaults {
        printer.defaults = v;
    }
    if let Some(v) = update.capabilities {
        printer.capabilities = v;
    }
    if let Some(v) = update.manufacturer {
        printer.manufacturer = v;
    }
    if let Some(v) = update.model {
        printer.model = v;
    }
    if let Some(v) = update.is_accepting_jobs {
        printer.is_accepting_jobs = v;
    }
    if let Some(status) = update.status {
        if let Some(state) = status.get("state").and_then(Value::as_str) {
            printer.status_state = state.to_string();
        }
        if let Some(details) = status.get("details").and_then(Value::as_array) {
            printer.status_details = details
                .iter()
                .filter_map(|d| d.as_str().map(str::to_string))
                .collect();
        }
        if let Some(description) = status.get("description") {
            printer.status_description = description.as_str().map(str::to_string);
        }
    }
}
