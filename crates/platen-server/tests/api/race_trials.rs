//! Randomized races on one job: many trials, each firing at once a random mix of the requests that can end or move
//! a job, then checking that the job ended in exactly one way and that every caller's answer agrees with it.
//!
//! - A held job (a pull-print printer's trigger holds it for its app): the owner's cancel, the app's abort, its
//!   redirect to another printer and its task PATCH to `completed` (the release).
//! - A claimed job: the device reporting it printed against the owner's cancel.
//! - An upload: its last byte range against the owner's cancel.
//!
//! `PLATEN_RACE_TRIALS` sets the number of trials of each kind (default 30; the long run is 10^4).

use crate::common::*;
use crate::pull::{held_job, pull};
use platen_testkit::infra::{COMPLETED, OK};
use serde_json::json;

fn trials() -> usize {
    std::env::var("PLATEN_RACE_TRIALS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(30)
}

/// A bit pattern per trial: every mix of at least two racers comes up, in turn.
fn mix(trial: usize, racers: usize) -> Vec<usize> {
    let mixes: Vec<usize> = (1..1usize << racers).filter(|m| m.count_ones() >= 2).collect();
    let m = mixes[trial % mixes.len()];
    (0..racers).filter(|i| m & (1 << i) != 0).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Racer {
    Cancel,
    Abort,
    Redirect,
    Release,
}

const HELD_RACERS: [Racer; 4] = [Racer::Cancel, Racer::Abort, Racer::Redirect, Racer::Release];

#[tokio::test]
async fn racing_actions_on_a_held_job_end_it_one_way_and_every_answer_agrees() {
    let (t, p) = pull().await;
    let u = t.user("racer");
    for trial in 0..trials() {
        let (job, task) = held_job(&p, &u, b"race").await;
        let racers: Vec<Racer> = mix(trial, HELD_RACERS.len())
            .into_iter()
            .map(|i| HELD_RACERS[i])
            .collect();
        let calls = racers.iter().map(|r| {
            let (api, job, task, p, u) = (&t.api, &job, &task, &p, &u);
            async move {
                match r {
                    Racer::Cancel => api.post_empty(&job.action("cancel"), &u.token).await,
                    Racer::Abort => api.post_empty(&job.action("abort"), &p.app).await,
                    Racer::Redirect => {
                        api.post(
                            &job.action("redirect"),
                            &p.app,
                            &json!({"destinationPrinterId": p.dest}),
                        )
                        .await
                    }
                    Racer::Release => {
                        api.patch(
                            task,
                            &p.app,
                            &json!({"status": {"state": "completed", "description": "released"}}),
                        )
                        .await
                    }
                }
            }
        });
        let answers = futures::future::join_all(calls).await;
        let won = |which: Racer| {
            racers
                .iter()
                .zip(&answers)
                .any(|(r, a)| *r == which && (200..300).contains(&a.status))
        };
        for (r, a) in racers.iter().zip(&answers) {
            assert!(
                (200..300).contains(&a.status) || a.status == 403 || a.status == 409,
                "trial {trial} {r:?}: {a:?}"
            );
            if a.status >= 400 {
                a.assert_graph_error();
            }
        }
        let read = t.api.get(&job.path(), &u.token).await.expect_json(200);
        let state = read["status"]["state"].as_str().unwrap_or_default().to_string();
        let winners: Vec<Racer> = [Racer::Cancel, Racer::Abort, Racer::Redirect]
            .into_iter()
            .filter(|r| won(*r))
            .collect();
        assert!(
            winners.len() <= 1,
            "trial {trial}: several endings acknowledged {winners:?} ({racers:?} → {answers:?})"
        );
        let expected = match winners.first() {
            Some(Racer::Cancel) => "canceled",
            Some(Racer::Abort) => "aborted",
            // A redirected job shows as completed on its printer, with the job it became.
            Some(_) => "completed",
            None if won(Racer::Release) => "pending",
            None => "paused",
        };
        assert_eq!(state, expected, "trial {trial}: {racers:?} → {answers:?}: {read}");
        assert_eq!(
            read["redirectedTo"].is_string(),
            winners.first() == Some(&Racer::Redirect),
            "trial {trial}: {read}"
        );
    }
}

#[tokio::test]
async fn a_devices_completion_racing_the_owners_cancel_has_one_winner() {
    let t = Tenant::new();
    let (_, share, device, http) = t.device_printer("Race device").await;
    let base = t.srv().base.clone();
    let u = t.user("owner");
    for trial in 0..trials() {
        let job = t.uploaded_job(&share, &u.token, &bytes(64)).await;
        t.api.post_empty(&job.action("start"), &u.token).await.expect(200);
        let id: i32 = job.id.parse().unwrap();
        let uuid = format!("urn:uuid:{}", uuid());
        assert_eq!(device.acknowledge(&http, &base, id, &uuid).await, OK);
        let cancel_path = job.action("cancel");
        let (done, cancel) = futures::join!(
            device.update_job_status(&http, &base, id, COMPLETED, vec![]),
            t.api.post_empty(&cancel_path, &u.token),
        );
        let state = t.api.get(&job.path(), &u.token).await.expect_json(200)["status"]["state"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        match (done == OK, cancel.status) {
            (true, 409) => assert_eq!(state, "completed", "trial {trial}"),
            (false, 204) => assert_eq!(state, "canceled", "trial {trial}: device {done:#06x}"),
            other => panic!("trial {trial}: no single winner: {other:?} {cancel:?} (state {state})"),
        }
    }
}

#[tokio::test]
async fn an_uploads_last_range_racing_the_owners_cancel_leaves_a_canceled_job() {
    let t = Tenant::new();
    let (_, share) = t.open_share("Race upload").await;
    let u = t.user("uploader");
    let data = bytes(8_000);
    for trial in 0..trials() {
        let job = t.job(&format!("/v1.0/print/shares/{share}/jobs"), &u.token).await;
        let url = t
            .upload_session(&job, &u.token, "application/pdf", data.len())
            .await;
        put_chunk(&t.api, &url, &data[..4_000], 0, data.len())
            .await
            .expect(202);
        let cancel_path = job.action("cancel");
        let (last, cancel) = futures::join!(
            put_chunk(&t.api, &url, &data[4_000..], 4_000, data.len()),
            t.api.post_empty(&cancel_path, &u.token),
        );
        cancel.expect(204);
        assert!(
            [201, 404, 409].contains(&last.status),
            "trial {trial}: the last range answered {last:?}"
        );
        let read = t
            .api
            .get(&format!("{}?$expand=documents", job.path()), &u.token)
            .await
            .expect_json(200);
        assert_eq!(read["status"]["state"], "canceled", "trial {trial}: {read}");
        if last.status == 201 {
            assert_eq!(read["documents"][0]["size"], data.len(), "trial {trial}: {read}");
        }
    }
}
