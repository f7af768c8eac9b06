//! Whether a job's `printJobConfiguration` asks only for what its printer's `printerCapabilities` offer.
//!
//! Universal Print refuses a job (create, start, a pull-print app's configuration PATCH, a redirect with a
//! configuration) whose configuration names a value the target printer does not list. The rule is data: one
//! row per configuration member, naming the capability that lists its allowed values. A capability the
//! printer does not describe (absent or `null`) allows anything, so a printer that reported nothing never
//! refuses a job. Both values are read in the canonical (v1.0) shape Platen stores.

use serde_json::{Map, Value};

/// A configuration member the printer cannot honour: which member, what was asked, what is offered.
#[derive(Debug, Clone, PartialEq)]
pub struct UnsupportedSetting {
    /// The member's path inside the configuration, e.g. `mediaSize` or `margin.top`.
    pub property: String,
    /// The value the configuration asked for (for a list member, the one item not offered).
    pub value: Value,
    /// The capability's value: the list (or range) the printer offers.
    pub offered: Value,
    /// The capability that was consulted, e.g. `mediaSizes`.
    pub capability: &'static str,
}

impl std::fmt::Display for UnsupportedSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "configuration.{}: the printer does not support {} (capabilities.{} is {})",
            self.property,
            shown(&self.value),
            self.capability,
            self.offered
        )
    }
}

/// A string value quoted, anything else as JSON.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// How a configuration member's value is compared with its capability.
#[derive(Debug, Clone, Copy)]
enum Match {
    /// An enum member: exact (Graph enum names are case-sensitive).
    Exact,
    /// A free-form name (media, bins): ASCII case-insensitive, since devices and clients spell them differently.
    Name,
    /// Each item of a list member must be offered (finishings).
    EachItem,
    /// An integer within an `integerRange` (`start`/`end`, either bound optional).
    WithinRange,
}

/// One row: configuration member → the capability listing its allowed values.
struct Rule {
    member: &'static str,
    capability: &'static str,
    matching: Match,
}

const fn rule(member: &'static str, capability: &'static str, matching: Match) -> Rule {
    Rule {
        member,
        capability,
        matching,
    }
}

/// The members checked, in the order an error is reported.
const RULES: &[Rule] = &[
    rule("mediaSize", "mediaSizes", Match::Name),
    rule("inputBin", "inputBins", Match::Name),
    rule("outputBin", "outputBins", Match::Name),
    rule("colorMode", "colorModes", Match::Exact),
    rule("duplexMode", "duplexModes", Match::Exact),
    rule("quality", "qualities", Match::Exact),
    rule("dpi", "dpis", Match::Exact),
    rule("orientation", "orientations", Match::Exact),
    rule("copies", "copiesPerJob", Match::WithinRange),
    rule("pagesPerSheet", "pagesPerSheet", Match::Exact),
    rule("finishings", "finishings", Match::EachItem),
    rule("feedOrientation", "feedOrientations", Match::Exact),
    rule("scaling", "scalings", Match::Exact),
];

/// `printMargin` sides and the capability listing each side's allowed margins (microns).
const MARGINS: &[(&str, &str)] = &[
    ("top", "topMargins"),
    ("bottom", "bottomMargins"),
    ("left", "leftMargins"),
    ("right", "rightMargins"),
];

/// The first member of `configuration` that `capabilities` do not offer, if any. Non-object inputs (a printer
/// with no capabilities stored) and `null` members ask for or describe nothing, so they never refuse.
pub fn unsupported_setting(configuration: &Value, capabilities: &Value) -> Option<UnsupportedSetting> {
    let (Value::Object(config), Value::Object(caps)) = (configuration, capabilities) else {
        return None;
    };
    RULES
        .iter()
        .find_map(|r| check_rule(r, config, caps))
        .or_else(|| check_margins(config, caps))
}

fn check_rule(
    r: &Rule,
    config: &Map<String, Value>,
    caps: &Map<String, Value>,
) -> Option<UnsupportedSetting> {
    let asked = config.get(r.member).filter(|v| !v.is_null())?;
    let offered = caps.get(r.capability).filter(|v| !v.is_null())?;
    let refused = |value: &Value| UnsupportedSetting {
        property: r.member.to_owned(),
        value: value.clone(),
        offered: offered.clone(),
        capability: r.capability,
    };
    match r.matching {
        Match::Exact => (!listed(offered, asked, same_value)).then(|| refused(asked)),
        Match::Name => (!listed(offered, asked, same_name)).then(|| refused(asked)),
        Match::EachItem => asked
            .as_array()?
            .iter()
            .find(|item| !listed(offered, item, same_value))
            .map(refused),
        Match::WithinRange => (!within(offered, asked)).then(|| refused(asked)),
    }
}

fn check_margins(config: &Map<String, Value>, caps: &Map<String, Value>) -> Option<UnsupportedSetting> {
    let margin = config.get("margin")?.as_object()?;
    MARGINS.iter().find_map(|(side, capability)| {
        let asked = margin.get(*side).filter(|v| !v.is_null())?;
        let offered = caps.get(*capability).filter(|v| !v.is_null())?;
        (!listed(offered, asked, same_value)).then(|| UnsupportedSetting {
            property: format!("margin.{side}"),
            value: asked.clone(),
            offered: offered.clone(),
            capability,
        })
    })
}

/// Whether the capability list holds `asked`. A capability that is not a list describes nothing checkable.
fn listed(offered: &Value, asked: &Value, same: fn(&Value, &Value) -> bool) -> bool {
    offered
        .as_array()
        .is_none_or(|items| items.iter().any(|item| same(item, asked)))
}

fn same_value(a: &Value, b: &Value) -> bool {
    a == b
}

fn same_name(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => a == b,
    }
}

/// Whether `asked` lies within the `integerRange` `offered` (inclusive; a missing bound does not limit).
fn within(offered: &Value, asked: &Value) -> bool {
    let Some(n) = asked.as_i64() else { return true };
    let bound = |name| offered.get(name).and_then(Value::as_i64);
    bound("start").is_none_or(|start| n >= start) && bound("end").is_none_or(|end| n <= end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn capabilities() -> Value {
        json!({"mediaSizes":["A4","North America Letter"],"inputBins":["auto","tray-1"],"outputBins":["face-down"],
            "colorModes":["blackAndWhite"],"duplexModes":["oneSided","flipOnLongEdge"],"qualities":["medium"],
            "dpis":[300,600],"orientations":["portrait","landscape"],"copiesPerJob":{"start":1,"end":99},
            "pagesPerSheet":[1,2,4],"finishings":["none","staple"],"feedOrientations":["longEdgeFirst"],
            "scalings":["auto","fit"],"topMargins":[0,4234],"bottomMargins":[4234],"leftMargins":[4234],
            "rightMargins":[4234]})
    }

    fn refusal(configuration: Value) -> Option<(String, Value)> {
        unsupported_setting(&configuration, &capabilities()).map(|u| (u.property, u.value))
    }

    #[test]
    fn a_configuration_within_the_capabilities_is_accepted() {
        let fits = json!({"mediaSize":"A4","inputBin":"tray-1","outputBin":"face-down","colorMode":"blackAndWhite",
            "duplexMode":"flipOnLongEdge","quality":"medium","dpi":600,"orientation":"landscape","copies":99,
            "pagesPerSheet":4,"finishings":["staple"],"feedOrientation":"longEdgeFirst","scaling":"fit",
            "margin":{"top":0,"bottom":4234,"left":4234,"right":4234},"collate":true,"mediaType":"labels"});
        assert_eq!(refusal(fits), None);
        assert_eq!(refusal(json!({})), None);
    }

    #[test]
    fn each_checked_member_is_refused_with_its_value() {
        let cases = [
            (json!({"mediaSize":"A3"}), "mediaSize", json!("A3")),
            (
                json!({"inputBin":"by-pass-tray"}),
                "inputBin",
                json!("by-pass-tray"),
            ),
            (json!({"outputBin":"face-up"}), "outputBin", json!("face-up")),
            (json!({"colorMode":"color"}), "colorMode", json!("color")),
            (
                json!({"duplexMode":"flipOnShortEdge"}),
                "duplexMode",
                json!("flipOnShortEdge"),
            ),
            (json!({"quality":"high"}), "quality", json!("high")),
            (json!({"dpi":1200}), "dpi", json!(1200)),
            (
                json!({"orientation":"reversePortrait"}),
                "orientation",
                json!("reversePortrait"),
            ),
            (json!({"pagesPerSheet":6}), "pagesPerSheet", json!(6)),
            (
                json!({"finishings":["none","punch"]}),
                "finishings",
                json!("punch"),
            ),
            (
                json!({"feedOrientation":"shortEdgeFirst"}),
                "feedOrientation",
                json!("shortEdgeFirst"),
            ),
            (json!({"scaling":"fill"}), "scaling", json!("fill")),
            (json!({"margin":{"top":0,"left":10}}), "margin.left", json!(10)),
        ];
        for (configuration, property, value) in cases {
            assert_eq!(
                refusal(configuration.clone()),
                Some((property.to_owned(), value)),
                "{configuration}"
            );
        }
    }

    #[test]
    fn copies_must_lie_within_the_range_and_open_bounds_do_not_limit() {
        assert_eq!(
            refusal(json!({"copies":100})),
            Some(("copies".to_owned(), json!(100)))
        );
        assert_eq!(refusal(json!({"copies":1})), None);
        let open = json!({"copiesPerJob":{"start":2}});
        assert!(unsupported_setting(&json!({"copies":1}), &open).is_some());
        assert!(unsupported_setting(&json!({"copies":5000}), &open).is_none());
    }

    #[test]
    fn media_and_bin_names_match_without_regard_to_case() {
        assert_eq!(
            refusal(json!({"mediaSize":"north america letter","inputBin":"AUTO"})),
            None
        );
        assert!(refusal(json!({"colorMode":"BlackAndWhite"})).is_some());
    }

    #[test]
    fn what_the_capabilities_do_not_describe_is_not_refused() {
        let anything = json!({"mediaSize":"A0","colorMode":"color","copies":9999,"finishings":["bind"],
            "margin":{"top":1}});
        assert_eq!(unsupported_setting(&anything, &json!({})), None);
        let nulls = json!({"mediaSizes":null,"colorModes":null,"copiesPerJob":null,"finishings":null,
            "topMargins":null});
        assert_eq!(unsupported_setting(&anything, &nulls), None);
        assert_eq!(unsupported_setting(&anything, &Value::Null), None);
    }

    #[test]
    fn null_members_ask_for_nothing_and_an_empty_list_offers_nothing() {
        assert_eq!(
            refusal(json!({"mediaSize":null,"finishings":null,"margin":null})),
            None
        );
        let none_offered = json!({"finishings":[]});
        assert!(unsupported_setting(&json!({"finishings":["none"]}), &none_offered).is_some());
        assert!(unsupported_setting(&json!({"finishings":[]}), &none_offered).is_none());
    }

    #[test]
    fn the_message_names_the_property_and_the_value() {
        let u = unsupported_setting(&json!({"mediaSize":"A3"}), &capabilities());
        let message = u.map(|u| u.to_string()).unwrap_or_default();
        assert!(message.contains("configuration.mediaSize"), "{message}");
        assert!(message.contains("'A3'"), "{message}");
        assert!(message.contains("mediaSizes"), "{message}");
    }
}
