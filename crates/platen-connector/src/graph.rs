//! The few Graph calls the connector makes: create/update its printConnector and register printers
//! (`printers/create`, a long-running operation).

use crate::host::HostInfo;
use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub struct Graph {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// A printer Graph created for us.
#[derive(Debug, Clone)]
pub struct CreatedPrinter {
    pub printer_id: String,
    /// DER of the device certificate.
    pub certificate: Vec<u8>,
}

pub struct PrinterRequest<'a> {
    pub display_name: &'a str,
    pub manufacturer: &'a str,
    pub model: &'a str,
    pub physical_device_id: uuid::Uuid,
    pub connector_id: &'a str,
    /// DER of the PKCS#10 request.
    pub csr: &'a [u8],
    /// DER SubjectPublicKeyInfo of the printer key.
    pub transport_key: &'a [u8],
}

#[derive(Deserialize)]
struct Operation {
    status: OperationStatus,
    #[serde(default)]
    certificate: Option<String>,
    #[serde(default)]
    printer: Option<IdOnly>,
}

#[derive(Deserialize)]
struct OperationStatus {
    state: String,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl Graph {
    pub fn new(http: reqwest::Client, server: &str, token: &str) -> Self {
        Graph {
            http,
            base: format!("{server}/v1.0"),
            token: token.to_string(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<(u16, reqwest::header::HeaderMap, Value)> {
        let resp = req
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .context("the server is unreachable")?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.context("reading the server's answer")?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        Ok((status, headers, body))
    }

    fn graph_error(what: &str, status: u16, body: &Value) -> anyhow::Error {
        let msg = body["error"]["message"].as_str().unwrap_or("");
        let code = body["error"]["code"].as_str().unwrap_or("");
        anyhow!("{what}: HTTP {status} {code} {msg}")
    }

    /// POST /print/connectors → the new connector's id.
    pub async fn create_connector(&self, display_name: &str, host: &HostInfo) -> Result<String> {
        let body = json!({
            "displayName": display_name,
            "fullyQualifiedDomainName": host.fqdn,
            "operatingSystem": host.operating_system,
            "appVersion": host.app_version,
        });
        let (status, _, resp) = self
            .send(
                self.http
                    .post(format!("{}/print/connectors", self.base))
                    .json(&body),
            )
            .await?;
        match status {
            200 | 201 => resp["id"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| anyhow!("the created printConnector has no id")),
            404 | 405 => bail!(
                "the server does not offer POST /v1.0/print/connectors (HTTP {status}); this Platen version \
                 cannot register connectors"
            ),
            _ => Err(Self::graph_error("creating the printConnector", status, &resp)),
        }
    }

    /// PATCH /print/connectors/{id} with what may have changed since the last start.
    pub async fn update_connector(&self, id: &str, host: &HostInfo) -> Result<()> {
        let body = json!({
            "fullyQualifiedDomainName": host.fqdn,
            "operatingSystem": host.operating_system,
            "appVersion": host.app_version,
        });
        let (status, _, resp) = self
            .send(
                self.http
                    .patch(format!("{}/print/connectors/{id}", self.base))
                    .json(&body),
            )
            .await?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(Self::graph_error("updating the printConnector", status, &resp))
        }
    }

    /// POST /print/printers/create → the Operation-Location URL to poll.
    pub async fn create_printer(&self, p: &PrinterRequest<'_>) -> Result<String> {
        let body = json!({
            "displayName": p.display_name,
            "manufacturer": p.manufacturer,
            "model": p.model,
            "physicalDeviceId": p.physical_device_id.to_string(),
            "hasPhysicalDevice": true,
            "connectorId": p.connector_id,
            "certificateSigningRequest": {"content": b64(p.csr), "transportKey": b64(p.transport_key)},
        });
        let (status, headers, resp) = self
            .send(
                self.http
                    .post(format!("{}/print/printers/create", self.base))
                    .json(&body),
            )
            .await?;
        if status != 202 {
            return Err(Self::graph_error("registering the printer", status, &resp));
        }
        headers
            .get("Operation-Location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| anyhow!("the server accepted the registration without an Operation-Location"))
    }

    /// Polls the operation until it succeeds (→ printer id and certificate) or fails.
    pub async fn await_printer(&self, operation_url: &str, patience: Duration) -> Result<CreatedPrinter> {
        let deadline = Instant::now() + patience;
        loop {
            let (status, headers, resp) = self.send(self.http.get(operation_url)).await?;
            if status != 200 {
                return Err(Self::graph_error(
                    "reading the registration operation",
                    status,
                    &resp,
                ));
            }
            let op: Operation = serde_json::from_value(resp).context("the operation's shape")?;
            match op.status.state.as_str() {
                "succeeded" => {
                    let printer_id = op
                        .printer
                        .map(|p| p.id)
                        .ok_or_else(|| anyhow!("no printer in the operation"))?;
                    let cert = op
                        .certificate
                        .ok_or_else(|| anyhow!("no certificate in the operation"))?;
                    return Ok(CreatedPrinter {
                        printer_id,
                        certificate: decode_certificate(&cert)?,
                    });
                }
                "failed" => bail!(
                    "the server refused the registration: {}",
                    op.status.description.unwrap_or_default()
                ),
                _ if Instant::now() > deadline => bail!("the registration did not finish in time"),
                _ => {
                    let wait = headers
                        .get("Retry-After")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or(1)
                        .clamp(1, 10);
                    tokio::time::sleep(Duration::from_secs(wait)).await;
                }
            }
        }
    }
}

/// The operation's `certificate`: base64 DER, or a PEM block.
fn decode_certificate(s: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    let body: String = s
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .context("the certificate is not base64")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_decode_from_base64_or_pem() {
        assert_eq!(decode_certificate("AQID").unwrap(), [1, 2, 3]);
        assert_eq!(
            decode_certificate("-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n").unwrap(),
            [1, 2, 3]
        );
        assert!(decode_certificate("!!").is_err());
    }
}
