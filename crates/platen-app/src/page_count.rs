//! How many pages a job's documents have, counted before it prints: for print quotas (the pages held at start)
//! and print policies' page caps. Counted only when a quota or a page cap governs the job.
//!
//! - PDF: poppler's `pdfinfo` (Debian `poppler-utils`), run like the document converter (a subprocess under
//!   `prlimit`, its own temp dir, no shell, a timeout): a PDF's page count needs its cross-reference table and
//!   page tree, which a streaming reader cannot follow, and a crash or a hostile document then costs one child
//!   process. Without `pdfinfo` a PDF's pages are unknown (and a warning says so).
//! - PWG Raster and Apple Raster (URF): counted as the bytes stream by ([`raster`]), nothing held.
//! - JPEG and PNG: one page.
//! - Anything else (PostScript, text, OXPS before its conversion): unknown.

mod raster;

use crate::AppError;
use crate::converter::{copy_blob_to_file, resolve};
use futures::TryStreamExt;
use platen_blob::BlobStore;
use platen_domain::records::Document;
use raster::{Flavour, RasterPages};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// `pdfinfo` reads the cross-reference table and page tree, not the page contents: seconds are plenty.
const PDFINFO_TIMEOUT: Duration = Duration::from_secs(30);
const PDFINFO_CPU_SECONDS: u64 = 20;
const PDFINFO_MEMORY_BYTES: u64 = 1 << 30;

static WARNED_NO_PDFINFO: AtomicBool = AtomicBool::new(false);

/// The pages of `doc` (`None`: its format does not say, or it could not be read as that format).
pub(crate) async fn document_pages(blobs: &dyn BlobStore, doc: &Document) -> Result<Option<i64>, AppError> {
    let Some(key) = doc.blob_key.as_deref() else {
        return Ok(None);
    };
    let media = doc.content_type.split(';').next().unwrap_or("").trim();
    match media.to_ascii_lowercase().as_str() {
        "application/pdf" => pdf_pages(blobs, key).await,
        "image/pwg-raster" => raster_pages(blobs, key, Flavour::Pwg).await,
        "image/urf" => raster_pages(blobs, key, Flavour::Urf).await,
        "image/jpeg" | "image/png" => Ok(Some(1)),
        _ => Ok(None),
    }
}

async fn raster_pages(blobs: &dyn BlobStore, key: &str, flavour: Flavour) -> Result<Option<i64>, AppError> {
    let (_, mut stream) = blobs.get(key).await?;
    let mut counter = RasterPages::new(flavour);
    while let Some(chunk) = stream.try_next().await.map_err(io_error)? {
        counter.feed(&chunk);
    }
    Ok(counter.finish())
}

async fn pdf_pages(blobs: &dyn BlobStore, key: &str) -> Result<Option<i64>, AppError> {
    let Some(program) = resolve(Path::new("pdfinfo")) else {
        if !WARNED_NO_PDFINFO.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "pdfinfo (Debian poppler-utils) is not installed: PDF page counts are unknown, so print quotas \
                 hold one page per PDF at start and page caps do not apply to PDFs"
            );
        }
        return Ok(None);
    };
    let dir = tempfile::Builder::new()
        .prefix("platen-pages-")
        .tempdir()
        .map_err(io_error)?;
    let source = dir.path().join("in.pdf");
    copy_blob_to_file(blobs, key, &source).await?;
    let child = tokio::process::Command::new("prlimit")
        .arg(format!("--cpu={PDFINFO_CPU_SECONDS}"))
        .arg(format!("--as={PDFINFO_MEMORY_BYTES}"))
        .arg("--")
        .arg(&program)
        .arg(&source)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let Ok(child) = child else {
        return Ok(None);
    };
    match tokio::time::timeout(PDFINFO_TIMEOUT, child.wait_with_output()).await {
        Ok(Ok(out)) if out.status.success() => Ok(pages_line(&String::from_utf8_lossy(&out.stdout))),
        // Not a PDF pdfinfo can read, or it ran out of time: the count is unknown, the job is not refused for it.
        _ => Ok(None),
    }
}

/// `Pages:          12` in pdfinfo's report.
fn pages_line(report: &str) -> Option<i64> {
    report
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
}

fn io_error(e: std::io::Error) -> AppError {
    AppError::Internal(format!("page count I/O: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_pages_line_of_pdfinfo() {
        let report = "Producer:       x\nPages:          12\nEncrypted:      no\n";
        assert_eq!(super::pages_line(report), Some(12));
        assert_eq!(super::pages_line("Syntax Error\n"), None);
    }
}
