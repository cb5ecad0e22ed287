//! The context fixtures (`facts/fixtures/NAME`), for the tests and the benchmark suite (the
//! case-table rows that use them: `explain::Case::in_fixture`): nothing in the console uses this.

use std::path::Path;

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
