//! Print policies: rules an administrator sets for the jobs of a printer, or of a group's members, and that
//! Platen applies when a job starts (Platen's own, beyond Graph). A policy may force black and white, force
//! two-sided printing, and cap the document's size. What a policy changes is written into the job's
//! `configuration` (so Graph shows the job as it will print) with a sentence naming the policy in the job's
//! status description; a job a policy refuses is not started, and the refusal says which policy and why.
//!
//! Pure: the use case reads the policies that apply and the job's document size, and this module decides.

use crate::ids::{PrinterId, TenantId};
use crate::time::Micros;
use serde_json::{Map, Value};

/// Whose jobs a policy governs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyTarget {
    /// Every job printed on this printer.
    Printer(PrinterId),
    /// Every job created by a member of this group (object id, lower-case).
    Group(String),
}

/// One administrator's rule.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintPolicy {
    pub tenant_id: TenantId,
    pub id: String,
    pub display_name: String,
    pub target: PolicyTarget,
    /// Jobs print in black and white whatever they ask.
    pub force_monochrome: bool,
    /// One-sided jobs print two-sided (long edge where the printer offers it).
    pub force_duplex: bool,
    /// Documents larger than this many bytes are refused at start.
    pub max_document_bytes: Option<i64>,
    /// Jobs that would print more pages than this (the estimate of [`crate::quota::estimate_pages`]: the
    /// documents' pages within the page ranges, per side, times the copies) are refused at start.
    pub max_pages: Option<i64>,
    pub created_at: Micros,
}

impl PrintPolicy {
    /// Does this policy govern a job on `printer_id` created by a member of `creator_groups` (lower-case)?
    pub fn applies_to(&self, printer_id: &str, creator_groups: &[String]) -> bool {
        match &self.target {
            PolicyTarget::Printer(p) => p.as_str() == printer_id,
            PolicyTarget::Group(g) => creator_groups.iter().any(|c| c.eq_ignore_ascii_case(g)),
        }
    }
}

/// What the policies change in a job as it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyChange {
    /// The configuration the job prints with.
    pub configuration: Value,
    /// The sentence naming the policies and what they changed (the job's status reason).
    pub reason: String,
}

/// What the policies make of a job when it starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// No policy changes or refuses it.
    Unchanged,
    Changed(PolicyChange),
    /// A policy refuses the job; the sentence says which and why.
    Refused(String),
}

/// Black-and-white values, preferred first: IPP's `monochrome` is Graph's `blackAndWhite`.
const MONOCHROME: &[&str] = &["blackAndWhite", "grayscale"];
/// Two-sided values, preferred first.
const TWO_SIDED: &[&str] = &["flipOnLongEdge", "flipOnShortEdge"];

/// Applies every policy in `policies` (those that govern the job) to its configuration.
///
/// A refusal wins over changes. Forcing picks the first preferred value the printer's capability lists (any, if
/// the printer does not describe it); a printer that offers none of them cannot be forced, and the job is left as
/// it asked rather than refused, since the policy's aim (fewer colour pages, less paper) cannot be met there.
///
/// `pages` is the job's page estimate, `None` when no policy caps pages or when a document's format does not
/// say how many pages it has (then a page cap cannot be applied before printing, and is not).
pub fn apply(
    policies: &[PrintPolicy],
    configuration: &Value,
    document_bytes: i64,
    pages: Option<i64>,
    capabilities: &Value,
) -> Verdict {
    if let Some(refusal) = policies.iter().find_map(|p| too_large(p, document_bytes)) {
        return Verdict::Refused(refusal);
    }
    if let Some(refusal) = policies.iter().find_map(|p| too_long(p, pages?)) {
        return Verdict::Refused(refusal);
    }
    let mut changed = configuration.as_object().cloned().unwrap_or_default();
    let mut what = Vec::new();
    let mut by = Vec::new();
    for p in policies {
        let mut this = false;
        if p.force_monochrome && force(&mut changed, capabilities, "colorMode", "colorModes", MONOCHROME) {
            what.push("in black and white");
            this = true;
        }
        if p.force_duplex && force(&mut changed, capabilities, "duplexMode", "duplexModes", TWO_SIDED) {
            what.push("two-sided");
            this = true;
        }
        if this {
            by.push(format!("'{}'", p.display_name));
        }
    }
    if what.is_empty() {
        return Verdict::Unchanged;
    }
    Verdict::Changed(PolicyChange {
        configuration: Value::Object(changed),
        reason: format!(
            "Printed {} by the print {} {}.",
            what.join(" and "),
            if by.len() == 1 { "policy" } else { "policies" },
            by.join(", ")
        ),
    })
}

fn too_large(p: &PrintPolicy, document_bytes: i64) -> Option<String> {
    let max = p.max_document_bytes?;
    (document_bytes > max).then(|| {
        format!(
            "The print policy '{}' allows documents of at most {}; this document has {}.",
            p.display_name,
            human_size(max),
            human_size(document_bytes)
        )
    })
}

fn too_long(p: &PrintPolicy, pages: i64) -> Option<String> {
    let max = p.max_pages?;
    (pages > max).then(|| {
        format!(
            "The print policy '{}' allows jobs of at most {max} page{}; this job would print {pages}.",
            p.display_name,
            if max == 1 { "" } else { "s" },
        )
    })
}

/// Sets `member` to the first of `preferred` the printer offers, unless it already holds one of them. Returns
/// whether it changed the configuration.
fn force(
    configuration: &mut Map<String, Value>,
    capabilities: &Value,
    member: &str,
    capability: &str,
    preferred: &[&str],
) -> bool {
    let asked = configuration.get(member).and_then(Value::as_str);
    if asked.is_some_and(|a| preferred.contains(&a)) {
        return false;
    }
    let offered = capabilities.get(capability).and_then(Value::as_array);
    let choice = preferred
        .iter()
        .find(|v| offered.is_none_or(|list| list.iter().any(|o| o.as_str() == Some(**v))));
    match choice {
        Some(v) => {
            configuration.insert(member.into(), Value::String((*v).into()));
            true
        }
        None => false,
    }
}

/// A size as people read it: bytes below 1 KiB, otherwise KiB/MiB/GiB with one decimal.
pub fn human_size(n: i64) -> String {
    const UNITS: &[&str] = &["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests;
