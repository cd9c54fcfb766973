//! The rule file's JSON Schema (`fixmig rules schema`, committed as `rules/schema.json`), for
//! editors: taplo / Even Better TOML pick it up from a `#:schema ./schema.json` comment at the top
//! of a rule file, and then complete keys, show these docs on hover and flag unknown keys.
//!
//! Rule files are read by hand from TOML (so that every error points at the offending text), so
//! the schema comes from schema-only mirror types below, documented for the reader of a rule file.
//! A test checks that they have exactly the tables and keys (and required keys) the reader
//! accepts; the reader stays the authority on everything else.

// Fields are read by the schema generator only.
#![allow(dead_code)]

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use super::names::PYTHON_KEYWORDS;

/// The rule file's JSON Schema (draft-07, which taplo and editors understand), pretty-printed
/// with a trailing newline: exactly the content of `rules/schema.json`.
pub fn json() -> String {
    let schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<RuleFileSchema>();
    let mut value = schema.to_value();
    strip_null(&mut value);
    let mut text = serde_json::to_string_pretty(&value).expect("a schema serializes");
    text.push('\n');
    text
}

/// TOML has no null: optional keys are simply absent, so the `null` that schemars allows for
/// `Option` fields goes. Descriptions become one line per paragraph.
fn strip_null(value: &mut serde_json::Value) {
    use serde_json::Value;
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            items.iter_mut().for_each(strip_null);
        }
        return;
    };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(any)) = map.get("anyOf") {
        let rest: Vec<Value> = any
            .iter()
            .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
            .cloned()
            .collect();
        if rest.len() == 1 {
            map.remove("anyOf");
            if let Value::Object(only) = &rest[0] {
                for (k, v) in only {
                    map.insert(k.clone(), v.clone());
                }
            }
            // Draft-07 ignores the siblings of a `$ref` (the description): wrap it.
            if map.len() > 1 {
                if let Some(reference) = map.remove("$ref") {
                    map.insert(
                        "allOf".into(),
                        Value::Array(vec![serde_json::json!({ "$ref": reference })]),
                    );
                }
            }
        }
    }
    // Rust integer widths are not JSON Schema formats.
    if map.get("format").and_then(Value::as_str) == Some("int64") {
        map.remove("format");
    }
    // Doc comments are wrapped at 100 columns; descriptions are paragraphs.
    if let Some(Value::String(d)) = map.get_mut("description") {
        *d = d
            .split("\n\n")
            .map(|p| p.replace('\n', " "))
            .collect::<Vec<_>>()
            .join("\n\n");
    }
    map.values_mut().for_each(strip_null);
}

/// A fixture name: a Python identifier that is not a keyword.
struct FixtureName;

impl JsonSchema for FixtureName {
    fn schema_name() -> Cow<'static, str> {
        "FixtureName".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A fixture name: a Python identifier (letters, digits, `_`; not starting with a digit) that is not a keyword.",
            "type": "string",
            "pattern": "^[\\p{L}\\p{Nl}_][\\p{L}\\p{Nl}\\p{Mn}\\p{Mc}\\p{Nd}\\p{Pc}]*$",
            "not": {"enum": PYTHON_KEYWORDS.as_slice()},
        })
    }
}

/// A path to a Python file, relative to the project rootdir.
struct PythonFile;

impl JsonSchema for PythonFile {
    fn schema_name() -> Cow<'static, str> {
        "PythonFile".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A Python file, relative to the project rootdir (the directory of pytest.ini, pyproject.toml, tox.ini or setup.cfg): `/`-separated, inside the project, ending with `.py`.",
            "type": "string",
            "pattern": "^[^/\\\\]([^\\\\]*[^/\\\\])?\\.py$",
            "examples": ["test_framework/fixtures.py"],
        })
    }
}

/// A path to a `conftest.py`, relative to the project rootdir.
struct ConftestPath;

impl JsonSchema for ConftestPath {
    fn schema_name() -> Cow<'static, str> {
        "ConftestPath".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A `conftest.py`, relative to the project rootdir: `/`-separated, inside the project.",
            "type": "string",
            "pattern": "^([^/\\\\][^\\\\]*/)?conftest\\.py$",
            "examples": ["tests/e2e/conftest.py"],
        })
    }
}

/// A fixmig rule file: fixture migrations, applied in file order, each seeing the result of the
/// ones before. Run with `fixmig migrate --rules FILE [PATH...]`.
#[derive(JsonSchema)]
#[schemars(title = "fixmig rule file", deny_unknown_fields)]
struct RuleFileSchema {
    /// The rule file format version: `version = 1`.
    #[schemars(range(min = 1, max = 1))]
    version: i64,
    /// `[[rename]]`: give a fixture a new name, at its definition and everywhere it is requested
    /// (parameters and their uses, usefixtures marks, getfixturevalue, indirect parametrize,
    /// imports, `__all__`, the ini `usefixtures`).
    #[serde(default)]
    rename: Vec<Rename>,
    /// `[[alias]]`: provide a fixture under another name, in a given conftest.
    #[serde(default)]
    alias: Vec<Alias>,
    /// `[[move]]`: move a fixture from one conftest to another, with the helpers it needs.
    #[serde(default, rename = "move")]
    move_: Vec<Move>,
    /// `[[hoist]]`: identical definitions of a fixture in several conftests become one, higher up.
    #[serde(default)]
    hoist: Vec<Hoist>,
    /// `[[merge]]`: fold one conftest into another, fixture by fixture.
    #[serde(default)]
    merge: Vec<Merge>,
    /// `[[remove]]`: delete a fixture definition.
    #[serde(default)]
    remove: Vec<Remove>,
}

/// Rename fixture `fixture` to `to`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Rename {
    /// The fixture's current name.
    fixture: FixtureName,
    /// Its new name (different from `fixture`).
    to: FixtureName,
    /// Only the definition in this file, and what resolves to it (other definitions of the same
    /// name, e.g. overrides in other conftests, are left alone).
    defined_in: Option<PythonFile>,
    /// Leave the old name as a deprecated alias of the new one (default false).
    keep_alias: Option<bool>,
    /// The DeprecationWarning text of the kept alias (not empty).
    #[schemars(length(min = 1))]
    message: Option<String>,
}

/// Define fixture `name` in `conftest`, standing for fixture `target`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Alias {
    /// The fixture to provide.
    name: FixtureName,
    /// The fixture it stands for (different from `name`).
    target: FixtureName,
    /// The conftest.py the alias goes in (created if missing); tests in its directory and below
    /// can request `name`.
    conftest: ConftestPath,
    /// Make requesting `name` emit a DeprecationWarning with this text (not empty).
    #[schemars(length(min = 1))]
    deprecated: Option<String>,
}

/// Move fixture `fixture` from conftest `from` to conftest `to`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Move {
    /// The fixture's name.
    fixture: FixtureName,
    /// The conftest.py that defines it now.
    from: ConftestPath,
    /// The conftest.py it moves to (created if missing; different from `from`).
    to: ConftestPath,
    /// Module-level helpers and constants of `from` that move along.
    carry: Option<Vec<FixtureName>>,
}

/// Identical definitions of `fixture` in several conftests become one, higher up.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Hoist {
    /// The fixture's name.
    fixture: FixtureName,
    /// The conftest.py that gets the one definition (default: the nearest common ancestor's).
    into: Option<ConftestPath>,
}

/// Fold conftest `from` into conftest `into`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Merge {
    /// The conftest.py folded into `into` (deleted when emptied).
    from: ConftestPath,
    /// The conftest.py that receives its fixtures and hooks (different from `from`).
    into: ConftestPath,
}

/// Delete the definition of `fixture` in `defined_in`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Remove {
    /// The fixture's name.
    fixture: FixtureName,
    /// The file whose definition is deleted.
    defined_in: PythonFile,
    /// Rename the fixture's requests to this fixture first (different from `fixture`).
    replace_with: Option<FixtureName>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::super::KINDS;

    fn schema() -> Value {
        serde_json::from_str(&super::json()).unwrap()
    }

    fn keys(v: &Value) -> BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn mirrors_the_reader_tables_and_keys() {
        let schema = schema();
        let top = keys(&schema["properties"]);
        let mut want: BTreeSet<String> = KINDS.iter().map(|k| k.table.to_string()).collect();
        want.insert("version".to_string());
        assert_eq!(
            top, want,
            "src/rules/schema.rs: the top-level tables differ from the reader's KINDS"
        );
        for kind in KINDS {
            let items = &schema["properties"][kind.table]["items"];
            let reference = items["$ref"]
                .as_str()
                .expect("a $ref to the rule's definition");
            let name = reference.rsplit('/').next().unwrap();
            let def = &schema["definitions"][name];
            let got = keys(&def["properties"]);
            let want: BTreeSet<String> = kind.keys.iter().map(|k| k.name.to_string()).collect();
            assert_eq!(
                got, want,
                "[[{}]]: keys differ from the reader's",
                kind.table
            );
            let got_required: BTreeSet<String> = def["required"]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            let want_required: BTreeSet<String> = kind
                .keys
                .iter()
                .filter(|k| k.required)
                .map(|k| k.name.to_string())
                .collect();
            assert_eq!(
                got_required, want_required,
                "[[{}]]: required keys differ from the reader's",
                kind.table
            );
            assert_eq!(def["additionalProperties"], Value::Bool(false));
        }
        assert_eq!(schema["required"], serde_json::json!(["version"]));
    }
}
