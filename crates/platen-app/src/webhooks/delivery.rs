//! The delivery worker: drains the durable outbox to subscribers' endpoints.
//!
//! * **Claiming.** Due rows are leased in batches (`claim_notifications`: the lease keeps other workers and
//!   nodes off them; PostgreSQL claims with `SKIP LOCKED`), so every node may run a worker on one database.
//!   A worker that dies mid-delivery loses nothing: its rows become due again when the lease ends.
//! * **Delivery.** Rows are grouped by subscription, and each subscription's rows go to that subscription's own
//!   delivery task (one at a time per subscription, in order, several per POST: `{"value":[…]}`; at most
//!   `concurrency` subscriptions at once). A pass hands rows over and goes on without waiting, so a receiver
//!   that hangs until the request timeout delays only its own notifications, never another subscriber's. A 2xx
//!   answer deletes the rows: at least once, duplicates possible (after a crash between the POST and the
//!   delete), as in Graph.
//! * **Failures.** Any other answer, a transport error or a timeout reschedules the rows of the failed POST and
//!   of the group's later POSTs and of the rows queued behind them (so they do not overtake it, and a dead
//!   receiver costs one timeout, not one per queued POST) with exponential back-off (base doubling, capped,
//!   with jitter).
//! * **Giving up.** A change notification still undelivered after `max_attempts` or `max_age` is dropped and a
//!   `missed` lifecycle notification queued (to `lifecycleNotificationUrl` if set). If that `missed`
//!   notification is itself undeliverable for as long, the subscriber has been unreachable for two full
//!   retry periods: the subscription is removed and `subscriptionRemoved` sent once, best effort.
//! * **Expiry.** Rows of expired or deleted subscriptions are dropped; expired subscriptions are swept.

use super::http::{build_client, describe};
use super::payload::{
    EVENT_MISSED, EVENT_REMOVED, KIND_CHANGE, direct_lifecycle, lifecycle_event, lifecycle_payload,
    notification, target,
};
use crate::{App, Result};
use platen_domain::TenantId;
use platen_domain::records::{OutboxItem, Subscription};
use platen_domain::time::{Micros, now_micros};
use rand::Rng;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::task::JoinHandle;

/// How the worker delivers; [`DeliveryConfig::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Rows leased per claim.
    pub batch_size: u32,
    /// Most rows in one POST.
    pub max_per_post: usize,
    /// How long a claim keeps a row away from other workers; long enough for a batch's requests to end.
    pub lease: Duration,
    /// Per POST, connection included.
    pub request_timeout: Duration,
    /// First retry delay; doubles per attempt up to `backoff_cap`.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// A row is given up after this many attempts or when older than `max_age`, whichever comes first.
    pub max_attempts: i64,
    pub max_age: Duration,
    /// Fallback poll when no commit wakes the worker (other nodes' changes, due retries).
    pub poll_interval: Duration,
    /// How often expired subscriptions are removed.
    pub sweep_interval: Duration,
    /// Subscriptions delivered to at the same time.
    pub concurrency: usize,
    pub client: reqwest::Client,
}

impl DeliveryConfig {
    /// Defaults: Graph-like retry for up to 4 hours (1 s doubling, capped at 5 minutes), 10 s per request.
    pub fn new() -> Result<Self> {
        Ok(Self {
            batch_size: 200,
            max_per_post: 100,
            lease: Duration::from_secs(30),
            request_timeout: Duration::from_secs(10),
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(300),
            max_attempts: 100,
            max_age: Duration::from_secs(4 * 3600),
            poll_interval: Duration::from_secs(1),
            sweep_interval: Duration::from_secs(60),
            concurrency: 64,
            client: build_client()?,
        })
    }

    /// The delay before attempt `attempts + 1`, jittered by up to +25 % so failing rows spread out.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let exp = attempts.clamp(1, 32) as u32 - 1;
        let delay = self
            .backoff_base
            .checked_mul(2u32.saturating_pow(exp))
            .unwrap_or(self.backoff_cap)
            .min(self.backoff_cap);
        let jitter = rand::thread_rng().gen_range(0..=delay.as_millis() as u64 / 4);
        delay + Duration::from_millis(jitter)
    }

    fn exhausted(&self, item: &OutboxItem, now: Micros) -> bool {
        item.attempts >= self.max_attempts || now.saturating_sub(item.created_at) >= micros(self.max_age)
    }
}

fn micros(d: Duration) -> Micros {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// Runs the delivery worker (and the expired-subscription sweep) until the handle is aborted.
pub fn spawn_delivery(app: App, cfg: DeliveryConfig) -> JoinHandle<()> {
    tokio::spawn(Worker::new(app, cfg).run())
}

/// One pass of the worker: delivers (or reschedules) every row due now, waiting for every delivery it started;
/// returns how many were delivered. Exposed for tests and tools that drive delivery without the background task.
pub async fn deliver_due(app: &App, cfg: &DeliveryConfig) -> Result<usize> {
    let worker = Worker::new(app.clone(), cfg.clone());
    worker.dispatch().await?;
    worker.settled().await;
    Ok(worker.delivered.load(Ordering::SeqCst))
}

type SubscriptionKey = (TenantId, String);

#[derive(Clone)]
struct Worker {
    app: App,
    cfg: DeliveryConfig,
    /// The subscriptions being delivered to now, each with the queue of its delivery task.
    deliveries: Arc<Mutex<HashMap<SubscriptionKey, mpsc::UnboundedSender<Group>>>>,
    /// At most `concurrency` subscriptions are delivered to at once.
    slots: Arc<Semaphore>,
    /// Rows delivered since the worker started (what `deliver_due` returns).
    delivered: Arc<AtomicUsize>,
    /// Signalled whenever a delivery task ends.
    ended: Arc<Notify>,
}

/// What delivering one group did: rows to delete (delivered, or of a gone subscription), how many were delivered,
/// and whether a POST failed (the rows queued behind it are then rescheduled without trying).
#[derive(Default)]
struct Outcome {
    finished: Vec<i64>,
    delivered: usize,
    failed: bool,
}

/// The rows of one subscription in one claim, in id order.
struct Group {
    tenant: TenantId,
    subscription: String,
    items: Vec<OutboxItem>,
}

fn group(items: Vec<OutboxItem>) -> Vec<Group> {
    let mut index: HashMap<(TenantId, String), usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    for item in items {
        let key = (item.tenant_id.clone(), item.subscription_id.clone());
        match index.get(&key) {
            Some(&i) => groups[i].items.push(item),
            None => {
                index.insert(key, groups.len());
                groups.push(Group {
                    tenant: item.tenant_id.clone(),
                    subscription: item.subscription_id.clone(),
                    items: vec![item],
                });
            }
        }
    }
    for g in &mut groups {
        g.items.sort_by_key(|i| i.id);
    }
    groups
}

impl Worker {
    fn new(app: App, cfg: DeliveryConfig) -> Self {
        let slots = Arc::new(Semaphore::new(cfg.concurrency.max(1)));
        Self {
            app,
            cfg,
            deliveries: Arc::default(),
            slots,
            delivered: Arc::default(),
            ended: Arc::default(),
        }
    }

    async fn run(self) {
        let mut next_sweep = Instant::now();
        loop {
            if Instant::now() >= next_sweep {
                self.sweep().await;
                next_sweep = Instant::now() + self.cfg.sweep_interval;
            }
            if let Err(e) = self.dispatch().await {
                tracing::warn!(error = %e, "webhook delivery pass failed; retrying at the next poll");
            }
            tokio::select! {
                _ = self.app.outbox_wakeup.notified() => {}
                _ = tokio::time::sleep(self.cfg.poll_interval) => {}
            }
        }
    }

    /// Claims every row due now, batch by batch, and hands each subscription's rows to its delivery task (started
    /// when the subscription has none). Waits only for a free slot, never for a delivery to end.
    async fn dispatch(&self) -> Result<()> {
        loop {
            let now = now_micros();
            let items = self
                .app
                .store
                .claim_notifications(now, now + micros(self.cfg.lease), self.cfg.batch_size)
                .await?;
            let full = items.len() >= self.cfg.batch_size as usize;
            for g in group(items) {
                self.hand_over(g).await;
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Queues `g` behind its subscription's running delivery, or starts one. The queue is checked and the task's
    /// entry removed under the same lock, so no group is ever queued to a task that has already ended.
    async fn hand_over(&self, g: Group) {
        let key = (g.tenant.clone(), g.subscription.clone());
        let g = {
            let deliveries = self.deliveries.lock().unwrap_or_else(|p| p.into_inner());
            match deliveries.get(&key) {
                Some(queue) => match queue.send(g) {
                    Ok(()) => return,
                    Err(mpsc::error::SendError(g)) => g,
                },
                None => g,
            }
        };
        let Ok(slot) = self.slots.clone().acquire_owned().await else {
            return;
        };
        let (queue, mut queued) = mpsc::unbounded_channel();
        self.deliveries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), queue);
        let worker = self.clone();
        tokio::spawn(async move {
            let mut next = Some(g);
            let mut failed = false;
            while let Some(g) = next {
                if failed {
                    worker.postpone(&g).await;
                } else {
                    let out = worker.deliver_group(g).await;
                    worker.delete(&out.finished).await;
                    worker.delivered.fetch_add(out.delivered, Ordering::SeqCst);
                    failed = out.failed;
                }
                let mut deliveries = worker.deliveries.lock().unwrap_or_else(|p| p.into_inner());
                next = queued.try_recv().ok();
                if next.is_none() {
                    deliveries.remove(&key);
                }
            }
            drop(slot);
            worker.ended.notify_waiters();
        });
    }

    /// Until no delivery task is running.
    async fn settled(&self) {
        loop {
            let ended = self.ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            if self
                .deliveries
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_empty()
            {
                return;
            }
            ended.await;
        }
    }

    /// One retry time for rows that go back together, set by the most-tried of them, so newer rows cannot overtake
    /// older ones.
    fn retry_at(&self, items: &[OutboxItem], now: Micros) -> Micros {
        let most_tried = items.iter().map(|i| i.attempts).max().unwrap_or(1);
        now + micros(self.cfg.backoff(most_tried))
    }

    /// Reschedules a group queued behind a POST that failed, as the failed rows were.
    async fn postpone(&self, g: &Group) {
        let next = self.retry_at(&g.items, now_micros());
        for item in &g.items {
            if let Err(e) = self
                .app
                .store
                .retry_notification(item.id, next, "an earlier notification to this subscriber failed")
                .await
            {
                tracing::warn!(error = %e, "rescheduling a notification failed; it returns when its lease ends");
            }
        }
    }

    /// Delivers one subscription's rows in order.
    async fn deliver_group(&self, g: Group) -> Outcome {
        let store = &self.app.store;
        let mut out = Outcome::default();
        let sub = match store.get_subscription(&g.tenant, &g.subscription).await {
            Ok(Some(s)) if s.expires_at > now_micros() => s,
            Ok(_) => {
                // Deleted or expired: Graph stops notifying; the rows have nowhere to go.
                out.finished = g.items.iter().map(|i| i.id).collect();
                return out;
            }
            Err(e) => {
                // The rows stay leased and come back when the lease ends.
                tracing::warn!(error = %e, subscription = %g.subscription, "loading a subscription failed");
                return out;
            }
        };
        let mut start = 0;
        while start < g.items.len() {
            // One POST carries consecutive rows of one kind to one URL (lifecycle notifications travel apart
            // from change notifications, as in Graph).
            let first = &g.items[start];
            let url = target(first, &sub);
            let end = g.items[start..]
                .iter()
                .take(self.cfg.max_per_post.max(1))
                .take_while(|i| i.kind == first.kind && target(i, &sub) == url)
                .count()
                + start;
            let run = &g.items[start..end];
            let body =
                json!({ "value": run.iter().filter_map(|i| notification(i, &sub)).collect::<Vec<_>>() });
            match self.post(url, &body).await {
                Ok(()) => {
                    out.finished.extend(run.iter().map(|i| i.id));
                    out.delivered += run.len();
                    start = end;
                    let now = now_micros();
                    metrics::counter!("platen_webhook_notifications_delivered_total")
                        .increment(run.len() as u64);
                    for item in run {
                        metrics::histogram!("platen_webhook_delivery_lag_seconds")
                            .record((now - item.created_at).max(0) as f64 / 1e6);
                    }
                }
                Err(why) => {
                    metrics::counter!("platen_webhook_posts_failed_total").increment(1);
                    tracing::debug!(subscription = %sub.id, %url, error = %why, "webhook delivery failed");
                    self.failed(&sub, &g.items[start..], &why).await;
                    out.failed = true;
                    break;
                }
            }
        }
        out
    }

    async fn post(&self, url: &str, body: &Value) -> std::result::Result<(), String> {
        let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        let mut resp = self
            .cfg
            .client
            .post(url)
            .timeout(self.cfg.request_timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(bytes)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = resp.status();
        // Read a little of the answer so the connection can be reused; receivers should answer with no body.
        let mut seen = 0;
        while let Ok(Some(chunk)) = resp.chunk().await {
            seen += chunk.len();
            if seen > 64 * 1024 {
                break;
            }
        }
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the endpoint answered HTTP {}", status.as_u16()))
        }
    }

    /// Reschedules `items` (a failed POST and the rows behind it), or gives them up (see the module docs).
    async fn failed(&self, sub: &Subscription, items: &[OutboxItem], why: &str) {
        let now = now_micros();
        let mut dropped = Vec::new();
        let (mut missed_change, mut missed_lifecycle) = (false, false);
        let next = self.retry_at(items, now);
        for item in items {
            if self.cfg.exhausted(item, now) {
                metrics::counter!("platen_webhook_notifications_dropped_total").increment(1);
                dropped.push(item.clone());
                missed_change |= item.kind == KIND_CHANGE;
                missed_lifecycle |= lifecycle_event(item).as_deref() == Some(EVENT_MISSED);
                continue;
            }
            if let Err(e) = self.app.store.retry_notification(item.id, next, why).await {
                tracing::warn!(error = %e, "rescheduling a notification failed; it returns when its lease ends");
            }
        }
        if dropped.is_empty() {
            return;
        }
        tracing::warn!(subscription = %sub.id, dropped = dropped.len(), error = %why, "gave up delivering notifications");
        self.delete(&dropped.iter().map(|i| i.id).collect::<Vec<_>>())
            .await;
        if missed_lifecycle {
            self.remove_subscription(sub).await;
        } else if missed_change {
            let payload = lifecycle_payload(EVENT_MISSED);
            if let Err(e) = self
                .app
                .store
                .enqueue_lifecycle(&sub.tenant_id, &sub.id, &payload, now)
                .await
            {
                tracing::warn!(error = %e, subscription = %sub.id, "queueing a missed notification failed");
            }
        }
    }

    /// The subscriber has been unreachable for two full retry periods: remove the subscription (and whatever
    /// it still had queued) and tell the subscriber, once and best effort.
    async fn remove_subscription(&self, sub: &Subscription) {
        match self.app.store.delete_subscription(&sub.tenant_id, &sub.id).await {
            Ok(true) => {
                tracing::warn!(subscription = %sub.id, "removed a subscription whose endpoint stayed unreachable");
                let url = sub
                    .lifecycle_notification_url
                    .as_deref()
                    .unwrap_or(&sub.notification_url);
                if let Err(why) = self.post(url, &direct_lifecycle(sub, EVENT_REMOVED)).await {
                    tracing::info!(subscription = %sub.id, error = %why, "subscriptionRemoved was not delivered");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, subscription = %sub.id, "removing a subscription failed"),
        }
    }

    async fn delete(&self, ids: &[i64]) {
        if ids.is_empty() {
            return;
        }
        if let Err(e) = self.app.store.delete_notifications(ids).await {
            // They come back when their lease ends and are delivered again: a duplicate, never a loss.
            tracing::warn!(error = %e, "deleting delivered notifications failed");
        }
    }

    async fn sweep(&self) {
        loop {
            match self
                .app
                .store
                .remove_expired_subscriptions(now_micros(), 500)
                .await
            {
                Ok(gone) => {
                    if !gone.is_empty() {
                        tracing::info!(count = gone.len(), "removed expired subscriptions");
                    }
                    if gone.len() < 500 {
                        return;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "sweeping expired subscriptions failed");
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
