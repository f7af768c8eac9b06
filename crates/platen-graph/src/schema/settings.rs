//! `printSettings` (the body of `PATCH /print/settings`).

use serde_json::Value;

use super::ApiVersion;
use super::enums::INCOMPATIBLE_PRINTERS;
use super::error::SchemaError;
use super::shape::{ComplexType, Kind, Member, Root, validate_complex};

const AIR_PRINT_SETTINGS: ComplexType = ComplexType::new(
    "airPrintSettings",
    &[Member::new("incompatiblePrinters", Kind::Enum(INCOMPATIBLE_PRINTERS)).non_nullable()],
);

const PRINTER_DISCOVERY_SETTINGS: ComplexType = ComplexType::new(
    "printerDiscoverySettings",
    &[Member::new("airPrint", Kind::Complex(&AIR_PRINT_SETTINGS)).non_nullable()],
);

const PRINT_SETTINGS: ComplexType = ComplexType::new(
    "printSettings",
    &[
        Member::new("documentConversionEnabled", Kind::Boolean).non_nullable(),
        Member::new(
            "printerDiscoverySettings",
            Kind::Complex(&PRINTER_DISCOVERY_SETTINGS),
        ),
    ],
);

/// Validates a `PATCH /print/settings` body (a partial printSettings; error targets are body-relative,
/// e.g. `printerDiscoverySettings.airPrint.incompatiblePrinters`). Non-nullable members refuse `null`.
pub fn settings(v: &Value) -> Result<Value, SchemaError> {
    validate_complex(&PRINT_SETTINGS, v, "", Root::NonNullable, &ApiVersion::V1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documented_patch_bodies_are_accepted() {
        let conversion = json!({"documentConversionEnabled":true});
        assert_eq!(settings(&conversion), Ok(conversion.clone()));
        let discovery = json!({"documentConversionEnabled":false,
            "printerDiscoverySettings":{"airPrint":{"incompatiblePrinters":"hide"}}});
        assert_eq!(settings(&discovery), Ok(discovery.clone()));
        let clear = json!({"printerDiscoverySettings":null});
        assert_eq!(settings(&clear), Ok(clear.clone()));
    }

    #[test]
    fn wrong_values_are_refused_with_body_relative_targets() {
        let target = |v| settings(&v).err().map(|e| e.target);
        assert_eq!(
            target(json!({"documentConversionEnabled":"yes"})),
            Some("documentConversionEnabled".to_owned())
        );
        assert_eq!(
            target(json!({"documentConversionEnabled":null})),
            Some("documentConversionEnabled".to_owned())
        );
        assert_eq!(
            target(json!({"printerDiscoverySettings":{"airPrint":{"incompatiblePrinters":"Hide"}}})),
            Some("printerDiscoverySettings.airPrint.incompatiblePrinters".to_owned())
        );
        assert_eq!(
            target(json!({"printerDiscoverySettings":{"airPrint":null}})),
            Some("printerDiscoverySettings.airPrint".to_owned())
        );
        assert_eq!(
            target(json!({"alertSettings":{}})),
            Some("alertSettings".to_owned())
        );
        assert_eq!(target(json!([])), Some(String::new()));
    }

    #[test]
    fn a_non_object_body_is_described_as_the_request_body() {
        let e = settings(&json!("x")).err();
        assert!(e.is_some_and(|e| {
            e.message
                .starts_with("The request body must be a JSON object (printSettings)")
        }));
    }
}
