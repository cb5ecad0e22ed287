//! The bearer token remote agents present over TCP: made by `signoff token new`, kept in a file
//! only its owner can read, checked on every request in constant time.

use std::io;
use std::path::{Path, PathBuf};

use subtle::ConstantTimeEq;

use crate::secret_file;

/// The token's prefix: says what it is where it leaks (logs, secret scanners).
const PREFIX: &str = "signoff_";

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no token at {0}: run `signoff token new` first")]
    Missing(PathBuf),
    #[error("the token file: {0} (or make a new token: `signoff token new`)")]
    File(String),
    #[error("{0} does not hold a signoff token; run `signoff token new`")]
    Malformed(PathBuf),
    #[error("no config directory (HOME is not set)")]
    NoConfigDir,
}

/// A secret shared by the console and its remote agents.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// 256 random bits from the operating system.
    pub fn generate() -> io::Result<Token> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(io::Error::other)?;
        Ok(Token(format!("{PREFIX}{}", hex::encode(bytes))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether an `authorization` header value is `Bearer <this token>`. The comparison takes
    /// the same time wherever the first difference is, so timing tells nothing about the token.
    pub fn admits(&self, authorization: &[u8]) -> bool {
        let expected = format!("Bearer {}", self.0);
        bool::from(expected.as_bytes().ct_eq(authorization))
    }

    /// Reads the token file, refusing one that other users can read.
    pub fn load(path: &Path) -> Result<Token, TokenError> {
        let text = secret_file::read(path)
            .map_err(|error| TokenError::File(error.to_string()))?
            .ok_or_else(|| TokenError::Missing(path.to_path_buf()))?;
        let token = text.trim();
        if !token.starts_with(PREFIX)
            || token.len() <= PREFIX.len()
            || token.contains(char::is_whitespace)
        {
            return Err(TokenError::Malformed(path.to_path_buf()));
        }
        Ok(Token(token.to_string()))
    }

    /// Writes the token to `path`, readable by its owner only, replacing any previous one at once.
    pub fn save(&self, path: &Path) -> Result<(), TokenError> {
        secret_file::write(path, &format!("{}\n", self.0))
            .map_err(|error| TokenError::File(error.to_string()))
    }
}

/// `$XDG_CONFIG_HOME/signoff/token`.
pub fn default_path() -> Result<PathBuf, TokenError> {
    directories::ProjectDirs::from("", "", "signoff")
        .map(|dirs| dirs.config_dir().join("token"))
        .ok_or(TokenError::NoConfigDir)
}

/// The check every TCP request passes: the right bearer token, or `Unauthenticated`.
pub fn require(
    token: Token,
) -> impl FnMut(tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> + Clone {
    move |request: tonic::Request<()>| {
        let presented = request
            .metadata()
            .get("authorization")
            .map(|value| value.as_bytes());
        match presented {
            Some(value) if token.admits(value) => Ok(request),
            Some(_) => Err(tonic::Status::unauthenticated(
                "wrong token: SIGNOFF_TOKEN must be the token `signoff token new` printed for this console",
            )),
            None => Err(tonic::Status::unauthenticated(
                "this console needs a token over TCP: set SIGNOFF_TOKEN (see `signoff token new`)",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn saved_token_loads_back_private_and_exposed_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("token");
        let token = Token::generate().unwrap();
        token.save(&path).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(Token::load(&path).unwrap().as_str(), token.as_str());
        assert_eq!(token.as_str().len(), PREFIX.len() + 64);
        assert_ne!(Token::generate().unwrap().as_str(), token.as_str());

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = Token::load(&path).unwrap_err().to_string();
        assert!(
            error.contains("can be read by other users (mode 644)"),
            "{error}"
        );

        // A new token replaces the old one, and the file is private again.
        let newer = Token::generate().unwrap();
        newer.save(&path).unwrap();
        assert_eq!(Token::load(&path).unwrap().as_str(), newer.as_str());
    }

    #[test]
    fn missing_and_malformed_files_say_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        assert!(matches!(Token::load(&path), Err(TokenError::Missing(_))));
        std::fs::write(&path, "hunter2\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(Token::load(&path), Err(TokenError::Malformed(_))));
    }

    #[test]
    fn only_the_exact_bearer_token_is_admitted() {
        let token = Token(format!("{PREFIX}abc"));
        assert!(token.admits(b"Bearer signoff_abc"));
        for wrong in [
            &b"Bearer signoff_ab"[..],
            b"Bearer signoff_abcd",
            b"bearer signoff_abc",
            b"signoff_abc",
            b"",
        ] {
            assert!(!token.admits(wrong), "{}", String::from_utf8_lossy(wrong));
        }
    }
}
