//! The context fixtures (`facts/fixtures/NAME`) and the case-table rows that use them, for the
//! tests and the benchmark suite: nothing in the console uses this.

use std::path::Path;

use signoff_protocol::variables::Variables;
use signoff_protocol::{Action, SessionInfo};

use crate::explain::Case;

/// Copies the fixture `name` into `root`, each `dot-X` named `.X` (git cannot hold a `.git`
/// directory) and `{root}` in every file made `root`.
pub fn install(name: &str, root: &Path) -> std::io::Result<()> {
    fn copy(from: &Path, to: &Path, root: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let target = to.join(match file_name.strip_prefix("dot-") {
                Some(rest) => format!(".{rest}"),
                None => file_name,
            });
            if entry.file_type()?.is_dir() {
                copy(&entry.path(), &target, root)?;
            } else {
                let text = std::fs::read_to_string(entry.path())?;
                std::fs::write(target, text.replace("{root}", root))?;
            }
        }
        Ok(())
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/facts/fixtures");
    copy(&fixtures.join(name), root, &root.to_string_lossy())
}

/// A case-table row with `{root}` (in its command, cwd and variables) made `root`: the action,
/// the session it is judged in and the agent's variables.
pub fn case_action(case: &Case, root: &Path) -> (Action, SessionInfo, Variables) {
    let root = root.to_string_lossy();
    let mut spec = case.action.clone();
    if let crate::explain::KindSpec::Shell { command } = &mut spec.kind {
        *command = command.replace("{root}", &root);
    }
    spec.cwd = spec.cwd.map(|cwd| cwd.replace("{root}", &root));
    for value in spec.vars.values_mut() {
        *value = value.replace("{root}", &root);
    }
    let variables = spec.variables(&Variables::new());
    let (action, session) = spec.into_action("/").expect("a valid row");
    (action, session, variables)
}
