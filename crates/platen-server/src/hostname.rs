//! The machine's host name: the default name of the TLS certificate and the host DNS-SD advertises.

/// The kernel's host name (`/proc/sys/kernel/hostname`, else `/etc/hostname`, else `$HOSTNAME`), if it is
/// a usable DNS name.
pub fn machine_hostname() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .chain(std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().trim_end_matches('.').to_ascii_lowercase())
        .find(|name| is_dns_name(name))
}

/// The host's mDNS name: its first label in `.local` (`print-01.example.com` → `print-01.local`).
pub fn local_name(hostname: &str) -> String {
    let label = hostname.split('.').next().unwrap_or(hostname);
    format!("{label}.local")
}

/// Letters, digits and hyphens in dot-separated labels of 1 to 63 characters (no underscore: certificates and
/// mDNS host records would refuse it).
pub fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names_use_the_first_label() {
        assert_eq!(local_name("print-01.example.com"), "print-01.local");
        assert_eq!(local_name("box"), "box.local");
    }

    #[test]
    fn dns_names() {
        assert!(is_dns_name("print-01.example"));
        for bad in ["", "a_b", "-a", "a-", "a..b", "a b"] {
            assert!(!is_dns_name(bad), "{bad}");
        }
    }
}
