//! The job ticket: the job template attributes read with Fetch-Job and passed on to the local printer.
//!
//! Kept as a small typed record (not raw IPP) so it can live in the journal and survive restarts.

use crate::msg::{self, v};
use ipp::attribute::IppAttributeGroup;
use ipp::value::IppValue;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sides: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub print_color_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub print_quality: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation_requested: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_up: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_bin: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub page_ranges: Vec<(i32, i32)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finishings: Vec<i32>,
    /// (cross-feed, feed, units: 3 = dpi, 4 = dpcm)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer_resolution: Option<(i32, i32, i8)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_documents: Option<i32>,
}

impl Ticket {
    /// Reads a Fetch-Job response's job group.
    pub fn from_job_group(g: &IppAttributeGroup) -> Ticket {
        let media = msg::string(g, "media").or_else(|| media_from_col(g));
        Ticket {
            job_name: msg::string(g, "job-name"),
            user_name: msg::string(g, "job-originating-user-name"),
            document_format: msg::string(g, "document-format")
                .or_else(|| msg::string(g, "document-format-supplied")),
            copies: msg::int(g, "copies"),
            sides: msg::string(g, "sides"),
            print_color_mode: msg::string(g, "print-color-mode"),
            media,
            print_quality: msg::int(g, "print-quality"),
            orientation_requested: msg::int(g, "orientation-requested"),
            number_up: msg::int(g, "number-up"),
            output_bin: msg::string(g, "output-bin"),
            page_ranges: msg::get(g, "page-ranges")
                .map(|val| {
                    msg::members(val)
                        .into_iter()
                        .filter_map(|m| match m {
                            IppValue::RangeOfInteger { min, max } => Some((*min, *max)),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            finishings: msg::ints(g, "finishings"),
            printer_resolution: msg::get(g, "printer-resolution").and_then(|val| match val {
                IppValue::Resolution {
                    cross_feed,
                    feed,
                    units,
                } => Some((*cross_feed, *feed, *units)),
                _ => None,
            }),
            number_of_documents: msg::int(g, "number-of-documents"),
        }
    }

    /// The job template attributes for the local Print-Job (job group). `minimal` keeps only copies, for
    /// the retry after a printer refused some value (client-error-attributes-or-values-not-supported).
    pub fn job_attributes(&self, minimal: bool) -> Vec<(&'static str, IppValue)> {
        let mut out = Vec::new();
        if let Some(c) = self.copies.filter(|c| *c > 1) {
            out.push(("copies", v::integer(c)));
        }
        if minimal {
            return out;
        }
        if let Some(s) = &self.sides {
            out.push(("sides", v::keyword(s)));
        }
        if let Some(s) = &self.print_color_mode {
            out.push(("print-color-mode", v::keyword(s)));
        }
        if let Some(s) = &self.media {
            out.push(("media", v::keyword(s)));
        }
        if let Some(q) = self.print_quality {
            out.push(("print-quality", v::enumv(q)));
        }
        if let Some(o) = self.orientation_requested {
            out.push(("orientation-requested", v::enumv(o)));
        }
        if let Some(n) = self.number_up.filter(|n| *n > 1) {
            out.push(("number-up", v::integer(n)));
        }
        if let Some(b) = &self.output_bin {
            out.push(("output-bin", v::keyword(b)));
        }
        if !self.page_ranges.is_empty() {
            let ranges = self
                .page_ranges
                .iter()
                .map(|(min, max)| IppValue::RangeOfInteger { min: *min, max: *max })
                .collect();
            out.push(("page-ranges", v::list(ranges)));
        }
        if !self.finishings.is_empty() && self.finishings != [3] {
            out.push(("finishings", v::enums(&self.finishings)));
        }
        if let Some((cross_feed, feed, units)) = self.printer_resolution {
            out.push((
                "printer-resolution",
                IppValue::Resolution {
                    cross_feed,
                    feed,
                    units,
                },
            ));
        }
        out
    }
}

/// `media-col.media-size-name`, when the job carries a media-col instead of media.
fn media_from_col(g: &IppAttributeGroup) -> Option<String> {
    match msg::get(g, "media-col")? {
        IppValue::Collection(map) => map
            .iter()
            .find(|(k, _)| k.as_str() == "media-size-name")
            .and_then(|(_, val)| msg::value_string(val)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::op;
    use crate::msg::{Request, Response};
    use ipp::model::DelimiterTag;

    fn job_group(build: impl FnOnce(&mut Request)) -> IppAttributeGroup {
        let mut r = Request::new(op::FETCH_JOB, 1, "ipp://h/p").unwrap();
        build(&mut r);
        let resp = Response::parse(&r.to_bytes(), "test").unwrap();
        resp.group(DelimiterTag::JobAttributes).cloned().unwrap()
    }

    #[test]
    fn reads_the_template_and_writes_it_back() {
        let g = job_group(|r| {
            r.job("job-name", v::name("Report Q3"));
            r.job("job-originating-user-name", v::name("alice@contoso.com"));
            r.job("copies", v::integer(2));
            r.job("sides", v::keyword("two-sided-long-edge"));
            r.job("print-color-mode", v::keyword("monochrome"));
            r.job("media", v::keyword("iso_a4_210x297mm"));
            r.job(
                "page-ranges",
                v::list(vec![
                    IppValue::RangeOfInteger { min: 1, max: 2 },
                    IppValue::RangeOfInteger { min: 5, max: 5 },
                ]),
            );
            r.job("document-format", v::mime("application/pdf"));
        });
        let t = Ticket::from_job_group(&g);
        assert_eq!(t.job_name.as_deref(), Some("Report Q3"));
        assert_eq!(t.user_name.as_deref(), Some("alice@contoso.com"));
        assert_eq!(t.copies, Some(2));
        assert_eq!(t.page_ranges, [(1, 2), (5, 5)]);
        assert_eq!(t.document_format.as_deref(), Some("application/pdf"));
        let names: Vec<&str> = t.job_attributes(false).iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            ["copies", "sides", "print-color-mode", "media", "page-ranges"]
        );
        let minimal: Vec<&str> = t.job_attributes(true).iter().map(|(n, _)| *n).collect();
        assert_eq!(minimal, ["copies"]);
        // Survives the journal.
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<Ticket>(&json).unwrap(), t);
    }

    #[test]
    fn media_col_size_name_stands_in_for_media() {
        let mut col = std::collections::BTreeMap::new();
        col.insert(
            ipp::value::BoundedString::new("media-size-name").unwrap(),
            v::keyword("na_letter_8.5x11in"),
        );
        let g = job_group(|r| {
            r.job("media-col", IppValue::Collection(col));
        });
        assert_eq!(
            Ticket::from_job_group(&g).media.as_deref(),
            Some("na_letter_8.5x11in")
        );
    }
}
