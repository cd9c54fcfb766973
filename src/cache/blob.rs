//! The cache file's bytes as fixmig reads and writes them: its index, read without its
//! entries, and [`Blob`], bytes read back by range from a file (or memory), so that a large
//! suite's entries are never all in memory at once.

use foldhash::{HashMap, HashMapExt};
use std::ops::Range;
use std::path::Path;

use super::{FORMAT, MAGIC};

/// The entries of a cache file: content hash → range of the encoded facts, read through a
/// buffer that skips the entries themselves. `None` when the file is not a complete cache
/// file of this format and key.
pub(super) fn read_index(file: &std::fs::File, key: u64) -> Option<HashMap<u128, Range<usize>>> {
    use std::io::Read;
    let size = usize::try_from(file.metadata().ok()?.len()).ok()?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    // The offset after `n` more bytes from `at`, within the file.
    let advance = |at: &mut usize, n: usize| -> Option<usize> {
        let start = *at;
        *at = at.checked_add(n).filter(|end| *end <= size)?;
        Some(start)
    };
    let mut at = 0usize;
    let mut header = [0u8; 24];
    advance(&mut at, 24)?;
    reader.read_exact(&mut header).ok()?;
    let format = u32::from_le_bytes(header[8..12].try_into().ok()?);
    let file_key = u64::from_le_bytes(header[12..20].try_into().ok()?);
    if &header[..8] != MAGIC || format != FORMAT || file_key != key {
        return None;
    }
    let count = u32::from_le_bytes(header[20..24].try_into().ok()?) as usize;
    let mut entries = HashMap::with_capacity(count.min(1 << 20));
    let mut entry = [0u8; 20];
    for _ in 0..count {
        advance(&mut at, 20)?;
        reader.read_exact(&mut entry).ok()?;
        let hash = u128::from_le_bytes(entry[..16].try_into().ok()?);
        let len = u32::from_le_bytes(entry[16..].try_into().ok()?) as usize;
        let start = advance(&mut at, len)?;
        reader.seek_relative(i64::try_from(len).ok()?).ok()?;
        entries.insert(hash, start..at);
    }
    Some(entries)
}

/// Bytes read back by range: a file read at positions (never wholly in memory), or memory
/// where positional reads are not available.
#[derive(Default)]
pub(super) enum Blob {
    #[default]
    Empty,
    Memory(Vec<u8>),
    #[cfg(unix)]
    File {
        file: std::fs::File,
        len: usize,
    },
}

impl Blob {
    /// An opened cache file.
    pub(super) fn from_file(file: std::fs::File) -> Blob {
        #[cfg(unix)]
        {
            let len = file.metadata().map_or(0, |m| m.len() as usize);
            Blob::File { file, len }
        }
        #[cfg(not(unix))]
        {
            use std::io::Read;
            let mut bytes = Vec::new();
            let mut file = file;
            match file.read_to_end(&mut bytes) {
                Ok(_) => Blob::Memory(bytes),
                Err(_) => Blob::Empty,
            }
        }
    }

    /// An unlinked temporary file in `dir` to append to (memory when none can be made).
    pub(super) fn spill_file(dir: &Path) -> Blob {
        #[cfg(unix)]
        if let Ok(file) = tempfile::tempfile_in(dir) {
            return Blob::File { file, len: 0 };
        }
        let _ = dir;
        Blob::Memory(Vec::new())
    }

    /// Appends `bytes`: their range.
    pub(super) fn append(&mut self, bytes: &[u8]) -> Option<Range<usize>> {
        match self {
            Blob::Empty => {
                *self = Blob::Memory(bytes.to_vec());
                Some(0..bytes.len())
            }
            Blob::Memory(data) => {
                let start = data.len();
                data.extend_from_slice(bytes);
                Some(start..data.len())
            }
            #[cfg(unix)]
            Blob::File { file, len } => {
                use std::os::unix::fs::FileExt;
                let start = *len;
                file.write_all_at(bytes, start as u64).ok()?;
                *len += bytes.len();
                Some(start..*len)
            }
        }
    }

    /// The bytes of `range`.
    pub(super) fn read(&self, range: Range<usize>) -> Option<Vec<u8>> {
        match self {
            Blob::Empty => None,
            Blob::Memory(data) => data.get(range).map(<[u8]>::to_vec),
            #[cfg(unix)]
            Blob::File { file, len } => {
                use std::os::unix::fs::FileExt;
                if range.end > *len || range.start > range.end {
                    return None;
                }
                let mut buf = vec![0u8; range.len()];
                file.read_exact_at(&mut buf, range.start as u64).ok()?;
                Some(buf)
            }
        }
    }
}
