//! The download-ticket section of the conformance suite: a ticket reads back as written, unknown ids read as
//! none, and only expired tickets are purged, in bounded batches.

use crate::Store;
use platen_domain::TenantId;
use platen_domain::records::DownloadTicket;

fn ticket(id: &str, expires_at: i64) -> DownloadTicket {
    DownloadTicket {
        id: id.into(),
        tenant_id: TenantId::new("t1"),
        document_id: format!("doc-{id}"),
        token_sha256: format!("sha-{id}"),
        expires_at,
    }
}

pub async fn download_tickets(s: &dyn Store) {
    for (id, exp) in [("a", 1_000), ("b", 2_000), ("c", 3_000), ("d", 9_000)] {
        s.create_download_ticket(&ticket(id, exp)).await.unwrap();
    }
    assert_eq!(
        s.get_download_ticket("b").await.unwrap(),
        Some(ticket("b", 2_000))
    );
    assert_eq!(s.get_download_ticket("nope").await.unwrap(), None);
    // Ids are unique: a second ticket with the same id is refused, not merged.
    assert!(s.create_download_ticket(&ticket("a", 5_000)).await.is_err());
    // Three expired before 5_000; a batch of two, then the last one.
    assert_eq!(s.purge_download_tickets(5_000, 2).await.unwrap(), 2);
    assert_eq!(s.purge_download_tickets(5_000, 2).await.unwrap(), 1);
    assert_eq!(s.purge_download_tickets(5_000, 2).await.unwrap(), 0);
    assert_eq!(s.get_download_ticket("c").await.unwrap(), None);
    assert!(s.get_download_ticket("d").await.unwrap().is_some());
}
