//! The one IPP parser of both front ends, total by construction: it walks the whole RFC 8010 §3 structure
//! itself (header, delimiter tags, name and value lengths, collections) and hands a value's bytes to the
//! `ipp` crate only once [`value::check`] has proved them well formed for their tag. The `ipp` crate's own
//! stream parser is not used: it panics on a textWithLanguage or nameWithLanguage value whose inner lengths
//! run past the value (an unchecked slice in `ipp::value::get_len_string`), it accepts collections whose
//! member structure is broken, and it silently drops values that belong to no attribute.
//!
//! Every malformed input is a [`ParseError`] (client-error-bad-request on IPP, 400 on Graph); whatever the
//! input, parsing reads each byte at most once and allocates at most in proportion to it.

mod value;

use crate::message::Msg;
use bytes::Bytes;
use ipp::model::{DelimiterTag, IppVersion, ValueTag};
use ipp::prelude::{IppAttribute, IppAttributeGroup, IppAttributes, IppHeader, IppValue};
use ipp::value::IppName;
use std::collections::BTreeMap;
use std::fmt;

/// Collections nest (media-col → media-size); real attributes go four deep at most (job-presets-supported →
/// media-col → media-size). The limit keeps the recursion's stack use bounded whatever a client sends.
pub const MAX_COLLECTION_DEPTH: usize = 16;
/// Values in one message, members and nested values included: a printer's media-col-database is a few
/// thousand. Bounds the memory a small message of empty additional values could otherwise make us allocate.
pub const MAX_VALUES: usize = 65_536;

const HEADER_LEN: usize = 8;
const END_OF_ATTRIBUTES: u8 = DelimiterTag::EndOfAttributes as u8;
const BEG_COLLECTION: u8 = ValueTag::BegCollection as u8;
const END_COLLECTION: u8 = ValueTag::EndCollection as u8;
const MEMBER_ATTR_NAME: u8 = ValueTag::MemberAttrName as u8;

/// Why a message is not well-formed IPP, and its header when at least that was there (so the answer can
/// carry the request id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub header: Option<IppHeader>,
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ParseError {}

/// A parsed message and the bytes after its end-of-attributes tag (a document, if any).
pub struct Parsed<'a> {
    pub message: Msg,
    pub data: &'a [u8],
}

/// Parses one IPP message (RFC 8010 §3.1). The version is not judged here: a front end answers an unknown
/// version with server-error-version-not-supported, which needs the parsed request.
pub fn parse(bytes: &[u8]) -> Result<Parsed<'_>, ParseError> {
    let Some((head, rest)) = bytes.split_first_chunk::<HEADER_LEN>() else {
        return Err(ParseError {
            header: None,
            reason: format!("an IPP message starts with an {HEADER_LEN}-byte header"),
        });
    };
    let header = IppHeader::new(
        IppVersion(u16::from_be_bytes([head[0], head[1]])),
        i16::from_be_bytes([head[2], head[3]]),
        i32::from_be_bytes([head[4], head[5], head[6], head[7]]),
    );
    let mut walk = Walk {
        input: rest,
        offset: HEADER_LEN,
        values: 0,
    };
    match walk.groups() {
        Ok(attributes) => Ok(Parsed {
            message: Msg::from_parts(header, attributes),
            data: walk.input,
        }),
        Err(reason) => Err(ParseError {
            header: Some(header),
            reason: format!("{reason} (at byte {})", walk.offset),
        }),
    }
}

/// The unread rest of the message, and how far into it we are (for error messages).
struct Walk<'a> {
    input: &'a [u8],
    offset: usize,
    values: usize,
}

/// One attribute being read: its name and the values seen so far.
type Pending = Option<(IppName, Vec<IppValue>)>;

impl<'a> Walk<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if self.input.len() < n {
            return Err(format!(
                "the message ends inside {what} ({n} bytes announced, {} left)",
                self.input.len()
            ));
        }
        let (taken, rest) = self.input.split_at(n);
        self.input = rest;
        self.offset += n;
        Ok(taken)
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<usize, String> {
        let b = self.take(2, what)?;
        Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
    }

    /// A length-prefixed field (RFC 8010 §3.1.4-§3.1.5: name-length + name, value-length + value).
    fn field(&mut self, what: &str) -> Result<&'a [u8], String> {
        let len = self.u16(what)?;
        self.take(len, what)
    }

    fn count_value(&mut self) -> Result<(), String> {
        self.values += 1;
        if self.values > MAX_VALUES {
            return Err(format!("more than {MAX_VALUES} values in one message"));
        }
        Ok(())
    }

    /// attribute-group* end-of-attributes-tag (RFC 8010 §3.1.1).
    fn groups(&mut self) -> Result<IppAttributes, String> {
        let mut attributes = IppAttributes::new();
        let mut group: Option<IppAttributeGroup> = None;
        let mut pending: Pending = None;
        loop {
            let tag = self.u8("the attributes (no end-of-attributes-tag)")?;
            if tag < 0x10 {
                if let Some(g) = group.as_mut() {
                    finish(g, pending.take());
                }
                if let Some(g) = group.take() {
                    attributes.groups_mut().push(g);
                }
                if tag == END_OF_ATTRIBUTES {
                    return Ok(attributes);
                }
                let delimiter = delimiter(tag)?;
                group = Some(IppAttributeGroup::new(delimiter));
                continue;
            }
            value::check_tag(tag)?;
            let name = self.field("an attribute name")?;
            let Some(g) = group.as_mut() else {
                return Err(format!("value tag 0x{tag:02x} before any attribute group tag"));
            };
            if name.is_empty() {
                if pending.is_none() {
                    return Err("an additional value (empty name) that follows no attribute".into());
                }
            } else {
                finish(g, pending.take());
                pending = Some((attribute_name(name)?, Vec::new()));
            }
            let v = match tag {
                BEG_COLLECTION => self.collection(1)?,
                END_COLLECTION => return Err("endCollection outside a collection".into()),
                MEMBER_ATTR_NAME => return Err("memberAttrName outside a collection".into()),
                _ => self.value(tag)?,
            };
            if let Some((_, values)) = pending.as_mut() {
                values.push(v);
            }
        }
    }

    /// One value after its name: value-length and value, checked for its tag before the `ipp` crate decodes it.
    fn value(&mut self, tag: u8) -> Result<IppValue, String> {
        self.count_value()?;
        let bytes = self.field("a value")?;
        value::check(tag, bytes)?;
        IppValue::parse(tag, Bytes::copy_from_slice(bytes)).map_err(|e| format!("value tag 0x{tag:02x}: {e}"))
    }

    /// A collection (RFC 8010 §3.1.6), its begCollection tag and name already read: an empty begCollection
    /// value, then member attributes (memberAttrName with the member's name, then its values, all with empty
    /// names), then endCollection with an empty name and value.
    fn collection(&mut self, depth: usize) -> Result<IppValue, String> {
        self.count_value()?;
        if depth > MAX_COLLECTION_DEPTH {
            return Err(format!(
                "collections nested more than {MAX_COLLECTION_DEPTH} deep"
            ));
        }
        if !self.field("a begCollection value")?.is_empty() {
            return Err("a begCollection value must be empty".into());
        }
        let mut members: BTreeMap<IppName, IppValue> = BTreeMap::new();
        let mut member: Pending = None;
        loop {
            let tag = self.u8("a collection (no endCollection)")?;
            if tag < 0x10 {
                return Err(format!(
                    "delimiter tag 0x{tag:02x} inside a collection (no endCollection)"
                ));
            }
            value::check_tag(tag)?;
            if !self.field("a collection member's name")?.is_empty() {
                return Err(
                    "inside a collection, every name must be empty (members are named by memberAttrName)"
                        .into(),
                );
            }
            match tag {
                END_COLLECTION => {
                    if !self.field("an endCollection value")?.is_empty() {
                        return Err("an endCollection value must be empty".into());
                    }
                    finish_member(&mut members, member.take())?;
                    return Ok(IppValue::Collection(members));
                }
                MEMBER_ATTR_NAME => {
                    finish_member(&mut members, member.take())?;
                    let name = self.field("a memberAttrName value")?;
                    member = Some((member_name(name)?, Vec::new()));
                }
                _ => {
                    let Some((_, values)) = member.as_mut() else {
                        return Err("a collection value that follows no memberAttrName".into());
                    };
                    let v = if tag == BEG_COLLECTION {
                        self.collection(depth + 1)?
                    } else {
                        self.value(tag)?
                    };
                    values.push(v);
                }
            }
        }
    }
}

fn delimiter(tag: u8) -> Result<DelimiterTag, String> {
    use DelimiterTag as D;
    Ok(match tag {
        0x01 => D::OperationAttributes,
        0x02 => D::JobAttributes,
        0x04 => D::PrinterAttributes,
        0x05 => D::UnsupportedAttributes,
        0x06 => D::SubscriptionAttributes,
        0x07 => D::EventNotificationAttributes,
        0x08 => D::ResourceAttributes,
        0x09 => D::DocumentAttributes,
        0x0a => D::SystemAttributes,
        _ => return Err(format!("reserved delimiter tag 0x{tag:02x}")),
    })
}

/// One value is itself, several are a set (the shape the `ipp` crate and the mapping expect).
fn one_or_set(mut values: Vec<IppValue>) -> IppValue {
    if values.len() == 1 {
        values.remove(0)
    } else {
        IppValue::Array(values)
    }
}

fn finish(group: &mut IppAttributeGroup, pending: Pending) {
    if let Some((name, values)) = pending {
        group
            .attributes_mut()
            .push(IppAttribute::new(name, one_or_set(values)));
    }
}

fn finish_member(members: &mut BTreeMap<IppName, IppValue>, member: Pending) -> Result<(), String> {
    if let Some((name, values)) = member {
        if values.is_empty() {
            return Err(format!("collection member '{name}' has no value"));
        }
        members.insert(name, one_or_set(values));
    }
    Ok(())
}

/// Attribute names are keywords; the bytes are read as the `ipp` crate read them (lossy UTF-8), so names
/// Platen stored before read back the same.
fn attribute_name(bytes: &[u8]) -> Result<IppName, String> {
    IppName::new(String::from_utf8_lossy(bytes)).map_err(|e| format!("attribute name: {e}"))
}

fn member_name(bytes: &[u8]) -> Result<IppName, String> {
    if bytes.is_empty() {
        return Err("a memberAttrName value must name the member".into());
    }
    let name = std::str::from_utf8(bytes).map_err(|_| "a memberAttrName value is not UTF-8".to_string())?;
    IppName::new(name).map_err(|e| format!("memberAttrName: {e}"))
}

#[cfg(test)]
mod tests;
