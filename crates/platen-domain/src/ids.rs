//! Typed ids for the records every layer exchanges: a printer id cannot be passed where a share id is expected,
//! and a reader sees what each value is.
//!
//! The string ids ([`TenantId`], [`PrinterId`], [`ShareId`]) wrap a `String` and serialize as that string
//! (`#[serde(transparent)]`); [`JobId`] wraps the `i64` a Graph job id is (a short positive number) and
//! serializes as that number. The wire, the SQL and every comparison see exactly the primitive.
//!
//! Conversions, one way each:
//! - into an id: `From<String>`/`From<&str>` (`.into()`, or `PrinterId::new(..)`), `From<i64>` for jobs;
//! - out of a string id: `Deref<Target = str>`, so `&printer.id` is a `&str` wherever one is expected (the store
//!   traits take `&str`); `.as_str()` where inference needs the `&str` spelled out (SQL binds, generics);
//!   `Borrow<str>` so maps keyed by an id are looked up with a `&str`;
//! - out of a job id: `.get()`.
//!
//! The store traits take `&str` for string ids (so `&job.printer_id` passes as is) and `JobId` for job ids; the
//! SQL layer binds `.as_str()`/`.get()` and builds records from columns with `rows::id`/`rows::job_id`.

use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                Self(id.clone())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

string_id! {
    /// A tenant (directory) id: the `tid` of the tokens, the partition of every stored record.
    TenantId
}

string_id! {
    /// A printer's id (a GUID Platen assigns at registration or creation).
    PrinterId
}

string_id! {
    /// A printer share's id.
    ShareId
}

/// A print job's id: a short positive number, as Universal Print's are, unique within a tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(i64);

impl JobId {
    pub const fn new(id: i64) -> Self {
        Self(id)
    }

    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Parses as `i64` does (no range check: whether an id names a job is the store's question).
impl FromStr for JobId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Self)
    }
}

impl From<i64> for JobId {
    fn from(id: i64) -> Self {
        Self(id)
    }
}

impl From<JobId> for i64 {
    fn from(id: JobId) -> i64 {
        id.0
    }
}

impl PartialEq<i64> for JobId {
    fn eq(&self, other: &i64) -> bool {
        self.0 == *other
    }
}

impl PartialEq<JobId> for i64 {
    fn eq(&self, other: &JobId) -> bool {
        *self == other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    #[test]
    fn string_ids_serialize_as_their_string() {
        let id = PrinterId::new("0b6e3c8e-1f7a-4c2b-9a55-3d2f0c1e7a10");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, r#""0b6e3c8e-1f7a-4c2b-9a55-3d2f0c1e7a10""#);
        assert_eq!(serde_json::from_str::<PrinterId>(&json).unwrap(), id);

        let value = serde_json::json!({ "share": ShareId::from("s1"), "tenant": TenantId::from("t1") });
        assert_eq!(value, serde_json::json!({ "share": "s1", "tenant": "t1" }));
        assert!(serde_json::from_str::<TenantId>("1").is_err());
    }

    #[test]
    fn job_ids_serialize_as_their_number() {
        let id = JobId::from(42);
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
        assert_eq!(serde_json::from_str::<JobId>("42").unwrap(), id);
        assert!(serde_json::from_str::<JobId>(r#""42""#).is_err());
    }

    #[test]
    fn display_is_the_bare_value() {
        assert_eq!(PrinterId::new("p-1").to_string(), "p-1");
        assert_eq!(format!("{}/{}", ShareId::from("s"), JobId::new(7)), "s/7");
        assert_eq!(format!("{:>3}", JobId::new(7)), "  7");
    }

    #[test]
    fn job_ids_parse_as_i64_does() {
        assert_eq!("17".parse::<JobId>().unwrap(), JobId::new(17));
        assert_eq!("17".parse::<JobId>().unwrap().get(), 17);
        assert_eq!("-3".parse::<JobId>().unwrap().get(), -3);
        assert!("".parse::<JobId>().is_err());
        assert!("1.5".parse::<JobId>().is_err());
        assert!("abc".parse::<JobId>().is_err());
        assert!("99999999999999999999".parse::<JobId>().is_err());
        assert_eq!(i64::from(JobId::from(5)), 5);
    }

    #[test]
    fn comparisons_with_primitives_and_between_ids() {
        let p = PrinterId::new("abc");
        assert_eq!(p, "abc");
        assert_eq!(p, *"abc");
        assert_eq!(p, String::from("abc"));
        assert_eq!("abc", p);
        assert_eq!(String::from("abc"), p);
        assert_ne!(p, "abd");
        assert!(PrinterId::new("a") < PrinterId::new("b"));
        assert!(JobId::new(2) > JobId::new(1));
        assert_eq!(JobId::new(3), 3);
        assert_eq!(3, JobId::new(3));
        // Case matters, as it does for the strings.
        assert_ne!(TenantId::new("ABC"), TenantId::new("abc"));
    }

    #[test]
    fn string_ids_are_strs_where_a_str_is_expected() {
        fn takes(s: &str) -> usize {
            s.len()
        }
        let s = ShareId::from(String::from("share"));
        assert_eq!(takes(&s), 5);
        assert_eq!(s.as_str(), "share");
        assert_eq!(AsRef::<str>::as_ref(&s), "share");
        assert!(s.starts_with("sh"));
        assert_eq!(String::from(s.clone()), "share");
        assert_eq!(s.into_string(), "share");
    }

    #[test]
    fn maps_keyed_by_ids_are_looked_up_by_str() {
        let mut map = HashMap::new();
        map.insert(PrinterId::new("p1"), 1);
        assert_eq!(map.get("p1"), Some(&1));
        assert_eq!(map.get("p2"), None);
        let set: HashSet<TenantId> = ["a", "b", "a"].into_iter().map(TenantId::from).collect();
        assert_eq!(set.len(), 2);
        assert!(set.contains("b"));
    }
}
