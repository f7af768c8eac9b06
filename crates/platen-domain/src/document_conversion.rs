//! Which uploads Platen converts (Universal Print's one documented conversion): a document declared
//! `application/oxps`, for a printer that takes `application/pdf` but not `application/oxps`, is converted to
//! PDF before a device may fetch it, when the tenant's `printSettings.documentConversionEnabled` is on.

/// What an upload declares; the only source format Platen converts.
pub const OXPS: &str = "application/oxps";
/// What Platen converts it to.
pub const PDF: &str = "application/pdf";

/// The answer for one upload's declared content type on one printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadFormat {
    /// The printer takes it as it is (or has not reported its formats yet, and so takes anything).
    Accepted,
    /// Accepted, and converted to [`PDF`] after `start`.
    ConvertedToPdf,
    /// Refused; the text says why, for the 400 answer.
    Refused(String),
}

/// Media type without parameters, lower-cased: `Application/PDF; x=y` → `application/pdf`.
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// True when a document of `declared` type must be converted for a printer listing `supported` (essences).
/// Decided again at `start` from the stored document and printer, so nothing about it is stored separately.
pub fn needs_pdf_conversion(declared: &str, supported: &[String]) -> bool {
    let has = |t: &str| supported.iter().any(|s| s == t);
    essence(declared) == OXPS && has(PDF) && !has(OXPS)
}

/// createUploadSession's rule for `declared` on a printer listing `supported` (essences), with the tenant's
/// conversion switch.
pub fn upload_format(declared: &str, supported: &[String], conversion_enabled: bool) -> UploadFormat {
    let declared_essence = essence(declared);
    if supported.is_empty() || supported.contains(&declared_essence) {
        return UploadFormat::Accepted;
    }
    let listed = supported.join(", ");
    if needs_pdf_conversion(declared, supported) {
        return if conversion_enabled {
            UploadFormat::ConvertedToPdf
        } else {
            UploadFormat::Refused(format!(
                "The printer does not support the content type '{declared}' (supported: {listed}), and document \
                 conversion is off for this tenant. An administrator can turn it on with PATCH /print/settings \
                 {{\"documentConversionEnabled\": true}}; OXPS documents are then converted to PDF."
            ))
        };
    }
    UploadFormat::Refused(format!(
        "The printer does not support the content type '{declared}'; supported: {listed}."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn oxps_to_a_pdf_only_printer_is_converted_when_the_tenant_allows_it() {
        let pdf_only = types(&[PDF, "image/pwg-raster"]);
        assert_eq!(upload_format(OXPS, &pdf_only, true), UploadFormat::ConvertedToPdf);
        assert_eq!(
            upload_format("Application/OXPS; q=1", &pdf_only, true),
            UploadFormat::ConvertedToPdf
        );
        assert!(needs_pdf_conversion(OXPS, &pdf_only));
    }

    #[test]
    fn conversion_off_refuses_oxps_and_says_how_to_turn_it_on() {
        let UploadFormat::Refused(why) = upload_format(OXPS, &types(&[PDF]), false) else {
            panic!("OXPS must be refused while conversion is off");
        };
        assert!(why.contains("conversion is off"), "{why}");
        assert!(why.contains("documentConversionEnabled"), "{why}");
    }

    #[test]
    fn a_printer_that_takes_oxps_gets_it_unconverted() {
        let both = types(&[PDF, OXPS]);
        assert_eq!(upload_format(OXPS, &both, true), UploadFormat::Accepted);
        assert!(!needs_pdf_conversion(OXPS, &both));
    }

    #[test]
    fn without_pdf_there_is_nothing_to_convert_to() {
        let raster = types(&["image/pwg-raster"]);
        let UploadFormat::Refused(why) = upload_format(OXPS, &raster, true) else {
            panic!("OXPS must be refused by a printer without PDF");
        };
        assert!(!why.contains("conversion"), "{why}");
        assert!(!needs_pdf_conversion(OXPS, &raster));
    }

    #[test]
    fn only_oxps_is_converted() {
        let pdf_only = types(&[PDF]);
        assert!(matches!(
            upload_format("application/vnd.ms-xpsdocument", &pdf_only, true),
            UploadFormat::Refused(_)
        ));
        assert_eq!(upload_format(PDF, &pdf_only, false), UploadFormat::Accepted);
        assert_eq!(upload_format(OXPS, &[], false), UploadFormat::Accepted);
        assert!(!needs_pdf_conversion(OXPS, &[]));
    }
}

/// Why a conversion failed; the job is aborted with [`ConversionFailure::error_code`] and a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversionFailure {
    /// The converter refused the document (not a valid OXPS).
    Corrupt,
    /// The converter ran out of its wall-clock or CPU time.
    TimedOut,
    /// The converted document would exceed the size limit.
    TooLarge,
    /// The converter is not installed (or not where the configuration says).
    ConverterMissing,
}

impl ConversionFailure {
    /// The job's `errorCode`, an IPP status code as for a device's abort (`device::device_abort_error_code`).
    pub fn error_code(self) -> i32 {
        match self {
            Self::Corrupt => 0x0411,          // client-error-document-format-error
            Self::TooLarge => 0x0409,         // client-error-request-entity-too-large
            Self::TimedOut => 0x0500,         // server-error-internal-error
            Self::ConverterMissing => 0x0500, // server-error-internal-error
        }
    }
}
