//! The one door: every change of a stored job, whatever starts it (a Graph user's start or cancel, a pull-print
//! app's abort, redirect, configuration PATCH or task PATCH, an upload finishing, a device's claim or report),
//! is an [`Intent`] handed to [`App::change_job`]. The door reads the job, asks the state table
//! ([`platen_domain::job::transition`]), builds the change (the job's new version, its history entry, the webhook
//! notifications, the device events of [`platen_domain::job::effects`]), commits it under the job's version
//! and wakes whoever waits for it. When it loses a race it reads the job again and decides again, with one
//! retry policy for everyone. Jobs are born through the table too ([`platen_domain::job::birth`]): a new empty
//! job in [`App::create_job`](crate::App::create_job), a redirected one inside the change that redirects it.

use crate::{App, AppError, Outcome, Result};
use platen_domain::job::effects::device_notices;
use platen_domain::job::{JobEvent, JobPhase, Transition, transition};
use platen_domain::quota::{self, QuotaReservation, QuotaSettlement};
use platen_domain::records::{
    DocumentConversion, FinishedUpload, Job, JobChange, JobEventRecord, PrintTask, RedirectedJob,
};
use platen_domain::time::now_micros;
use platen_domain::usage::ArchivedJob;
use platen_store::{Commit, Committed};

/// How many times a lost race is decided again before giving up (each attempt re-reads the job).
const ATTEMPTS: usize = 16;

/// A change to a job's other fields that rides along with a transition (applied only when the phase moves).
pub(crate) type Edit = Box<dyn Fn(&mut Job) + Send + Sync>;

/// What a use case wants to happen to a job; the door decides it against the job as stored.
pub(crate) struct Intent {
    /// The table event; `None` asks for no phase change (only the ride-along writes).
    pub event: Option<JobEvent>,
    /// Who causes it, for the job's history (`user:…`, `app:…`, `device:…`, `upload`).
    pub actor: String,
    pub reason: Option<String>,
    pub edit: Option<Edit>,
    pub rides: Rides,
    pub otherwise: Otherwise,
}

/// Writes that ride along with the job's change in the same transaction.
#[derive(Default, Clone)]
pub(crate) struct Rides {
    /// A print task created for the job (a trigger holding it).
    pub new_task: Option<PrintTask>,
    /// A print task that changes (closed by the app's action); written only while it has not ended.
    pub task_update: Option<PrintTask>,
    /// The job a redirect delivers to its destination.
    pub redirect: Option<RedirectedJob>,
    /// The upload this change finishes (a Graph upload session, or a document an IPP client sent).
    pub upload: Option<FinishedUpload>,
    /// The converted payload the job's document gets (the conversion finishing).
    pub conversion: Option<DocumentConversion>,
    /// The hold a start takes on the creator's print quota (refused as a whole when the account is short).
    pub quota: Option<QuotaReservation>,
}

/// What the door does when the table does not move the job.
pub(crate) enum Otherwise {
    /// Already done: answer `Unchanged` (an SDK retry succeeds); refused: the refusal.
    Answer,
    /// Already done: record a history note with this text (a device confirming what Graph already shows);
    /// refused: the refusal.
    Note(fn(JobPhase) -> String),
    /// Commit the ride-along writes anyway, in the job's current phase (an upload finishing on a job that
    /// ended meanwhile, a task PATCH on a job a user canceled); `history` adds an entry in the current phase.
    CommitRides { history: bool },
}

/// How the door let the change through.
pub(crate) enum Passage {
    Changed(Box<Committed>),
    Unchanged(Box<Job>),
    /// The print task the change closes ended (or went) while the change was being decided: another request of
    /// its app or a redirect won. Carries the task as it is now.
    TaskEnded(Option<PrintTask>),
    /// The upload session the change finishes is gone: another request finished it first.
    UploadSessionGone,
}

impl Passage {
    /// For changes that close no task and finish no upload.
    pub(crate) fn into_outcome(self) -> Result<Outcome<Job>> {
        match self {
            Passage::Changed(c) => Ok(Outcome::Changed(c.job)),
            Passage::Unchanged(j) => Ok(Outcome::Unchanged(*j)),
            Passage::TaskEnded(_) | Passage::UploadSessionGone => Err(AppError::Internal(
                "a job change without a task or an upload reported one".into(),
            )),
        }
    }

    pub(crate) fn into_job(self) -> Result<Job> {
        Ok(self.into_outcome()?.into_inner())
    }
}

impl Intent {
    pub(crate) fn new(event: JobEvent, actor: impl Into<String>) -> Self {
        Self::maybe(Some(event), actor)
    }

    /// An intent whose table event depends on a choice (a task PATCH to `processing` moves no job).
    pub(crate) fn maybe(event: Option<JobEvent>, actor: impl Into<String>) -> Self {
        Self {
            event,
            actor: actor.into(),
            reason: None,
            edit: None,
            rides: Rides::default(),
            otherwise: Otherwise::Answer,
        }
    }

    pub(crate) fn reason(mut self, reason: Option<String>) -> Self {
        self.reason = reason;
        self
    }

    pub(crate) fn edit(mut self, edit: impl Fn(&mut Job) + Send + Sync + 'static) -> Self {
        self.edit = Some(Box::new(edit));
        self
    }

    pub(crate) fn rides(mut self, rides: Rides) -> Self {
        self.rides = rides;
        self
    }

    pub(crate) fn otherwise(mut self, otherwise: Otherwise) -> Self {
        self.otherwise = otherwise;
        self
    }
}

impl App {
    /// THE door (see the module documentation).
    pub(crate) async fn change_job(&self, mut job: Job, intent: Intent) -> Result<Passage> {
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                job = self
                    .store
                    .get_job(&job.tenant_id, job.id)
                    .await?
                    .ok_or_else(|| AppError::not_found("print job"))?;
            }
            let next = match (intent.event.map(|e| transition(job.phase, e)), &intent.otherwise) {
                (Some(Transition::To(next)), _) => Some(next),
                (Some(Transition::AlreadyDone), Otherwise::Answer) => {
                    return Ok(Passage::Unchanged(Box::new(job)));
                }
                (Some(Transition::Refused(r)), Otherwise::Answer | Otherwise::Note(_)) => {
                    return Err(AppError::Refused(r));
                }
                (Some(Transition::AlreadyDone), Otherwise::Note(_))
                | (Some(Transition::AlreadyDone | Transition::Refused(_)), Otherwise::CommitRides { .. })
                | (None, _) => None,
            };
            // A decision taken from a stale read must not close a task that has ended meanwhile.
            if attempt > 0
                && let Some(t) = &intent.rides.task_update
            {
                let now = self.store.get_task(&t.tenant_id, &t.id).await?;
                if now.as_ref().is_none_or(|x| x.state.is_terminal()) {
                    return Ok(Passage::TaskEnded(now));
                }
            }
            let change = self.build_change(&job, next, &intent).await?;
            match self.store.commit_job_change(&change).await? {
                Commit::Done(committed) => {
                    if let Some(next) = next {
                        metrics::counter!("platen_job_changes_total", "state" => next.graph_state())
                            .increment(1);
                    }
                    if !change.notifications.is_empty() {
                        self.outbox_wakeup.notify_one();
                    }
                    for job in std::iter::once(&committed.job).chain(&committed.redirected) {
                        self.device_wakeups.wake(&job.tenant_id, &job.printer_id);
                    }
                    return Ok(Passage::Changed(committed));
                }
                Commit::Stale => continue,
                Commit::UploadSessionGone => return Ok(Passage::UploadSessionGone),
                Commit::QuotaExceeded(account) => {
                    let why = match &intent.rides.quota {
                        Some(reservation) => quota::refusal(reservation, &account),
                        None => "The job would pass its print quota.".into(),
                    };
                    return Err(AppError::QuotaExceeded(why));
                }
            }
        }
        Err(AppError::Internal("the job kept changing; try again".into()))
    }

    /// The change that moves `job` to `next` (a transition the table allowed), or that writes only the
    /// ride-along writes when `next` is `None`, with everything it causes.
    async fn build_change(&self, job: &Job, next: Option<JobPhase>, intent: &Intent) -> Result<JobChange> {
        let now = now_micros();
        let mut updated = job.clone();
        let history = |phase, reason: Option<String>| JobEventRecord {
            at: now,
            phase,
            actor: intent.actor.clone(),
            reason,
        };
        let record = match (next, &intent.otherwise) {
            (Some(next), _) => {
                updated.phase = next;
                updated.updated_at = now;
                if next.is_terminal() && !job.phase.is_terminal() {
                    updated.completed_at = Some(now);
                }
                if let Some(edit) = &intent.edit {
                    edit(&mut updated);
                }
                Some(history(next, intent.reason.clone()))
            }
            (None, Otherwise::Note(note)) => Some(history(job.phase, Some(note(job.phase)))),
            (None, Otherwise::CommitRides { history: true }) => {
                updated.updated_at = now;
                Some(history(job.phase, intent.reason.clone()))
            }
            (None, _) => None,
        };
        let mut c = JobChange::new(updated.clone(), job.version, record);
        if next.is_some_and(|n| n.is_terminal()) && !job.phase.is_terminal() {
            // The job ends: its archived record and usage rollups are written with this change (the store reads
            // the printer's name inside that transaction, so ending a job costs no extra round trip).
            c.archive = ArchivedJob::of(&updated, None, now);
        }
        if let (Some(next), Some(hold)) = (next, &job.quota_hold)
            && next.is_terminal()
            && !job.phase.is_terminal()
            && next != JobPhase::Redirected
        {
            // The job ends where it printed (a redirected job's hold moved with it to its destination): its hold
            // is released and what the device reported charged, with this change.
            c.quota_settle = Some(QuotaSettlement {
                hold: hold.clone(),
                charge: quota::charge_at_end(next, &updated.counts, hold.pages),
            });
        }
        if next.is_some() {
            c.quota_reserve = intent.rides.quota.clone();
            c.notifications = self
                .job_updated_notifications(Some(job), &updated, Some(job.id))
                .await?;
            c.device_events = device_notices(Some(job.phase), updated.phase);
        }
        if let Some(task) = &intent.rides.new_task {
            c.notifications
                .extend(self.task_created_notifications(task).await?);
        }
        if let Some(r) = &intent.rides.redirect {
            let mut r = r.clone();
            c.notifications
                .extend(self.job_updated_notifications(None, &r.job, None).await?);
            if let Some(task) = &r.held_task {
                c.notifications
                    .extend(self.task_created_notifications(task).await?);
            }
            r.device_events = device_notices(None, r.job.phase);
            c.redirect = Some(r);
        }
        c.new_task = intent.rides.new_task.clone();
        c.task_update = intent.rides.task_update.clone();
        c.upload = intent.rides.upload.clone();
        c.converted = intent.rides.conversion.clone();
        Ok(c)
    }
}
