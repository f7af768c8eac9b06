//! Crash- and race-safe creation of files that must never be half-written or silently replaced.
//!
//! Used for the CA key and certificate: several Platen processes may start against the same data
//! directory at once, and all of them must end up with the same CA.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Whether [`create_new_file`] wrote the file or found one already in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Creation {
    Created,
    AlreadyExisted,
}

/// Who may read a file created by [`create_new_file`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Visibility {
    /// Owner only (0600): private keys.
    OwnerOnly,
    /// World-readable (0644): certificates.
    Public,
}

/// Creates `dir` (and parents) if needed; a newly created directory is private to the owner.
pub(crate) fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes `contents` to `path` unless that file already exists.
///
/// The data first goes to a uniquely named temporary file in the same directory, is flushed to
/// disk, and is then hard-linked into place. Linking fails atomically if another process created
/// `path` meanwhile, so readers never see a partial file and the first writer wins; the loser
/// gets [`Creation::AlreadyExisted`] and should load the winner's file.
pub(crate) fn create_new_file(path: &Path, contents: &[u8], visibility: Visibility) -> io::Result<Creation> {
    let (dir, temp_path) = temp_path_beside(path)?;
    let outcome = write_temp_file(&temp_path, contents, visibility).and_then(|()| publish(&temp_path, path));
    // After a successful link the temporary name is a second link to the same inode; after a
    // failure it is garbage. Either way it must go, and failing to remove it is harmless.
    let _ = fs::remove_file(&temp_path);
    if outcome
        .as_ref()
        .is_ok_and(|creation| *creation == Creation::Created)
    {
        sync_dir(dir);
    }
    outcome
}

/// Writes `contents` to `path`, replacing any file there. Readers see the old file or the new one, never a
/// mix: the data goes to a temporary file in the same directory, is flushed, then renamed into place.
pub(crate) fn replace_file(path: &Path, contents: &[u8], visibility: Visibility) -> io::Result<()> {
    let (dir, temp_path) = temp_path_beside(path)?;
    let outcome =
        write_temp_file(&temp_path, contents, visibility).and_then(|()| fs::rename(&temp_path, path));
    if outcome.is_err() {
        let _ = fs::remove_file(&temp_path);
    } else {
        sync_dir(dir);
    }
    outcome
}

/// The directory of `path` and a unique temporary file name in it.
fn temp_path_beside(path: &Path) -> io::Result<(&Path, PathBuf)> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let temp_path = dir.join(format!(
        ".{}.{}.{:016x}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        rand::random::<u64>()
    ));
    Ok((dir, temp_path))
}

fn write_temp_file(temp_path: &Path, contents: &[u8], visibility: Visibility) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(
        &mut options,
        match visibility {
            Visibility::OwnerOnly => 0o600,
            Visibility::Public => 0o644,
        },
    );
    #[cfg(not(unix))]
    let _ = visibility;
    let mut file = options.open(temp_path)?;
    file.write_all(contents)?;
    file.sync_all()
}

fn publish(temp_path: &Path, path: &Path) -> io::Result<Creation> {
    match fs::hard_link(temp_path, path) {
        Ok(()) => Ok(Creation::Created),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok(Creation::AlreadyExisted),
        Err(_) if path.exists() => Ok(Creation::AlreadyExisted),
        // Some filesystems (FAT, a few network mounts) have no hard links. Renaming is atomic too
        // but replaces a file a concurrent process may have created an instant earlier; that
        // window is accepted on such filesystems only.
        Err(_) => fs::rename(temp_path, path).map(|()| Creation::Created),
    }
}

/// Makes the new directory entry durable. Best effort: not every platform can fsync a directory.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_writer_wins_and_no_temp_files_remain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("file.pem");
        ensure_private_dir(path.parent().unwrap()).unwrap();
        assert_eq!(
            create_new_file(&path, b"first", Visibility::OwnerOnly).unwrap(),
            Creation::Created
        );
        assert_eq!(
            create_new_file(&path, b"second", Visibility::OwnerOnly).unwrap(),
            Creation::AlreadyExisted
        );
        assert_eq!(fs::read(&path).unwrap(), b"first");
        let entries: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(entries.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
