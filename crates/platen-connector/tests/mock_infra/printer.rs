//! CUPS' ippeveprinter (from platen-testkit) as the real printer, plus a tiny IPP client for looking at
//! its jobs.

use ipp::parser::IppParser;
use ipp::prelude::*;
use ipp::reader::IppReader;
use ipp::value::IppValue;
pub use platen_testkit::Ippeve;

/// `None` (the test then skips) when ippeveprinter is not installed; a panic instead when the test command
/// requires it (`PLATEN_TEST_REQUIRE_IPPEVEPRINTER`, set by `./scripts/test.sh`).
pub fn start(extra: &[&str]) -> Option<Ippeve> {
    platen_testkit::ippeve::available().then(|| Ippeve::start_temp("Test", extra))
}

/// (job-id, job-state, job-name) of every job the printer lists.
pub async fn jobs(printer: &Ippeve) -> Vec<(i32, i32, String)> {
    let mut out = Vec::new();
    for which in ["not-completed", "completed"] {
        let uri: Uri = printer.uri.parse().unwrap();
        let mut req = IppRequestResponse::new(IppVersion::v2_0(), Operation::GetJobs, Some(uri)).unwrap();
        let op = |n: &str, v| IppAttribute::new(ipp::value::BoundedString::new(n).unwrap(), v);
        req.attributes_mut().add(
            DelimiterTag::OperationAttributes,
            op(
                "which-jobs",
                IppValue::Keyword(ipp::value::BoundedString::new(which).unwrap()),
            ),
        );
        req.attributes_mut().add(
            DelimiterTag::OperationAttributes,
            op(
                "requested-attributes",
                IppValue::Array(
                    ["job-id", "job-state", "job-name"]
                        .iter()
                        .map(|s| IppValue::Keyword(ipp::value::BoundedString::new(*s).unwrap()))
                        .collect(),
                ),
            ),
        );
        let body = reqwest::Client::new()
            .post(format!("http://localhost:{}/ipp/print", printer.port))
            .header("content-type", "application/ipp")
            .body(req.to_bytes())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let resp = IppParser::new(IppReader::new(std::io::Cursor::new(body.to_vec())))
            .parse()
            .unwrap();
        for g in resp.attributes().groups_of(DelimiterTag::JobAttributes) {
            let int = |n: &str| match g.get(n).map(|a| a.value().clone()) {
                Some(IppValue::Integer(i) | IppValue::Enum(i)) => i,
                _ => 0,
            };
            let name = g
                .get("job-name")
                .map(|a| a.value().to_string())
                .unwrap_or_default();
            out.push((int("job-id"), int("job-state"), name));
        }
    }
    out.sort();
    out
}
