//! Writing an output file without damaging what is there.
//!
//! - `-` is standard output;
//! - a FIFO or a character device is written as a stream;
//! - a symbolic link: its target is written, atomically;
//! - a regular file is replaced atomically: the bytes go to a temporary
//!   file in the same directory, which is renamed over the old one; the new
//!   file keeps the old file's permissions, and a new file gets 0644 less
//!   the umask; a failure removes the temporary file and leaves the old one;
//! - a file with several hard links is rewritten in place, so every link
//!   sees the new content (a rename would split them);
//! - a directory is refused.
//!
//! Every error names the operation and the path.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the bytes went.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    /// To standard output: the caller prints them.
    Stdout(Vec<u8>),
    File(PathBuf),
}

#[derive(Debug, thiserror::Error)]
#[error("cannot {op} `{path}`: {message}")]
pub struct WriteError {
    pub op: &'static str,
    pub path: PathBuf,
    pub message: String,
}

fn err(op: &'static str, path: &Path, e: impl std::fmt::Display) -> WriteError {
    WriteError { op, path: path.to_path_buf(), message: e.to_string() }
}

/// Writes `bytes` to `path` as described above.
pub fn write(path: &Path, bytes: Vec<u8>) -> Result<Written, WriteError> {
    if path.as_os_str() == "-" {
        return Ok(Written::Stdout(bytes));
    }
    let target = resolve_links(path)?;
    match std::fs::metadata(&target) {
        Ok(meta) if meta.is_dir() => Err(err("write", path, "it is a directory")),
        Ok(meta) if is_stream(&meta) => {
            let mut f =
                std::fs::OpenOptions::new().write(true).open(&target).map_err(|e| err("open", path, e))?;
            f.write_all(&bytes).map_err(|e| err("write to", path, e))?;
            Ok(Written::File(path.to_path_buf()))
        }
        Ok(meta) if links(&meta) > 1 => {
            std::fs::write(&target, &bytes).map_err(|e| err("write", path, e))?;
            Ok(Written::File(path.to_path_buf()))
        }
        Ok(meta) => {
            replace(&target, &bytes, Some(meta.permissions())).map(|_| Written::File(path.to_path_buf()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            replace(&target, &bytes, None).map(|_| Written::File(path.to_path_buf()))
        }
        Err(e) => Err(err("inspect", path, e)),
    }
}

/// The file a chain of symbolic links ends at (which may not exist yet).
fn resolve_links(path: &Path) -> Result<PathBuf, WriteError> {
    let mut cur = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&cur).map_err(|e| err("read the link", &cur, e))?;
                cur = match cur.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(cur),
        }
    }
    Err(err("follow the links of", path, "too many levels of symbolic links"))
}

#[cfg(unix)]
fn is_stream(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    t.is_fifo() || t.is_char_device() || t.is_socket()
}

#[cfg(not(unix))]
fn is_stream(_: &std::fs::Metadata) -> bool {
    false
}

#[cfg(unix)]
fn links(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.nlink()
}

#[cfg(not(unix))]
fn links(_: &std::fs::Metadata) -> u64 {
    1
}

/// Temporary file beside `target`, then a rename over it.
fn replace(target: &Path, bytes: &[u8], keep: Option<std::fs::Permissions>) -> Result<(), WriteError> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        let why = if dir.exists() { "it is not a directory" } else { "the directory does not exist" };
        return Err(err("write", target, format!("{why}: `{}`", dir.display())));
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".mixplan-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    // The error of the temporary file names its random path: say the kind only.
    let mut tmp = builder.tempfile_in(&dir).map_err(|e| err("create a temporary file in", &dir, e.kind()))?;
    tmp.write_all(bytes).map_err(|e| err("write", target, e))?;
    tmp.as_file().sync_all().map_err(|e| err("write", target, e))?;
    if let Some(p) = keep {
        std::fs::set_permissions(tmp.path(), p).map_err(|e| err("set the permissions of", target, e))?;
    }
    // On failure the temporary file is dropped, which removes it.
    tmp.persist(target).map_err(|e| err("replace", target, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_refused_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("out");
        std::fs::create_dir(&sub).unwrap();
        let e = write(&sub, b"x".to_vec()).unwrap_err();
        assert!(e.to_string().contains("it is a directory"), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_writes_its_target_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.csv");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        write(&link, b"new".to_vec()).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn the_old_mode_is_kept_and_hard_links_stay_joined() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        std::fs::write(&a, "old").unwrap();
        std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o600)).unwrap();
        write(&a, b"new".to_vec()).unwrap();
        assert_eq!(std::fs::metadata(&a).unwrap().permissions().mode() & 0o777, 0o600);
        let b = dir.path().join("b.csv");
        std::fs::hard_link(&a, &b).unwrap();
        write(&a, b"newer".to_vec()).unwrap();
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "newer");
    }

    #[test]
    fn a_missing_directory_names_the_path() {
        let e = write(Path::new("/nonexistent/dir/x.csv"), b"x".to_vec()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot write `/nonexistent/dir/x.csv`: the directory does not exist: `/nonexistent/dir`"
        );
    }
}
