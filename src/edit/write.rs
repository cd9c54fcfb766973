//! Writing changes to disk: all or nothing, each file replaced atomically.
//!
//! Three phases. *Verify*: every file is as fixmig read it (else [`EditError::Stale`]), no two
//! changes are one file (a symlink), none is read-only unless allowed. *Prepare*: every new
//! content goes to a synced temporary file in its file's directory (taking the original's
//! permissions and owner); a failure here (no space, a directory that cannot be written)
//! removes the temporary files and nothing has changed. *Commit*: each edited file gets a hard
//! link to its original as a backup, its content is compared with what was read once more, and
//! the temporary file is renamed over it; created files are linked in without replacing
//! anything; deleted files (last) are renamed to a backup name. A failure or a signal during
//! the commit renames every backup back (an exact restore: same inode, bytes, mode, owner,
//! mtime) and removes the created files; after the last step the backups are removed.

use std::collections::HashMap;
use std::fs::{self, Permissions};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};

use tempfile::TempPath;

use super::guard::{self, fault, fault::Step};
use super::{EditError, FileChange, Unrestored};

/// The owner of an existing file (unix), given back to its replacement when allowed.
type Owner = Option<(u32, u32)>;

/// How [`write_with`] writes.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions<'a> {
    /// Replace or delete read-only files too (`--force-read-only`); by default any makes the
    /// whole write fail with [`EditError::ReadOnly`] before anything is written.
    pub allow_read_only: bool,
    /// A directory (the rootdir) to hold an exclusive lock on while writing, so that two
    /// writes on one tree run one after the other.
    pub lock: Option<&'a Path>,
    /// What the analysis read: a file edited from other bytes is stale.
    pub reads: Option<&'a super::ReadLog>,
}

struct Planned<'a> {
    change: &'a FileChange,
    /// The real file (symlinks resolved, so a symlink stays a symlink); for a deletion, the
    /// path removed (the link itself for a symlink).
    target: PathBuf,
    permissions: Option<Permissions>,
    owner: Owner,
    /// The new content, synced, next to `target` (not for deletions).
    temp: Option<TempPath>,
    /// Directories created for a new file, outermost first.
    created_dirs: Vec<PathBuf>,
}

/// A committed step, with what puts it back.
struct Done {
    index: usize,
    /// The original file under another name in the same directory (a hard link for an edited
    /// file, the file itself for a deleted one); `None` when no link could be made, and the
    /// original bytes are written back instead.
    backup: Option<PathBuf>,
}

/// [`write_with`] with the default options: read-only files refused, no lock.
pub fn write_all(changes: &[FileChange]) -> Result<usize, EditError> {
    write_with(changes, &WriteOptions::default())
}

/// Writes every change, or nothing (see the module documentation for how). Returns the
/// number of files written or removed.
///
/// Errors: [`EditError::Stale`] (a file changed since it was read, or a file to create
/// appeared), [`EditError::Alias`], [`EditError::ReadOnly`] before anything is written;
/// [`EditError::Write`] when a step fails, [`EditError::Interrupted`] when SIGINT, SIGTERM or
/// SIGHUP arrives during the write — both after everything was put back (the error lists
/// anything that could not be). While the write runs those signals are deferred.
pub fn write_with(changes: &[FileChange], opts: &WriteOptions) -> Result<usize, EditError> {
    let _lock = opts.lock.map(guard::TreeLock::acquire);
    let _signals = guard::SignalGuard::defer();
    if let Some(reads) = opts.reads {
        reads.check(changes)?;
    }
    let mut planned = verify_all(changes)?;
    if !opts.allow_read_only {
        let files = guard::read_only_files(changes);
        if !files.is_empty() {
            return Err(EditError::ReadOnly { files });
        }
    }

    // Prepare: every new content in a temporary file next to its target.
    for i in 0..planned.len() {
        let result =
            fault::at(Step::Temp, &planned[i].change.rel).and_then(|()| prepare(&mut planned[i]));
        if let Err(source) = result {
            let path = planned[i].change.rel.clone();
            discard(&mut planned);
            return Err(EditError::Write {
                path,
                source,
                restored: Vec::new(),
                unrestored: Vec::new(),
            });
        }
        if let Some(sig) = guard::take_signal() {
            discard(&mut planned);
            return Err(interrupted(sig, Vec::new(), Vec::new()));
        }
    }

    // Commit: edited and created files in order, deletions last.
    let order: Vec<usize> = (0..planned.len())
        .filter(|&i| !planned[i].change.deleted)
        .chain((0..planned.len()).filter(|&i| planned[i].change.deleted))
        .collect();
    let mut done: Vec<Done> = Vec::with_capacity(planned.len());
    for &i in &order {
        match commit(&mut planned[i]) {
            Ok(backup) => done.push(Done { index: i, backup }),
            Err(failure) => {
                let (restored, unrestored) = roll_back(&planned, done);
                let path = planned[i].change.rel.clone();
                discard(&mut planned);
                return Err(match failure {
                    Failure::Stale if unrestored.is_empty() => EditError::Stale { path },
                    Failure::Stale => EditError::Write {
                        path,
                        source: io::Error::other("it changed on disk since fixmig read it"),
                        restored,
                        unrestored,
                    },
                    Failure::Io(source) => EditError::Write {
                        path,
                        source,
                        restored,
                        unrestored,
                    },
                });
            }
        }
        if let Some(sig) = guard::take_signal() {
            let (restored, unrestored) = roll_back(&planned, done);
            discard(&mut planned);
            return Err(interrupted(sig, restored, unrestored));
        }
    }

    // Every file is in place: drop the backups, make the renames durable.
    let mut dirs: Vec<&Path> = Vec::new();
    for d in &done {
        if let Some(backup) = &d.backup {
            let _ = fs::remove_file(backup);
        }
        if let Some(dir) = parent(&planned[d.index].target) {
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
    }
    for dir in dirs {
        sync_dir(dir);
    }
    Ok(planned.len())
}

fn interrupted(sig: i32, restored: Vec<String>, unrestored: Vec<Unrestored>) -> EditError {
    EditError::Interrupted {
        signal: guard::signal_name(sig),
        number: sig,
        restored,
        unrestored,
    }
}

fn is_absent(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory)
}

fn parent(path: &Path) -> Option<&Path> {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => Some(d),
        _ => Some(Path::new(".")),
    }
}

fn verify_all(changes: &[FileChange]) -> Result<Vec<Planned<'_>>, EditError> {
    let mut planned = Vec::with_capacity(changes.len());
    let mut seen: HashMap<PathBuf, &str> = HashMap::new();
    for change in changes {
        let real = verify(change)?;
        if let Some(other) = seen.insert(real.clone(), &change.rel) {
            return Err(EditError::Alias {
                path: other.to_string(),
                other: change.rel.clone(),
            });
        }
        let (permissions, owner) = match change.original {
            Some(_) => fs::metadata(&real)
                .map(|m| (Some(m.permissions()), owner_of(&m)))
                .map_err(|source| EditError::Io {
                    path: change.rel.clone(),
                    source,
                })?,
            None => (None, None),
        };
        let is_link = change
            .path
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink());
        let target = if change.deleted && is_link {
            change.path.clone()
        } else {
            real
        };
        planned.push(Planned {
            change,
            target,
            permissions,
            owner,
            temp: None,
            created_dirs: Vec::new(),
        });
    }
    Ok(planned)
}

/// Checks that `change.path` is as fixmig read it; returns the file to write.
fn verify(change: &FileChange) -> Result<PathBuf, EditError> {
    let stale = || EditError::Stale {
        path: change.rel.clone(),
    };
    let io_error = |source| EditError::Io {
        path: change.rel.clone(),
        source,
    };
    match &change.original {
        Some(original) => {
            let target = fs::canonicalize(&change.path).map_err(|e| {
                if is_absent(&e) {
                    stale()
                } else {
                    io_error(e)
                }
            })?;
            let now =
                fs::read(&target).map_err(|e| if is_absent(&e) { stale() } else { io_error(e) })?;
            if now != *original {
                return Err(stale());
            }
            Ok(target)
        }
        None => match change.path.symlink_metadata() {
            Ok(_) => Err(stale()),
            Err(e) if is_absent(&e) => Ok(change.path.clone()),
            Err(e) => Err(io_error(e)),
        },
    }
}

/// Writes the new content of `p` to a synced temporary file in its directory (creating the
/// missing directories of a new file).
fn prepare(p: &mut Planned) -> io::Result<()> {
    if p.change.deleted {
        return Ok(());
    }
    if p.change.original.is_none() {
        create_parents(&p.target, &mut p.created_dirs)?;
    }
    p.temp = Some(temp_file(
        &p.target,
        &p.change.new,
        p.permissions.as_ref(),
        p.owner,
    )?);
    Ok(())
}

/// Removes the temporary files not committed and the directories made for files not created.
fn discard(planned: &mut [Planned]) {
    for p in planned.iter_mut() {
        p.temp = None; // a TempPath removes its file when dropped
    }
    for p in planned.iter().rev() {
        remove_dirs(&p.created_dirs);
    }
}

enum Failure {
    Stale,
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Io(e)
    }
}

/// Puts `p` in place; returns its backup.
fn commit(p: &mut Planned) -> Result<Option<PathBuf>, Failure> {
    let rel = &p.change.rel;
    if p.change.deleted {
        fault::at(Step::Delete, rel)?;
        if !still_original(&p.change.path, p.change)? {
            return Err(Failure::Stale);
        }
        let dir = parent(&p.target).unwrap_or(Path::new("."));
        let target = p.target.clone();
        let backup = backup_name(dir, ".del", |b| fs::rename(&target, b))?;
        return Ok(Some(backup));
    }
    fault::at(Step::Commit, rel)?;
    let temp = p.temp.take().expect("prepared");
    if p.change.original.is_none() {
        return match temp.persist_noclobber(&p.target) {
            Ok(()) => Ok(None),
            Err(e) if e.error.kind() == ErrorKind::AlreadyExists => Err(Failure::Stale),
            Err(e) => Err(Failure::Io(e.error)),
        };
    }
    let dir = parent(&p.target).unwrap_or(Path::new("."));
    let backup = backup_name(dir, ".orig", |b| fs::hard_link(&p.target, b)).ok();
    let checked = backup.as_deref().unwrap_or(&p.target);
    let unchanged = still_original(checked, p.change);
    if !matches!(unchanged, Ok(true)) {
        if let Some(b) = &backup {
            let _ = fs::remove_file(b);
        }
        return Err(match unchanged {
            Ok(_) => Failure::Stale,
            Err(e) => Failure::Io(e),
        });
    }
    if let Err(e) = temp.persist(&p.target) {
        if let Some(b) = &backup {
            let _ = fs::remove_file(b);
        }
        return Err(Failure::Io(e.error));
    }
    Ok(backup)
}

/// Whether `path` still holds the bytes fixmig read (`false` when it is gone).
fn still_original(path: &Path, change: &FileChange) -> io::Result<bool> {
    match fs::read(path) {
        Ok(now) => Ok(change.original.as_deref() == Some(now.as_slice())),
        Err(e) if is_absent(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Runs `make` with a fresh `.fixmig-*<suffix>` path in `dir` until it does not collide.
fn backup_name(
    dir: &Path,
    suffix: &str,
    mut make: impl FnMut(&Path) -> io::Result<()>,
) -> io::Result<PathBuf> {
    tempfile::Builder::new()
        .prefix(".fixmig-")
        .suffix(suffix)
        .make_in(dir, |path| {
            if path.symlink_metadata().is_ok() {
                return Err(io::Error::from(ErrorKind::AlreadyExists));
            }
            make(path)
        })
        .and_then(|named| named.into_temp_path().keep().map_err(|e| e.error))
}

/// Puts back every committed step, last first. Returns the restored paths (in commit order)
/// and those that could not be restored.
fn roll_back(planned: &[Planned], done: Vec<Done>) -> (Vec<String>, Vec<Unrestored>) {
    let mut restored = Vec::new();
    let mut unrestored = Vec::new();
    for d in done.into_iter().rev() {
        let p = &planned[d.index];
        let rel = p.change.rel.clone();
        let result =
            fault::at(Step::Restore, &rel).and_then(|()| match (&d.backup, &p.change.original) {
                (Some(backup), _) => fs::rename(backup, &p.target),
                (None, Some(original)) => {
                    write_replacement(&p.target, original, p.permissions.as_ref(), p.owner)
                }
                (None, None) => fs::remove_file(&p.target).map(|()| remove_dirs(&p.created_dirs)),
            });
        match result {
            Ok(()) => restored.push(rel),
            Err(e) => unrestored.push(Unrestored {
                path: rel,
                error: e.to_string(),
                saved_to: match (&d.backup, &p.change.original) {
                    (Some(backup), _) => Some(backup.clone()),
                    (None, Some(original)) => rescue(original),
                    (None, None) => None,
                },
                created: p.change.original.is_none(),
            }),
        }
    }
    restored.reverse();
    unrestored.reverse();
    (restored, unrestored)
}

/// Saves `bytes` to a new file in the temporary directory, for a file that could not be put
/// back; returns its path.
fn rescue(bytes: &[u8]) -> Option<PathBuf> {
    let mut tmp = tempfile::Builder::new()
        .prefix("fixmig-original-")
        .tempfile_in(std::env::temp_dir())
        .ok()?;
    tmp.write_all(bytes).ok()?;
    tmp.as_file().sync_all().ok()?;
    tmp.keep().ok().map(|(_, path)| path)
}

/// Creates the missing ancestors of `path`, recording each one created (outermost first).
fn create_parents(path: &Path, created: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d.as_os_str().is_empty() || d.symlink_metadata().is_ok() {
            break;
        }
        missing.push(d.to_path_buf());
        dir = d.parent();
    }
    for d in missing.into_iter().rev() {
        fs::create_dir(&d)?;
        created.push(d);
    }
    Ok(())
}

/// Removes directories `create_parents` made (innermost first); leaves any that are not empty.
fn remove_dirs(dirs: &[PathBuf]) {
    for d in dirs.iter().rev() {
        let _ = fs::remove_dir(d);
    }
}

/// A synced temporary file next to `target` holding `bytes`, with `permissions` (and `owner`,
/// best effort); without them 0o644 less the umask.
fn temp_file(
    target: &Path,
    bytes: &[u8],
    permissions: Option<&Permissions>,
    owner: Owner,
) -> io::Result<TempPath> {
    let dir = parent(target).unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".fixmig-").suffix(".tmp");
    #[cfg(unix)]
    if permissions.is_none() {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    #[cfg(unix)]
    if let Some((uid, gid)) = owner {
        // Only root may give a file away; a failure just leaves the file ours.
        let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(uid), Some(gid));
    }
    if let Some(p) = permissions {
        tmp.as_file().set_permissions(p.clone())?;
    }
    tmp.as_file().sync_all()?;
    Ok(tmp.into_temp_path())
}

/// Writes `bytes` over `target` through a temporary file renamed over it (a roll-back where no
/// backup link could be made).
fn write_replacement(
    target: &Path,
    bytes: &[u8],
    permissions: Option<&Permissions>,
    owner: Owner,
) -> io::Result<()> {
    temp_file(target, bytes, permissions, owner)?
        .persist(target)
        .map_err(|e| e.error)?;
    if let Some(dir) = parent(target) {
        sync_dir(dir);
    }
    Ok(())
}

/// Makes renames in `dir` durable; not every platform can sync a directory.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(unix)]
fn owner_of(meta: &fs::Metadata) -> Owner {
    use std::os::unix::fs::MetadataExt;
    Some((meta.uid(), meta.gid()))
}

#[cfg(not(unix))]
fn owner_of(_meta: &fs::Metadata) -> Owner {
    None
}
