//! The `Range` request header (RFC 9110 §14) for downloads, against a representation of known size. One range
//! is served as 206; several ranges, or a header that does not parse, are ignored (the whole document, 200),
//! which RFC 9110 allows and which every client copes with; a range that starts past the end is 416.

/// What to send for a `Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    Whole,
    /// `len` bytes from `offset` (both within the document).
    Part {
        offset: u64,
        len: u64,
    },
    Unsatisfiable,
}

/// Decides what to serve for the header value `range` (None: no header) of a `size`-byte document.
pub fn serve(range: Option<&str>, size: u64) -> Served {
    let Some(spec) = range.and_then(single_byte_range) else {
        return Served::Whole;
    };
    match spec {
        Spec::From { first, last } => {
            if first >= size {
                return Served::Unsatisfiable;
            }
            let last = last.map_or(size - 1, |l| l.min(size - 1));
            Served::Part {
                offset: first,
                len: last - first + 1,
            }
        }
        Spec::Suffix(n) => {
            if n == 0 || size == 0 {
                return Served::Unsatisfiable;
            }
            let len = n.min(size);
            Served::Part {
                offset: size - len,
                len,
            }
        }
    }
}

enum Spec {
    /// `first-` or `first-last`.
    From { first: u64, last: Option<u64> },
    /// `-n`: the last n bytes.
    Suffix(u64),
}

/// The one range of a `bytes=` header; None when the header is not a single, well-formed byte range.
fn single_byte_range(header: &str) -> Option<Spec> {
    let (unit, set) = header.trim().split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") || set.contains(',') {
        return None;
    }
    let (a, b) = set.trim().split_once('-')?;
    let num = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (a.trim(), b.trim()) {
        ("", n) => num(n).map(Spec::Suffix),
        (f, "") => num(f).map(|first| Spec::From { first, last: None }),
        (f, l) => {
            let (first, last) = (num(f)?, num(l)?);
            (first <= last).then_some(Spec::From {
                first,
                last: Some(last),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Served, serve};

    fn part(offset: u64, len: u64) -> Served {
        Served::Part { offset, len }
    }

    #[test]
    fn single_ranges_of_every_form() {
        assert_eq!(serve(Some("bytes=0-0"), 10), part(0, 1));
        assert_eq!(serve(Some("bytes=2-5"), 10), part(2, 4));
        assert_eq!(serve(Some("bytes=7-"), 10), part(7, 3));
        assert_eq!(serve(Some("bytes=-3"), 10), part(7, 3));
        assert_eq!(serve(Some("Bytes = 2-5"), 10), part(2, 4));
        // A last byte past the end, or a suffix longer than the document, is cut to the document.
        assert_eq!(serve(Some("bytes=8-100"), 10), part(8, 2));
        assert_eq!(serve(Some("bytes=-100"), 10), part(0, 10));
    }

    #[test]
    fn past_the_end_is_unsatisfiable() {
        assert_eq!(serve(Some("bytes=10-"), 10), Served::Unsatisfiable);
        assert_eq!(serve(Some("bytes=10-20"), 10), Served::Unsatisfiable);
        assert_eq!(serve(Some("bytes=-0"), 10), Served::Unsatisfiable);
        assert_eq!(serve(Some("bytes=0-"), 0), Served::Unsatisfiable);
        assert_eq!(serve(Some("bytes=-5"), 0), Served::Unsatisfiable);
    }

    #[test]
    fn anything_else_is_the_whole_document() {
        for h in [
            "bytes=5-2",
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=a-b",
            "bytes=-",
            "bytes=+1-2",
            "bytes=99999999999999999999999-",
            "",
        ] {
            assert_eq!(serve(Some(h), 10), Served::Whole, "{h}");
        }
        assert_eq!(serve(None, 10), Served::Whole);
    }
}
