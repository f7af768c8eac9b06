//! The one IPP parser both IPP front ends (the INFRA endpoint and IPP Everywhere) read requests with, and the
//! mappings a parsed request goes through: any bytes are either a parse error or a message that Platen's
//! encoder writes back so that it parses again to the same bytes; mapping its groups (a device's report, a
//! client's job template, a device's job counters) never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;
use platen_ipp_model::encode::to_bytes;
use platen_ipp_model::ipp::model::{DelimiterTag, IppVersion, StatusCode};
use platen_ipp_model::ipp::prelude::IppRequestResponse;
use platen_ipp_model::mapping::{
    attribute_map, counters::print_counts, device_report, job_configuration, value_json,
};
use platen_ipp_model::parse;

const KNOWN_DETAILS: &[&str] = &["mediaEmpty", "mediaJam", "doorOpen", "tonerLow", "paused"];

fuzz_target!(|data: &[u8]| {
    let parsed = match parse(data) {
        Ok(p) => p,
        Err(e) => {
            assert!(!e.reason.is_empty());
            return;
        }
    };
    let message = parsed.message;
    assert!(data.ends_with(parsed.data));

    // Written by Platen's encoder, the message parses again, and writing that gives the same bytes.
    let Ok(mut out) = IppRequestResponse::new_response(IppVersion::v2_0(), StatusCode::SuccessfulOk, 1)
    else {
        panic!("building a response");
    };
    *out.header_mut() = *message.header();
    *out.attributes_mut() = message.attributes().clone();
    let written = to_bytes(&out);
    let reparsed = parse(&written).unwrap_or_else(|e| panic!("Platen's own encoding does not parse: {e}"));
    assert!(reparsed.data.is_empty());
    let Ok(mut again) = IppRequestResponse::new_response(IppVersion::v2_0(), StatusCode::SuccessfulOk, 1)
    else {
        panic!("building a response");
    };
    *again.header_mut() = *reparsed.message.header();
    *again.attributes_mut() = reparsed.message.attributes().clone();
    assert_eq!(to_bytes(&again), written, "encoding is not stable");

    // The mappings the front ends apply to a request's groups.
    let groups = message.attributes().groups();
    let group = |tag: DelimiterTag| {
        groups
            .iter()
            .find(|g| g.tag() == tag)
            .map(attribute_map)
            .unwrap_or_default()
    };
    let printer = group(DelimiterTag::PrinterAttributes);
    let job = group(DelimiterTag::JobAttributes);
    let report = device_report(&printer, KNOWN_DETAILS);
    let _ = serde_json::to_string(&report.capabilities);
    let _ = job_configuration(&job, &printer);
    let _ = print_counts(|name| job.get(name));
    for g in groups {
        for a in g.attributes().iter() {
            let _ = value_json(a.value());
        }
    }
});
