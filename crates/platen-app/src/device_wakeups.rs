//! Wake-ups for devices' long polls (Get-Notifications with `notify-wait`), per printer. A committed job change
//! wakes only the long polls of the printers it touched (the job's, and a redirect's target), not every device
//! waiting on the node: with 10^4 devices waiting, a change used to send all of them back to the database.

use platen_domain::{PrinterId, TenantId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::Notify;

type Key = (TenantId, PrinterId);

/// The printers whose devices are waiting now, each with the signal its waiters share. Entries go away with their
/// last waiter, so the map holds only printers being waited on.
#[derive(Default)]
pub struct DeviceWakeups {
    waiting: Mutex<HashMap<Key, Weak<Notify>>>,
}

/// One long poll's registration for its printer's wake-ups; dropping it (the poll answered, or its client went
/// away) removes the printer's entry when it was the last.
pub struct Waiting<'a> {
    wakeups: &'a DeviceWakeups,
    key: Key,
    notify: Arc<Notify>,
}

impl Waiting<'_> {
    pub fn signal(&self) -> &Notify {
        &self.notify
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut waiting = self.wakeups.lock();
        // Registrations hold the only strong references, taken under this lock: 1 means this is the last.
        if Arc::strong_count(&self.notify) == 1 {
            waiting.remove(&self.key);
        }
    }
}

impl DeviceWakeups {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Weak<Notify>>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a long poll on `printer`'s devices' wake-ups.
    pub fn wait_for(&self, tenant: &str, printer: &str) -> Waiting<'_> {
        let key: Key = (tenant.into(), printer.into());
        let mut waiting = self.lock();
        let notify = match waiting.get(&key).and_then(Weak::upgrade) {
            Some(notify) => notify,
            None => {
                let notify = Arc::new(Notify::new());
                waiting.insert(key.clone(), Arc::downgrade(&notify));
                notify
            }
        };
        drop(waiting);
        Waiting {
            wakeups: self,
            key,
            notify,
        }
    }

    /// Wakes the long polls waiting on `printer`, if any.
    pub fn wake(&self, tenant: &str, printer: &str) {
        let key: Key = (tenant.into(), printer.into());
        let notify = self.lock().get(&key).and_then(Weak::upgrade);
        if let Some(notify) = notify {
            notify.notify_waiters();
        }
    }

    /// Wakes every long poll (a change feed that lagged behind cannot say which printers changed).
    pub fn wake_all(&self) {
        let all: Vec<Arc<Notify>> = self.lock().values().filter_map(Weak::upgrade).collect();
        for notify in all {
            notify.notify_waiters();
        }
    }

    /// How many printers have devices waiting.
    #[cfg(test)]
    fn printers_waited_on(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_change_wakes_only_its_printers_waiters_and_entries_go_with_them() {
        let wakeups = DeviceWakeups::default();
        let a1 = wakeups.wait_for("t", "a");
        let a2 = wakeups.wait_for("t", "a");
        let b = wakeups.wait_for("t", "b");
        assert_eq!(wakeups.printers_waited_on(), 2);
        {
            let (fa1, fa2, fb) = (
                a1.signal().notified(),
                a2.signal().notified(),
                b.signal().notified(),
            );
            tokio::pin!(fa1, fa2, fb);
            fa1.as_mut().enable();
            fa2.as_mut().enable();
            fb.as_mut().enable();
            wakeups.wake("t", "a");
            wakeups.wake("other-tenant", "b");
            tokio::time::timeout(Duration::from_secs(1), fa1)
                .await
                .expect("a's first waiter woke");
            tokio::time::timeout(Duration::from_secs(1), fa2)
                .await
                .expect("a's second waiter woke");
            assert!(
                tokio::time::timeout(Duration::from_millis(50), fb).await.is_err(),
                "b was woken by a's change"
            );
        }
        drop(a1);
        assert_eq!(wakeups.printers_waited_on(), 2, "a still has a waiter");
        drop(a2);
        drop(b);
        assert_eq!(wakeups.printers_waited_on(), 0);
    }
}
