//! CUPS' own conformance files (`/usr/share/cups/ipptool/`) run by `ipptool` against a share.

use super::support::{Env, ipptool, pdf_document, sample_pdf};

/// Tests of the shipped files that do not pass, each with why. Everything else must pass.
const EXCLUDED: &[(&str, &str)] = &[];

/// Runs one conformance file with `-t` (a PASS/FAIL line per test) and asserts every test passed.
fn run(uri: &str, pdf: &std::path::Path, version: &str, file: &str) {
    let (_, out) = ipptool(&[
        "-t",
        "-I",
        "-V",
        version,
        "-f",
        &pdf.display().to_string(),
        uri,
        file,
    ]);
    let failed: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_end().ends_with("[FAIL]"))
        .filter(|l| !EXCLUDED.iter().any(|(name, _)| l.contains(name)))
        .collect();
    let passed = out.lines().filter(|l| l.trim_end().ends_with("[PASS]")).count();
    assert!(passed > 10, "{file}: too few tests ran:\n{out}");
    assert!(failed.is_empty(), "{file}: {} failed:\n{out}", failed.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_share_passes_ipp_1_1_and_2_0() {
    // The files wait for each printed job to complete: a device prints behind the share.
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
