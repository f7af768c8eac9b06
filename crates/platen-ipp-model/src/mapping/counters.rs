//! A device's job counters (PWG 5100.18 Update-Job-Status job attributes) → [`PrintCounts`] for usage reports:
//! `job-impressions-completed` and `job-media-sheets-completed`, and their PWG 5100.7 `-col` breakdowns whose
//! members split them by color (`monochrome`, `full-color`, `highlight-color`, `blank`) and sides (the
//! `…-two-sided` members). An attribute the device did not send stays `None`.

use crate::message::{Value, as_int};
use platen_domain::usage::PrintCounts;

/// The counters in a report; `attr` looks a job attribute up by name.
pub fn print_counts<'a>(attr: impl Fn(&str) -> Option<&'a Value>) -> PrintCounts {
    let count = |name: &str| attr(name).and_then(as_int).filter(|n| *n >= 0).map(i64::from);
    let impressions = attr("job-impressions-completed-col").and_then(Breakdown::of);
    let sheets = attr("job-media-sheets-completed-col").and_then(Breakdown::of);
    PrintCounts {
        pages: count("job-impressions-completed").or(impressions.map(|b| b.total())),
        color_pages: impressions.map(|b| b.color),
        monochrome_pages: impressions.map(|b| b.monochrome),
        two_sided_pages: impressions.map(|b| b.two_sided),
        sheets: count("job-media-sheets-completed").or(sheets.map(|b| b.total())),
        two_sided_sheets: sheets.map(|b| b.two_sided),
        copies: None,
    }
}

/// A `job-impressions-col` style collection, summed by color and by sides. Blank impressions count as
/// monochrome: they used no color.
#[derive(Clone, Copy, Default)]
struct Breakdown {
    color: i64,
    monochrome: i64,
    two_sided: i64,
}

impl Breakdown {
    fn of(v: &Value) -> Option<Breakdown> {
        let Value::Collection(members) = v else {
            return None;
        };
        let mut b = Breakdown::default();
        for (name, value) in members {
            let Some(n) = as_int(value).filter(|n| *n >= 0).map(i64::from) else {
                continue;
            };
            let name: &str = name.as_ref();
            let (kind, two_sided) = match name.strip_suffix("-two-sided") {
                Some(kind) => (kind, true),
                None => (name, false),
            };
            match kind {
                "full-color" | "highlight-color" => b.color += n,
                "monochrome" | "blank" => b.monochrome += n,
                _ => continue,
            }
            if two_sided {
                b.two_sided += n;
            }
        }
        Some(b)
    }

    fn total(self) -> i64 {
        self.color + self.monochrome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn col(members: &[(&str, i32)]) -> Value {
        let mut m = BTreeMap::new();
        for (k, v) in members {
            m.insert(ipp::value::IppName::new(*k).unwrap(), Value::Integer(*v));
        }
        Value::Collection(m)
    }

    #[test]
    fn totals_and_breakdowns() {
        let impressions = col(&[("monochrome", 3), ("full-color-two-sided", 2), ("blank", 1)]);
        let sheets = col(&[("monochrome", 3), ("full-color-two-sided", 1)]);
        let total = Value::Integer(6);
        let c = print_counts(|n| match n {
            "job-impressions-completed" => Some(&total),
            "job-impressions-completed-col" => Some(&impressions),
            "job-media-sheets-completed-col" => Some(&sheets),
            _ => None,
        });
        assert_eq!(c.pages, Some(6));
        assert_eq!(
            (c.color_pages, c.monochrome_pages, c.two_sided_pages),
            (Some(2), Some(4), Some(2))
        );
        assert_eq!((c.sheets, c.two_sided_sheets), (Some(4), Some(1)));
    }

    #[test]
    fn nothing_reported_is_none_and_negative_counts_are_ignored() {
        let negative = Value::Integer(-1);
        let c = print_counts(|n| (n == "job-impressions-completed").then_some(&negative));
        assert!(c.is_empty());
    }
}
