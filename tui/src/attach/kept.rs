//! A remote console's reviewer credential, kept on the reviewer's machine (0600) so that
//! attaching to that console again needs no new pairing while it runs. A screen attached to a
//! local socket keeps nothing: it pairs again after a restart.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::secret_file::{self, SecretFileError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    /// The console's URL, as attached to.
    pub url: String,
    /// The reviewer's name, as paired.
    pub name: String,
    pub credential: String,
}

#[derive(Debug, thiserror::Error)]
pub enum KeptError {
    #[error(transparent)]
    File(#[from] SecretFileError),
    #[error("{0} does not hold a reviewer credential: delete it, and attach again")]
    Malformed(PathBuf),
    #[error("no config directory (HOME is not set)")]
    NoConfigDir,
}

/// Where the credential for the console at `url` is kept:
/// `$XDG_CONFIG_HOME/signoff/reviewers/<url, letters and digits kept>`.
pub fn path_for(url: &str) -> Result<PathBuf, KeptError> {
    let dirs = directories::ProjectDirs::from("", "", "signoff").ok_or(KeptError::NoConfigDir)?;
    Ok(dirs.config_dir().join("reviewers").join(file_name(url)))
}

fn file_name(url: &str) -> String {
    url.trim_end_matches('/')
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' => c.to_ascii_lowercase(),
            _ => '_',
        })
        .collect()
}

impl Kept {
    /// The credential kept at `path` for `url`; `None` when there is none, or it was kept for
    /// another URL that happens to share the file name.
    pub fn load(path: &Path, url: &str) -> Result<Option<Kept>, KeptError> {
        let Some(text) = secret_file::read(path)? else {
            return Ok(None);
        };
        let kept: Kept =
            serde_json::from_str(&text).map_err(|_| KeptError::Malformed(path.to_path_buf()))?;
        Ok((kept.url == url).then_some(kept))
    }

    pub fn save(&self, path: &Path) -> Result<(), KeptError> {
        let text =
            serde_json::to_string_pretty(self).map_err(|_| KeptError::Malformed(path.into()))?;
        Ok(secret_file::write(path, &text)?)
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_kept_credential_loads_back_for_its_url_only_and_an_exposed_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let url = "https://Box.internal:7070/";
        let path = dir.path().join("reviewers").join(file_name(url));
        assert_eq!(file_name(url), "https___box.internal_7070");
        assert_eq!(Kept::load(&path, url).unwrap(), None);

        let kept = Kept {
            url: url.into(),
            name: "alice".into(),
            credential: "signoff_reviewer_abc".into(),
        };
        kept.save(&path).unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(Kept::load(&path, url).unwrap(), Some(kept));
        assert_eq!(
            Kept::load(&path, "https://box.internal:7070").unwrap(),
            None
        );

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = Kept::load(&path, url).unwrap_err().to_string();
        assert!(error.contains("can be read by other users"), "{error}");

        std::fs::write(&path, "alice").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            Kept::load(&path, url),
            Err(KeptError::Malformed(_))
        ));
    }
}
