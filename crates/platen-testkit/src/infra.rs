//! A minimal INFRA device (PWG 5100.18) for the integration suites: a device token from any node (RFC 7523
//! assertion signed with the printer's key), and IPP requests to `/ipp/print/{printer}` on whichever node a test
//! picks, with operation, job and subscription attributes.

use crate::http::{Http, Resp};
use ipp::attribute::{IppAttribute, IppAttributes};
use ipp::model::{DelimiterTag, IppVersion, StatusCode};
use ipp::parser::IppParser;
use ipp::reader::IppReader;
use ipp::request::IppRequestResponse;
use ipp::value::{BoundedString, IppValue};
use serde_json::json;
use std::time::{SystemTime, UNIX_EPOCH};

pub const ACKNOWLEDGE_JOB: i16 = 0x0041;
pub const UPDATE_JOB_STATUS: i16 = 0x0048;
pub const CREATE_PRINTER_SUBSCRIPTIONS: i16 = 0x0016;
pub const GET_NOTIFICATIONS: i16 = 0x001C;
pub const OK: u16 = 0x0000;
pub const NOT_FETCHABLE: u16 = 0x0420;
/// IPP `job-state` canceled.
pub const CANCELED: i32 = 7;
/// IPP `job-state` aborted.
pub const ABORTED: i32 = 8;
/// IPP `job-state` completed.
pub const COMPLETED: i32 = 9;

/// An integer value.
pub fn integer(i: i32) -> IppValue {
    IppValue::Integer(i)
}

/// An enum value (`output-device-job-state`).
pub fn enumv(i: i32) -> IppValue {
    IppValue::Enum(i)
}

/// A collection of integer members (`job-impressions-completed-col`).
pub fn counts(members: &[(&str, i32)]) -> IppValue {
    IppValue::Collection(
        members
            .iter()
            .map(|(k, v)| (BoundedString::new_truncated(*k), IppValue::Integer(*v)))
            .collect(),
    )
}

pub fn keyword(s: &str) -> IppValue {
    IppValue::Keyword(BoundedString::new_truncated(s))
}

/// One device (a printer's key) talking to the cluster.
pub struct Device {
    pub printer: String,
    pub token: String,
}

impl Device {
    /// Exchanges a signed assertion for a device token at `base` (tokens live in the database: any node
    /// accepts them).
    pub async fn connect(http: &reqwest::Client, base: &str, printer: &str, key_pem: &str) -> Device {
        Self::connect_as(http, base, base, printer, key_pem).await
    }

    /// [`Device::connect`] to a node whose public URL (the assertion's audience) is `public`.
    pub async fn connect_as(
        http: &reqwest::Client,
        base: &str,
        public: &str,
        printer: &str,
        key_pem: &str,
    ) -> Device {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let aud = format!("{public}/device/token");
        let claims = json!({"iss": printer, "sub": printer, "aud": aud, "iat": now, "exp": now + 300,
            "jti": uuid::Uuid::new_v4().to_string()});
        let key = jsonwebtoken::EncodingKey::from_ec_pem(key_pem.as_bytes()).expect("printer key");
        let assertion = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256),
            &claims,
            &key,
        )
        .expect("sign the assertion");
        let r = http
            .post(format!("{base}/device/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
            ))
            .send()
            .await
            .expect("device token request");
        assert_eq!(r.status(), 200, "device token");
        let v: serde_json::Value = r.json().await.expect("token JSON");
        Device {
            printer: printer.to_string(),
            token: v["access_token"].as_str().expect("access_token").to_string(),
        }
    }

    /// An `ippget` subscription to the printer's job events (state changes and fetchable jobs) at `base`; its id.
    pub async fn subscribe_to_job_events(&self, http: &reqwest::Client, base: &str) -> i32 {
        let sub = self
            .send(
                http,
                base,
                CREATE_PRINTER_SUBSCRIPTIONS,
                vec![],
                Some(vec![
                    ("notify-pull-method", keyword("ippget")),
                    (
                        "notify-events",
                        IppValue::Array(vec![keyword("job-state-changed"), keyword("job-fetchable")]),
                    ),
                    ("notify-lease-duration", IppValue::Integer(600)),
                ]),
            )
            .await;
        assert_eq!(sub.status, OK, "Create-Printer-Subscriptions");
        sub.subscription_id()
    }

    /// Sends operation `op` with extra operation attributes (and optional subscription attributes) to `base`.
    pub async fn send(
        &self,
        http: &reqwest::Client,
        base: &str,
        op: i16,
        attrs: Vec<(&str, IppValue)>,
        subscription: Option<Vec<(&str, IppValue)>>,
    ) -> IppAnswer {
        self.send_groups(http, base, op, attrs, vec![], subscription)
            .await
    }

    /// Acknowledge-Job for `job` as output device `device_uuid` (a `urn:uuid:…`); the IPP status.
    pub async fn acknowledge(&self, http: &reqwest::Client, base: &str, job: i32, device_uuid: &str) -> u16 {
        let attrs = vec![
            ("job-id", integer(job)),
            (
                "output-device-uuid",
                IppValue::Uri(BoundedString::new_truncated(device_uuid)),
            ),
        ];
        self.send(http, base, ACKNOWLEDGE_JOB, attrs, None).await.status
    }

    /// Update-Job-Status for `job`: `output-device-job-state` `state` plus the given job attributes (counters).
    pub async fn update_job_status(
        &self,
        http: &reqwest::Client,
        base: &str,
        job: i32,
        state: i32,
        job_attrs: Vec<(&str, IppValue)>,
    ) -> u16 {
        self.update_job_status_with_reasons(http, base, job, state, &["none"], job_attrs)
            .await
    }

    /// Update-Job-Status for `job` with `output-device-job-state-reasons` `reasons` (keywords).
    pub async fn update_job_status_with_reasons(
        &self,
        http: &reqwest::Client,
        base: &str,
        job: i32,
        state: i32,
        reasons: &[&str],
        job_attrs: Vec<(&str, IppValue)>,
    ) -> u16 {
        let reasons = match reasons {
            [one] => keyword(one),
            many => IppValue::Array(many.iter().map(|r| keyword(r)).collect()),
        };
        let mut all = vec![
            ("output-device-job-state", enumv(state)),
            ("output-device-job-state-reasons", reasons),
        ];
        all.extend(job_attrs);
        self.send_groups(
            http,
            base,
            UPDATE_JOB_STATUS,
            vec![("job-id", integer(job))],
            all,
            None,
        )
        .await
        .status
    }

    /// Sends operation `op` with operation, job and subscription attributes to `base`.
    pub async fn send_groups(
        &self,
        http: &reqwest::Client,
        base: &str,
        op: i16,
        attrs: Vec<(&str, IppValue)>,
        job_attrs: Vec<(&str, IppValue)>,
        subscription: Option<Vec<(&str, IppValue)>>,
    ) -> IppAnswer {
        self.try_send_groups(http, base, op, attrs, job_attrs, subscription)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Device::send_groups`] for callers that expect the server to go away: a transport error is returned.
    pub async fn try_send_groups(
        &self,
        http: &reqwest::Client,
        base: &str,
        op: i16,
        attrs: Vec<(&str, IppValue)>,
        job_attrs: Vec<(&str, IppValue)>,
        subscription: Option<Vec<(&str, IppValue)>>,
    ) -> Result<IppAnswer, String> {
        let mut msg = IppRequestResponse::new_response(IppVersion::v2_0(), StatusCode::SuccessfulOk, 1)
            .expect("IPP message");
        msg.header_mut().operation_or_status = op;
        let uri = format!("ipps://platen.test/ipp/print/{}", self.printer);
        let mut add = |tag: DelimiterTag, name: &str, v: IppValue| {
            msg.attributes_mut()
                .add(tag, IppAttribute::new(BoundedString::new_truncated(name), v));
        };
        add(
            DelimiterTag::OperationAttributes,
            "printer-uri",
            IppValue::Uri(BoundedString::new_truncated(uri)),
        );
        add(
            DelimiterTag::OperationAttributes,
            "requesting-user-name",
            IppValue::NameWithoutLanguage(BoundedString::new_truncated("platen-test-device")),
        );
        for (n, v) in attrs {
            add(DelimiterTag::OperationAttributes, n, v);
        }
        for (n, v) in job_attrs {
            add(DelimiterTag::JobAttributes, n, v);
        }
        for (n, v) in subscription.into_iter().flatten() {
            add(DelimiterTag::SubscriptionAttributes, n, v);
        }
        let url = format!("{base}/ipp/print/{}", self.printer);
        let rb = http
            .post(&url)
            .bearer_auth(&self.token)
            .header("content-type", "application/ipp")
            .body(msg.to_bytes().to_vec());
        let r: Resp = Http::with_client("", http.clone()).try_exec(rb).await?;
        assert_eq!(r.status, 200, "IPP operation {op:#06x}: {r:?}");
        let (header, attrs, rest) = IppParser::new(IppReader::new(std::io::Cursor::new(r.body)))
            .parse_parts()
            .expect("IPP response");
        // What follows the attributes: a Fetch-Document's document.
        let rest = rest.into_inner();
        let data = rest.get_ref()[rest.position() as usize..].to_vec();
        Ok(IppAnswer {
            status: header.operation_or_status as u16,
            attrs,
            data,
        })
    }
}

pub struct IppAnswer {
    pub status: u16,
    pub attrs: IppAttributes,
    /// The data after the attributes (Fetch-Document: the document).
    pub data: Vec<u8>,
}

impl IppAnswer {
    fn int_in(&self, tag: DelimiterTag, name: &str) -> Vec<i32> {
        self.attrs
            .groups_of(tag)
            .flat_map(|g| g.attributes().iter())
            .filter(|a| a.name().as_str() == name)
            .filter_map(|a| match a.value() {
                IppValue::Integer(i) | IppValue::Enum(i) => Some(*i),
                _ => None,
            })
            .collect()
    }

    pub fn subscription_id(&self) -> i32 {
        self.int_in(DelimiterTag::SubscriptionAttributes, "notify-subscription-id")[0]
    }

    /// `(sequence number, job id, job state)` of every event notification.
    pub fn events(&self) -> Vec<(i32, i32, i32)> {
        self.attrs
            .groups_of(DelimiterTag::EventNotificationAttributes)
            .map(|g| {
                let get = |n: &str| {
                    g.attributes()
                        .iter()
                        .find(|a| a.name().as_str() == n)
                        .and_then(|a| match a.value() {
                            IppValue::Integer(i) | IppValue::Enum(i) => Some(*i),
                            _ => None,
                        })
                        .unwrap_or(0)
                };
                (get("notify-sequence-number"), get("job-id"), get("job-state"))
            })
            .collect()
    }
}
