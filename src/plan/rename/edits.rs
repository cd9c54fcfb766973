//! From decided sites and the family to byte edits: each renamed parameter with its uses in
//! the function body, each string naming the fixture, each definition (its `def` or its
//! `name=`), the re-exports that import it by name, and the alias fixture `keep_alias` adds.

use super::family::kept_alias_function;
use super::*;
use crate::plan::references::parameter_references;
use crate::plan::source::{self, AliasText};

pub(super) fn edits_for_sites(
    index: &Index,
    sites: &[(PathBuf, Span, SiteKind)],
    old: &str,
    to: &str,
    planned: &mut Planned,
) -> Result<(), PlanError> {
    // The files whose parameters are renamed are parsed (for the uses in the body) in
    // parallel, a batch of files at a time: a rename across tens of thousands of modules
    // never holds all their trees at once. Sites come file by file (sorted by path).
    let mut batches: Vec<&[(PathBuf, Span, SiteKind)]> = Vec::new();
    let (mut start, mut files) = (0, 0);
    for i in 0..sites.len() {
        if i > 0 && sites[i].0 != sites[i - 1].0 {
            files += 1;
            if files == FILES_AT_ONCE {
                batches.push(&sites[start..i]);
                (start, files) = (i, 0);
            }
        }
    }
    batches.push(&sites[start..]);
    for batch in batches {
        edits_for_batch(index, batch, old, to, planned);
    }
    Ok(())
}

/// How many files [`edits_for_sites`] parses at once.
const FILES_AT_ONCE: usize = 512;

/// The edits of `sites` (those of a few files).
fn edits_for_batch(
    index: &Index,
    sites: &[(PathBuf, Span, SiteKind)],
    old: &str,
    to: &str,
    planned: &mut Planned,
) {
    let mut param_files: Vec<&PathBuf> = sites
        .iter()
        .filter(|(_, _, kind)| *kind == SiteKind::Param)
        .map(|(path, _, _)| path)
        .collect();
    param_files.sort_unstable();
    param_files.dedup();
    let mut trees: HashMap<PathBuf, (tree_sitter::Tree, Vec<u8>, usize)> = {
        use rayon::prelude::*;
        param_files
            .par_iter()
            .map(|path| ((*path).clone(), parse_for_references(index, path, old)))
            .collect()
    };
    for (path, span, kind) in sites {
        let (path, span, kind) = (path.clone(), *span, *kind);
        planned.edits.push(TextEdit {
            path: path.clone(),
            start: span.start(),
            end: span.end(),
            content: to.to_string(),
        });
        if kind != SiteKind::Param {
            continue;
        }
        let (tree, src, offset) = trees
            .entry(path.clone())
            .or_insert_with(|| parse_for_references(index, &path, old));
        // The parameter's function: find the def whose parameter list holds this span.
        let Some(def_name_start) = function_of_param(tree, src, span.start() - *offset) else {
            continue;
        };
        for r in parameter_references(tree, src, *offset, def_name_start + *offset, old) {
            planned.edits.push(TextEdit {
                path: path.clone(),
                start: r.start,
                end: r.end,
                content: to.to_string(),
            });
        }
    }
    crate::drop_in_background(trees);
}

/// A file's syntax tree (of the text after any BOM) without the function bodies that do not
/// contain `name` (they cannot refer to it), the text it was parsed from, and the BOM's length.
pub(super) fn parse_for_references(
    index: &Index,
    path: &Path,
    name: &str,
) -> (tree_sitter::Tree, Vec<u8>, usize) {
    let bytes = index.loader.read(path).unwrap_or_default();
    let offset = source::bom_len(&bytes);
    // The analysis may have made the tree already, with more bodies.
    if let Some((tree, text)) = index
        .loader
        .cache
        .as_deref()
        .and_then(|cache| cache.take_reference_tree(&bytes, name))
    {
        return (tree, text, offset);
    }
    let finder = memchr::memmem::Finder::new(name.as_bytes());
    let (tree, text) =
        crate::parse::tree_with_bodies(&bytes[offset..], |body| finder.find(body).is_some());
    (tree, text, offset)
}

/// The byte offset of the name of the function whose parameter starts at `param_start`.
pub(super) fn function_of_param(
    tree: &tree_sitter::Tree,
    _src: &[u8],
    param_start: usize,
) -> Option<usize> {
    let mut node = tree
        .root_node()
        .descendant_for_byte_range(param_start, param_start + 1)?;
    while node.kind() != "function_definition" {
        node = node.parent()?;
    }
    Some(node.child_by_field_name("name")?.start_byte())
}

pub(super) fn edits_for_definitions(
    index: &Index,
    family: &BTreeSet<CodeRef>,
    spec: &RenameSpec,
    planned: &mut Planned,
) {
    let to = spec.to.as_str();
    let old = spec.fixture.as_str();
    let mut renamed_functions: BTreeSet<(ModuleId, String)> = BTreeSet::new();
    for code in family {
        let Some(BindingKind::Fixture(def)) = index.binding_kind(*code) else {
            continue;
        };
        let path = index.modules()[code.module].path.clone();
        let (span, text) = match &def.marker.name {
            Some(name) => (name.span, to.to_string()),
            None => {
                if code.class.is_none() {
                    renamed_functions.insert((code.module, def.function.name.text.clone()));
                }
                (def.function.name.span, to.to_string())
            }
        };
        planned.edits.push(TextEdit {
            path: path.clone(),
            start: span.start(),
            end: span.end(),
            content: text,
        });
        if spec.keep_alias {
            keep_alias(index, *code, def, spec, planned);
        }
    }
    // Module-level references to renamed functions (`alias = old`, `pytest.fixture(old)`, ...).
    for (module, function) in &renamed_functions {
        let path = index.modules()[*module].path.clone();
        let bytes = index.loader.read(&path).unwrap_or_default();
        let offset = source::bom_len(&bytes);
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("grammar matches runtime");
        let Some(tree) = parser.parse(&bytes[offset..], None) else {
            continue;
        };
        for r in
            crate::plan::references::global_references(&tree, &bytes[offset..], offset, function)
        {
            planned.edits.push(TextEdit {
                path: path.clone(),
                start: r.start,
                end: r.end,
                content: to.to_string(),
            });
        }
    }
    // Imports of renamed functions (`from m import old [as x]`) and `__all__` entries.
    for (id, module) in index.modules().iter().enumerate() {
        let Some(facts) = module.facts.as_ref() else {
            continue;
        };
        for b in &facts.bindings {
            let BindingKind::ImportFrom {
                target,
                name,
                name_span,
            } = &b.kind
            else {
                continue;
            };
            if name != old {
                continue;
            }
            let Some(source) = index.loader.resolve_import(id, target) else {
                continue;
            };
            let from = index.loader.module_id(&source);
            if from.is_some_and(|f| {
                renamed_functions.contains(&(f, old.to_string()))
                    || reexports(index, f, old, &renamed_functions)
            }) {
                planned.edits.push(TextEdit {
                    path: module.path.clone(),
                    start: name_span.start(),
                    end: name_span.end(),
                    content: to.to_string(),
                });
            }
        }
        let exports_renamed = renamed_functions.contains(&(id, old.to_string()))
            || reexports(index, id, old, &renamed_functions);
        if let (true, Some(all)) = (exports_renamed, facts.dunder_all.as_ref()) {
            for entry in all.iter().filter(|a| a.text == old) {
                planned.edits.push(TextEdit {
                    path: module.path.clone(),
                    start: entry.span.start(),
                    end: entry.span.end(),
                    content: to.to_string(),
                });
            }
        }
    }
}

/// Does module `m` bind `old` by importing a renamed function?
pub(super) fn reexports(
    index: &Index,
    m: ModuleId,
    old: &str,
    renamed: &BTreeSet<(ModuleId, String)>,
) -> bool {
    let Some(facts) = index.modules()[m].facts.as_ref() else {
        return false;
    };
    facts.bindings.iter().any(|b| match &b.kind {
        BindingKind::ImportFrom { target, name, .. } if b.name == old && name == old => index
            .loader
            .resolve_import(m, target)
            .and_then(|p| index.loader.module_id(&p))
            .is_some_and(|src| renamed.contains(&(src, old.to_string()))),
        _ => false,
    }) || facts.star_imports.iter().any(|s| {
        index
            .loader
            .resolve_import(m, &s.target)
            .and_then(|p| index.loader.module_id(&p))
            .is_some_and(|src| renamed.contains(&(src, old.to_string())))
    })
}

/// Leaves `old` as a deprecated alias fixture right after the renamed definition.
pub(super) fn keep_alias(
    index: &Index,
    code: CodeRef,
    def: &FixtureDef,
    spec: &RenameSpec,
    planned: &mut Planned,
) {
    let module = &index.modules()[code.module];
    let Some(facts) = module.facts.as_ref() else {
        return;
    };
    let src = index.loader.read(&module.path).unwrap_or_default();
    let eol = source::line_ending(&src);
    let indent_width = def.function.span.column().saturating_sub(1);
    let indent = " ".repeat(indent_width);
    let scope = match &def.marker.scope {
        Some(crate::parse::ScopeSpec::Literal(s)) => Some(source::python_string(s)),
        Some(crate::parse::ScopeSpec::Callable(c)) => Some(c.clone()),
        _ => None,
    };
    let pytest = source::module_alias(facts, "pytest");
    let message = spec.message.clone().unwrap_or_else(|| {
        format!(
            "`{}` is deprecated; request `{}` instead",
            spec.fixture, spec.to
        )
    });
    let text = AliasText {
        name: &spec.fixture,
        target: &spec.to,
        function: &kept_alias_function(&spec.fixture),
        scope: scope.as_deref(),
        warning: Some(&message),
        pytest: pytest.as_deref().unwrap_or("pytest"),
        indent: &indent,
        eol,
    }
    .render();
    let end = def.function.span.end();
    // After the definition's last line.
    let line_end =
        memchr::memchr(b'\n', &src[end.min(src.len())..]).map_or(src.len(), |i| end + i + 1);
    let needs_eol = line_end == src.len() && !src.ends_with(b"\n");
    let mut insert = String::new();
    if needs_eol {
        insert.push_str(eol);
    }
    insert.push_str(eol);
    if code.class.is_none() {
        insert.push_str(eol);
    }
    insert.push_str(&text);
    planned.edits.push(TextEdit {
        path: module.path.clone(),
        start: line_end,
        end: line_end,
        content: insert,
    });
    let mut imports = String::new();
    if source::module_alias(facts, "warnings").is_none() {
        imports.push_str(&format!("import warnings{eol}"));
    }
    if pytest.is_none() {
        imports.push_str(&format!("import pytest{eol}"));
    }
    if !imports.is_empty() {
        let at = source::import_insertion_point(&src, facts);
        planned.edits.push(TextEdit {
            path: module.path.clone(),
            start: at,
            end: at,
            content: imports,
        });
    }
}
