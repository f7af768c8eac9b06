//! Per-printer context shared by the printer's tasks (events, maintenance, job worker).
//!
//! Ownership rule: only the job worker writes the journal. The other tasks talk to it through `Shared`:
//! they queue fetchable job ids and post stop requests, and read the worker's view of its active jobs.

use crate::host::HostInfo;
use crate::ipp_client::InfraClient;
use crate::journal::{Journal, Stop};
use crate::local::LocalPrinter;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;
use tokio::sync::Notify;

pub struct PrinterCtx {
    pub name: String,
    pub printer_id: String,
    pub infra: InfraClient,
    pub local: LocalPrinter,
    pub journal: Journal,
    pub spool: PathBuf,
    pub host: HostInfo,
    pub shared: Shared,
}

impl PrinterCtx {
    pub fn spool_file(&self, job_id: i32) -> PathBuf {
        self.spool.join(format!("{job_id}.doc"))
    }
}

const MAX_STOPS: usize = 1024;

#[derive(Default)]
pub struct Shared {
    /// Fetchable jobs not yet taken, oldest (lowest id) first.
    queue: Mutex<BTreeSet<i32>>,
    /// Stop requests from the server for jobs the worker holds.
    stops: Mutex<HashMap<i32, Stop>>,
    /// The worker's claimed jobs (past Acknowledge-Job) and their device state, for Update-Active-Jobs.
    active: Mutex<BTreeMap<i32, i32>>,
    /// The local printer's document formats (for Fetch-Document's document-format-accepted).
    formats: Mutex<Vec<String>>,
    /// The current ippget subscription.
    subscription: Mutex<Option<i32>>,
    work: Notify,
    stop: Notify,
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it (the data stays consistent: every
/// critical section here is a single collection operation).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    pub fn enqueue(&self, job_id: i32) {
        if lock(&self.active).contains_key(&job_id) {
            return;
        }
        if lock(&self.queue).insert(job_id) {
            self.work.notify_one();
        }
    }

    pub fn dequeue_removed(&self, job_id: i32) {
        lock(&self.queue).remove(&job_id);
    }

    pub fn queued(&self) -> usize {
        lock(&self.queue).len()
    }

    /// Waits for the next fetchable job.
    pub async fn next_job(&self) -> i32 {
        loop {
            if let Some(id) = lock(&self.queue).pop_first() {
                return id;
            }
            self.work.notified().await;
        }
    }

    /// Posts a stop request for a job the worker holds (or is about to claim) and wakes the worker.
    pub fn request_stop(&self, job_id: i32, stop: Stop) {
        {
            let mut stops = lock(&self.stops);
            // Stops are also posted for jobs this connector never claims (another one printed them, or
            // they were canceled while queued); keep the map from growing with those.
            if stops.len() >= MAX_STOPS {
                let active = lock(&self.active);
                stops.retain(|id, _| active.contains_key(id));
            }
            stops.insert(job_id, stop);
        }
        self.stop.notify_one();
    }

    pub fn take_stop(&self, job_id: i32) -> Option<Stop> {
        lock(&self.stops).remove(&job_id)
    }

    pub async fn stop_posted(&self) {
        self.stop.notified().await;
    }

    pub fn set_active(&self, job_id: i32, device_state: i32) {
        lock(&self.active).insert(job_id, device_state);
    }

    pub fn clear_active(&self, job_id: i32) {
        lock(&self.active).remove(&job_id);
        lock(&self.stops).remove(&job_id);
    }

    pub fn is_active(&self, job_id: i32) -> bool {
        lock(&self.active).contains_key(&job_id)
    }

    pub fn active_jobs(&self) -> Vec<(i32, i32)> {
        lock(&self.active).iter().map(|(k, v)| (*k, *v)).collect()
    }

    pub fn set_formats(&self, formats: Vec<String>) {
        *lock(&self.formats) = formats;
    }

    pub fn formats(&self) -> Vec<String> {
        lock(&self.formats).clone()
    }

    pub fn set_subscription(&self, id: Option<i32>) {
        *lock(&self.subscription) = id;
    }

    pub fn subscription(&self) -> Option<i32> {
        *lock(&self.subscription)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_queue_is_ordered_deduplicated_and_skips_active_jobs() {
        let s = Shared::default();
        s.enqueue(5);
        s.enqueue(3);
        s.enqueue(5);
        s.set_active(9, 5);
        s.enqueue(9);
        assert_eq!(s.queued(), 2);
        assert_eq!(s.next_job().await, 3);
        s.dequeue_removed(5);
        assert_eq!(s.queued(), 0);
        s.enqueue(4);
        assert_eq!(s.next_job().await, 4);
    }

    #[tokio::test]
    async fn a_stop_posted_before_waiting_is_not_lost() {
        let s = Shared::default();
        s.request_stop(1, Stop::State(7));
        tokio::time::timeout(std::time::Duration::from_secs(1), s.stop_posted())
            .await
            .unwrap();
        assert_eq!(s.take_stop(1), Some(Stop::State(7)));
        assert_eq!(s.take_stop(1), None);
    }
}
