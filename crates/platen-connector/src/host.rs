//! Facts about the machine the connector runs on, for the printConnector resource.

pub const APP_VERSION: &str = concat!("platen-connector/", env!("CARGO_PKG_VERSION"));

#[derive(Debug, Clone, PartialEq)]
pub struct HostInfo {
    pub fqdn: String,
    pub operating_system: String,
    pub app_version: String,
}

impl HostInfo {
    pub fn detect() -> Self {
        HostInfo {
            fqdn: fqdn(),
            operating_system: operating_system(),
            app_version: APP_VERSION.into(),
        }
    }
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The kernel's host name, qualified with its NIS/YP domain when one is set (Linux has no portable way to
/// ask for the DNS domain without a resolver round trip, and a name the admin recognises is what matters).
fn fqdn() -> String {
    let host = read_trimmed("/proc/sys/kernel/hostname")
        .or_else(|| read_trimmed("/etc/hostname"))
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    match read_trimmed("/proc/sys/kernel/domainname") {
        Some(d) if d != "(none)" && !host.contains('.') => format!("{host}.{d}"),
        _ => host,
    }
}

/// E.g. "Debian GNU/Linux 12 (bookworm) (linux x86_64)".
fn operating_system() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release").ok().and_then(|s| {
        s.lines().find_map(|l| {
            l.strip_prefix("PRETTY_NAME=")
                .map(|v| v.trim_matches('"').to_string())
        })
    });
    let platform = format!("{} {}", std::env::consts::OS, std::env::consts::ARCH);
    match pretty {
        Some(p) if !p.is_empty() => format!("{p} ({platform})"),
        _ => platform,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn detection_yields_non_empty_values() {
        let h = super::HostInfo::detect();
        assert!(!h.fqdn.is_empty());
        assert!(h.operating_system.contains(std::env::consts::ARCH));
        assert!(h.app_version.starts_with("platen-connector/"));
    }
}
