//! Building IPP requests and reading IPP responses on top of the `ipp` crate's codec.
//!
//! The crate's request constructor only takes its own `Operation` enum, which has no INFRA or subscription
//! operations; a request here is therefore built as a charset/language-prefixed message whose header then
//! carries the raw operation code (`IppHeader::operation_or_status` is a plain `i16`).

use crate::error::{Error, Result};
use bytes::Bytes;
use ipp::attribute::{IppAttribute, IppAttributeGroup, IppAttributes};
use ipp::model::{DelimiterTag, IppVersion, StatusCode};
use ipp::parser::IppParser;
use ipp::reader::IppReader;
use ipp::request::IppRequestResponse;
use ipp::value::{BoundedString, IppTextValue, IppValue};

/// Cuts `s` to at most `max` bytes on a character boundary (the `ipp` crate's own truncation panics
/// when the cut falls inside a UTF-8 sequence).
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

fn bounded<const MAX: usize>(s: &str) -> BoundedString<MAX> {
    BoundedString::new_truncated(clip(s, MAX))
}

/// Value constructors that never fail: over-long strings are clipped, which IPP allows for names and text.
pub mod v {
    use super::*;

    pub fn keyword(s: &str) -> IppValue {
        IppValue::Keyword(bounded(s))
    }
    pub fn keywords<S: AsRef<str>>(items: &[S]) -> IppValue {
        list(items.iter().map(|s| keyword(s.as_ref())).collect())
    }
    pub fn name(s: &str) -> IppValue {
        IppValue::NameWithoutLanguage(bounded(s))
    }
    pub fn text(s: &str) -> IppValue {
        // A clipped string is at most 1023 bytes, which IppTextValue always accepts.
        IppTextValue::new(clip(s, 1023))
            .map(IppValue::TextWithoutLanguage)
            .unwrap_or(IppValue::NoValue)
    }
    pub fn uri(s: &str) -> IppValue {
        IppValue::Uri(bounded(s))
    }
    pub fn mime(s: &str) -> IppValue {
        IppValue::MimeMediaType(bounded(s))
    }
    pub fn mimes<S: AsRef<str>>(items: &[S]) -> IppValue {
        list(items.iter().map(|s| mime(s.as_ref())).collect())
    }
    pub fn integer(i: i32) -> IppValue {
        IppValue::Integer(i)
    }
    pub fn integers(items: &[i32]) -> IppValue {
        list(items.iter().map(|i| IppValue::Integer(*i)).collect())
    }
    pub fn enumv(i: i32) -> IppValue {
        IppValue::Enum(i)
    }
    pub fn enums(items: &[i32]) -> IppValue {
        list(items.iter().map(|i| IppValue::Enum(*i)).collect())
    }
    pub fn boolean(b: bool) -> IppValue {
        IppValue::Boolean(b)
    }
    /// A 1setOf value; a single member is written as a plain value (the same bytes on the wire).
    pub fn list(mut items: Vec<IppValue>) -> IppValue {
        if items.len() == 1 {
            items.remove(0)
        } else {
            IppValue::Array(items)
        }
    }
}

/// An IPP request under construction.
pub struct Request {
    msg: IppRequestResponse,
}

impl Request {
    /// A request for operation `op` with `attributes-charset`, `attributes-natural-language` and
    /// `printer-uri` already in the operation group.
    pub fn new(op: u16, request_id: i32, printer_uri: &str) -> Result<Self> {
        let mut msg =
            IppRequestResponse::new_response(IppVersion::v2_0(), StatusCode::SuccessfulOk, request_id)
                .map_err(|e| Error::Other(format!("building an IPP request: {e}")))?;
        // Operation codes are at most 0x7FFF, so the cast is exact.
        msg.header_mut().operation_or_status = op as i16;
        let mut r = Request { msg };
        r.op("printer-uri", v::uri(printer_uri));
        Ok(r)
    }

    pub fn op_code(&self) -> u16 {
        self.msg.header().operation_or_status as u16
    }

    pub fn add(&mut self, group: DelimiterTag, name: &str, value: IppValue) -> &mut Self {
        if !matches!(value, IppValue::NoValue) {
            self.msg
                .attributes_mut()
                .add(group, IppAttribute::new(bounded::<255>(name), value));
        }
        self
    }

    pub fn op(&mut self, name: &str, value: IppValue) -> &mut Self {
        self.add(DelimiterTag::OperationAttributes, name, value)
    }

    pub fn job(&mut self, name: &str, value: IppValue) -> &mut Self {
        self.add(DelimiterTag::JobAttributes, name, value)
    }

    /// Appends a whole attribute to a group (used to forward the local printer's attributes verbatim).
    pub fn push(&mut self, group: DelimiterTag, attr: IppAttribute) -> &mut Self {
        self.msg.attributes_mut().add(group, attr);
        self
    }

    /// The encoded message (header and attributes, without document data).
    pub fn to_bytes(&self) -> Bytes {
        self.msg.to_bytes()
    }
}

/// A decoded IPP response (attributes only; document data, if any, is handled by the caller).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub attrs: IppAttributes,
}

impl Response {
    pub fn parse(body: &[u8], peer: &'static str) -> Result<Self> {
        let (header, attrs, _rest) = IppParser::new(IppReader::new(std::io::Cursor::new(body.to_vec())))
            .parse_parts()
            .map_err(|e| Error::protocol(peer, format!("IPP response: {e}")))?;
        Ok(Self::from_parts(&header, attrs))
    }

    pub fn from_parts(header: &ipp::IppHeader, attrs: IppAttributes) -> Self {
        Response {
            status: header.operation_or_status as u16,
            attrs,
        }
    }

    pub fn group(&self, tag: DelimiterTag) -> Option<&IppAttributeGroup> {
        self.attrs.groups_of(tag).next()
    }

    pub fn groups(&self, tag: DelimiterTag) -> impl Iterator<Item = &IppAttributeGroup> {
        self.attrs.groups_of(tag)
    }

    pub fn op_group(&self) -> Option<&IppAttributeGroup> {
        self.group(DelimiterTag::OperationAttributes)
    }

    pub fn status_message(&self) -> String {
        self.op_group()
            .and_then(|g| string(g, "status-message"))
            .unwrap_or_default()
    }

    /// `Err(Error::Ipp)` unless the status-code is a success.
    pub fn into_success(self, peer: &'static str, op: u16) -> Result<Self> {
        if crate::codes::status::is_success(self.status) {
            Ok(self)
        } else {
            Err(Error::Ipp {
                peer,
                op,
                status: self.status,
                message: self.status_message(),
            })
        }
    }
}

/// The members of a value: the items of a 1setOf, or the value itself.
pub fn members(value: &IppValue) -> Vec<&IppValue> {
    match value {
        IppValue::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

pub fn value_string(value: &IppValue) -> Option<String> {
    Some(match value {
        IppValue::Keyword(s)
        | IppValue::NameWithoutLanguage(s)
        | IppValue::MimeMediaType(s)
        | IppValue::MemberAttrName(s) => s.as_str().to_string(),
        IppValue::TextWithoutLanguage(t) => t.to_string(),
        IppValue::TextWithLanguage { text, .. } => text.to_string(),
        IppValue::NameWithLanguage { name, .. } => name.as_str().to_string(),
        IppValue::Uri(s) | IppValue::UriScheme(s) => s.as_str().to_string(),
        IppValue::Charset(s) | IppValue::NaturalLanguage(s) => s.as_str().to_string(),
        _ => return None,
    })
}

pub fn value_int(value: &IppValue) -> Option<i32> {
    match value {
        IppValue::Integer(i) | IppValue::Enum(i) => Some(*i),
        _ => None,
    }
}

pub fn get<'a>(group: &'a IppAttributeGroup, name: &str) -> Option<&'a IppValue> {
    group.get(name).map(IppAttribute::value)
}

pub fn int(group: &IppAttributeGroup, name: &str) -> Option<i32> {
    get(group, name).and_then(|v| members(v).first().and_then(|m| value_int(m)))
}

pub fn ints(group: &IppAttributeGroup, name: &str) -> Vec<i32> {
    get(group, name)
        .map(|v| members(v).into_iter().filter_map(value_int).collect())
        .unwrap_or_default()
}

pub fn string(group: &IppAttributeGroup, name: &str) -> Option<String> {
    get(group, name).and_then(|v| members(v).first().and_then(|m| value_string(m)))
}

pub fn strings(group: &IppAttributeGroup, name: &str) -> Vec<String> {
    get(group, name)
        .map(|v| members(v).into_iter().filter_map(value_string).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::op;

    #[test]
    fn raw_operation_code_and_required_attributes_come_first() {
        let mut r = Request::new(op::FETCH_JOB, 7, "ipp://h/ipp/print/p").unwrap();
        r.op("output-device-uuid", v::uri("urn:uuid:1"));
        r.op("job-id", v::integer(42));
        let b = r.to_bytes();
        assert_eq!(&b[0..2], &[2, 0], "IPP/2.0");
        assert_eq!(&b[2..4], &[0x00, 0x43], "Fetch-Job");
        assert_eq!(&b[4..8], &7i32.to_be_bytes());
        let parsed = Response::parse(&b, "test").unwrap();
        let g = parsed.op_group().unwrap();
        let names: Vec<&str> = g.attributes().iter().map(|a| a.name().as_str()).collect();
        assert_eq!(
            names,
            [
                "attributes-charset",
                "attributes-natural-language",
                "printer-uri",
                "job-id",
                "output-device-uuid"
            ]
        );
        assert_eq!(int(g, "job-id"), Some(42));
    }

    #[test]
    fn sets_round_trip_and_single_members_read_as_lists() {
        let mut r = Request::new(op::UPDATE_ACTIVE_JOBS, 1, "ipp://h/p").unwrap();
        r.op("job-ids", v::integers(&[3, 4, 5]));
        r.op("output-device-job-states", v::enums(&[5]));
        r.op(
            "notify-events",
            v::keywords(&["job-fetchable", "job-state-changed"]),
        );
        let parsed = Response::parse(&r.to_bytes(), "test").unwrap();
        let g = parsed.op_group().unwrap();
        assert_eq!(ints(g, "job-ids"), [3, 4, 5]);
        assert_eq!(ints(g, "output-device-job-states"), [5]);
        assert_eq!(
            strings(g, "notify-events"),
            ["job-fetchable", "job-state-changed"]
        );
    }

    #[test]
    fn clipping_respects_character_boundaries() {
        let s = "é".repeat(200); // 400 bytes
        let c = clip(&s, 255);
        assert_eq!(c.len(), 254);
        assert!(c.chars().all(|ch| ch == 'é'));
        // Through the value constructors too: no panic, valid UTF-8.
        assert!(matches!(v::name(&s), IppValue::NameWithoutLanguage(n) if n.len() == 254));
    }

    #[test]
    fn failure_statuses_become_errors_with_the_message() {
        let mut r = Request::new(op::ACKNOWLEDGE_JOB, 1, "ipp://h/p").unwrap();
        r.op("status-message", v::text("taken by another device"));
        let mut resp = Response::parse(&r.to_bytes(), "test").unwrap();
        resp.status = crate::codes::status::CLIENT_ERROR_NOT_FETCHABLE;
        let e = resp.into_success("server", op::ACKNOWLEDGE_JOB).unwrap_err();
        assert_eq!(e.ipp_status(), Some(0x0420));
        assert!(e.to_string().contains("taken by another device"));
        assert!(!e.is_transient());
    }
}
