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
        // RFC 8011: `job-transforming` is a processing job whose document is being converted.
        JobPhase::Transforming => (PROCESSING, "job-transforming"),
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

/// `printJob.errorCode` for a job its device reports aborted (`output-device-job-state` 8).
///
/// Graph documents errorCode only as an Int32 and publishes no values, so Platen picks a stable mapping with an
/// existing meaning: the RFC 8011 / PWG 5100.x IPP status code (`status-code`) that names the same failure as the
/// device's `output-device-job-state-reasons` keyword (the `job-state-reasons` keywords). The most specific
/// reason the device sent wins, in this order:
///
/// | reason keyword                 | errorCode | IPP status code                              |
/// |--------------------------------|-----------|----------------------------------------------|
/// | `unsupported-document-format`  | 1034      | 0x040A client-error-document-format-not-supported |
/// | `unsupported-compression`      | 1039      | 0x040F client-error-compression-not-supported |
/// | `compression-error`            | 1040      | 0x0410 client-error-compression-error        |
/// | `document-format-error`        | 1041      | 0x0411 client-error-document-format-error    |
/// | `document-access-error`        | 1042      | 0x0412 client-error-document-access-error    |
/// | `service-off-line`             | 1282      | 0x0502 server-error-service-unavailable      |
/// | anything else (`aborted-by-system`, `errors-detected`, none) | 1284 | 0x0504 server-error-device-error |
///
/// A job that completes, or that a user, operator or app cancels or aborts, keeps errorCode null.
pub fn device_abort_error_code(reasons: &[String]) -> i32 {
    const BY_REASON: &[(&str, i32)] = &[
        ("unsupported-document-format", 0x040A),
        ("unsupported-compression", 0x040F),
        ("compression-error", 0x0410),
        ("document-format-error", 0x0411),
        ("document-access-error", 0x0412),
        ("service-off-line", 0x0502),
    ];
    const DEVICE_ERROR: i32 = 0x0504;
    BY_REASON
        .iter()
        .find(|(keyword, _)| reasons.iter().any(|r| r == keyword))
        .map_or(DEVICE_ERROR, |(_, code)| *code)
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
    fn abort_error_codes_prefer_the_most_specific_reason() {
        let code = |r: &[&str]| device_abort_error_code(&r.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(code(&[]), 1284);
        assert_eq!(code(&["aborted-by-system"]), 1284);
        assert_eq!(code(&["aborted-by-system", "document-format-error"]), 1041);
        assert_eq!(
            code(&["document-access-error", "unsupported-document-format"]),
            1034
        );
        assert_eq!(code(&["service-off-line"]), 1282);
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
