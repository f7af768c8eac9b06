//! The document converter: Debian's `xpstopdf` (libgxps-utils) run as a sandboxed subprocess. Never a shell:
//! `prlimit(1)` then the converter, with their arguments as separate strings; its own temporary directory (input,
//! output, stderr, `HOME` for font caches), stdin closed, CPU time, address space and file size capped by
//! rlimits, a wall-clock timeout after which it is killed. The rlimits are set by `prlimit` (util-linux) rather
//! than in `pre_exec` because the workspace forbids `unsafe` code, and `pre_exec` is `unsafe`.
//!
//! Bytes never sit in memory whole: the input is streamed from the blob store into the temp dir and the output
//! streamed back into the blob store.

use crate::AppError;
use futures::TryStreamExt;
use platen_blob::{BlobStore, Stored};
use platen_domain::document_conversion::ConversionFailure;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// How conversions run (`[conversion]` in the server's configuration).
#[derive(Debug, Clone)]
pub struct ConverterConfig {
    /// The `xpstopdf` program: a path, or a name looked up on `PATH`.
    pub program: PathBuf,
    /// Wall-clock limit; the converter is killed after it.
    pub timeout: Duration,
    /// CPU seconds (RLIMIT_CPU).
    pub cpu_seconds: u64,
    /// Address space in bytes (RLIMIT_AS).
    pub memory_bytes: u64,
    /// Largest converted document in bytes (RLIMIT_FSIZE, and the limit of the blob written from it).
    pub max_output_bytes: u64,
}

impl Default for ConverterConfig {
    fn default() -> Self {
        Self {
            program: PathBuf::from("xpstopdf"),
            timeout: Duration::from_secs(120),
            cpu_seconds: 120,
            memory_bytes: 2 << 30,
            max_output_bytes: 1 << 30,
        }
    }
}

/// Why a conversion failed, with the text for the job's history.
#[derive(Debug)]
pub(crate) struct Failed {
    pub kind: ConversionFailure,
    pub reason: String,
}

/// A conversion that could not run for reasons of this node (I/O, the blob store): not the document's fault,
/// so the job stays `transforming` and the next start of a node tries again.
pub(crate) type Outcome = std::result::Result<std::result::Result<Stored, Failed>, AppError>;

fn failed(kind: ConversionFailure, reason: impl Into<String>) -> Failed {
    Failed {
        kind,
        reason: reason.into(),
    }
}

/// The program's path: as configured when it names a path, else the first match on `PATH`.
pub(crate) fn resolve(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.is_file().then(|| program.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Converts the OXPS at blob `input` to a PDF stored at blob `output`.
pub(crate) async fn oxps_to_pdf(
    config: &ConverterConfig,
    blobs: &dyn BlobStore,
    input: &str,
    output: &str,
) -> Outcome {
    let Some(program) = resolve(&config.program) else {
        return Ok(Err(failed(
            ConversionFailure::ConverterMissing,
            format!(
                "The document converter '{}' is not installed (Debian package libgxps-utils) or not at the \
                 configured path.",
                config.program.display()
            ),
        )));
    };
    let dir = tempfile::Builder::new()
        .prefix("platen-convert-")
        .tempdir()
        .map_err(io_error)?;
    let source = dir.path().join("in.oxps");
    let target = dir.path().join("out.pdf");
    copy_blob_to_file(blobs, input, &source).await?;
    let stderr = std::fs::File::create(dir.path().join("stderr")).map_err(io_error)?;
    let mut child = match tokio::process::Command::new("prlimit")
        .arg(format!("--cpu={}", config.cpu_seconds))
        .arg(format!("--as={}", config.memory_bytes))
        .arg(format!("--fsize={}", config.max_output_bytes))
        .arg("--")
        .arg(&program)
        .arg(&source)
        .arg(&target)
        .current_dir(dir.path())
        .env_clear()
        .env("HOME", dir.path())
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            return Ok(Err(failed(
                ConversionFailure::ConverterMissing,
                format!("The document converter could not be started (prlimit, util-linux): {e}."),
            )));
        }
    };
    let status = match tokio::time::timeout(config.timeout, child.wait()).await {
        Ok(status) => status.map_err(io_error)?,
        Err(_) => {
            // Dropping would kill it too; killing here also reaps it before the temp dir goes.
            let _ = child.kill().await;
            return Ok(Err(failed(
                ConversionFailure::TimedOut,
                format!(
                    "The document conversion took longer than {} s.",
                    config.timeout.as_secs()
                ),
            )));
        }
    };
    let written = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
    if !status.success() {
        let said = first_line(&dir.path().join("stderr"));
        // SIGXCPU / SIGXFSZ: the rlimits stopped it.
        return Ok(Err(
            match std::os::unix::process::ExitStatusExt::signal(&status) {
                Some(24) => failed(
                    ConversionFailure::TimedOut,
                    "The document conversion ran out of CPU time.",
                ),
                Some(25) => too_large(config),
                _ if written >= config.max_output_bytes => too_large(config),
                _ => failed(
                    ConversionFailure::Corrupt,
                    format!(
                        "The document could not be converted to PDF; it is not a valid OXPS document ({said})."
                    ),
                ),
            },
        ));
    }
    let file = tokio::fs::File::open(&target).await.map_err(io_error)?;
    let body = tokio_util::io::ReaderStream::new(file).map_err(std::io::Error::other);
    match blobs.put(output, Box::pin(body), config.max_output_bytes).await {
        Ok(stored) => Ok(Ok(stored)),
        Err(platen_blob::BlobError::Source(_)) => Ok(Err(too_large(config))),
        Err(e) => Err(e.into()),
    }
}

fn too_large(config: &ConverterConfig) -> Failed {
    failed(
        ConversionFailure::TooLarge,
        format!(
            "The converted document is larger than the limit of {} bytes.",
            config.max_output_bytes
        ),
    )
}

pub(crate) async fn copy_blob_to_file(blobs: &dyn BlobStore, key: &str, path: &Path) -> Result<(), AppError> {
    let (_, mut stream) = blobs.get(key).await?;
    let mut file = tokio::fs::File::create(path).await.map_err(io_error)?;
    while let Some(chunk) = stream.try_next().await.map_err(io_error)? {
        file.write_all(&chunk).await.map_err(io_error)?;
    }
    file.flush().await.map_err(io_error)?;
    Ok(())
}

/// The converter's first line of complaint, short, for the job's history.
fn first_line(path: &Path) -> String {
    let text = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&text[..text.len().min(300)]);
    text.lines().next().unwrap_or("no message").trim().to_string()
}

fn io_error(e: std::io::Error) -> AppError {
    AppError::Internal(format!("document conversion I/O: {e}"))
}
