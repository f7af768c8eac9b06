//! Get-Printer-Attributes: the share's printer described in IPP (`platen_ipp_model::mapping::description`),
//! filtered by `requested-attributes` (RFC 8011 §4.2.5.1; `all` leaves out `media-col-database`, which is
//! returned only when asked for by name, as IPP Everywhere clients do).

use super::job_attributes::{unix_now, up_time_at};
use super::request::{Outcome, ShareRequest};
use crate::operation::Answer;
use ipp::prelude::*;
use platen_ipp_model::mapping::description::{ShareView, printer_description};
use platen_ipp_model::message::{add, as_text, response, values};
use platen_ipp_model::printer::Attributes;
use platen_ipp_model::{op, status};

/// The job template attributes a client may send with a job; each is mapped to Graph configuration.
pub const JOB_CREATION_ATTRIBUTES: &[&str] = &[
    "copies",
    "finishings",
    "media",
    "media-col",
    "media-source",
    "media-type",
    "number-up",
    "orientation-requested",
    "output-bin",
    "page-ranges",
    "print-color-mode",
    "print-quality",
    "print-scaling",
    "printer-resolution",
    "sides",
];

/// Job template attributes Platen does not map but whose `-default`/`-supported` printer attributes still belong
/// to the `job-template` group (with [`JOB_CREATION_ATTRIBUTES`], the bases of that group).
const OTHER_TEMPLATE_BASES: &[&str] = &[
    "print-content-optimize",
    "print-rendering-intent",
    "multiple-document-handling",
    "job-hold-until",
    "job-priority",
    "job-sheets",
    "overrides",
];

fn is_template(attribute: &str) -> bool {
    ["-default", "-supported", "-ready", "-database"]
        .iter()
        .filter_map(|suffix| attribute.strip_suffix(suffix))
        .any(|base| JOB_CREATION_ATTRIBUTES.contains(&base) || OTHER_TEMPLATE_BASES.contains(&base))
}

/// The full description of the share's printer for this request (Get-Printer-Attributes): with the live queue
/// length and how the share authenticates, two queries.
pub async fn describe(r: &ShareRequest) -> Attributes {
    let queued = r.state.app.share_queue_length(&r.share).await.unwrap_or(0);
    // A kiosk share takes the client's word for who prints (RFC 8011 `requesting-user-name`).
    let guests = r
        .state
        .app
        .share_takes_unauthenticated_jobs(&r.share)
        .await
        .unwrap_or(false);
    description(r, queued, guests)
}

/// What a job request is checked against (its `*-supported` values): the description without the two
/// queries only Get-Printer-Attributes needs, so Print-Job does not pay for them.
pub fn capabilities(r: &ShareRequest) -> Attributes {
    description(r, 0, false)
}

fn description(r: &ShareRequest, queued: i64, guests: bool) -> Attributes {
    let printer_uri = r.printer_uri();
    let more_info = format!("{}/ipp/shares/{}/info", r.public_url(), r.share.id);
    let icon = format!("{}/ipp/shares/{}/icon.png", r.public_url(), r.share.id);
    let uuid = format!("urn:uuid:{}", platen_domain::share_printer_uuid(&r.share.id));
    let authentication = if guests { "requesting-user-name" } else { "basic" };
    let view = ShareView {
        name: &r.share.display_name,
        uri: &printer_uri,
        security: if printer_uri.starts_with("ipps:") {
            "tls"
        } else {
            "none"
        },
        authentication,
        uuid: &uuid,
        more_info: &more_info,
        icons: vec![icon],
        operations: op::SHARE_SUPPORTED,
        up_time: up_time_at(r, unix_now()),
        now_unix: unix_now(),
        queued_job_count: i32::try_from(queued).unwrap_or(i32::MAX),
        max_document_size: r.state.app.config.max_document_size,
        job_creation_attributes: JOB_CREATION_ATTRIBUTES,
        multiple_operation_time_out: super::jobs::MULTIPLE_OPERATION_TIME_OUT.as_secs(),
    };
    let mut description = printer_description(&r.printer, &view);
    for (n, v) in super::events::description() {
        description.insert(n.to_string(), v);
    }
    description
}

pub async fn get_printer_attributes(r: &ShareRequest) -> Outcome<Answer> {
    let requested: Vec<String> = platen_ipp_model::message::op_attr(&r.ipp, "requested-attributes")
        .map(|v| values(v).into_iter().filter_map(as_text).collect())
        .unwrap_or_else(|| vec!["all".into()]);
    let has = |n: &str| requested.iter().any(|x| x == n);
    let wanted = |attribute: &str| {
        has(attribute)
            || (attribute != "media-col-database"
                && (has("all")
                    || (has("job-template") && is_template(attribute))
                    || (has("printer-description") && !is_template(attribute))))
    };
    let description = describe(r).await;
    let mut m = response(r.ipp.header(), status::OK, None)?;
    for (n, v) in description.iter().filter(|(n, _)| wanted(n)) {
        add(&mut m, DelimiterTag::PrinterAttributes, n, v.clone());
    }
    if !m
        .attributes()
        .groups()
        .iter()
        .any(|g| g.tag() == DelimiterTag::PrinterAttributes)
    {
        // RFC 8011: the group is there even when no requested attribute is known.
        m.attributes_mut()
            .groups_mut()
            .push(IppAttributeGroup::new(DelimiterTag::PrinterAttributes));
    }
    Ok(m.into())
}
