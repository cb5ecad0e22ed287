use super::*;

#[test]
fn passwords_and_secret_parameters_never_leave() {
    for (given, sent) in [
        (
            "postgres://app:s3cret@db.prod.internal:5432/shop?sslpassword=x&sslmode=require",
            "postgres://app@db.prod.internal:5432/shop?sslmode=require",
        ),
        ("redis://:hunter2@cache:6379/0", "redis://cache:6379/0"),
        (
            "mongodb+srv://u:p@cluster0.abc.mongodb.net/?authSource=admin&retryWrites=true",
            "mongodb+srv://u@cluster0.abc.mongodb.net/?retryWrites=true",
        ),
        ("https://h/x?api_key=1&token=2", "https://h/x"),
        ("ssh://deploy@prod-1", "ssh://deploy@prod-1"),
        (
            "/home/u/.kube/config:/tmp/other",
            "/home/u/.kube/config:/tmp/other",
        ),
        ("prod-admin", "prod-admin"),
    ] {
        assert_eq!(without_credentials(given), sent, "{given}");
    }
}

#[test]
fn only_listed_variables_are_accepted_and_tokens_only_as_present() {
    let accepted = accept([
        ("KUBECONFIG".to_string(), "/tmp/k".to_string()),
        ("PGPASSWORD".to_string(), "secret".to_string()),
        ("AWS_SECRET_ACCESS_KEY".to_string(), "secret".to_string()),
        ("RAILWAY_TOKEN".to_string(), "rw_abcdef".to_string()),
        ("AWS_PROFILE".to_string(), String::new()),
        ("DATABASE_URL".to_string(), "postgres://a:b@h/d".to_string()),
        ("PGHOST".to_string(), "db\u{1b}[2J".to_string()),
        ("FLY_APP".to_string(), "x".repeat(MAX_VALUE + 1)),
    ]);
    let expected: Variables = [
        ("DATABASE_URL", "postgres://a@h/d"),
        ("KUBECONFIG", "/tmp/k"),
        ("RAILWAY_TOKEN", SET),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(accepted, expected);
}

#[test]
fn no_listed_name_looks_like_a_secret_except_those_sent_as_present() {
    for name in CONTEXT_VARIABLES {
        let secret = ["TOKEN", "SECRET", "PASSWORD", "PWD", "KEY"]
            .iter()
            .any(|word| name.contains(word));
        assert_eq!(secret, PRESENCE_ONLY.contains(name), "{name}");
    }
}
