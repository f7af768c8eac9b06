//! The readers of Graph request bodies' nested types (job and document configuration, printer capabilities and
//! defaults, location, settings, statuses, upload properties) on v1.0 and beta: any JSON is a 400 with a message
//! or a normalised value that the same reader accepts again unchanged; rendering any stored value for a version
//! never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;
use platen_graph::schema::{
    ApiVersion, SchemaError, capabilities_for, defaults_for, document_configuration, job_configuration,
    location, printer_capabilities, printer_defaults, printer_status, settings, task_status,
    upload_properties,
};
use serde_json::Value;

type Reader = fn(&Value, &ApiVersion) -> Result<Value, SchemaError>;

const READERS: &[(&str, Reader)] = &[
    ("jobConfiguration", job_configuration),
    ("documentConfiguration", |v, _| document_configuration(v)),
    ("printerCapabilities", printer_capabilities),
    ("printerDefaults", printer_defaults),
    ("location", location),
    ("settings", |v, _| settings(v)),
    ("printerStatus", |v, _| printer_status(v)),
    ("taskStatus", |v, _| task_status(v)),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, json)) = data.split_first() else {
        return;
    };
    let Ok(body) = serde_json::from_slice::<Value>(json) else {
        return;
    };
    let version = if selector & 0x80 == 0 {
        ApiVersion::V1
    } else {
        ApiVersion::Beta
    };
    let (name, read) = READERS[usize::from(selector & 0x7f) % READERS.len()];
    match read(&body, &version) {
        Ok(normalised) => {
            let again = read(&normalised, &version)
                .unwrap_or_else(|e| panic!("{name}: its own output {normalised} is refused: {e:?}"));
            assert_eq!(again, normalised, "{name}: normalising is not stable");
        }
        Err(e) => assert!(!format!("{e:?}").is_empty()),
    }
    let _ = upload_properties(&body);
    let _ = capabilities_for(&body, &version);
    let _ = defaults_for(&body, &version);
});
