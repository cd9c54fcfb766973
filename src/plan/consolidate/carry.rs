//! What moves with a fixture: its statement and those of the helpers named in `carry`, the
//! import lines the destination must gain for the module-level names they use, the names that
//! block the move (a helper not carried, a relative import, a clash with the destination),
//! where the blocks land in the destination, and the imports the source no longer needs.

use super::*;

/// What moving some module-level statements of `from` into `to` takes: their blocks, the
/// import lines `to` must gain, and the names that block the move.
pub(super) struct Carried {
    pub(super) blocks: Vec<Block>,
    pub(super) imports: BTreeSet<String>,
    pub(super) missing: Vec<String>,
    pub(super) conflicts: Vec<String>,
    /// Deletions of the imports of `from` that only the carried blocks used.
    pub(super) orphaned: Vec<TextEdit>,
}

pub(super) fn carry(
    index: &Index,
    from: ModuleId,
    to: Option<ModuleId>,
    same_dir: bool,
    start: Vec<usize>,
    carry: &[String],
) -> Carried {
    let facts = index.modules()[from].facts.clone().unwrap_or_default();
    let dest = to.and_then(|t| index.modules()[t].facts.clone());
    let src = index
        .loader
        .read(&index.modules()[from].path)
        .unwrap_or_default();
    let offset = source::bom_len(&src);
    let body = &src[offset..];
    let mut out = Carried {
        blocks: Vec::new(),
        imports: BTreeSet::new(),
        missing: Vec::new(),
        conflicts: Vec::new(),
        orphaned: Vec::new(),
    };
    let Some(tree) = blocks::parse_tree(body) else {
        return out;
    };
    let mut queue: Vec<usize> = start;
    let mut done: BTreeSet<usize> = BTreeSet::new();
    let rel = &index.modules()[from].rel;
    while let Some(b) = queue.pop() {
        if !done.insert(b) {
            continue;
        }
        let binding = &facts.bindings[b];
        let at = binding
            .name_span
            .map_or(0, |s| s.start().saturating_sub(offset));
        let Some(stmt) = blocks::top_level_statement(&tree, at) else {
            continue;
        };
        let mut block = blocks::block(body, stmt);
        block.remove = block.remove.start + offset..block.remove.end + offset;
        out.blocks.push(block);
        for name in blocks::free_names(body, stmt) {
            if name == binding.name {
                continue;
            }
            let Some(used) = blocks::module_binding(&facts, &name) else {
                continue; // a builtin (or a name that never existed)
            };
            match blocks::import_line(used) {
                Some(line) => {
                    let relative = matches!(&used.kind, BindingKind::ImportFrom { target, .. } if target.level > 0);
                    if relative && !same_dir {
                        out.conflicts.push(format!(
                            "`{name}` comes from a relative import ({line}) that means something else in the destination"
                        ));
                        continue;
                    }
                    match dest.as_ref().and_then(|d| blocks::module_binding(d, &name)) {
                        Some(existing) if blocks::import_line(existing).as_deref() == Some(line.as_str()) => {}
                        Some(_) => out.conflicts.push(format!(
                            "the destination binds `{name}` to something else than {rel} does ({line})"
                        )),
                        None => {
                            out.imports.insert(line);
                        }
                    }
                }
                None => {
                    let index_of = facts.bindings.iter().rposition(|x| std::ptr::eq(x, used));
                    if carry.iter().any(|c| c == &name) {
                        if let Some(i) = index_of {
                            queue.push(i);
                        }
                    } else {
                        out.missing.push(format!("`{name}` ({rel}:{})", used.line));
                    }
                }
            }
        }
    }
    out.missing.sort();
    out.missing.dedup();
    let removed: Vec<_> = out.blocks.iter().map(|b| b.remove.clone()).collect();
    out.orphaned = orphaned_import_edits(&index.modules()[from].path, &src, &tree, &removed);
    out
}

/// Edits that insert `blocks` (and `imports`) at the end of `path`, creating it if needed.
pub(in crate::plan) fn insert_blocks(
    index: &Index,
    path: &Path,
    texts: &[String],
    imports: &BTreeSet<String>,
    planned: &mut Planned,
) {
    let existing = module_at(index, path).filter(|_| index.loader.read(path).is_ok());
    match existing {
        Some(m) => {
            let src = index.loader.read(path).unwrap_or_default();
            let eol = source::line_ending(&src);
            let mut tail = String::new();
            if !src.is_empty() && !src.ends_with(b"\n") {
                tail.push_str(eol);
            }
            for text in texts {
                if !src.is_empty() || !tail.is_empty() {
                    tail.push_str(eol);
                    tail.push_str(eol);
                }
                tail.push_str(&text.replace('\n', eol).replace("\r\r\n", "\r\n"));
            }
            planned.edits.push(TextEdit {
                path: path.to_path_buf(),
                start: src.len(),
                end: src.len(),
                content: tail,
            });
            if !imports.is_empty() {
                let facts = index.modules()[m].facts.clone().unwrap_or_default();
                let at = source::import_insertion_point(&src, &facts);
                let lines: String = imports.iter().map(|l| format!("{l}{eol}")).collect();
                planned.edits.push(TextEdit {
                    path: path.to_path_buf(),
                    start: at,
                    end: at,
                    content: lines,
                });
            }
        }
        None => {
            let mut content: String = imports.iter().map(|l| format!("{l}\n")).collect();
            for text in texts {
                if !content.is_empty() {
                    content.push_str("\n\n");
                }
                content.push_str(text);
            }
            planned
                .creates
                .push((path.to_path_buf(), content.into_bytes()));
        }
    }
}

/// Edits deleting the import statements of `path` that only the code in `removed` (file
/// coordinates) used, so a conftest does not keep imports for code that moved away. `src` is
/// the file as read, `tree` the tree of its text after any BOM.
pub(in crate::plan) fn orphaned_import_edits(
    path: &Path,
    src: &[u8],
    tree: &tree_sitter::Tree,
    removed: &[std::ops::Range<usize>],
) -> Vec<TextEdit> {
    let offset = source::bom_len(src);
    let removed: Vec<std::ops::Range<usize>> = removed
        .iter()
        .map(|r| r.start.saturating_sub(offset)..r.end.saturating_sub(offset))
        .collect();
    crate::plan::imports::orphaned_imports(&src[offset..], tree, &removed)
        .into_iter()
        .map(|r| TextEdit {
            path: path.to_path_buf(),
            start: r.start + offset,
            end: r.end + offset,
            content: String::new(),
        })
        .collect()
}
