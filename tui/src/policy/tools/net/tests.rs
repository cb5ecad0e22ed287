use super::*;

#[test]
fn methods_and_hosts() {
    assert_eq!(
        http("GET", "https://api.example.com/x", "").effect,
        Effect::Read
    );
    assert_eq!(
        http("post", "https://api.example.com/x", "").effect,
        Effect::Write
    );
    let delete = http("DELETE", "https://api.example.com/volumes/vol-1", "");
    assert_eq!(
        (delete.effect, delete.scope),
        (Effect::Destroy, Scope::Remote)
    );
    assert_eq!(delete.resource.as_deref(), Some("vol-1"));
    assert_eq!(
        http("POST", "http://localhost:3000/api", "").scope,
        Scope::Workspace
    );
    assert_eq!(
        http("POST", "http://127.0.0.1/api", "").scope,
        Scope::Workspace
    );
    assert_eq!(
        http("POST", "https://localhost.evil.com/", "").scope,
        Scope::Remote
    );
}

#[test]
fn graphql_mutations_named_like_deletions() {
    let body = r#"{"query":"mutation { volumeDelete(volumeId: \"vol-7f3a\") }"}"#;
    let finding = http("POST", "https://backboard.railway.app/graphql/v2", body);
    assert_eq!(finding.effect, Effect::Destroy);
    assert_eq!(finding.resource.as_deref(), Some("vol-7f3a"));
    let query = r#"{"query":"query { volumes { id } }"}"#;
    assert_eq!(
        http("POST", "https://backboard.railway.app/graphql/v2", query).effect,
        Effect::Write
    );
}
