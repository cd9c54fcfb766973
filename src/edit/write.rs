//! Writing changes to disk: all or nothing, each file replaced atomically.

use std::collections::HashMap;
use std::fs::{self, Permissions};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};

use super::{EditError, FileChange, Unrestored};

/// The owner of an existing file (unix), given back to its replacement when allowed.
type Owner = Option<(u32, u32)>;

struct Planned<'a> {
    change: &'a FileChange,
    /// The real file (symlinks resolved, so a symlink stays a symlink).
    target: PathBuf,
}

/// A file written, with what is needed to put it back.
struct Written<'a> {
    change: &'a FileChange,
    target: PathBuf,
    permissions: Option<Permissions>,
    owner: Owner,
    /// Directories created for a new file, outermost first.
    created_dirs: Vec<PathBuf>,
    /// A deleted path that was a symlink: where it pointed (the link is what was removed).
    link: Option<PathBuf>,
}

/// Writes every change, or nothing.
///
/// First every file is checked against disk: one whose bytes differ from
/// [`FileChange::original`] (or a file to create that now exists) fails with
/// [`EditError::Stale`] before anything is written. Then each file is replaced atomically: a
/// temporary file in the same directory gets the new bytes, is synced, takes the original's
/// permissions (and owner, where allowed) and is renamed over the original; new files get mode
/// 0o644 (less the umask) and their missing parent directories. If a write fails, the files
/// already written are restored the same way (new ones removed) and [`EditError::Write`] names
/// the failing file and the restored ones. A deleted file is removed (a symlink: the link, not
/// what it points to) in its turn, and put back like the others if a later step fails. Returns the number of files written or removed.
pub fn write_all(changes: &[FileChange]) -> Result<usize, EditError> {
    let mut planned = Vec::with_capacity(changes.len());
    let mut seen: HashMap<PathBuf, &str> = HashMap::new();
    for change in changes {
        let target = verify(change)?;
        if let Some(other) = seen.insert(target.clone(), &change.rel) {
            return Err(EditError::Alias {
                path: other.to_string(),
                other: change.rel.clone(),
            });
        }
        planned.push(Planned { change, target });
    }

    let mut written: Vec<Written> = Vec::with_capacity(planned.len());
    for p in &planned {
        match write_one(p) {
            Ok(w) => written.push(w),
            Err(source) => {
                let (restored, unrestored) = roll_back(written);
                return Err(EditError::Write {
                    path: p.change.rel.clone(),
                    source,
                    restored,
                    unrestored,
                });
            }
        }
    }
    Ok(planned.len())
}

fn is_absent(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory)
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

fn write_one<'a>(p: &Planned<'a>) -> io::Result<Written<'a>> {
    if p.change.deleted {
        let meta = fs::metadata(&p.target)?;
        let link = match p.change.path.symlink_metadata() {
            Ok(m) if m.file_type().is_symlink() => Some(fs::read_link(&p.change.path)?),
            _ => None,
        };
        let removed = if link.is_some() {
            &p.change.path
        } else {
            &p.target
        };
        fs::remove_file(removed)?;
        if let Some(dir) = removed.parent().and_then(|d| fs::File::open(d).ok()) {
            let _ = dir.sync_all();
        }
        return Ok(Written {
            change: p.change,
            target: removed.clone(),
            permissions: Some(meta.permissions()),
            owner: owner_of(&meta),
            created_dirs: Vec::new(),
            link,
        });
    }
    match &p.change.original {
        Some(_) => {
            let meta = fs::metadata(&p.target)?;
            let permissions = meta.permissions();
            let owner = owner_of(&meta);
            replace_atomically(&p.target, &p.change.new, Some(&permissions), owner, false)?;
            Ok(Written {
                change: p.change,
                target: p.target.clone(),
                permissions: Some(permissions),
                owner,
                created_dirs: Vec::new(),
                link: None,
            })
        }
        None => {
            let mut created_dirs = Vec::new();
            let result = create_parents(&p.target, &mut created_dirs)
                .and_then(|()| replace_atomically(&p.target, &p.change.new, None, None, true));
            if let Err(e) = result {
                remove_dirs(&created_dirs);
                return Err(e);
            }
            Ok(Written {
                change: p.change,
                target: p.target.clone(),
                permissions: None,
                owner: None,
                created_dirs,
                link: None,
            })
        }
    }
}

/// Puts back every written file, last first. Returns the restored paths (in write order) and
/// those that could not be restored.
fn roll_back(written: Vec<Written>) -> (Vec<String>, Vec<Unrestored>) {
    let mut restored = Vec::new();
    let mut unrestored = Vec::new();
    for w in written.into_iter().rev() {
        let rel = w.change.rel.clone();
        if let Some(link) = &w.link {
            match make_symlink(link, &w.target) {
                Ok(()) => restored.push(rel),
                Err(e) => unrestored.push(Unrestored {
                    path: rel,
                    error: format!("{e} (it was a symlink to {})", link.display()),
                    saved_to: None,
                    created: false,
                }),
            }
            continue;
        }
        match &w.change.original {
            Some(original) => {
                match replace_atomically(
                    &w.target,
                    original,
                    w.permissions.as_ref(),
                    w.owner,
                    false,
                ) {
                    Ok(()) => restored.push(rel),
                    Err(e) => unrestored.push(Unrestored {
                        path: rel,
                        error: e.to_string(),
                        saved_to: rescue(original),
                        created: false,
                    }),
                }
            }
            None => match fs::remove_file(&w.target) {
                Ok(()) => {
                    remove_dirs(&w.created_dirs);
                    restored.push(rel);
                }
                Err(e) => unrestored.push(Unrestored {
                    path: rel,
                    error: e.to_string(),
                    saved_to: None,
                    created: true,
                }),
            },
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

/// Writes `bytes` to `target` through a synced temporary file in the same directory renamed
/// over it. `permissions` (and `owner`, best effort) are given to the new file; without them
/// it is created 0o644 less the umask. With `no_clobber`, fails if `target` exists.
fn replace_atomically(
    target: &Path,
    bytes: &[u8],
    permissions: Option<&Permissions>,
    owner: Owner,
    no_clobber: bool,
) -> io::Result<()> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
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
    if no_clobber {
        tmp.persist_noclobber(target).map_err(|e| e.error)?;
    } else {
        tmp.persist(target).map_err(|e| e.error)?;
    }
    // Make the rename itself durable; not every platform can sync a directory.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
fn make_symlink(to: &Path, at: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(to, at)
}

#[cfg(not(unix))]
fn make_symlink(_to: &Path, _at: &Path) -> io::Result<()> {
    Err(io::Error::new(
        ErrorKind::Unsupported,
        "cannot recreate a symlink here",
    ))
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
