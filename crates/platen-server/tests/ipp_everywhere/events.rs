//! Job events for people's IPP clients (ippget): a subscription is its user's, and hears of that user's jobs.

use super::jobs::print_job;
use super::support::{Env, Request, post, sample_pdf};

fn ints(v: Vec<Vec<u8>>) -> Vec<i32> {
    v.into_iter()
        .map(|b| i32::from_be_bytes(b.try_into().unwrap()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_users_subscription_hears_of_their_jobs_only_and_waits_for_the_next() {
    let env = Env::new(None, true).await;
    let (alice, bob) = (env.user("alice", &[]), env.user("bob", &[]));
    let a = (alice.upn.as_str(), alice.password.as_str());
    let b = (bob.upn.as_str(), bob.password.as_str());
    let mut sub = Request::new(0x0016, 1, &env.uri(None));
    sub.group(0x06)
        .attr(0x44, "notify-pull-method", b"ippget")
        .attr(0x44, "notify-events", b"job-state-changed")
        .int("notify-lease-duration", 600);
    let created = post(&env, Some(a), sub.end()).await;
    assert_eq!(created.status, Some(0));
    let id = created.int("notify-subscription-id").expect("a subscription id");

    let (_d, _p, pdf) = sample_pdf();
    let mine = print_job(&env, a, &pdf, |_| {}).await.int("job-id").unwrap();
    let theirs = print_job(&env, b, &pdf, |_| {}).await.int("job-id").unwrap();
    let mut cancel = Request::new(0x0008, 2, &env.uri(None));
    cancel.int("job-id", mine);
    assert_eq!(post(&env, Some(a), cancel.end()).await.status, Some(0));

    let get = |seq: i32, wait: bool| {
        let mut r = Request::new(0x001c, 3, &env.uri(None));
        r.int("notify-subscription-ids", id)
            .int("notify-sequence-numbers", seq)
            .attr(0x22, "notify-wait", &[u8::from(wait)]);
        r.end()
    };
    let events = post(&env, Some(a), get(1, false)).await;
    assert_eq!(events.status, Some(0));
    let jobs = ints(events.values("notify-job-id"));
    assert!(
        jobs.iter().all(|j| *j == mine),
        "only alice's job: {jobs:?} (bob's is {theirs})"
    );
    let states = ints(events.values("job-state"));
    assert_eq!(states.first(), Some(&3), "queued first: {states:?}");
    assert_eq!(states.last(), Some(&7), "then canceled: {states:?}");

    // Bob cannot read alice's subscription.
    assert_eq!(post(&env, Some(b), get(1, false)).await.status, Some(0x0406));

    // A long poll from after the last event returns when the next change of alice's commits.
    let last = *ints(events.values("notify-sequence-number")).last().unwrap();
    let next = print_job(&env, a, &pdf, |_| {}).await.int("job-id").unwrap();
    let env_ref = &env;
    let waited = tokio::time::timeout(std::time::Duration::from_secs(20), async move {
        post(env_ref, Some(a), get(last + 1, true)).await
    })
    .await
    .expect("the long poll answers");
    assert_eq!(ints(waited.values("notify-job-id")), vec![next]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_subscription_hears_of_its_job_only_and_only_the_owners_jobs_can_be_followed() {
    let env = Env::new(None, true).await;
    let (alice, bob) = (env.user("alice", &[]), env.user("bob", &[]));
    let a = (alice.upn.as_str(), alice.password.as_str());
    let b = (bob.upn.as_str(), bob.password.as_str());
    let (_d, _p, pdf) = sample_pdf();
    let followed = print_job(&env, a, &pdf, |_| {}).await.int("job-id").unwrap();
    let other = print_job(&env, a, &pdf, |_| {}).await.int("job-id").unwrap();
    let subscribe = |job: i32| {
        let mut sub = Request::new(0x0017, 1, &env.uri(None));
        sub.group(0x06)
            .attr(0x44, "notify-pull-method", b"ippget")
            .attr(0x44, "notify-events", b"job-completed")
            .int("notify-job-id", job);
        sub.end()
    };
    // Bob may not follow alice's job.
    assert_eq!(
        post(&env, Some(b), subscribe(followed)).await.status,
        Some(0x0403)
    );
    let created = post(&env, Some(a), subscribe(followed)).await;
    assert_eq!(created.status, Some(0), "{:?}", created.text("status-message"));
    let id = created.int("notify-subscription-id").unwrap();
    for job in [other, followed] {
        let mut cancel = Request::new(0x0008, 2, &env.uri(None));
        cancel.int("job-id", job);
        assert_eq!(post(&env, Some(a), cancel.end()).await.status, Some(0));
    }
    let mut get = Request::new(0x001c, 3, &env.uri(None));
    get.int("notify-subscription-ids", id)
        .int("notify-sequence-numbers", 1);
    let events = post(&env, Some(a), get.end()).await;
    assert_eq!(
        ints(events.values("notify-job-id")),
        vec![followed],
        "only the followed job, once completed"
    );
    assert_eq!(
        events.text("notify-subscribed-event").as_deref(),
        Some("job-completed")
    );
}
