//! Merging configuration layers: a partial TOML table over the full defaults, then `--set key=value` pairs.
//!
//! Every key a user gives must exist in the defaults (which hold every field of the experiment's
//! configuration), so unknown keys are reported with their full dotted path before any deserialization.

use super::ConfigError;
use toml::{Table, Value};

/// Checks that every key of `user` exists in `defaults` with the same shape (table against table), naming the
/// first offending dotted key. `origin` says where the keys came from ("config file `a.toml`").
pub fn check_known(
    user: &Table,
    defaults: &Table,
    prefix: &str,
    origin: &str,
) -> Result<(), ConfigError> {
    for (key, value) in user {
        let path = join(prefix, key);
        let Some(default) = defaults.get(key) else {
            return Err(ConfigError::new(format!(
                "unknown key `{path}` in {origin}"
            )));
        };
        match (default, value) {
            (Value::Table(d), Value::Table(u)) => check_known(u, d, &path, origin)?,
            (Value::Table(_), _) => {
                return Err(ConfigError::new(format!(
                    "key `{path}` in {origin} must be a table (it has sub-keys)"
                )))
            }
            (_, Value::Table(_)) => {
                return Err(ConfigError::new(format!(
                    "key `{path}` in {origin} is a value, not a table"
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Merges `over` into `base`: tables merge key by key, every other value replaces the base's.
/// Call [`check_known`] first.
pub fn merge(base: &mut Table, over: Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// A parsed `--set key=value`: the dotted key's segments and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The key's segments (`target.radii` → `["target", "radii"]`).
    pub path: Vec<String>,
    /// The value: parsed as a TOML value, or the raw text as a string when it is not one.
    pub value: Value,
}

impl Assignment {
    /// The dotted key.
    pub fn key(&self) -> String {
        self.path.join(".")
    }
}

/// Parses `key=value`. The key is dotted, each segment made of ASCII letters, digits, `_` and `-`; the value
/// is parsed as a TOML value (`3`, `0.5`, `[3, 6, 9]`, `"svgd"`, `true`) and falls back to a plain string
/// (`--set target=circles`).
pub fn parse_assignment(text: &str) -> Result<Assignment, ConfigError> {
    let Some((key, raw)) = text.split_once('=') else {
        return Err(ConfigError::new(format!(
            "--set `{}` is not of the form key=value",
            text.escape_debug()
        )));
    };
    let key = key.trim();
    let path: Vec<String> = key.split('.').map(str::to_owned).collect();
    let valid_segment = |s: &String| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if !path.iter().all(valid_segment) {
        return Err(ConfigError::new(format!(
            "--set key `{}` is not a dotted key (letters, digits, `_`, `-`, separated by `.`)",
            key.escape_debug()
        )));
    }
    Ok(Assignment {
        path,
        value: parse_value(raw.trim()),
    })
}

/// A TOML value from its text; a bracketed list whose items are not all TOML values becomes a list of
/// each item parsed on its own (`[svgd, esvgd-scalar]` → two strings); anything else is the text itself as a
/// string.
fn parse_value(raw: &str) -> Value {
    if let Some(v) = parse_toml_value(raw) {
        return v;
    }
    if let Some(inner) = raw.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        if !inner.contains(['[', ']', '{', '}']) {
            let items = inner
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| parse_toml_value(s).unwrap_or_else(|| Value::String(s.to_owned())))
                .collect();
            return Value::Array(items);
        }
    }
    Value::String(raw.to_owned())
}

fn parse_toml_value(raw: &str) -> Option<Value> {
    let mut table = format!("v = {raw}\n").parse::<Table>().ok()?;
    if table.len() == 1 {
        table.remove("v")
    } else {
        None
    }
}

/// Applies an assignment to the merged table, checking the key against the defaults.
pub fn apply(table: &mut Table, defaults: &Table, a: &Assignment) -> Result<(), ConfigError> {
    let key = a.key();
    let origin = format!("--set {key}=…");
    let mut wrapped = Table::new();
    // Build the nested table {path[0]: {path[1]: … value}} and reuse the key check and the merge.
    let mut value = a.value.clone();
    for seg in a.path[1..].iter().rev() {
        let mut t = Table::new();
        t.insert(seg.clone(), value);
        value = Value::Table(t);
    }
    wrapped.insert(a.path[0].clone(), value);
    check_known(&wrapped, defaults, "", &origin).map_err(|e| {
        if e.message.starts_with("unknown key") {
            ConfigError::new(format!("unknown key `{key}` in --set {key}=…"))
        } else {
            e
        }
    })?;
    merge(table, wrapped);
    Ok(())
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The dotted key of the `key = value` line that contains byte `offset` of a TOML document written by
/// `toml::to_string` (sections as `[a.b]`, one value per line): used to name the key of a type error.
pub fn key_at(text: &str, offset: usize) -> Option<String> {
    let mut section = String::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let end = pos + line.len();
        let trimmed = line.trim();
        if trimmed.starts_with('[') && trimmed.ends_with(']') && !trimmed.contains('=') {
            section = trimmed
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_owned();
        } else if offset >= pos && offset < end {
            let key = trimmed.split_once('=')?.0.trim().trim_matches('"');
            return Some(join(&section, key));
        }
        pos = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(s: &str) -> Table {
        s.parse().unwrap()
    }

    #[test]
    fn values_parse_as_toml_or_fall_back_to_strings() {
        let a = parse_assignment("target.radii=[3,6,9]").unwrap();
        assert_eq!(a.path, vec!["target", "radii"]);
        assert_eq!(a.value, Value::Array(vec![3.into(), 6.into(), 9.into()]));
        assert_eq!(
            parse_assignment("particles=80").unwrap().value,
            Value::Integer(80)
        );
        assert_eq!(
            parse_assignment("bandwidth = 0.3").unwrap().value,
            Value::Float(0.3)
        );
        assert_eq!(
            parse_assignment("target=c4-gaussians").unwrap().value,
            Value::String("c4-gaussians".into())
        );
        assert_eq!(
            parse_assignment("samplers=[svgd, esvgd-scalar]")
                .unwrap()
                .value,
            Value::Array(vec!["svgd".into(), "esvgd-scalar".into()])
        );
        // An attempt to smuggle a second key in stays one string.
        assert_eq!(
            parse_assignment("a=1\nb = 2").unwrap().value,
            Value::String("1\nb = 2".into())
        );
        assert!(parse_assignment("noequals").is_err());
        assert!(parse_assignment("a..b=1").is_err());
        assert!(parse_assignment("=1").is_err());
    }

    #[test]
    fn unknown_keys_and_shape_mismatches_are_named() {
        let defaults = table("a = 1\n[t]\nb = 2\n");
        let e = check_known(&table("[t]\nc = 1\n"), &defaults, "", "x").unwrap_err();
        assert!(e.message.contains("`t.c`"), "{e}");
        assert!(check_known(&table("t = 1\n"), &defaults, "", "x").is_err());
        assert!(check_known(&table("[a]\nz = 1\n"), &defaults, "", "x").is_err());
        let mut merged = defaults.clone();
        apply(&mut merged, &defaults, &parse_assignment("t.b=5").unwrap()).unwrap();
        assert_eq!(merged["t"]["b"], Value::Integer(5));
        assert_eq!(merged["a"], Value::Integer(1));
        let e = apply(&mut merged, &defaults, &parse_assignment("t.q=5").unwrap()).unwrap_err();
        assert!(e.message.contains("unknown key `t.q`"), "{e}");
    }

    #[test]
    fn key_at_finds_the_line_of_an_offset() {
        let text = "a = 1\nb = \"x\"\n\n[t]\nc = [1, 2]\n";
        let off = text.find("[1").unwrap();
        assert_eq!(key_at(text, off).as_deref(), Some("t.c"));
        assert_eq!(key_at(text, 8).as_deref(), Some("b"));
    }
}
