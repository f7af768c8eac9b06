//! The throttling section of the conformance suite: counters add up per (tenant, bucket, window), concurrent adds
//! are all counted, and old windows are purged.

use crate::Store;

pub async fn throttle_windows(s: &dyn Store) {
    assert_eq!(s.add_to_window("t1", "jobs:user:u", 1_000, 1).await.unwrap(), 1);
    assert_eq!(s.add_to_window("t1", "jobs:user:u", 1_000, 2).await.unwrap(), 3);
    // Another window, bucket or tenant starts from zero.
    assert_eq!(s.add_to_window("t1", "jobs:user:u", 2_000, 1).await.unwrap(), 1);
    assert_eq!(s.add_to_window("t1", "jobs:user:v", 1_000, 5).await.unwrap(), 5);
    assert_eq!(s.add_to_window("t2", "jobs:user:u", 1_000, 7).await.unwrap(), 7);
    // Concurrent adds are all counted.
    let adds = (0..20).map(|_| s.add_to_window("t1", "jobs:printer:p", 3_000, 1));
    let mut totals: Vec<i64> = futures::future::join_all(adds)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    totals.sort_unstable();
    assert_eq!(totals, (1..=20).collect::<Vec<i64>>());
    // Windows that started before 2_000 go.
    assert_eq!(s.purge_windows(2_000).await.unwrap(), 3);
    assert_eq!(s.add_to_window("t1", "jobs:user:u", 1_000, 1).await.unwrap(), 1);
}
