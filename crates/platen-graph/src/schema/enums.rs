//! Member lists of the Universal Print enumerations (§1.11 of `graph-print-api.md`, v1.0 CSDL order).
//!
//! Enum values travel on the wire as these member-name strings, compared case-sensitively. Lists include
//! `unknownFutureValue` wherever the CSDL has it, in its CSDL position.

pub use super::printer_state_details::PRINTER_PROCESSING_STATE_DETAIL;

pub const PRINT_JOB_PROCESSING_STATE: &[&str] = &[
    "unknown",
    "pending",
    "processing",
    "paused",
    "stopped",
    "completed",
    "canceled",
    "aborted",
    "unknownFutureValue",
];

pub const PRINT_JOB_STATE_DETAIL: &[&str] = &[
    "uploadPending",
    "transforming",
    "completedSuccessfully",
    "completedWithWarnings",
    "completedWithErrors",
    "releaseWait",
    "interpreting",
    "unknownFutureValue",
];

pub const PRINTER_PROCESSING_STATE: &[&str] =
    &["unknown", "idle", "processing", "stopped", "unknownFutureValue"];

pub const PRINT_TASK_PROCESSING_STATE: &[&str] = &[
    "pending",
    "processing",
    "completed",
    "aborted",
    "unknownFutureValue",
];

pub const PRINT_OPERATION_PROCESSING_STATE: &[&str] = &[
    "notStarted",
    "running",
    "succeeded",
    "failed",
    "unknownFutureValue",
];

pub const PRINT_EVENT: &[&str] = &["jobStarted", "unknownFutureValue"];

pub const PRINT_COLOR_MODE: &[&str] = &[
    "blackAndWhite",
    "grayscale",
    "color",
    "auto",
    "unknownFutureValue",
];

pub const PRINT_DUPLEX_MODE: &[&str] = &[
    "flipOnLongEdge",
    "flipOnShortEdge",
    "oneSided",
    "unknownFutureValue",
];

pub const PRINTER_FEED_ORIENTATION: &[&str] = &["longEdgeFirst", "shortEdgeFirst", "unknownFutureValue"];

pub const PRINT_ORIENTATION: &[&str] = &[
    "portrait",
    "landscape",
    "reverseLandscape",
    "reversePortrait",
    "unknownFutureValue",
];

pub const PRINT_QUALITY: &[&str] = &["low", "medium", "high", "unknownFutureValue"];

pub const PRINT_SCALING: &[&str] = &["auto", "shrinkToFit", "fill", "fit", "none", "unknownFutureValue"];

pub const PRINT_MULTIPAGE_LAYOUT: &[&str] = &[
    "clockwiseFromTopLeft",
    "counterclockwiseFromTopLeft",
    "counterclockwiseFromTopRight",
    "clockwiseFromTopRight",
    "counterclockwiseFromBottomLeft",
    "clockwiseFromBottomLeft",
    "counterclockwiseFromBottomRight",
    "clockwiseFromBottomRight",
    "unknownFutureValue",
];

pub const PRINT_FINISHING: &[&str] = &[
    "none",
    "staple",
    "punch",
    "cover",
    "bind",
    "saddleStitch",
    "stitchEdge",
    "stapleTopLeft",
    "stapleBottomLeft",
    "stapleTopRight",
    "stapleBottomRight",
    "stitchLeftEdge",
    "stitchTopEdge",
    "stitchRightEdge",
    "stitchBottomEdge",
    "stapleDualLeft",
    "stapleDualTop",
    "stapleDualRight",
    "stapleDualBottom",
    "unknownFutureValue",
    "stapleTripleLeft",
    "stapleTripleTop",
    "stapleTripleRight",
    "stapleTripleBottom",
    "bindLeft",
    "bindTop",
    "bindRight",
    "bindBottom",
    "foldAccordion",
    "foldDoubleGate",
    "foldGate",
    "foldHalf",
    "foldHalfZ",
    "foldLeftGate",
    "foldLetter",
    "foldParallel",
    "foldPoster",
    "foldRightGate",
    "foldZ",
    "foldEngineeringZ",
    "punchTopLeft",
    "punchBottomLeft",
    "punchTopRight",
    "punchBottomRight",
    "punchDualLeft",
    "punchDualTop",
    "punchDualRight",
    "punchDualBottom",
    "punchTripleLeft",
    "punchTripleTop",
    "punchTripleRight",
    "punchTripleBottom",
    "punchQuadLeft",
    "punchQuadTop",
    "punchQuadRight",
    "punchQuadBottom",
    "fold",
    "trim",
    "bale",
    "bookletMaker",
    "coat",
    "laminate",
    "trimAfterPages",
    "trimAfterDocuments",
    "trimAfterCopies",
    "trimAfterJob",
];

pub const INCOMPATIBLE_PRINTER_SETTINGS: &[&str] = &["show", "hide", "unknownFutureValue"];

/// Appears in one docs revision only (`printReleaseMechanism.releaseType`); not in the current schemas.
pub const PRINT_RELEASE_TYPE: &[&str] = &["direct", "qrCode", "unknownFutureValue"];

/// β only (legacy `printColorConfiguration` members of printerDefaults / printerCapabilities).
pub const PRINT_COLOR_CONFIGURATION: &[&str] = &["blackAndWhite", "grayscale", "color", "auto"];

/// β only.
pub const PRINT_DUPLEX_CONFIGURATION: &[&str] = &["twoSidedLongEdge", "twoSidedShortEdge", "oneSided"];

/// β only (`printerDocumentConfiguration.feedDirection`, `printerCapabilities.feedDirections`).
pub const PRINTER_FEED_DIRECTION: &[&str] = &["longEdgeFirst", "shortEdgeFirst"];

/// β only (`printerCapabilities.supportedMediaTypes`).
pub const PRINT_MEDIA_TYPE: &[&str] = &[
    "stationery",
    "transparency",
    "envelope",
    "envelopePlain",
    "continuous",
    "screen",
    "screenPaged",
    "continuousLong",
    "continuousShort",
    "envelopeWindow",
    "multiPartForm",
    "multiLayer",
    "labels",
];

/// β only. Note the capital "C" in `counterClockwise…`, unlike [`PRINT_MULTIPAGE_LAYOUT`].
pub const PRINT_PRESENTATION_DIRECTION: &[&str] = &[
    "clockwiseFromTopLeft",
    "counterClockwiseFromTopLeft",
    "counterClockwiseFromTopRight",
    "clockwiseFromTopRight",
    "counterClockwiseFromBottomLeft",
    "clockwiseFromBottomLeft",
    "counterClockwiseFromBottomRight",
    "clockwiseFromBottomRight",
];

/// β only (legacy `printerStatus.processingStateReasons`).
pub const PRINTER_PROCESSING_STATE_REASON: &[&str] = &[
    "paused",
    "mediaJam",
    "mediaNeeded",
    "mediaLow",
    "mediaEmpty",
    "coverOpen",
    "interlockOpen",
    "outputTrayMissing",
    "outputAreaFull",
    "markerSupplyLow",
    "markerSupplyEmpty",
    "inputTrayMissing",
    "outputAreaAlmostFull",
    "markerWasteAlmostFull",
    "markerWasteFull",
    "fuserOverTemp",
    "fuserUnderTemp",
    "other",
    "none",
    "movingToPaused",
    "shutdown",
    "connectingToDevice",
    "timedOut",
    "stopping",
    "stoppedPartially",
    "tonerLow",
    "tonerEmpty",
    "spoolAreaFull",
    "doorOpen",
    "opticalPhotoConductorNearEndOfLife",
    "opticalPhotoConductorLifeOver",
    "developerLow",
    "developerEmpty",
    "interpreterResourceUnavailable",
    "unknownFutureValue",
];

/// An enumeration as the validators need it: its CSDL name (for messages) and its members.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EnumType {
    pub name: &'static str,
    pub members: &'static [&'static str],
}

impl EnumType {
    pub(crate) const fn new(name: &'static str, members: &'static [&'static str]) -> Self {
        Self { name, members }
    }
}

pub(crate) const COLOR_MODE: EnumType = EnumType::new("printColorMode", PRINT_COLOR_MODE);
pub(crate) const DUPLEX_MODE: EnumType = EnumType::new("printDuplexMode", PRINT_DUPLEX_MODE);
pub(crate) const FEED_ORIENTATION: EnumType =
    EnumType::new("printerFeedOrientation", PRINTER_FEED_ORIENTATION);
pub(crate) const FINISHING: EnumType = EnumType::new("printFinishing", PRINT_FINISHING);
pub(crate) const MULTIPAGE_LAYOUT: EnumType = EnumType::new("printMultipageLayout", PRINT_MULTIPAGE_LAYOUT);
pub(crate) const ORIENTATION: EnumType = EnumType::new("printOrientation", PRINT_ORIENTATION);
pub(crate) const QUALITY: EnumType = EnumType::new("printQuality", PRINT_QUALITY);
pub(crate) const SCALING: EnumType = EnumType::new("printScaling", PRINT_SCALING);
pub(crate) const PRINTER_STATE: EnumType = EnumType::new("printerProcessingState", PRINTER_PROCESSING_STATE);
pub(crate) const PRINTER_STATE_DETAIL: EnumType =
    EnumType::new("printerProcessingStateDetail", PRINTER_PROCESSING_STATE_DETAIL);
pub(crate) const TASK_STATE: EnumType =
    EnumType::new("printTaskProcessingState", PRINT_TASK_PROCESSING_STATE);
pub(crate) const INCOMPATIBLE_PRINTERS: EnumType =
    EnumType::new("incompatiblePrinterSettings", INCOMPATIBLE_PRINTER_SETTINGS);
pub(crate) const COLOR_CONFIGURATION: EnumType =
    EnumType::new("printColorConfiguration", PRINT_COLOR_CONFIGURATION);
pub(crate) const DUPLEX_CONFIGURATION: EnumType =
    EnumType::new("printDuplexConfiguration", PRINT_DUPLEX_CONFIGURATION);
pub(crate) const FEED_DIRECTION: EnumType = EnumType::new("printerFeedDirection", PRINTER_FEED_DIRECTION);
pub(crate) const MEDIA_TYPE: EnumType = EnumType::new("printMediaType", PRINT_MEDIA_TYPE);
pub(crate) const PRESENTATION_DIRECTION: EnumType =
    EnumType::new("printPresentationDirection", PRINT_PRESENTATION_DIRECTION);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn assert_unique(name: &str, members: &[&str]) {
        let set: HashSet<&&str> = members.iter().collect();
        assert_eq!(set.len(), members.len(), "{name} has duplicate members");
    }

    #[test]
    fn every_list_is_free_of_duplicates() {
        let lists: &[(&str, &[&str])] = &[
            ("printJobProcessingState", PRINT_JOB_PROCESSING_STATE),
            ("printJobStateDetail", PRINT_JOB_STATE_DETAIL),
            ("printerProcessingState", PRINTER_PROCESSING_STATE),
            ("printerProcessingStateDetail", PRINTER_PROCESSING_STATE_DETAIL),
            ("printTaskProcessingState", PRINT_TASK_PROCESSING_STATE),
            ("printOperationProcessingState", PRINT_OPERATION_PROCESSING_STATE),
            ("printEvent", PRINT_EVENT),
            ("printColorMode", PRINT_COLOR_MODE),
            ("printDuplexMode", PRINT_DUPLEX_MODE),
            ("printerFeedOrientation", PRINTER_FEED_ORIENTATION),
            ("printOrientation", PRINT_ORIENTATION),
            ("printQuality", PRINT_QUALITY),
            ("printScaling", PRINT_SCALING),
            ("printMultipageLayout", PRINT_MULTIPAGE_LAYOUT),
            ("printFinishing", PRINT_FINISHING),
            ("incompatiblePrinterSettings", INCOMPATIBLE_PRINTER_SETTINGS),
            ("printReleaseType", PRINT_RELEASE_TYPE),
            ("printColorConfiguration", PRINT_COLOR_CONFIGURATION),
            ("printDuplexConfiguration", PRINT_DUPLEX_CONFIGURATION),
            ("printerFeedDirection", PRINTER_FEED_DIRECTION),
            ("printMediaType", PRINT_MEDIA_TYPE),
            ("printPresentationDirection", PRINT_PRESENTATION_DIRECTION),
            ("printerProcessingStateReason", PRINTER_PROCESSING_STATE_REASON),
        ];
        for (name, members) in lists {
            assert_unique(name, members);
        }
    }

    #[test]
    fn finishing_list_matches_the_csdl() {
        // 3..=9, 20..=31, ufv 32, 33..=78
        assert_eq!(PRINT_FINISHING.len(), 7 + 12 + 1 + 46);
        assert_eq!(PRINT_FINISHING[19], "unknownFutureValue");
        assert_eq!(PRINT_FINISHING.last(), Some(&"trimAfterJob"));
    }

    #[test]
    fn state_detail_list_has_all_826_csdl_members() {
        assert_eq!(PRINTER_PROCESSING_STATE_DETAIL.len(), 826);
        assert_eq!(PRINTER_PROCESSING_STATE_DETAIL.first(), Some(&"paused"));
        assert_eq!(PRINTER_PROCESSING_STATE_DETAIL.last(), Some(&"wrapperWarmingUp"));
        // Value 36 sits at index 34 because values 1 and 8 are unused.
        assert_eq!(PRINTER_PROCESSING_STATE_DETAIL[34], "unknownFutureValue");
        for name in [
            "subunitUnrecoverableStorage",
            "alertRemovalOfBinaryChangeEntry",
            "hibernate",
            "unknown",
        ] {
            assert!(PRINTER_PROCESSING_STATE_DETAIL.contains(&name), "{name} missing");
        }
    }

    #[test]
    fn legacy_reasons_are_the_first_detail_members() {
        let core: Vec<&str> = PRINTER_PROCESSING_STATE_DETAIL[..34].to_vec();
        assert_eq!(core, PRINTER_PROCESSING_STATE_REASON[..34].to_vec());
    }
}

/// Graph's evolvable enums: members listed after `unknownFutureValue` are sent only to clients that asked for
/// them with `Prefer: include-unknown-enum-members`; others read `unknownFutureValue` instead. Of the print
/// enumerations, `printerProcessingStateDetail` and `printFinishing` have such members.
pub fn hides_member(members: &[&str], value: &str) -> bool {
    members
        .iter()
        .position(|m| *m == "unknownFutureValue")
        .is_some_and(|cut| members[cut + 1..].contains(&value))
}

/// `value`, or `unknownFutureValue` when it is an evolvable member the client did not ask for.
pub fn as_seen(members: &[&str], value: &str, include_unknown: bool) -> String {
    if !include_unknown && hides_member(members, value) {
        "unknownFutureValue".to_string()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod evolvable_tests {
    use super::*;

    #[test]
    fn members_after_unknown_future_value_are_hidden_unless_asked_for() {
        assert!(!hides_member(PRINTER_PROCESSING_STATE_DETAIL, "mediaEmpty"));
        assert!(hides_member(PRINTER_PROCESSING_STATE_DETAIL, "banderAdded"));
        assert!(hides_member(PRINT_FINISHING, "bindLeft"));
        assert!(!hides_member(PRINT_FINISHING, "staple"));
        assert_eq!(as_seen(PRINT_FINISHING, "bindLeft", false), "unknownFutureValue");
        assert_eq!(as_seen(PRINT_FINISHING, "bindLeft", true), "bindLeft");
    }
}
