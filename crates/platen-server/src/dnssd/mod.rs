//! DNS-SD (mDNS) advertisement of printer shares, so computers and phones on the local network find each
//! share's IPP Everywhere printer (`ipp/shares/{shareId}`) without typing a URL. The responder is mdns-sd's
//! (a maintained RFC 6762/6763 implementation with probing and conflict renaming), on its own thread.
//!
//! Share changes are not on the store's change feed (it carries job changes), so the advertiser polls the
//! shares of all tenants every few seconds and diffs: new shares are announced, changed ones re-announced,
//! removed ones withdrawn (with goodbye packets) on the poll that sees them gone. A share created, changed or
//! deleted through this process pokes it (`App::share_wakeup`) to look at once. Multicast trouble is logged,
//! never fatal: `platen serve` goes on without advertising.

mod plan;
mod txt;

use crate::hostname::{local_name, machine_hostname};
use mdns_sd::{DaemonEvent, IfKind, ServiceDaemon, ServiceInfo};
use plan::Advert;
use platen_app::App;
use platen_domain::ShareId;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::watch;

pub use plan::{Listener, Listeners};

/// How often the shares are read again.
const POLL: Duration = Duration::from_secs(5);
/// At most this many shares are advertised (the oldest): more printers than this on one local network
/// would flood it with announcements and no one would pick from such a list.
const MAX_SHARES: u32 = 500;

/// Where the two listeners are bound (which interfaces to announce on) and reached.
pub struct Settings {
    pub listeners: Listeners,
    pub http_bound: SocketAddr,
    pub tls_bound: Option<SocketAddr>,
}

/// Starts advertising; None (after a warning) when no mDNS responder can be started here.
pub fn spawn(
    app: App,
    settings: Settings,
    stop: watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    let daemon = match ServiceDaemon::new() {
        Ok(daemon) => daemon,
        Err(e) => {
            tracing::warn!(error = %e, "DNS-SD: no mDNS responder; shares are not advertised");
            return None;
        }
    };
    let kinds: Vec<IfKind> = std::iter::once(settings.http_bound)
        .chain(settings.tls_bound)
        .flat_map(|a| interfaces(&a))
        .collect();
    if !kinds.iter().any(|k| matches!(k, IfKind::All)) {
        // Only where the listeners are reachable: a server on loopback announces nothing to the network.
        if let Err(e) = daemon
            .disable_interface(IfKind::All)
            .and_then(|()| daemon.enable_interface(kinds))
        {
            tracing::warn!(error = %e, "DNS-SD: interfaces not selected");
        }
    }
    watch_daemon(&daemon);
    let host = format!(
        "{}.",
        local_name(&machine_hostname().unwrap_or_else(|| "platen".into()))
    );
    let advertiser = Advertiser {
        daemon,
        host,
        settings,
        announced: HashMap::new(),
    };
    Some(tokio::spawn(advertiser.run(app, stop)))
}

/// The interfaces a listener bound to `addr` is reachable on.
fn interfaces(addr: &SocketAddr) -> Vec<IfKind> {
    let ip = addr.ip();
    match ip {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => vec![IfKind::IPv4],
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => vec![IfKind::All],
        _ if ip.is_loopback() && ip.is_ipv4() => vec![IfKind::LoopbackV4],
        _ if ip.is_loopback() => vec![IfKind::LoopbackV6],
        _ => vec![IfKind::Addr(ip)],
    }
}

/// Logs what the responder reports (socket errors, renames after a name conflict) from its own thread, which
/// ends with the responder.
fn watch_daemon(daemon: &ServiceDaemon) {
    let Ok(events) = daemon.monitor() else {
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("dnssd-monitor".into())
        .spawn(move || {
            while let Ok(event) = events.recv() {
                match event {
                    DaemonEvent::Error(e) => tracing::warn!(error = %e, "DNS-SD responder"),
                    DaemonEvent::NameChange(change) => tracing::warn!(
                        original = %change.original,
                        new = %change.new_name,
                        "DNS-SD: another host uses this name; renamed"
                    ),
                    other => tracing::trace!(event = ?other, "DNS-SD responder"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::debug!(error = %e, "DNS-SD monitor thread not started");
    }
}

struct Advertiser {
    daemon: ServiceDaemon,
    /// `{host}.local.`
    host: String,
    settings: Settings,
    /// What is announced now, by (share id, TLS), with the full service name it was registered under.
    announced: HashMap<(ShareId, bool), (Advert, String)>,
}

impl Advertiser {
    async fn run(mut self, app: App, mut stop: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut warned_too_many = false;
        loop {
            let poked = tokio::select! {
                _ = tick.tick() => false,
                _ = app.share_wakeup.notified() => true,
                _ = stop.wait_for(|stopped| *stopped) => break,
            };
            if poked {
                // Shares made in a burst (a script, an import) are announced together.
                tokio::time::sleep(Duration::from_millis(200)).await;
                tick.reset();
            }
            match app.shares_for_discovery(MAX_SHARES + 1).await {
                Ok(mut shares) => {
                    if shares.len() > MAX_SHARES as usize {
                        shares.truncate(MAX_SHARES as usize);
                        if !warned_too_many {
                            tracing::warn!(
                                "DNS-SD: more than {MAX_SHARES} shares; only the oldest are advertised"
                            );
                            warned_too_many = true;
                        }
                    }
                    self.sync(&shares);
                }
                // The adverts stay as they are: a database hiccup is no reason to make printers vanish.
                Err(e) => tracing::warn!(error = %e, "DNS-SD: shares not read; advertisements unchanged"),
            }
        }
        self.shutdown().await;
    }

    /// Announces what `shares` need and withdraws what they no longer do.
    fn sync(&mut self, shares: &[(platen_domain::records::Share, platen_domain::records::Printer)]) {
        let previous: HashMap<ShareId, (String, String)> = self
            .announced
            .values()
            .map(|(a, _)| (a.share_id.clone(), (a.display_name.clone(), a.instance.clone())))
            .collect();
        let mut wanted: HashMap<(ShareId, bool), Advert> =
            plan::plan(shares, &self.settings.listeners, &previous)
                .into_iter()
                .map(|a| ((a.share_id.clone(), a.tls), a))
                .collect();
        // Withdrawn first, so a name another share takes over is free again.
        self.announced.retain(|key, (advert, fullname)| {
            let keep = wanted.get(key).is_some_and(|w| w.instance == advert.instance);
            if !keep {
                if let Err(e) = self.daemon.unregister(fullname) {
                    tracing::warn!(error = %e, service = %fullname, "DNS-SD: not withdrawn");
                }
                tracing::info!(share = %advert.share_id, service = %fullname, "DNS-SD: withdrawn");
            }
            keep
        });
        for (key, advert) in wanted.drain() {
            if self.announced.get(&key).is_some_and(|(a, _)| *a == advert) {
                continue;
            }
            // A new service, or new TXT keys or port under the same name (registering again updates it).
            match self.register(&advert) {
                Ok(fullname) => {
                    tracing::info!(share = %advert.share_id, service = %fullname, port = advert.port, "DNS-SD: advertised");
                    self.announced.insert(key, (advert, fullname));
                }
                Err(e) => tracing::warn!(error = %e, share = %advert.share_id, "DNS-SD: not advertised"),
            }
        }
    }

    fn register(&self, advert: &Advert) -> Result<String, mdns_sd::Error> {
        let mut info = ServiceInfo::new(
            advert.service_type(),
            &advert.instance,
            &self.host,
            (),
            advert.port,
            &advert.txt[..],
        )?
        .enable_addr_auto();
        let bound = if advert.tls {
            self.settings.tls_bound
        } else {
            Some(self.settings.http_bound)
        };
        if let Some(bound) = bound {
            info.set_interfaces(interfaces(&bound));
        }
        let fullname = info.get_fullname().to_string();
        self.daemon.register(info)?;
        Ok(fullname)
    }

    /// Withdraws everything (goodbye packets) and stops the responder, waiting briefly for it to finish.
    async fn shutdown(self) {
        match self.daemon.shutdown() {
            Ok(done) => {
                let _ = tokio::task::spawn_blocking(move || done.recv_timeout(Duration::from_secs(2))).await;
            }
            Err(e) => tracing::debug!(error = %e, "DNS-SD responder already stopped"),
        }
    }
}
