//! Which services to announce for a list of shares: one `_ipp._tcp` (subtype `_print`) per share, and one
//! `_ipps._tcp` (subtype `_universal`, which AirPrint clients look for) when TLS is on, both under the same
//! instance name. Pure: the advertiser diffs plans, the tests check names and keys.

use super::txt::txt_record;
use platen_domain::ShareId;
use platen_domain::records::{Printer, Share};
use std::collections::{HashMap, HashSet};

pub const IPP_TYPE: &str = "_print._sub._ipp._tcp.local.";
pub const IPPS_TYPE: &str = "_universal._sub._ipps._tcp.local.";

/// A DNS label (the instance name) is at most 63 bytes.
const MAX_INSTANCE: usize = 63;

/// Where clients reach one listener.
#[derive(Debug, Clone)]
pub struct Listener {
    pub port: u16,
    pub public_url: String,
}

#[derive(Debug, Clone)]
pub struct Listeners {
    pub http: Listener,
    pub tls: Option<Listener>,
}

/// One service to announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advert {
    pub share_id: ShareId,
    /// The share's display name the instance name was made from.
    pub display_name: String,
    pub tls: bool,
    pub instance: String,
    pub port: u16,
    pub txt: Vec<(String, String)>,
}

impl Advert {
    pub fn service_type(&self) -> &'static str {
        if self.tls { IPPS_TYPE } else { IPP_TYPE }
    }
}

/// The services for `shares` (oldest first). `previous` maps a share id to the (display name, instance name)
/// it is announced under now: a share keeps its instance name while its display name stays the same, because
/// clients remember printers by it (CUPS' `dnssd://` device URIs, macOS' printer list).
pub fn plan(
    shares: &[(Share, Printer)],
    listeners: &Listeners,
    previous: &HashMap<ShareId, (String, String)>,
) -> Vec<Advert> {
    let names = instance_names(shares, previous);
    let mut adverts = Vec::new();
    for (share, printer) in shares {
        let Some(instance) = names.get(&share.id) else {
            continue;
        };
        let endpoints =
            std::iter::once((false, &listeners.http)).chain(listeners.tls.iter().map(|l| (true, l)));
        for (tls, listener) in endpoints {
            adverts.push(Advert {
                share_id: share.id.clone(),
                display_name: share.display_name.clone(),
                tls,
                instance: instance.clone(),
                port: listener.port,
                txt: txt_record(share, printer, &listener.public_url, tls),
            });
        }
    }
    adverts
}

/// A unique instance name per share (DNS compares names without case): the display name, then "Name (2)",
/// "Name (3)", … for later shares with the same one.
fn instance_names(
    shares: &[(Share, Printer)],
    previous: &HashMap<ShareId, (String, String)>,
) -> HashMap<ShareId, String> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut names = HashMap::new();
    for (share, _) in shares {
        if let Some((display_name, instance)) = previous.get(&share.id)
            && *display_name == share.display_name
            && taken.insert(instance.to_lowercase())
        {
            names.insert(share.id.clone(), instance.clone());
        }
    }
    for (share, _) in shares {
        if names.contains_key(&share.id) {
            continue;
        }
        let base = clean(&share.display_name);
        for n in 1.. {
            let candidate = if n == 1 {
                fit(&base, MAX_INSTANCE)
            } else {
                let suffix = format!(" ({n})");
                format!("{}{suffix}", fit(&base, MAX_INSTANCE - suffix.len()).trim_end())
            };
            if taken.insert(candidate.to_lowercase()) {
                names.insert(share.id.clone(), candidate);
                break;
            }
        }
    }
    names
}

/// The display name without control characters, trimmed; "Printer" if nothing is left.
fn clean(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        "Printer".into()
    } else {
        cleaned.to_string()
    }
}

/// At most `max` bytes, cut at a character boundary.
fn fit(name: &str, max: usize) -> String {
    let mut end = name.len().min(max);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn entry(id: &str, name: &str) -> (Share, Printer) {
        let share = Share {
            tenant_id: "t".into(),
            id: id.into(),
            printer_id: format!("p-{id}").into(),
            display_name: name.into(),
            allow_all_users: true,
            created_at: 0,
        };
        let printer = Printer {
            tenant_id: "t".into(),
            id: format!("p-{id}").into(),
            display_name: name.into(),
            manufacturer: None,
            model: None,
            is_accepting_jobs: None,
            status_state: "idle".into(),
            status_details: vec![],
            status_description: None,
            location: json!({}),
            defaults: json!({}),
            factory_defaults: json!({}),
            capabilities: json!({"contentTypes": ["application/pdf"]}),
            registered_at: 0,
            is_shared: true,
            has_physical_device: false,
            physical_device_id: None,
            last_seen_at: None,
            connector_id: None,
            registered_by_app: None,
            certificate: None,
            device_attributes: json!(null),
        };
        (share, printer)
    }

    fn listeners(tls: bool) -> Listeners {
        Listeners {
            http: Listener {
                port: 8080,
                public_url: "http://h:8080".into(),
            },
            tls: tls.then(|| Listener {
                port: 8443,
                public_url: "https://h:8443".into(),
            }),
        }
    }

    fn names(adverts: &[Advert]) -> Vec<(ShareId, bool, String, u16)> {
        adverts
            .iter()
            .map(|a| (a.share_id.clone(), a.tls, a.instance.clone(), a.port))
            .collect()
    }

    #[test]
    fn one_ipp_service_per_share_and_an_ipps_one_with_tls() {
        let shares = [entry("a", "Lobby"), entry("b", "Office")];
        let plain = plan(&shares, &listeners(false), &HashMap::new());
        assert_eq!(
            names(&plain),
            [
                ("a".into(), false, "Lobby".into(), 8080),
                ("b".into(), false, "Office".into(), 8080)
            ]
        );
        assert!(plain.iter().all(|a| a.service_type() == IPP_TYPE));
        let both = plan(&shares, &listeners(true), &HashMap::new());
        assert_eq!(both.len(), 4);
        let ipps = both.iter().find(|a| a.tls && a.share_id == "a").unwrap();
        assert_eq!(
            (ipps.service_type(), ipps.port, ipps.instance.as_str()),
            (IPPS_TYPE, 8443, "Lobby")
        );
        assert!(ipps.txt.iter().any(|(k, v)| k == "TLS" && v == "1.2"));
        assert!(
            ipps.txt
                .iter()
                .any(|(k, v)| k == "adminurl" && v == "https://h:8443")
        );
    }

    #[test]
    fn equal_names_are_made_unique_without_regard_to_case() {
        let shares = [
            entry("a", "Lobby"),
            entry("b", "lobby"),
            entry("c", " Lobby\n"),
            entry("d", ""),
        ];
        let got: Vec<String> = plan(&shares, &listeners(false), &HashMap::new())
            .into_iter()
            .map(|a| a.instance)
            .collect();
        assert_eq!(got, ["Lobby", "lobby (2)", "Lobby (3)", "Printer"]);
    }

    #[test]
    fn a_share_keeps_its_name_while_its_display_name_stays() {
        // "b" was announced as "Lobby (2)"; "a" (older, also "Lobby") is deleted: "b" keeps its name.
        let previous = HashMap::from([(ShareId::from("b"), ("Lobby".to_string(), "Lobby (2)".to_string()))]);
        let got = plan(
            &[entry("b", "Lobby"), entry("c", "Lobby")],
            &listeners(false),
            &previous,
        );
        assert_eq!(
            names(&got),
            [
                ("b".into(), false, "Lobby (2)".into(), 8080),
                ("c".into(), false, "Lobby".into(), 8080)
            ]
        );
        // Renamed: a new name.
        let got = plan(&[entry("b", "Hall")], &listeners(false), &previous);
        assert_eq!(got[0].instance, "Hall");
    }

    #[test]
    fn long_names_fit_in_a_dns_label() {
        let long = "Ü".repeat(40);
        let got = plan(
            &[entry("a", &long), entry("b", &long)],
            &listeners(false),
            &HashMap::new(),
        );
        for a in &got {
            assert!(a.instance.len() <= 63, "{} bytes", a.instance.len());
        }
        assert!(got[1].instance.ends_with(" (2)"));
        assert_ne!(got[0].instance, got[1].instance);
    }
}
