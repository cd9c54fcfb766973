//! Planning: migration rules plus the resolution of every request → byte-range edits.
//!
//! Every edit is decided by how pytest resolves the request being edited, never by name
//! matching alone; a rule whose edits would change what some test resolves to is refused with
//! an explanation instead.

mod alias;
mod blocks;
mod consolidate;
mod imports;
mod merge;
pub mod recheck;
pub mod references;
mod rename;
mod source;

use std::path::PathBuf;

pub use alias::{plan_alias, AliasSpec};
pub use consolidate::{
    fixture_code, identical_conftest_fixtures, plan_hoist, plan_move, plan_remove,
    resolution_fingerprint, FingerprintLine, HoistSpec, MoveSpec, RemoveSpec,
};
pub use merge::{plan_merge, MergeSpec};
pub use rename::{plan_redirect, plan_rename, rename_ini_usefixtures, RenameSpec};

/// One replacement of `start..end` in `path` (absolute) by `content`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub path: PathBuf,
    pub start: usize,
    pub end: usize,
    pub content: String,
}

/// What a rule plans: edits to existing files, files to create and files to delete, and notes
/// for the user about what the plan could not do or what deserves a review.
#[derive(Debug, Default, Clone)]
pub struct Planned {
    pub edits: Vec<TextEdit>,
    pub creates: Vec<(PathBuf, Vec<u8>)>,
    pub deletes: Vec<PathBuf>,
    pub notes: Vec<String>,
}

/// Which field of a rule an error is about (the driver points at it in the rule file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Fixture,
    To,
    DefinedIn,
    Name,
    Target,
    Conftest,
    From,
    Into,
    ReplaceWith,
    Rule,
}

/// Why a rule cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// The rule names something that does not exist or is out of bounds (exit 2).
    Invalid {
        field: Field,
        message: String,
        help: Option<String>,
    },
    /// The rule is well-formed but applying it would change resolution (exit 1, nothing
    /// written): every reason is listed.
    Refused {
        message: String,
        reasons: Vec<String>,
    },
}

impl PlanError {
    pub fn invalid(field: Field, message: impl Into<String>, help: Option<String>) -> PlanError {
        PlanError::Invalid {
            field,
            message: message.into(),
            help,
        }
    }
}
