use super::*;
use Environment::*;

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(String::from).collect()
}

fn named(text: &str, remote: bool) -> Option<Environment> {
    EnvNames::default().named(&words(text), &[], remote)
}

#[test]
fn tokens_name_environments() {
    let names = EnvNames::default();
    assert_eq!(names.of("my-app-prod"), Some(Production));
    assert_eq!(names.of("prod-db.example.com"), Some(Production));
    assert_eq!(names.of("api.staging.example.com"), Some(Staging));
    assert_eq!(names.of("localhost:5432"), Some(Dev));
    assert_eq!(names.of("product-catalog"), None);
    assert_eq!(names.of("reproduce"), None);
    assert_eq!(names.of("staging-and-prod"), Some(Production));
}

#[test]
fn flags_and_values() {
    assert_eq!(
        named("gcloud run deploy --project=my-app-prod", false),
        Some(Production)
    );
    assert_eq!(
        named("kubectl -n production get pods", false),
        Some(Production)
    );
    assert_eq!(
        named("kubectl --context prod-cluster apply -f x.yaml", false),
        Some(Production)
    );
    assert_eq!(named("deploy --env staging", false), Some(Staging));
    assert_eq!(named("vercel --prod", false), Some(Production));
    assert_eq!(
        named("kubectl apply -k overlays/prod/", false),
        Some(Production)
    );
    assert_eq!(
        named("psql postgres://u@prod-db.internal/app", false),
        Some(Production)
    );
    assert_eq!(named("head -n 5 file", false), None);
}

#[test]
fn positional_words_count_only_for_remote_commands() {
    assert_eq!(
        named("vercel env add KEY production", true),
        Some(Production)
    );
    assert_eq!(named("git commit -m prod-fix", false), None);
    assert_eq!(named("sed -i s/a/b/ config/production.rb", false), None);
}

#[test]
fn env_var_prefixes() {
    let names = EnvNames::default();
    let assignments = vec!["RAILS_ENV=production".to_string(), "FOO=prod".to_string()];
    assert_eq!(
        names.named(&words("rails db:migrate"), &assignments, false),
        Some(Production)
    );
    assert_eq!(
        names.named(&words("make"), &["FOO=prod".to_string()], false),
        None
    );
}

#[test]
fn raising_never_lowers() {
    assert_eq!(raise(Some(Production), Some(Dev)), Some(Production));
    assert_eq!(raise(Some(Dev), Some(Staging)), Some(Staging));
    assert_eq!(raise(None, Some(Dev)), Some(Dev));
}
