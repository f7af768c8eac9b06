//! The parser is total: random bytes, and valid messages bit-flipped, truncated, with length fields corrupted,
//! bytes inserted, deleted or spliced, each give Ok or a clean error, never a panic. Valid messages (built
//! here by an encoder independent of the `ipp` crate) parse, and what they parse to re-encodes and parses
//! again (the path of the printer attributes Platen stores). Every case runs under `catch_unwind`, so a panic
//! is reported with the input that caused it rather than aborting the run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use platen_ipp_model::parse;
use platen_ipp_model::printer::{printer_attributes, serialise, stored_attributes};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A value as the generator builds it: a tag and its bytes, or a collection of named members.
#[derive(Debug, Clone)]
enum V {
    Plain(u8, Vec<u8>),
    Collection(Vec<(String, Vec<V>)>),
}

fn len16(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u16).to_be_bytes());
    out.extend_from_slice(b);
}

fn encode_value(out: &mut Vec<u8>, name: &str, v: &V) {
    match v {
        V::Plain(tag, bytes) => {
            out.push(*tag);
            len16(out, name.as_bytes());
            len16(out, bytes);
        }
        V::Collection(members) => {
            out.push(0x34);
            len16(out, name.as_bytes());
            len16(out, b"");
            for (member, values) in members {
                out.push(0x4a);
                len16(out, b"");
                len16(out, member.as_bytes());
                for v in values {
                    encode_value(out, "", v);
                }
            }
            out.push(0x37);
            len16(out, b"");
            len16(out, b"");
        }
    }
}

type Group = (u8, Vec<(String, Vec<V>)>);

fn encode(version: u16, op: i16, id: i32, groups: &[Group], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&op.to_be_bytes());
    out.extend_from_slice(&id.to_be_bytes());
    for (tag, attrs) in groups {
        out.push(*tag);
        for (name, values) in attrs {
            for (i, v) in values.iter().enumerate() {
                encode_value(&mut out, if i == 0 { name } else { "" }, v);
            }
        }
    }
    out.push(0x03);
    out.extend_from_slice(data);
    out
}

fn keyword() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,20}"
}

fn text(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(0x20u8..0x7f, 0..max)
}

fn with_language() -> impl Strategy<Value = Vec<u8>> {
    ("[a-z]{2}(-[a-z]{2})?", text(60)).prop_map(|(lang, t)| {
        let mut b = Vec::new();
        len16(&mut b, lang.as_bytes());
        len16(&mut b, &t);
        b
    })
}

fn plain() -> impl Strategy<Value = V> {
    prop_oneof![
        any::<i32>().prop_map(|i| V::Plain(0x21, i.to_be_bytes().to_vec())),
        any::<i32>().prop_map(|i| V::Plain(0x23, i.to_be_bytes().to_vec())),
        any::<bool>().prop_map(|b| V::Plain(0x22, vec![u8::from(b)])),
        (any::<i32>(), any::<i32>()).prop_map(|(a, b)| {
            let mut v = a.to_be_bytes().to_vec();
            v.extend_from_slice(&b.to_be_bytes());
            V::Plain(0x33, v)
        }),
        (any::<i32>(), any::<i32>(), 3u8..5).prop_map(|(a, b, u)| {
            let mut v = a.to_be_bytes().to_vec();
            v.extend_from_slice(&b.to_be_bytes());
            v.push(u);
            V::Plain(0x32, v)
        }),
        proptest::collection::vec(any::<u8>(), 11..=11).prop_map(|b| V::Plain(0x31, b)),
        keyword().prop_map(|k| V::Plain(0x44, k.into_bytes())),
        text(100).prop_map(|t| V::Plain(0x41, t)),
        text(100).prop_map(|t| V::Plain(0x42, t)),
        with_language().prop_map(|b| V::Plain(0x35, b)),
        with_language().prop_map(|b| V::Plain(0x36, b)),
        text(60).prop_map(|t| V::Plain(0x45, t)),
        Just(V::Plain(0x47, b"utf-8".to_vec())),
        Just(V::Plain(0x48, b"en".to_vec())),
        Just(V::Plain(0x49, b"application/pdf".to_vec())),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(|b| V::Plain(0x30, b)),
        Just(V::Plain(0x13, vec![])),
        Just(V::Plain(0x10, vec![])),
    ]
}

fn value() -> impl Strategy<Value = V> {
    plain().prop_recursive(3, 24, 4, |inner| {
        proptest::collection::vec((keyword(), proptest::collection::vec(inner, 1..3)), 0..4)
            .prop_map(V::Collection)
    })
}

fn groups() -> impl Strategy<Value = Vec<Group>> {
    proptest::collection::vec(
        (
            prop_oneof![Just(1u8), Just(2), Just(4), Just(5), Just(6), Just(7)],
            proptest::collection::vec((keyword(), proptest::collection::vec(value(), 1..4)), 0..6),
        ),
        0..4,
    )
}

fn message() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![Just(0x0101u16), Just(0x0200), Just(0x0201), any::<u16>()],
        any::<i16>(),
        any::<i32>(),
        groups(),
        proptest::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(|(version, op, id, groups, data)| encode(version, op, id, &groups, &data))
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(usize, u8),
    Truncate(usize),
    /// Overwrite two bytes with a length: lengths are u16 fields all over RFC 8010.
    Length(usize, u16),
    Insert(usize, u8),
    Delete(usize),
    SetByte(usize, u8),
    /// Copy a range onto another place (tags and lengths from elsewhere in the message).
    Splice(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        (at, 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        at.prop_map(Mutation::Truncate),
        (
            at,
            prop_oneof![Just(0u16), Just(1), Just(0xff), Just(0xffff), any::<u16>()]
        )
            .prop_map(|(i, l)| Mutation::Length(i, l)),
        (at, any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        at.prop_map(Mutation::Delete),
        (
            at,
            prop_oneof![
                Just(0x03u8),
                Just(0x34),
                Just(0x35),
                Just(0x36),
                Just(0x37),
                Just(0x4a),
                any::<u8>()
            ]
        )
            .prop_map(|(i, b)| Mutation::SetByte(i, b)),
        (at, at, 1usize..16).prop_map(|(a, b, n)| Mutation::Splice(a, b, n)),
    ]
}

fn mutate(mut m: Vec<u8>, ops: &[Mutation]) -> Vec<u8> {
    for op in ops {
        if m.is_empty() {
            break;
        }
        let n = m.len();
        match *op {
            Mutation::FlipBit(i, b) => m[i % n] ^= 1 << b,
            Mutation::Truncate(i) => m.truncate(i % n),
            Mutation::Length(i, l) => {
                let i = i % n;
                let bytes = l.to_be_bytes();
                m[i] = bytes[0];
                if i + 1 < n {
                    m[i + 1] = bytes[1];
                }
            }
            Mutation::Insert(i, b) => m.insert(i % (n + 1), b),
            Mutation::Delete(i) => {
                m.remove(i % n);
            }
            Mutation::SetByte(i, b) => m[i % n] = b,
            Mutation::Splice(from, to, len) => {
                let from = from % n;
                let len = len.min(n - from);
                let chunk = m[from..from + len].to_vec();
                let to = to % n;
                for (k, b) in chunk.into_iter().enumerate() {
                    if to + k < n {
                        m[to + k] = b;
                    }
                }
            }
        }
    }
    m
}

/// Runs every entry point on `bytes`; a panic fails with the input. Ok(true) when the message parsed.
fn total(bytes: &[u8]) -> Result<bool, TestCaseError> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let parsed = parse(bytes).is_ok();
        // The Graph PATCH decoder: bare groups too (first byte 0x04).
        let _ = printer_attributes(bytes);
        if let Ok(attrs) = printer_attributes(&bytes[bytes.len().min(8)..]) {
            // What the PATCH stores is read back by the INFRA endpoint and the next PATCH.
            let stored = serialise(&attrs).expect("serialise");
            let _ = stored_attributes(&serde_json::json!({ "ipp": stored }));
        }
        parsed
    }));
    outcome.map_err(|_| TestCaseError::fail(format!("panicked on {bytes:02x?}")))
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

fn quiet_panics() {
    // The cases run under catch_unwind; a panic message per case would drown the report.
    std::panic::set_hook(Box::new(|_| {}));
}

#[test]
fn valid_messages_parse_and_survive_a_round_trip() {
    quiet_panics();
    let parsed = AtomicUsize::new(0);
    runner(2000)
        .run(&message(), |m| {
            prop_assert!(
                total(&m)?,
                "a valid message did not parse: {:02x?}",
                parse(&m).err()
            );
            // Re-encode what was parsed and parse that again: the same attributes come back.
            let p = parse(&m).unwrap();
            let mut again = ipp::request::IppRequestResponse::new_response(
                ipp::model::IppVersion::v2_0(),
                ipp::model::StatusCode::SuccessfulOk,
                1,
            )
            .unwrap();
            *again.attributes_mut() = p.message.attributes().clone();
            let bytes = platen_ipp_model::encode::to_bytes(&again);
            let reparsed = parse(&bytes);
            prop_assert!(
                reparsed.is_ok(),
                "re-encoded message did not parse: {:?}",
                reparsed.as_ref().err()
            );
            let names = |a: &ipp::prelude::IppAttributes| {
                a.groups()
                    .iter()
                    .filter(|g| g.tag() != ipp::model::DelimiterTag::OperationAttributes)
                    .map(|g| {
                        (
                            g.tag() as u8,
                            g.attributes()
                                .iter()
                                .map(|x| (x.name().to_string(), x.value().clone()))
                                .collect::<Vec<_>>(),
                        )
                    })
                    .collect::<Vec<_>>()
            };
            prop_assert_eq!(
                names(reparsed.unwrap().message.attributes()),
                names(p.message.attributes())
            );
            parsed.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
        .unwrap();
    eprintln!(
        "valid messages parsed and round-tripped: {}",
        parsed.load(Ordering::Relaxed)
    );
}

#[test]
fn mutated_messages_never_panic() {
    quiet_panics();
    let (cases, ok) = (AtomicUsize::new(0), AtomicUsize::new(0));
    runner(10_000)
        .run(
            &(message(), proptest::collection::vec(mutation(), 1..4)),
            |(m, ops)| {
                let m = mutate(m, &ops);
                if total(&m)? {
                    ok.fetch_add(1, Ordering::Relaxed);
                }
                cases.fetch_add(1, Ordering::Relaxed);
                Ok(())
            },
        )
        .unwrap();
    eprintln!(
        "mutated messages: {} cases, {} still parsed, the rest clean errors",
        cases.load(Ordering::Relaxed),
        ok.load(Ordering::Relaxed)
    );
}

#[test]
fn random_bytes_never_panic() {
    quiet_panics();
    let cases = AtomicUsize::new(0);
    // Raw bytes, and raw bytes after a plausible header and group tag so the walk gets past the start.
    let bytes = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|b| {
            let mut m = vec![2, 0, 0, 0x0b, 0, 0, 0, 1, 0x04];
            m.extend(b);
            m
        }),
    ];
    runner(10_000)
        .run(&bytes, |b| {
            total(&b)?;
            cases.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
        .unwrap();
    eprintln!("random byte strings: {}", cases.load(Ordering::Relaxed));
}

/// Exhaustive over one realistic request (an INFRA Update-Output-Device-Attributes with a media-col and a
/// textWithLanguage): every single-bit flip, every truncation, and every position overwritten with the
/// lengths 0, 0xff and 0xffff.
#[test]
fn every_bit_flip_and_truncation_of_a_real_request_is_total() {
    quiet_panics();
    let member = |name: &str, v: V| (name.to_string(), vec![v]);
    let media_size = V::Collection(vec![
        member("x-dimension", V::Plain(0x21, 21000i32.to_be_bytes().to_vec())),
        member("y-dimension", V::Plain(0x21, 29700i32.to_be_bytes().to_vec())),
    ]);
    let mut lang = Vec::new();
    len16(&mut lang, b"en");
    len16(&mut lang, b"Ready to print");
    let groups: Vec<Group> = vec![
        (
            1,
            vec![
                member("attributes-charset", V::Plain(0x47, b"utf-8".to_vec())),
                member("attributes-natural-language", V::Plain(0x48, b"en".to_vec())),
            ],
        ),
        (
            4,
            vec![
                member("printer-state", V::Plain(0x23, 3i32.to_be_bytes().to_vec())),
                member("printer-state-message", V::Plain(0x35, lang)),
                (
                    "sides-supported".into(),
                    vec![
                        V::Plain(0x44, b"one-sided".to_vec()),
                        V::Plain(0x44, b"two-sided-long-edge".to_vec()),
                    ],
                ),
                member(
                    "media-col-default",
                    V::Collection(vec![
                        member("media-size", media_size),
                        member("media-type", V::Plain(0x44, b"stationery".to_vec())),
                    ]),
                ),
            ],
        ),
    ];
    let m = encode(0x0200, 0x0049, 7, &groups, b"");
    assert!(total(&m).unwrap());
    let mut cases = 0usize;
    for i in 0..m.len() {
        for bit in 0..8 {
            let mut f = m.clone();
            f[i] ^= 1 << bit;
            total(&f).unwrap();
            cases += 1;
        }
        total(&m[..i]).unwrap();
        cases += 1;
        for l in [0u16, 0xff, 0xffff] {
            total(&mutate(m.clone(), &[Mutation::Length(i, l)])).unwrap();
            cases += 1;
        }
    }
    eprintln!("exhaustive mutations of a {}-byte request: {cases}", m.len());
}
