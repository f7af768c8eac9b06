//! CUPS' own conformance files (`/usr/share/cups/ipptool/`) run by `ipptool` against a share whose printer is a
//! real IPP Everywhere device (ippeveprinter behind `platen connector`): the files wait for each printed job to
//! complete, so a device must print behind the share.

use super::support::{Env, ipptool, pdf_document, sample_pdf};

/// Expectations of the shipped files that Platen does not meet, each with why. A failed test passes the check
/// only when every one of its failed expectations is listed here.
const EXCLUDED: &[(&str, &str)] = &[
    (
        "EXPECTED: operations-supported WITH-VALUE \"0x003c\"",
        "Identify-Printer: a share's printer is reached through INFRA (the device polls Platen); PWG 5100.18's \
         identify-printer-requested event is not implemented, so Platen does not claim the operation",
    ),
    (
        "EXPECTED: overrides-supported",
        "per-page overrides: Graph's printJobConfiguration has no overrides, so Platen does not claim them",
    ),
];

/// The print tests of ipp-everywhere.test print PWG raster sample files that neither CUPS nor Debian ship; the
/// file skips them when they are absent (what the spec notes), so their absence is expected.
const ABSENT_SAMPLES: &str = "pwg-raster-samples-";

/// The shipped test files, beside the sample documents they print (CUPS' source tree has them, Debian's
/// package does not). INCLUDEs are pointed at these copies, so included files find the documents too.
fn suite() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for entry in std::fs::read_dir(SHIPPED).expect("the conformance files of cups-ipp-utils") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "test") {
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text.replace("INCLUDE \"", &format!("INCLUDE \"{}/", d.display()));
            std::fs::write(d.join(path.file_name().unwrap()), text).unwrap();
        }
    }
    std::fs::write(
        d.join("document-a4.pdf"),
        pdf_document(595, 842, "A4 test document"),
    )
    .unwrap();
    std::fs::write(
        d.join("document-letter.pdf"),
        pdf_document(612, 792, "Letter test document"),
    )
    .unwrap();
    for (name, w, h) in [("document-a4.ps", 595, 842), ("document-letter.ps", 612, 792)] {
        let ps = format!(
            "%!PS-Adobe-3.0\n%%BoundingBox: 0 0 {w} {h}\n%%Pages: 1\n%%EndComments\n%%Page: 1 1\n\
             /Helvetica findfont 24 scalefont setfont 72 {} moveto ({name}) show showpage\n%%EOF\n",
            h - 80
        );
        std::fs::write(d.join(name), ps).unwrap();
    }
    std::fs::write(d.join("color.jpg"), include_bytes!("documents/color.jpg")).unwrap();
    std::fs::write(d.join("gray.jpg"), include_bytes!("documents/gray.jpg")).unwrap();
    dir
}

const SHIPPED: &str = "/usr/share/cups/ipptool";

/// The failed tests of an `ipptool -t` output, each with its `EXPECTED:` lines.
fn failures(out: &str) -> Vec<(String, Vec<String>)> {
    let mut failed: Vec<(String, Vec<String>)> = vec![];
    let mut in_failed = false;
    for line in out.lines() {
        let t = line.trim_end();
        if t.ends_with(']') && t.contains(" [") {
            in_failed = t.ends_with("[FAIL]");
            if in_failed {
                failed.push((t.trim().to_string(), vec![]));
            }
        } else if in_failed && let Some(last) = failed.last_mut() {
            let l = t.trim();
            if l.starts_with("EXPECTED:") || l.starts_with("status-code") {
                last.1.push(l.to_string());
            }
        }
    }
    failed
}

/// Runs one conformance file with `-t` (a PASS/FAIL line per test) and asserts it passed, but for [`EXCLUDED`].
fn run(uri: &str, pdf: &std::path::Path, version: &str, file: &str) {
    let suite = suite();
    let file = suite.path().join(file).display().to_string();
    let (_, out) = ipptool(&[
        "-t",
        "-I",
        "-V",
        version,
        "-f",
        &pdf.display().to_string(),
        uri,
        &file,
    ]);
    let unreadable: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("cannot be read") && !l.contains(ABSENT_SAMPLES))
        .collect();
    assert!(
        unreadable.is_empty(),
        "a document of the suite is missing: {unreadable:?}\n{out}"
    );
    let passed = out.lines().filter(|l| l.trim_end().ends_with("[PASS]")).count();
    assert!(passed > 10, "{file}: too few tests ran:\n{out}");
    let real: Vec<(String, Vec<String>)> = failures(&out)
        .into_iter()
        .filter(|(_, expected)| {
            let unexcused: Vec<&String> = expected
                .iter()
                .filter(|e| e.starts_with("EXPECTED:"))
                .filter(|e| !EXCLUDED.iter().any(|(x, _)| e.starts_with(x)))
                .collect();
            !unexcused.is_empty() || !expected.iter().any(|e| e.starts_with("EXPECTED:"))
        })
        .collect();
    assert!(real.is_empty(), "{file}: failed: {real:#?}\n{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_share_passes_ipp_1_1_and_2_0() {
    let env = Env::with_device(true).await;
    let alice = env.user("alice", &[]);
    let (_dir, pdf, _) = sample_pdf();
    let uri = env.uri(Some(&alice));
    tokio::task::spawn_blocking(move || {
        run(&uri, &pdf, "1.1", "ipp-1.1.test");
        run(&uri, &pdf, "2.0", "ipp-2.0.test");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_share_of_an_ipp_everywhere_device_passes_ipp_everywhere() {
    let env = Env::with_device(true).await;
    let alice = env.user("alice", &[]);
    let (_dir, pdf, _) = sample_pdf();
    let uri = env.uri(Some(&alice));
    tokio::task::spawn_blocking(move || run(&uri, &pdf, "2.0", "ipp-everywhere.test"))
        .await
        .unwrap();
}
