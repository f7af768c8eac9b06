use super::*;
use proptest::prelude::*;

fn any_event() -> impl Strategy<Value = JobEvent> {
    prop_oneof![
        Just(E::UploadCompleted),
        (any::<bool>(), any::<bool>()).prop_map(|(held, convert)| E::Start { held, convert }),
        Just(E::Modify),
        any::<bool>().prop_map(|convert| E::Release { convert }),
        Just(E::ConversionSucceeded),
        Just(E::ConversionFailed),
        Just(E::Redirect),
        Just(E::Cancel),
        Just(E::Abort),
        Just(E::DeviceAcknowledged),
        Just(E::DeviceProcessing),
        Just(E::DeviceStopped),
        Just(E::DeviceCompleted(Cd::Successfully)),
        Just(E::DeviceCompleted(Cd::WithErrors)),
        Just(E::DeviceCanceled),
        Just(E::DeviceAborted),
        Just(E::SubmissionFailed),
    ]
}

proptest! {
    /// No event sequence leaves a terminal phase, and so none can reach two terminal phases.
    #[test]
    fn terminal_phases_are_final(events in proptest::collection::vec(any_event(), 0..40)) {
        let mut phase = P::UploadPending;
        let mut ended_in: Option<JobPhase> = None;
        for event in events {
            if let To(next) = transition(phase, event) {
                if let Some(end) = ended_in {
                    prop_assert!(false, "{event:?} moved terminal {end:?} to {next:?}");
                }
                phase = next;
            }
            if phase.is_terminal() && ended_in.is_none() {
                ended_in = Some(phase);
            }
            if let Some(end) = ended_in {
                prop_assert_eq!(phase, end);
            }
        }
    }

    /// Every phase answers every event (the table is total) and a repeat of the same terminal
    /// event is reported as already done.
    #[test]
    fn repeats_of_cancel_and_abort_are_idempotent(events in proptest::collection::vec(any_event(), 0..20)) {
        let mut phase = P::UploadPending;
        for event in events {
            if let To(next) = transition(phase, event) { phase = next; }
        }
        if let To(P::Canceled) = transition(phase, E::Cancel) {
            prop_assert_eq!(transition(P::Canceled, E::Cancel), AlreadyDone);
        }
        if let To(P::Aborted) = transition(phase, E::Abort) {
            prop_assert_eq!(transition(P::Aborted, E::Abort), AlreadyDone);
        }
    }
}

#[test]
fn cancel_and_abort_conflict_with_other_endings() {
    assert_eq!(
        transition(P::Completed, E::Cancel),
        Refused(R::AlreadyEnded(P::Completed))
    );
    assert_eq!(
        transition(P::Aborted, E::Cancel),
        Refused(R::AlreadyEnded(P::Aborted))
    );
    assert_eq!(
        transition(P::Canceled, E::Abort),
        Refused(R::AlreadyEnded(P::Canceled))
    );
    assert_eq!(
        transition(P::Redirected, E::Abort),
        Refused(R::AlreadyEnded(P::Redirected))
    );
    for p in JobPhase::ALL.into_iter().filter(|p| !p.is_terminal()) {
        assert_eq!(transition(p, E::Cancel), To(P::Canceled));
        assert_eq!(transition(p, E::Abort), To(P::Aborted));
    }
}

#[test]
fn start_needs_the_upload() {
    assert_eq!(
        transition(
            P::UploadPending,
            E::Start {
                held: false,
                convert: false
            }
        ),
        Refused(R::UploadIncomplete)
    );
    assert_eq!(
        transition(
            P::Ready,
            E::Start {
                held: false,
                convert: false
            }
        ),
        To(P::Queued)
    );
    assert_eq!(
        transition(
            P::Ready,
            E::Start {
                held: true,
                convert: false
            }
        ),
        To(P::Held)
    );
    assert_eq!(
        transition(
            P::Queued,
            E::Start {
                held: false,
                convert: false
            }
        ),
        AlreadyDone
    );
}

#[test]
fn only_queued_jobs_are_fetchable_and_claimable_once() {
    assert!(P::Queued.is_fetchable());
    assert_eq!(transition(P::Queued, E::DeviceAcknowledged), To(P::Processing));
    assert_eq!(
        transition(P::Held, E::DeviceAcknowledged),
        Refused(R::NotFetchable)
    );
    assert_eq!(
        transition(P::Canceled, E::DeviceAcknowledged),
        Refused(R::NotFetchable)
    );
}

#[test]
fn phase_names_round_trip() {
    for p in JobPhase::ALL {
        assert_eq!(JobPhase::parse(p.as_str()), Some(p));
        assert!(!p.graph_status(None).description.is_empty());
    }
}

#[test]
fn a_submission_that_failed_aborts_only_a_job_not_yet_started() {
    assert_eq!(transition(P::UploadPending, E::SubmissionFailed), To(P::Aborted));
    assert_eq!(transition(P::Ready, E::SubmissionFailed), To(P::Aborted));
    assert_eq!(
        transition(P::Queued, E::SubmissionFailed),
        Refused(R::NoLongerModifiable)
    );
    assert_eq!(
        transition(P::Canceled, E::SubmissionFailed),
        Refused(R::AlreadyEnded(P::Canceled))
    );
}

#[test]
fn a_payload_to_convert_is_transforming_before_it_is_fetchable() {
    let start = E::Start {
        held: false,
        convert: true,
    };
    assert_eq!(transition(P::Ready, start), To(P::Transforming));
    assert_eq!(transition(P::Transforming, start), AlreadyDone);
    assert_eq!(
        transition(P::Held, E::Release { convert: true }),
        To(P::Transforming)
    );
    assert!(!P::Transforming.is_fetchable());
    assert!(!P::Transforming.is_readable_by_device());
    let status = P::Transforming.graph_status(None);
    assert_eq!(
        (status.state, status.details),
        ("processing", vec!["transforming"])
    );
    assert_eq!(transition(P::Transforming, E::ConversionSucceeded), To(P::Queued));
    assert_eq!(transition(P::Transforming, E::ConversionFailed), To(P::Aborted));
    assert_eq!(
        transition(P::Transforming, E::DeviceAcknowledged),
        Refused(R::NotFetchable)
    );
    assert_eq!(
        transition(P::Transforming, E::Modify),
        Refused(R::NoLongerModifiable)
    );
    assert_eq!(transition(P::Transforming, E::Cancel), To(P::Canceled));
}

#[test]
fn a_conversion_ending_after_the_job_changed_changes_nothing() {
    assert_eq!(
        transition(P::Canceled, E::ConversionSucceeded),
        Refused(R::AlreadyEnded(P::Canceled))
    );
    assert_eq!(
        transition(P::Queued, E::ConversionFailed),
        Refused(R::NotTransforming)
    );
}
