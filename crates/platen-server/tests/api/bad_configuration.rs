//! A configuration Platen cannot honour stops `platen serve` at once with one line naming the key, the variable,
//! the file or the directory: a misspelt key or section, an unknown `PLATEN_*` variable, a wrong type, a data
//! directory that cannot be created.

use super::common::BIN;
use std::process::Command;

/// Runs `platen serve` with `args` and `env`; it must fail. Returns its standard error.
fn refused(args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Command::new(BIN);
    c.arg("serve").arg("--listen").arg("127.0.0.1:0");
    if !args.contains(&"--data-dir") {
        c.arg("--data-dir").arg(dir.path());
    }
    c.args(args)
        .env("RUST_BACKTRACE", "0")
        .env_remove("PLATEN_DATABASE_URL");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(
        !out.status.success(),
        "platen serve started with {args:?} {env:?}"
    );
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err
}

#[test]
fn unknown_keys_variables_wrong_types_and_bad_directories_stop_the_start_with_one_line() {
    let err = refused(&[], &[("PLATEN_RETENTON__DOCUMENTS", "1d")]);
    assert!(
        err.contains("unknown key `retenton`") && err.contains("PLATEN_RETENTON__DOCUMENTS"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("platen.toml");
    std::fs::write(&file, "[consol]\nenabled = false\n").unwrap();
    let err = refused(&["--config", file.to_str().unwrap()], &[]);
    assert!(
        err.contains("unknown key `consol`") && err.contains("platen.toml"),
        "{err}"
    );

    let err = refused(&[], &[("PLATEN_MAX_DOCUMENT_SIZE", "big")]);
    assert!(err.to_ascii_lowercase().contains("max_document_size"), "{err}");

    let not_a_dir = dir.path().join("a-file");
    std::fs::write(&not_a_dir, b"").unwrap();
    let inside = not_a_dir.join("data");
    let err = refused(&["--data-dir", inside.to_str().unwrap()], &[]);
    assert!(err.contains("data directory") && err.contains("a-file"), "{err}");
}
