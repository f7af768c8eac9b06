//! Writing a message (RFC 8010 §3.1), the inverse of [`crate::parse`]. It lays groups out as the `ipp`
//! crate's `to_bytes` does (the operation group first, with attributes-charset, attributes-natural-language,
//! printer-uri and job-id at its head) but tags each value with its own type: the `ipp` crate tags every
//! value of a set with the first value's tag, so a mixed set such as `number-up-supported` (integer and
//! rangeOfInteger) or `media-supported` (keyword and name) came out mis-tagged, and some of those no longer
//! parse. Printer attributes Platen stores go through here, so what a device reported reads back whole.

use ipp::model::DelimiterTag;
use ipp::prelude::{IppAttribute, IppAttributes, IppHeader, IppRequestResponse, IppValue};

/// The header and attributes of `message` (not its payload).
pub fn to_bytes(message: &IppRequestResponse) -> Vec<u8> {
    let mut out = Vec::new();
    header(&mut out, message.header());
    attributes(&mut out, message.attributes());
    out
}

fn header(out: &mut Vec<u8>, h: &IppHeader) {
    out.extend_from_slice(&h.version.0.to_be_bytes());
    out.extend_from_slice(&h.operation_or_status.to_be_bytes());
    out.extend_from_slice(&h.request_id.to_be_bytes());
}

/// RFC 8011 §4.1.4: these lead the operation group, in this order.
const LEADING: [&str; 4] = [
    "attributes-charset",
    "attributes-natural-language",
    "printer-uri",
    "job-id",
];

fn attributes(out: &mut Vec<u8>, attrs: &IppAttributes) {
    out.push(DelimiterTag::OperationAttributes as u8);
    if let Some(op) = attrs.groups_of(DelimiterTag::OperationAttributes).next() {
        let list = op.attributes();
        for lead in LEADING {
            // The last one of a name, as the `ipp` crate picks it.
            if let Some(a) = list.iter().rev().find(|a| a.name().as_str() == lead) {
                attribute(out, a);
            }
        }
        for a in list.iter().filter(|a| !LEADING.contains(&a.name().as_str())) {
            attribute(out, a);
        }
    }
    for g in attrs
        .groups()
        .iter()
        .filter(|g| g.tag() != DelimiterTag::OperationAttributes)
    {
        out.push(g.tag() as u8);
        for a in g.attributes() {
            attribute(out, a);
        }
    }
    out.push(DelimiterTag::EndOfAttributes as u8);
}

fn attribute(out: &mut Vec<u8>, a: &IppAttribute) {
    values(out, a.name().as_bytes(), a.value());
}

/// A value or a set of them: the first carries the name, the others an empty one (additional values). An
/// empty set writes nothing rather than a tag with no value.
fn values(out: &mut Vec<u8>, name: &[u8], v: &IppValue) {
    match v {
        IppValue::Array(items) => {
            let mut name = name;
            for item in items {
                values(out, name, item);
                name = b"";
            }
        }
        one => value(out, name, one),
    }
}

fn value(out: &mut Vec<u8>, name: &[u8], v: &IppValue) {
    match v {
        IppValue::Collection(members) => {
            out.push(ipp::model::ValueTag::BegCollection as u8);
            field(out, name);
            field(out, b"");
            for (member, mv) in members {
                if matches!(mv, IppValue::Array(items) if items.is_empty()) {
                    continue; // a member needs a value; an empty set has none to write
                }
                out.push(ipp::model::ValueTag::MemberAttrName as u8);
                field(out, b"");
                field(out, member.as_bytes());
                values(out, b"", mv);
            }
            out.push(ipp::model::ValueTag::EndCollection as u8);
            field(out, b"");
            field(out, b"");
        }
        plain => {
            out.push(plain.to_tag());
            field(out, name);
            // `to_bytes` of a value that is neither a set nor a collection is value-length + value.
            out.extend_from_slice(&plain.to_bytes());
        }
    }
}

/// A length-prefixed field. Names and values Platen holds are far below 64 KiB (the parser and the `ipp`
/// crate's bounded strings see to it); a longer one is cut rather than written with a wrong length.
fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&bytes[..usize::from(len)]);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::parse;
    use ipp::model::{IppVersion, StatusCode};

    /// `number-up-supported` is 1setOf (integer | rangeOfInteger): each value keeps its own tag, where the
    /// `ipp` crate's encoder writes the range under the integer tag.
    #[test]
    fn a_mixed_set_keeps_each_values_tag() {
        let mut m =
            IppRequestResponse::new_response(IppVersion::v2_0(), StatusCode::SuccessfulOk, 1).unwrap();
        let mixed = IppValue::Array(vec![
            IppValue::Integer(1),
            IppValue::RangeOfInteger { min: 2, max: 16 },
        ]);
        m.attributes_mut().add(
            DelimiterTag::PrinterAttributes,
            IppAttribute::new(
                ipp::value::IppName::new("number-up-supported").unwrap(),
                mixed.clone(),
            ),
        );
        assert!(
            parse(&m.to_bytes()).is_err(),
            "the ipp crate's encoding mis-tags the range"
        );
        let bytes = to_bytes(&m);
        let back = parse(&bytes).unwrap();
        let g = crate::message::group(&back.message, DelimiterTag::PrinterAttributes).unwrap();
        assert_eq!(g.attributes()[0].value(), &mixed);
    }
}
