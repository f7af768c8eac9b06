//! Pull-printing collections and navigations as Graph serves every other: a definition's tasks paged with
//! `@odata.nextLink` (§4.3), and the trigger reached through a task with its own `@odata.context` (§4.4).

use crate::pull::{held_job, pull};
use futures::StreamExt;
use platen_testkit::graph::path_of;
use std::collections::HashSet;

#[tokio::test]
async fn a_definitions_tasks_are_paged_with_next_links() {
    let (t, p) = pull().await;
    let u = t.user("u");
    // One page more than Graph's page size (100).
    const TASKS: usize = 101;
    futures::stream::iter(0..TASKS)
        .for_each_concurrent(8, |_| async {
            p.held(&u, b"held").await;
        })
        .await;

    let mut seen = HashSet::new();
    let mut pages = vec![];
    let mut next = Some(p.tasks());
    while let Some(path) = next {
        let page = t.api.get(&path, &p.app).await.expect_json(200);
        let items = page["value"].as_array().unwrap();
        assert!(items.len() <= 100, "{} items in one page", items.len());
        for task in items {
            assert!(
                seen.insert(task["id"].as_str().unwrap().to_string()),
                "a task on two pages: {task}"
            );
        }
        pages.push(items.len());
        next = page["@odata.nextLink"].as_str().map(path_of);
        assert!(pages.len() <= TASKS, "next links never end");
    }
    assert_eq!(seen.len(), TASKS, "pages: {pages:?}");
    assert_eq!(pages, vec![100, 1]);
    // A skip token from another definition's list is refused.
    let first = t.api.get(&p.tasks(), &p.app).await.expect_json(200);
    let token_query = first["@odata.nextLink"]
        .as_str()
        .unwrap()
        .split_once('?')
        .unwrap()
        .1
        .to_string();
    let other = p.create_definition(&p.app, "Other").await;
    t.api
        .get(
            &format!("/v1.0/print/taskDefinitions/{other}/tasks?{token_query}"),
            &p.app,
        )
        .await
        .expect_error(400);
}

#[tokio::test]
async fn a_trigger_reached_through_a_task_has_its_printers_context() {
    let (t, p) = pull().await;
    let u = t.user("u");
    let (job, task_path) = held_job(&p, &u, b"held").await;
    let want = format!(
        "/v1.0/$metadata#print/printers('{}')/taskTriggers/$entity",
        p.printer
    );
    let tasks = t
        .api
        .get(&format!("{}/tasks", job.path()), &t.admin)
        .await
        .expect_json(200);
    let task_id = tasks["value"][0]["id"].as_str().unwrap().to_string();
    for (path, token) in [
        (format!("{task_path}/trigger"), &p.app),
        (format!("{}/tasks/{task_id}/trigger", job.path()), &t.admin),
        (
            format!("/v1.0/print/printers/{}/taskTriggers/{}", p.printer, p.trigger),
            &t.admin,
        ),
    ] {
        let v = t.api.get(&path, token).await.expect_json(200);
        assert_eq!(v["id"], p.trigger.as_str(), "{path}: {v}");
        let context = v["@odata.context"].as_str().unwrap();
        assert!(context.ends_with(&want), "{path}: {context}");
    }
}
