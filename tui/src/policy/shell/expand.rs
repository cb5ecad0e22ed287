//! The expansions the walker can evaluate itself, as the shell would before running a command:
//! variables the script set earlier (`x=rm; $x -rf /`) and brace lists (`rm -rf {~,x}` deletes
//! `~`). What it cannot evaluate stays as written, and the rules treat it as unknown.

/// Most words one brace expansion may produce; past it the word is left as written.
const MAX_WORDS: usize = 64;

/// `word` with `$NAME` and `${NAME}` replaced by the values `set` (`NAME=value`, later ones
/// winning) gives them; other expansions are left as written.
pub fn variables(word: &str, set: &[String]) -> String {
    if !word.contains('$') || set.is_empty() {
        return word.to_string();
    }
    let value = |name: &str| {
        set.iter().rev().find_map(|assignment| {
            assignment
                .split_once('=')
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v)
        })
    };
    let mut out = String::new();
    let mut rest = word;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = match after.strip_prefix('{') {
            Some(inner) => match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        let known = (!name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| value(name))
        .flatten();
        match known {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[at..at + 1 + len]),
        }
        rest = &rest[at + 1 + len..];
    }
    out.push_str(rest);
    out
}

/// The words a brace expansion makes of `word` (`{~,x}` → `~`, `x`; `a{1..3}` → `a1`, `a2`,
/// `a3`); `word` alone when it has none (`{}` and `{x}` are not expansions).
pub fn braces(word: &str) -> Vec<String> {
    let mut words = vec![word.to_string()];
    for _ in 0..8 {
        let mut next = Vec::new();
        let mut changed = false;
        for word in &words {
            match expand_one(word) {
                Some(expanded) => {
                    changed = true;
                    next.extend(expanded);
                }
                None => next.push(word.clone()),
            }
            if next.len() > MAX_WORDS {
                return vec![word.to_string()];
            }
        }
        words = next;
        if !changed {
            break;
        }
    }
    words
}

/// Expands the first brace group of `word`, if it has one.
fn expand_one(word: &str) -> Option<Vec<String>> {
    let bytes = word.as_bytes();
    let mut start = None;
    let mut depth = 0;
    for (at, byte) in bytes.iter().enumerate() {
        match byte {
            b'{' => {
                if depth == 0 {
                    start = Some(at);
                }
                depth += 1;
            }
            b'}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let open = start?;
                    let inner = &word[open + 1..at];
                    let (prefix, suffix) = (&word[..open], &word[at + 1..]);
                    let parts = alternatives(inner)?;
                    return Some(
                        parts
                            .into_iter()
                            .map(|part| format!("{prefix}{part}{suffix}"))
                            .collect(),
                    );
                }
            }
            _ => {}
        }
    }
    None
}

/// The alternatives of a brace group's inside: a comma list at its top level, or a sequence.
fn alternatives(inner: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut from = 0;
    for (at, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(inner[from..at].to_string());
                from = at + 1;
            }
            _ => {}
        }
    }
    if !parts.is_empty() {
        parts.push(inner[from..].to_string());
        return Some(parts);
    }
    let (first, last) = inner.split_once("..")?;
    let (first, last): (i64, i64) = (first.parse().ok()?, last.parse().ok()?);
    let count = (last - first).unsigned_abs() as usize + 1;
    if count > MAX_WORDS {
        return None;
    }
    let step = if last >= first { 1 } else { -1 };
    Some(
        (0..count as i64)
            .map(|n| (first + n * step).to_string())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_expand_as_the_shell_expands_them() {
        assert_eq!(braces("{~,x}"), ["~", "x"]);
        assert_eq!(braces("~/{a,b}/c"), ["~/a/c", "~/b/c"]);
        assert_eq!(braces("f{1..3}"), ["f1", "f2", "f3"]);
        assert_eq!(braces("{a,{b,c}}"), ["a", "b", "c"]);
        assert_eq!(braces("{}"), ["{}"]);
        assert_eq!(braces("{x}"), ["{x}"]);
        assert_eq!(braces("${HOME}"), ["${HOME}"]);
        assert_eq!(braces("{1..100000}"), ["{1..100000}"]);
    }

    #[test]
    fn variables_the_script_set_are_replaced_and_others_kept() {
        let set = [
            "x=rm".to_string(),
            "dir=/".to_string(),
            "x=rmdir".to_string(),
        ];
        assert_eq!(variables("$x", &set), "rmdir");
        assert_eq!(variables("${dir}etc", &set), "/etc");
        assert_eq!(variables("$HOME/$x", &set), "$HOME/rmdir");
        assert_eq!(variables("$(date)", &set), "$(date)");
        assert_eq!(variables("cost$", &set), "cost$");
    }
}
