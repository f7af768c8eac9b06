//! Reading request attributes and building responses on top of the `ipp` crate's codec.

use crate::codes::status;
use ipp::prelude::*;

pub type Value = IppValue;

/// A parsed message without its payload, so it can be shared across awaits.
pub struct Msg {
    header: IppHeader,
    attributes: IppAttributes,
}

impl Msg {
    pub fn from_parts(header: IppHeader, attributes: IppAttributes) -> Self {
        Self { header, attributes }
    }
    pub fn header(&self) -> &IppHeader {
        &self.header
    }
    pub fn attributes(&self) -> &IppAttributes {
        &self.attributes
    }
}

/// An IPP status with a message for `status-message`.
#[derive(Debug, Clone)]
pub struct IppFailure {
    pub status: i16,
    pub message: String,
}

impl IppFailure {
    pub fn new(status: i16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(status::BAD_REQUEST, message)
    }
}

pub type IppResult<T> = Result<T, IppFailure>;

pub fn group(req: &Msg, tag: DelimiterTag) -> Option<&IppAttributeGroup> {
    req.attributes().groups_of(tag).next()
}

pub fn attr<'a>(req: &'a Msg, tag: DelimiterTag, name: &str) -> Option<&'a Value> {
    group(req, tag)
        .and_then(|g| g.attributes().iter().find(|a| a.name().as_str() == name))
        .map(|a| a.value())
}

/// A group's attributes by name (empty when the group is absent).
pub fn attribute_map_of(req: &Msg, tag: DelimiterTag) -> std::collections::BTreeMap<String, Value> {
    group(req, tag)
        .map(crate::mapping::attribute_map)
        .unwrap_or_default()
}

pub fn op_attr<'a>(req: &'a Msg, name: &str) -> Option<&'a Value> {
    attr(req, DelimiterTag::OperationAttributes, name)
}

pub fn as_int(v: &Value) -> Option<i32> {
    match v {
        Value::Integer(i) | Value::Enum(i) => Some(*i),
        _ => None,
    }
}

pub fn as_text(v: &Value) -> Option<String> {
    Some(match v {
        Value::Keyword(k) | Value::MemberAttrName(k) => k.as_str().to_string(),
        Value::Uri(s) | Value::UriScheme(s) => s.as_str().to_string(),
        Value::NameWithoutLanguage(n) => n.as_str().to_string(),
        Value::NameWithLanguage { name, .. } => name.as_str().to_string(),
        Value::TextWithoutLanguage(t) => t.as_ref().to_string(),
        Value::TextWithLanguage { text, .. } => text.as_ref().to_string(),
        Value::Charset(c) => c.as_str().to_string(),
        Value::NaturalLanguage(l) => l.as_str().to_string(),
        Value::MimeMediaType(m) => m.as_str().to_string(),
        _ => return None,
    })
}

pub fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Boolean(b) => Some(*b),
        _ => None,
    }
}

/// One value or a set of them as a list.
pub fn values(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    }
}

pub fn required_int(req: &Msg, name: &str) -> IppResult<i32> {
    op_attr(req, name)
        .and_then(as_int)
        .ok_or_else(|| IppFailure::bad_request(format!("missing or malformed {name}")))
}

pub fn kw(s: &str) -> Value {
    Value::new_keyword(s).unwrap_or(Value::NoValue)
}
pub fn text(s: &str) -> Value {
    Value::new_text_without_language(s).unwrap_or(Value::NoValue)
}
pub fn name(s: &str) -> Value {
    Value::new_name_without_language(s).unwrap_or(Value::NoValue)
}
pub fn uri(s: &str) -> Value {
    Value::new_uri(s).unwrap_or(Value::NoValue)
}
pub fn mime(s: &str) -> Value {
    Value::new_mime_media_type(s).unwrap_or(Value::NoValue)
}
pub fn set(values: Vec<Value>) -> Value {
    match values.len() {
        1 => values.into_iter().next().unwrap_or(Value::NoValue),
        _ => Value::Array(values),
    }
}

/// A response with the request's version and id, the given status, and `status-message`.
pub fn response(
    req_header: &IppHeader,
    status_code: i16,
    message: Option<&str>,
) -> IppResult<IppRequestResponse> {
    let version = if req_header.version.0 >= 0x0200 {
        IppVersion::v2_0()
    } else {
        IppVersion::v1_1()
    };
    let mut resp = IppRequestResponse::new_response(version, StatusCode::SuccessfulOk, req_header.request_id)
        .map_err(|e| IppFailure::new(status::INTERNAL_ERROR, e.to_string()))?;
    resp.header_mut().operation_or_status = status_code;
    if let Some(m) = message {
        add(
            &mut resp,
            DelimiterTag::OperationAttributes,
            "status-message",
            text(m),
        );
    }
    Ok(resp)
}

/// Attribute names Platen writes are valid IPP names; a name that is not is dropped rather than sent broken.
fn named(name: &str, value: Value) -> Option<IppAttribute> {
    IppAttribute::with_name(name, value).ok()
}

pub fn add(resp: &mut IppRequestResponse, tag: DelimiterTag, name: &str, value: Value) {
    if let Some(a) = named(name, value) {
        resp.attributes_mut().add(tag, a);
    }
}

/// Appends a new group (several job or event groups in one response).
pub fn new_group(resp: &mut IppRequestResponse, tag: DelimiterTag, attrs: Vec<(&str, Value)>) {
    let mut g = IppAttributeGroup::new(tag);
    for (n, v) in attrs {
        if let Some(a) = named(n, v) {
            g.attributes_mut().push(a);
        }
    }
    resp.attributes_mut().groups_mut().push(g);
}
