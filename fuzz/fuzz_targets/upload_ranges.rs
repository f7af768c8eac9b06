//! Upload and download range arithmetic: a `Content-Range` header is a 400 or a range inside its total; the
//! gaps reported for any set of received ranges are exactly the bytes not yet received; a download `Range`
//! header is served whole, as a part inside the document, or as 416.

#![no_main]

use libfuzzer_sys::fuzz_target;
use platen_app::{ContentRange, missing_ranges};
use platen_domain::records::UploadRange;
use platen_graph::byte_range::{Served, serve};

/// Received ranges as a session holds them (sorted, not overlapping, below `size`), from the input's bytes.
fn session_ranges(data: &[u8]) -> (Vec<UploadRange>, i64) {
    let mut ranges = vec![];
    let mut next = 0i64;
    for pair in data.chunks_exact(2) {
        let gap = i64::from(pair[0] % 8);
        let len = i64::from(pair[1] % 16) + 1;
        let first = next + gap;
        ranges.push(UploadRange {
            first,
            last: first + len - 1,
            blob_key: String::new(),
        });
        next = first + len;
    }
    let size = next + i64::from(data.last().copied().unwrap_or(0) % 4);
    (ranges, size.max(1))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(r) = ContentRange::parse(&text) {
        assert!(r.first <= r.last && r.last < r.total, "{r:?}");
        assert_eq!(r.len(), r.last - r.first + 1);
    }

    let (ranges, size) = session_ranges(data);
    let mut received = vec![false; usize::try_from(size).unwrap_or(0)];
    for r in &ranges {
        for b in r.first..=r.last {
            received[b as usize] = true;
        }
    }
    let mut reported = vec![false; received.len()];
    for gap in missing_ranges(&ranges, size) {
        let (a, b) = gap.split_once('-').expect("first-last");
        let (a, b): (usize, usize) = (a.parse().expect("a number"), b.parse().expect("a number"));
        assert!(a <= b && b < reported.len(), "{gap} of {size}");
        for seen in &mut reported[a..=b] {
            assert!(!*seen, "{gap} reported twice");
            *seen = true;
        }
    }
    for (i, (got, gap)) in received.iter().zip(&reported).enumerate() {
        assert!(got != gap, "byte {i}: received {got}, reported missing {gap}");
    }

    let doc_size = u64::from(data.first().copied().unwrap_or(0));
    match serve(Some(&text), doc_size) {
        Served::Whole => {}
        Served::Part { offset, len } => assert!(
            len > 0 && offset + len <= doc_size,
            "{offset}+{len} of {doc_size}"
        ),
        Served::Unsatisfiable => {}
    }
});
