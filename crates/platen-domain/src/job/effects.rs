//! What a job's change tells the outside world besides Graph, decided here next to the state table so that no
//! storage or protocol layer makes the rule up: the events an INFRA device long-polling its printer receives.
//! (Graph change notifications depend on each subscription's filter and are decided with the subscriptions.)

use super::JobPhase;
use crate::device::ipp_job_state;

/// An event for the devices of the job's printer (IPP `ippget` notifications, PWG 5100.18).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceNotice {
    /// `job-fetchable` or `job-state-changed`.
    pub event: &'static str,
    /// The RFC 8011 `job-state` the job is in after the change.
    pub job_state: i32,
}

pub const JOB_FETCHABLE: &str = "job-fetchable";
pub const JOB_STATE_CHANGED: &str = "job-state-changed";

/// The device events of a job moving from `before` (None: a job born on the printer) to `after`. Devices hear
/// of a job once it has been started: a change of phase before that (the upload finishing) is Graph's business,
/// and so is the conversion of its payload (devices hear of it when it becomes fetchable).
pub fn device_notices(before: Option<JobPhase>, after: JobPhase) -> Vec<DeviceNotice> {
    if before == Some(after)
        || matches!(
            after,
            JobPhase::UploadPending | JobPhase::Ready | JobPhase::Transforming
        )
    {
        return vec![];
    }
    let (job_state, _) = ipp_job_state(after);
    let mut events = vec![];
    if after.is_fetchable() {
        events.push(DeviceNotice {
            event: JOB_FETCHABLE,
            job_state,
        });
    }
    events.push(DeviceNotice {
        event: JOB_STATE_CHANGED,
        job_state,
    });
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use JobPhase as P;

    #[test]
    fn started_jobs_notify_devices_once_per_phase_change() {
        let names = |b, a| device_notices(b, a).iter().map(|n| n.event).collect::<Vec<_>>();
        assert_eq!(
            names(Some(P::Ready), P::Queued),
            [JOB_FETCHABLE, JOB_STATE_CHANGED]
        );
        assert_eq!(names(None, P::Queued), [JOB_FETCHABLE, JOB_STATE_CHANGED]);
        assert_eq!(names(None, P::Held), [JOB_STATE_CHANGED]);
        assert_eq!(names(Some(P::Processing), P::Canceled), [JOB_STATE_CHANGED]);
        assert_eq!(names(Some(P::Ready), P::Canceled), [JOB_STATE_CHANGED]);
        assert!(names(Some(P::UploadPending), P::Ready).is_empty());
        assert!(names(Some(P::Ready), P::Transforming).is_empty());
        assert_eq!(
            names(Some(P::Transforming), P::Queued),
            [JOB_FETCHABLE, JOB_STATE_CHANGED]
        );
        assert!(names(Some(P::Held), P::Held).is_empty());
        assert!(names(Some(P::Canceled), P::Canceled).is_empty());
    }

    #[test]
    fn notices_carry_the_ipp_state_after_the_change() {
        for after in JobPhase::ALL {
            for n in device_notices(None, after) {
                assert_eq!(n.job_state, ipp_job_state(after).0);
            }
        }
    }
}
