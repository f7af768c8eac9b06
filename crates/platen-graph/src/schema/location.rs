//! `printerLocation` (printer / share / connector `location`).

use serde_json::Value;

use super::ApiVersion;
use super::error::SchemaError;
use super::shape::{Alias, ComplexType, Kind, Member, Root, validate_complex};

const STRINGS: Kind = Kind::Collection(&Kind::String);

const PRINTER_LOCATION: ComplexType = ComplexType::new(
    "printerLocation",
    &[
        Member::new("altitudeInMeters", Kind::INT32),
        Member::new("building", Kind::String),
        Member::new("city", Kind::String),
        Member::new("countryOrRegion", Kind::String),
        Member::new("floor", Kind::String),
        Member::new("floorDescription", Kind::String),
        Member::new("latitude", Kind::Double),
        Member::new("longitude", Kind::Double),
        Member::new("organization", STRINGS),
        Member::new("postalCode", Kind::String),
        Member::new("roomDescription", Kind::String),
        Member::new("roomName", Kind::String),
        Member::new("site", Kind::String),
        Member::new("stateOrProvince", Kind::String),
        Member::new("streetAddress", Kind::String),
        Member::new("subdivision", STRINGS),
        Member::new("subunit", STRINGS),
        Member::new("floorNumber", Kind::INT32).beta_only(),
        Member::new("roomNumber", Kind::INT32).beta_only(),
    ],
)
// Every docs example writes `subUnit`; the schema's wire name is `subunit`.
.with_aliases(&[Alias {
    input: "subUnit",
    member: "subunit",
}]);

/// Validates a printerLocation and returns the value to store (`subUnit` renamed to `subunit`).
/// `location` is nullable on its entities, so `null` (clear the location) is returned as is.
pub fn location(v: &Value, version: &ApiVersion) -> Result<Value, SchemaError> {
    validate_complex(&PRINTER_LOCATION, v, "location", Root::Nullable, version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v1(v: Value) -> Result<Value, SchemaError> {
        location(&v, &ApiVersion::V1)
    }

    #[test]
    fn a_full_location_is_accepted() {
        let full = json!({"latitude":1.1,"longitude":2.2,"altitudeInMeters":3,"streetAddress":"One Microsoft Way",
            "city":"Redmond","postalCode":"98052","stateOrProvince":"WA","countryOrRegion":"USA","site":"Main",
            "building":"B1","floor":"3","floorDescription":"third","roomName":"301","roomDescription":"corner",
            "organization":["C","D"],"subdivision":["E"],"subunit":["East Wing","Block A"]});
        assert_eq!(v1(full.clone()), Ok(full));
    }

    #[test]
    fn sub_unit_is_stored_as_subunit() {
        let got = v1(json!({"subUnit":["East Wing","Block A"],"city":"Redmond"}));
        assert_eq!(
            got,
            Ok(json!({"subunit":["East Wing","Block A"],"city":"Redmond"}))
        );
        let both = v1(json!({"subUnit":["a"],"subunit":["b"]})).err();
        assert!(both.is_some_and(|e| e.message.contains("more than once")));
    }

    #[test]
    fn nulls_are_kept_and_null_location_clears() {
        assert_eq!(
            v1(json!({"city":null,"subUnit":null})),
            Ok(json!({"city":null,"subunit":null}))
        );
        assert_eq!(v1(Value::Null), Ok(Value::Null));
    }

    #[test]
    fn wrong_types_are_refused() {
        let target = |v| v1(v).err().map(|e| e.target);
        assert_eq!(
            target(json!({"latitude":"47.6"})),
            Some("location.latitude".to_owned())
        );
        assert_eq!(
            target(json!({"altitudeInMeters":1.5})),
            Some("location.altitudeInMeters".to_owned())
        );
        assert_eq!(target(json!({"floor":3})), Some("location.floor".to_owned()));
        assert_eq!(
            target(json!({"organization":"C"})),
            Some("location.organization".to_owned())
        );
        assert_eq!(
            target(json!({"subUnit":[1]})),
            Some("location.subUnit[0]".to_owned())
        );
        assert_eq!(target(json!({"street":"x"})), Some("location.street".to_owned()));
    }

    #[test]
    fn floor_and_room_numbers_are_beta_only() {
        let numbers = json!({"floorNumber":1,"roomNumber":101});
        assert!(
            v1(numbers.clone())
                .is_err_and(|e| e.target == "location.floorNumber" && e.message.contains("beta"))
        );
        assert_eq!(location(&numbers, &ApiVersion::Beta), Ok(numbers));
        assert!(location(&json!({"floorNumber":"1"}), &ApiVersion::Beta).is_err());
    }
}
