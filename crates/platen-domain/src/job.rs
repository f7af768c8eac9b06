//! The print job state machine: one table of (phase × event) → transition, shared by every path that
//! changes a job (Graph actions, print tasks, the device side). Nothing else may move a job between phases.
//!
//! A *phase* is Platen's precise lifecycle position; Graph's `printJobStatus` (`state`, `details`,
//! `description`) is derived from it, so the two can never disagree.

use serde::{Deserialize, Serialize};

/// Where a job is in its life. Stored as the string from [`JobPhase::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobPhase {
    /// Created; its one document has not been uploaded yet. Graph: `paused` + `uploadPending`.
    UploadPending,
    /// Payload uploaded, `start` not called yet. Graph: `paused`.
    Ready,
    /// Started on a printer with a task trigger: held until the task's app releases, redirects or aborts it.
    /// Graph: `paused` + `releaseWait`.
    Held,
    /// Started; its payload is being converted to a format the printer takes (an OXPS upload to a PDF-only
    /// printer). Graph: `processing` + `transforming`, not fetchable.
    Transforming,
    /// Started and fetchable: waiting for a device to claim it. Graph: `pending`, `isFetchable: true`.
    Queued,
    /// A device claimed it (Acknowledge-Job) and is working on it. Graph: `processing`.
    Processing,
    /// The device reports a problem that blocks the job. Graph: `stopped`.
    Stopped,
    /// Terminal: the device reports it printed the job. Graph: `completed` + completion detail.
    Completed,
    /// Terminal: a pull-print app redirected it; the new job on the destination printer carries on.
    /// Graph: `completed` (the job left this queue successfully) with a description saying where it went.
    Redirected,
    /// Terminal: canceled by a user (Graph `cancel`) or at the device.
    Canceled,
    /// Terminal: aborted by a pull-print app (Graph `abort`) or by the device/system.
    Aborted,
}

/// How a completed job ended, as reported by the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CompletionDetail {
    Successfully,
    WithWarnings,
    WithErrors,
}

/// Everything that can happen to a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobEvent {
    /// The upload session received the last byte range.
    UploadCompleted,
    /// The owner called `start`; `held` says a task trigger on the printer holds the job for an app, `convert`
    /// that its payload must be converted before a device may fetch it.
    Start { held: bool, convert: bool },
    /// A pull-print app changed the job (configuration PATCH, new upload session) while it is held.
    Modify,
    /// The app completed the job's print task without redirecting it: the job proceeds on its printer
    /// (`convert`: through a conversion of its payload first).
    Release { convert: bool },
    /// The payload's conversion finished: the converted document is what devices fetch.
    ConversionSucceeded,
    /// The payload could not be converted (corrupt, too big, too slow, no converter): the system aborts the job.
    ConversionFailed,
    /// The app redirected the job to another printer.
    Redirect,
    /// A user canceled the job (Graph `cancel`).
    Cancel,
    /// A pull-print app aborted the job (Graph `abort`).
    Abort,
    /// A device claimed the job (IPP Acknowledge-Job).
    DeviceAcknowledged,
    /// The device reports the job processing (again, after a stop).
    DeviceProcessing,
    /// The device reports the job stopped by a device problem.
    DeviceStopped,
    /// The device reports the job printed.
    DeviceCompleted(CompletionDetail),
    /// The device reports the job canceled at the device.
    DeviceCanceled,
    /// The device reports the job aborted by the device or system.
    DeviceAborted,
    /// The document an IPP client sent with its job never arrived whole (the client went away, it was larger
    /// than the limit, its compression was broken): the system aborts the job it was meant for.
    SubmissionFailed,
    /// The job's printer was unregistered (`DELETE /print/printers/{id}`): the system aborts every job of it that
    /// had not ended, so none waits forever for a printer that is gone.
    PrinterRemoved,
}

/// Why an event is not allowed in a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `start` before the document upload finished.
    UploadIncomplete,
    /// The job already ended in the given phase.
    AlreadyEnded(JobPhase),
    /// The job is (or was) fetchable by a device and can no longer be modified.
    NoLongerModifiable,
    /// The job is not held by a print task.
    NotHeld,
    /// The job is not waiting to be claimed by a device.
    NotFetchable,
    /// The job has not been claimed by a device, so the device cannot report on it.
    NotAcquired,
    /// The job has not been started.
    NotStarted,
    /// The job's payload is not being converted.
    NotTransforming,
}

/// The result of applying an event to a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The event moves the job to this phase (which may equal the current one, e.g. Modify while held).
    To(JobPhase),
    /// The event already happened (an SDK retry): answer success, change nothing.
    AlreadyDone,
    Refused(Refusal),
}

use CompletionDetail as Cd;
use JobEvent as E;
use JobPhase as P;
use Refusal as R;
use Transition::{AlreadyDone, Refused, To};

/// How a job comes into being on a printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobBirth {
    /// Created empty (Graph `POST …/jobs`): its document is uploaded next.
    Created,
    /// Born with its document and already started: a redirect delivering a job to its destination printer
    /// (and an IPP Print-Job). `held` says a task trigger on the printer holds it for an app.
    Started { held: bool },
}

/// The table's first row for each job: the phase it is born in.
pub fn birth(how: JobBirth) -> JobPhase {
    match how {
        JobBirth::Created => P::UploadPending,
        JobBirth::Started { held: true } => P::Held,
        JobBirth::Started { held: false } => P::Queued,
    }
}

/// THE table. Rows are grouped by event; `_` rows cover the remaining phases of that event.
pub fn transition(phase: JobPhase, event: JobEvent) -> Transition {
    match (phase, event) {
        // ---- upload ------------------------------------------------------------------------------
        (P::UploadPending | P::Ready, E::UploadCompleted) => To(P::Ready),
        (P::Held, E::UploadCompleted) => To(P::Held), // the task's app replaced the payload
        (p, E::UploadCompleted) if p.is_terminal() => Refused(R::AlreadyEnded(p)),
        (_, E::UploadCompleted) => Refused(R::NoLongerModifiable),

        // ---- start -------------------------------------------------------------------------------
        (P::UploadPending, E::Start { .. }) => Refused(R::UploadIncomplete),
        (P::Ready, E::Start { held: true, .. }) => To(P::Held),
        (
            P::Ready,
            E::Start {
                held: false,
                convert: true,
            },
        ) => To(P::Transforming),
        (
            P::Ready,
            E::Start {
                held: false,
                convert: false,
            },
        ) => To(P::Queued),
        (P::Held | P::Transforming | P::Queued | P::Processing | P::Stopped, E::Start { .. }) => AlreadyDone,
        (p, E::Start { .. }) => Refused(R::AlreadyEnded(p)),

        // ---- pull printing -----------------------------------------------------------------------
        (P::Held, E::Modify) => To(P::Held),
        (p, E::Modify) if p.is_terminal() => Refused(R::AlreadyEnded(p)),
        (_, E::Modify) => Refused(R::NoLongerModifiable),

        (P::Held, E::Release { convert: true }) => To(P::Transforming),
        (P::Held, E::Release { convert: false }) => To(P::Queued),
        (p, E::Release { .. }) if p.is_terminal() => Refused(R::AlreadyEnded(p)),
        (_, E::Release { .. }) => Refused(R::NotHeld),

        // ---- payload conversion (the system, in the background) -----------------------------------
        (P::Transforming, E::ConversionSucceeded) => To(P::Queued),
        (P::Transforming, E::ConversionFailed) => To(P::Aborted),
        (p, E::ConversionSucceeded | E::ConversionFailed) if p.is_terminal() => Refused(R::AlreadyEnded(p)),
        (_, E::ConversionSucceeded | E::ConversionFailed) => Refused(R::NotTransforming),

        (P::Held, E::Redirect) => To(P::Redirected),
        (p, E::Redirect) if p.is_terminal() => Refused(R::AlreadyEnded(p)),
        (_, E::Redirect) => Refused(R::NotHeld),

        // ---- cancel (user) and abort (app): a repeat of what already happened is not an error ----
        (P::Canceled, E::Cancel) => AlreadyDone,
        (p, E::Cancel) if p.is_terminal() => Refused(R::AlreadyEnded(p)),
        (_, E::Cancel) => To(P::Canceled),

        (P::UploadPending | P::Ready, E::SubmissionFailed) => To(P::Aborted),
        (p, E::SubmissionFailed) if p.is_terminal() => Refused(R::AlreadyEnded(p)),
        (_, E::SubmissionFailed) => Refused(R::NoLongerModifiable),

        (p, E::PrinterRemoved) if p.is_terminal() => Refused(R::AlreadyEnded(p)),
        (_, E::PrinterRemoved) => To(P::Aborted),

        (P::Aborted, E::Abort) => AlreadyDone,
        (p, E::Abort) if p.is_terminal() => Refused(R::AlreadyEnded(p)),
        (_, E::Abort) => To(P::Aborted),

        // ---- device side -------------------------------------------------------------------------
        (P::Queued, E::DeviceAcknowledged) => To(P::Processing),
        (P::Processing | P::Stopped, E::DeviceAcknowledged) => AlreadyDone,
        (_, E::DeviceAcknowledged) => Refused(R::NotFetchable),

        (P::Processing | P::Stopped, E::DeviceProcessing) => To(P::Processing),
        (P::Processing | P::Stopped, E::DeviceStopped) => To(P::Stopped),
        (P::Processing | P::Stopped, E::DeviceCompleted(_)) => To(P::Completed),
        (P::Processing | P::Stopped | P::Queued, E::DeviceCanceled) => To(P::Canceled),
        (P::Processing | P::Stopped | P::Queued, E::DeviceAborted) => To(P::Aborted),
        // The device confirming the terminal state Graph already shows (after a cancel/abort).
        (P::Canceled, E::DeviceCanceled) | (P::Aborted, E::DeviceAborted) => AlreadyDone,
        (P::Completed, E::DeviceCompleted(_)) => AlreadyDone,
        (
            p,
            E::DeviceProcessing
            | E::DeviceStopped
            | E::DeviceCompleted(_)
            | E::DeviceCanceled
            | E::DeviceAborted,
        ) if p.is_terminal() => Refused(R::AlreadyEnded(p)),
        (P::UploadPending | P::Ready, _) => Refused(R::NotStarted),
        (_, _) => Refused(R::NotAcquired),
    }
}

/// The Graph view of a phase.
pub struct GraphStatus {
    pub state: &'static str,
    pub details: Vec<&'static str>,
    pub description: &'static str,
}

impl JobPhase {
    pub const ALL: [JobPhase; 11] = [
        P::UploadPending,
        P::Ready,
        P::Held,
        P::Transforming,
        P::Queued,
        P::Processing,
        P::Stopped,
        P::Completed,
        P::Redirected,
        P::Canceled,
        P::Aborted,
    ];

    pub fn is_terminal(self) -> bool {
        matches!(self, P::Completed | P::Redirected | P::Canceled | P::Aborted)
    }

    /// A device may fetch the job's payload (Graph `isFetchable`).
    pub fn is_fetchable(self) -> bool {
        self == P::Queued
    }

    pub fn as_str(self) -> &'static str {
        match self {
            P::UploadPending => "uploadPending",
            P::Ready => "ready",
            P::Held => "held",
            P::Transforming => "transforming",
            P::Queued => "queued",
            P::Processing => "processing",
            P::Stopped => "stopped",
            P::Completed => "completed",
            P::Redirected => "redirected",
            P::Canceled => "canceled",
            P::Aborted => "aborted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Graph `printJobProcessingState` name for this phase (also stored in its own indexed column so that
    /// `$filter=status/state eq '…'` runs in SQL).
    pub fn graph_state(self) -> &'static str {
        match self {
            P::UploadPending | P::Ready | P::Held => "paused",
            P::Queued => "pending",
            P::Transforming | P::Processing => "processing",
            P::Stopped => "stopped",
            P::Completed | P::Redirected => "completed",
            P::Canceled => "canceled",
            P::Aborted => "aborted",
        }
    }

    pub fn graph_status(self, completion: Option<CompletionDetail>) -> GraphStatus {
        let (details, description): (Vec<&'static str>, &'static str) = match self {
            P::UploadPending => (
                vec!["uploadPending"],
                "The job is not yet eligible for processing: its document has not been uploaded.",
            ),
            P::Ready => (
                vec![],
                "The document is uploaded; the job is waiting to be started.",
            ),
            P::Held => (
                vec!["releaseWait"],
                "The job is held until a print task releases it.",
            ),
            P::Transforming => (
                vec!["transforming"],
                "The job's document is being converted to a format the printer supports.",
            ),
            P::Queued => (
                vec![],
                "The job is queued and waiting for the printer to fetch it.",
            ),
            P::Processing => (vec!["interpreting"], "The printer is processing the job."),
            P::Stopped => (vec![], "The printer stopped; see the printer's status."),
            P::Completed => match completion.unwrap_or(Cd::Successfully) {
                Cd::Successfully => (vec!["completedSuccessfully"], "The job printed successfully."),
                Cd::WithWarnings => (vec!["completedWithWarnings"], "The job printed with warnings."),
                Cd::WithErrors => (vec!["completedWithErrors"], "The job completed with errors."),
            },
            P::Redirected => (vec![], "The job was redirected to another printer."),
            P::Canceled => (vec![], "The job was canceled."),
            P::Aborted => (vec![], "The job was aborted."),
        };
        GraphStatus {
            state: self.graph_state(),
            details,
            description,
        }
    }

    /// A device may read the job's attributes and document (Fetch-Job, Fetch-Document): waiting to be
    /// claimed, or claimed by a device and not finished.
    pub fn is_readable_by_device(self) -> bool {
        matches!(self, P::Queued | P::Processing | P::Stopped)
    }
}

impl CompletionDetail {
    pub fn as_str(self) -> &'static str {
        match self {
            Cd::Successfully => "completedSuccessfully",
            Cd::WithWarnings => "completedWithWarnings",
            Cd::WithErrors => "completedWithErrors",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Cd::Successfully, Cd::WithWarnings, Cd::WithErrors]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

pub mod effects;

#[cfg(test)]
mod tests;
