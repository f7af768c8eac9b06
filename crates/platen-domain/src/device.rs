//! The device side of a job, as one table: how each job phase looks to an INFRA output device (RFC 8011
//! `job-state` and its main reason), and which job event a device's report (`output-device-job-state`) is.

use crate::job::{CompletionDetail, JobEvent, JobPhase};

/// RFC 8011 job states.
pub mod ipp_state {
    pub const PENDING: i32 = 3;
    pub const PENDING_HELD: i32 = 4;
    pub const PROCESSING: i32 = 5;
    pub const PROCESSING_STOPPED: i32 = 6;
    pub const CANCELED: i32 = 7;
    pub const ABORTED: i32 = 8;
    pub const COMPLETED: i32 = 9;
}

/// THE table: Graph phase → (IPP `job-state`, `job-state-reasons` keyword).
pub fn ipp_job_state(phase: JobPhase) -> (i32, &'static str) {
    use ipp_state::*;
    match phase {
        JobPhase::UploadPending | JobPhase::Ready => (PENDING_HELD, "job-data-insufficient"),
        JobPhase::Held => (PENDING_HELD, "job-release-wait"),
        JobPhase::Queued => (PENDING, "job-fetchable"),
        JobPhase::Processing => (PROCESSING, "job-printing"),
        JobPhase::Stopped => (PROCESSING_STOPPED, "job-stopped"),
        JobPhase::Completed => (COMPLETED, "job-completed-successfully"),
        // A redirected job continues as another job; on this printer it is over.
        JobPhase::Redirected => (COMPLETED, "job-completed-successfully"),
        JobPhase::Canceled => (CANCELED, "job-canceled-by-user"),
        JobPhase::Aborted => (ABORTED, "aborted-by-system"),
    }
}

/// A device's report of its job state, as the job event it is. States 3 and 4 report nothing new.
pub fn device_report(state: i32, reasons: &[String]) -> Option<JobEvent> {
    use ipp_state::*;
    let has = |r: &str| reasons.iter().any(|x| x == r);
    match state {
        PROCESSING => Some(JobEvent::DeviceProcessing),
        PROCESSING_STOPPED => Some(JobEvent::DeviceStopped),
        CANCELED => Some(JobEvent::DeviceCanceled),
        ABORTED => Some(JobEvent::DeviceAborted),
        COMPLETED => Some(JobEvent::DeviceCompleted(if has("job-completed-with-errors") {
            CompletionDetail::WithErrors
        } else if has("job-completed-with-warnings") {
            CompletionDetail::WithWarnings
        } else {
            CompletionDetail::Successfully
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::{Transition, transition};

    #[test]
    fn every_phase_maps_and_terminal_phases_are_terminal_ipp_states() {
        for p in JobPhase::ALL {
            let (s, _) = ipp_job_state(p);
            assert_eq!(p.is_terminal(), s >= ipp_state::CANCELED, "{p:?}");
        }
        assert_eq!(ipp_job_state(JobPhase::Queued), (3, "job-fetchable"));
    }

    #[test]
    fn device_reports_drive_the_job_state_machine() {
        let done = device_report(9, &["job-completed-with-warnings".into()]).unwrap();
        assert_eq!(
            transition(JobPhase::Processing, done),
            Transition::To(JobPhase::Completed)
        );
        assert_eq!(device_report(3, &[]), None);
        // The device confirming a Graph-side cancel is not a change.
        assert_eq!(
            transition(JobPhase::Canceled, device_report(7, &[]).unwrap()),
            Transition::AlreadyDone
        );
    }
}
