#![allow(clippy::unwrap_used)]

use super::*;
use crate::message::{as_int, as_text};

/// RFC 8010 encoding of one attribute's first value.
fn attr(out: &mut Vec<u8>, tag: u8, name: &str, value: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&(name.len() as u16).to_be_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    out.extend_from_slice(value);
}

fn request(groups: &[u8]) -> Vec<u8> {
    let mut m = vec![2, 0, 0, 0x0b, 0, 0, 0, 9, 0x01];
    attr(&mut m, 0x47, "attributes-charset", b"utf-8");
    attr(&mut m, 0x48, "attributes-natural-language", b"en");
    m.extend_from_slice(groups);
    m
}

/// The bytes of issue 9 item 9: a textWithLanguage (0x35) value of 7 bytes whose inner text length (0x00ff)
/// runs past the value.
fn text_with_language_overrun() -> Vec<u8> {
    let mut g = vec![0x04];
    attr(
        &mut g,
        0x35,
        "printer-info",
        &[0x00, 0x02, b'e', b'n', 0x00, 0xff, b'x'],
    );
    g.push(0x03);
    request(&g)
}

/// The reproduction: the `ipp` crate's parser, which both front ends used, panics on these bytes ("range end
/// index 255 out of range for slice of length 1" in `ipp::value::get_len_string`). If a new `ipp` release
/// fixes it, this test says so and the reason for our own framing is gone.
#[test]
fn the_ipp_crate_parser_panics_on_a_text_with_language_overrun() {
    let bytes = text_with_language_overrun();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(|| {
        ipp::parser::IppParser::new(ipp::reader::IppReader::new(std::io::Cursor::new(bytes))).parse()
    });
    std::panic::set_hook(hook);
    assert!(outcome.is_err(), "the ipp crate no longer panics here");
}

#[test]
fn a_text_with_language_overrun_is_an_error() {
    let e = parse(&text_with_language_overrun()).err().unwrap();
    assert!(e.reason.contains("withLanguage"), "{e}");
    assert_eq!(e.header.unwrap().request_id, 9);
}

#[test]
fn a_well_formed_request_parses() {
    let mut g = vec![0x04];
    attr(&mut g, 0x21, "copies-default", &2i32.to_be_bytes());
    attr(&mut g, 0x44, "sides-supported", b"one-sided");
    attr(&mut g, 0x44, "", b"two-sided-long-edge");
    attr(
        &mut g,
        0x35,
        "printer-info",
        &[0x00, 0x02, b'e', b'n', 0x00, 0x02, b'h', b'i'],
    );
    g.push(0x03);
    g.extend_from_slice(b"%PDF");
    let bytes = request(&g);
    let p = parse(&bytes).unwrap();
    assert_eq!(p.data, b"%PDF");
    let printer = crate::message::group(&p.message, DelimiterTag::PrinterAttributes).unwrap();
    let names: Vec<&str> = printer.attributes().iter().map(|a| a.name().as_str()).collect();
    assert_eq!(names, ["copies-default", "sides-supported", "printer-info"]);
    let sides = &printer.attributes()[1];
    assert_eq!(
        crate::message::values(sides.value())
            .into_iter()
            .filter_map(as_text)
            .collect::<Vec<_>>(),
        ["one-sided", "two-sided-long-edge"]
    );
    assert_eq!(as_int(printer.attributes()[0].value()), Some(2));
    assert_eq!(as_text(printer.attributes()[2].value()).as_deref(), Some("hi"));
}

/// media-col { media-size { x-dimension, y-dimension }, media-source } with a two-valued member: RFC 8010
/// §3.1.6, as CUPS writes it.
fn media_col(g: &mut Vec<u8>) {
    attr(g, 0x34, "media-col-default", b"");
    attr(g, 0x4a, "", b"media-size");
    attr(g, 0x34, "", b"");
    attr(g, 0x4a, "", b"x-dimension");
    attr(g, 0x21, "", &21000i32.to_be_bytes());
    attr(g, 0x4a, "", b"y-dimension");
    attr(g, 0x21, "", &29700i32.to_be_bytes());
    attr(g, 0x37, "", b"");
    attr(g, 0x4a, "", b"media-type");
    attr(g, 0x44, "", b"stationery");
    attr(g, 0x44, "", b"labels");
    attr(g, 0x37, "", b"");
}

#[test]
fn collections_nest_and_members_keep_all_their_values() {
    let mut g = vec![0x04];
    media_col(&mut g);
    g.push(0x03);
    let bytes = request(&g);
    let p = parse(&bytes).unwrap();
    let printer = crate::message::group(&p.message, DelimiterTag::PrinterAttributes).unwrap();
    let IppValue::Collection(col) = printer.attributes()[0].value() else {
        panic!("not a collection")
    };
    let IppValue::Collection(size) = &col[&IppName::new("media-size").unwrap()] else {
        panic!("media-size is not a collection")
    };
    assert_eq!(as_int(&size[&IppName::new("y-dimension").unwrap()]), Some(29700));
    assert!(matches!(
        &col[&IppName::new("media-type").unwrap()],
        IppValue::Array(v) if v.len() == 2
    ));
}

fn malformed(groups: &[u8]) -> String {
    parse(&request(groups)).err().unwrap().reason
}

#[test]
fn every_structural_fault_is_an_error() {
    let mut g = vec![0x04];
    attr(&mut g, 0x21, "copies-default", &[0, 0, 2]);
    g.push(0x03);
    assert!(malformed(&g).contains("integer"));

    let mut g = vec![0x04];
    attr(&mut g, 0x44, "", b"orphan");
    g.push(0x03);
    assert!(malformed(&g).contains("follows no attribute"));

    let mut g = vec![0x04];
    attr(&mut g, 0x4a, "media-col", b"media-size");
    g.push(0x03);
    assert!(malformed(&g).contains("outside a collection"));

    let mut g = vec![0x04];
    attr(&mut g, 0x37, "media-col", b"");
    g.push(0x03);
    assert!(malformed(&g).contains("outside a collection"));

    let mut g = vec![0x04];
    attr(&mut g, 0x34, "media-col", b"");
    attr(&mut g, 0x4a, "", b"media-size");
    g.push(0x03);
    assert!(malformed(&g).contains("inside a collection"));

    let mut g = vec![0x04];
    attr(&mut g, 0x34, "media-col", b"");
    attr(&mut g, 0x4a, "", b"media-size");
    attr(&mut g, 0x37, "", b"");
    g.push(0x03);
    assert!(malformed(&g).contains("has no value"));

    let mut g = vec![0x04];
    attr(&mut g, 0x34, "media-col", b"");
    attr(&mut g, 0x21, "", &1i32.to_be_bytes());
    attr(&mut g, 0x37, "", b"");
    g.push(0x03);
    assert!(malformed(&g).contains("no memberAttrName"));

    let mut g = vec![0x04];
    for depth in 0..=MAX_COLLECTION_DEPTH {
        attr(&mut g, 0x34, if depth == 0 { "deep" } else { "" }, b"");
        attr(&mut g, 0x4a, "", b"inner");
    }
    assert!(malformed(&g).contains("nested"));

    assert!(malformed(&[0x0f, 0x03]).contains("reserved delimiter"));
    assert!(malformed(&[0x04, 0x7f]).contains("unsupported value tag"));
    assert!(malformed(&[0x04, 0x44, 0x00, 0x05, b'a']).contains("ends inside"));
    assert!(malformed(&[0x04]).contains("end-of-attributes"));
    assert!(parse(&[2, 0, 0]).err().unwrap().header.is_none());
    // A value before any group tag.
    let mut m = vec![2, 0, 0, 0x0b, 0, 0, 0, 1];
    attr(&mut m, 0x44, "which-jobs", b"all");
    m.push(0x03);
    assert!(
        parse(&m)
            .err()
            .unwrap()
            .reason
            .contains("before any attribute group")
    );
}

#[test]
fn too_many_values_is_an_error() {
    let mut g = vec![0x04];
    attr(&mut g, 0x13, "a", b"");
    for _ in 0..MAX_VALUES {
        attr(&mut g, 0x13, "", b"");
    }
    g.push(0x03);
    assert!(malformed(&g).contains("more than"));
}
