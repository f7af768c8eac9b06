//! Job events for people's IPP clients (RFC 3995/3996 `ippget` on a share): a subscription belongs to the user
//! who made it, and its events are those of the share's printer (written with each job change, the same rows
//! devices read) about jobs that user may see: their own, or every job for an administrator with `*.All`.

use crate::{App, AppError, Result};
use platen_domain::permissions::Access;
use platen_domain::records::{DeviceEvent, IppSubscription, Share};
use platen_domain::time::now_micros;
use platen_domain::{Caller, JobId};
use std::collections::HashMap;
use std::time::Duration;

impl App {
    pub async fn create_share_subscription(
        &self,
        caller: &Caller,
        share: &Share,
        events: Vec<String>,
        lease: Option<Duration>,
        job: Option<JobId>,
    ) -> Result<IppSubscription> {
        let now = now_micros();
        let mut x = IppSubscription {
            tenant_id: share.tenant_id.clone(),
            id: 0,
            printer_id: share.printer_id.clone(),
            events,
            lease_expires_at: expiry(now, lease),
            created_at: now,
            owner_id: Some(caller.object_id.to_ascii_lowercase()),
            job_id: job,
        };
        x.id = self.store.create_ipp_subscription(&x).await?;
        Ok(x)
    }

    /// The caller's subscription on the share's printer (an administrator reaches everyone's); unknown, expired
    /// and other users' subscriptions are not found.
    pub async fn share_subscription(
        &self,
        caller: &Caller,
        access: &Access,
        share: &Share,
        id: i64,
    ) -> Result<IppSubscription> {
        let x = self
            .store
            .get_ipp_subscription(&share.tenant_id, id)
            .await?
            .filter(|x| x.printer_id == share.printer_id)
            .filter(|x| match &x.owner_id {
                Some(owner) => access.all_users || *owner == caller.object_id.to_ascii_lowercase(),
                None => false,
            })
            .filter(|x| x.lease_expires_at == 0 || x.lease_expires_at >= now_micros())
            .ok_or_else(|| AppError::not_found("subscription"))?;
        Ok(x)
    }

    pub async fn renew_share_subscription(
        &self,
        caller: &Caller,
        access: &Access,
        share: &Share,
        id: i64,
        lease: Option<Duration>,
    ) -> Result<()> {
        self.share_subscription(caller, access, share, id).await?;
        let expires = expiry(now_micros(), lease);
        Ok(self
            .store
            .renew_ipp_subscription(&share.tenant_id, id, expires)
            .await?)
    }

    pub async fn cancel_share_subscription(
        &self,
        caller: &Caller,
        access: &Access,
        share: &Share,
        id: i64,
    ) -> Result<()> {
        self.share_subscription(caller, access, share, id).await?;
        self.store.cancel_ipp_subscription(&share.tenant_id, id).await?;
        Ok(())
    }

    /// The share's events after `after` about jobs the caller may see, waiting up to `wait` when there are none.
    /// A page of the printer's events is read, then each event's job owner checked (a page is at most 100).
    pub async fn share_events(
        &self,
        caller: &Caller,
        access: &Access,
        share: &Share,
        after: i64,
        wait: Option<Duration>,
    ) -> Result<Vec<DeviceEvent>> {
        let deadline = wait.map(|w| tokio::time::Instant::now() + w);
        let me = caller.object_id.to_ascii_lowercase();
        let mut after = after;
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(tokio::time::Instant::now()));
            let page = self
                .printer_events(&share.tenant_id, &share.printer_id, after, left)
                .await?;
            let Some(last) = page.last().map(|e| e.id) else {
                return Ok(vec![]); // none came (within the wait)
            };
            let full = page.len() >= crate::devices::EVENT_PAGE as usize;
            let mut owners: HashMap<JobId, bool> = HashMap::new();
            let mut visible = Vec::with_capacity(page.len());
            for e in page {
                let mine = match owners.get(&e.job_id) {
                    Some(m) => *m,
                    None => {
                        let job = self.store.get_job(&share.tenant_id, e.job_id).await?;
                        let m = job.is_some_and(|j| {
                            j.share_id.as_deref() == Some(share.id.as_str())
                                && (access.all_users || j.created_by.id == me)
                        });
                        owners.insert(e.job_id, m);
                        m
                    }
                };
                if mine {
                    visible.push(e);
                }
            }
            if !visible.is_empty() {
                return Ok(visible);
            }
            // Only other users' events so far: read on (a full page may have more behind it; with a wait, new
            // events may come), never answering an empty page while the caller's are further on.
            after = last;
            let waiting_over = deadline.is_none_or(|d| tokio::time::Instant::now() >= d);
            if !full && waiting_over {
                return Ok(vec![]);
            }
        }
    }
}

fn expiry(now: i64, lease: Option<Duration>) -> i64 {
    lease
        .filter(|l| !l.is_zero())
        .map(|l| now + l.as_micros() as i64)
        .unwrap_or(0)
}
