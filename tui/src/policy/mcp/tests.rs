use super::*;

#[test]
fn tool_names_split_into_words_whatever_their_case() {
    assert_eq!(name_words("deleteProject"), ["delete", "project"]);
    assert_eq!(name_words("delete_project"), ["delete", "project"]);
    assert_eq!(name_words("volume-delete"), ["volume", "delete"]);
    assert_eq!(name_words("DropTable"), ["drop", "table"]);
    assert_eq!(name_words("get_v2Users"), ["get", "v2", "users"]);
}

#[test]
fn the_resource_typed_is_the_argument_named_after_the_tools_object() {
    let leaves = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let words = name_words("delete_branch");
    let args = leaves(&[("project_id", "proj-1"), ("branch_id", "br-7")]);
    assert_eq!(resource(&words, &args), Some("br-7"));
    let words = name_words("volumeDelete");
    let args = leaves(&[("volumeid", "vol-7f3a")]);
    assert_eq!(resource(&words, &args), Some("vol-7f3a"));
    let words = name_words("drop_it");
    assert_eq!(
        resource(&words, &leaves(&[("name", "users")])),
        Some("users")
    );
    assert_eq!(resource(&words, &leaves(&[("force", "true")])), None);
}

#[test]
fn a_search_query_is_not_sql_and_a_statement_is() {
    assert!(reads_as_sql("DROP TABLE users"));
    assert!(reads_as_sql("  select 1"));
    assert!(!reads_as_sql("open issues about login"));
    assert!(is_address("postgres://db.prod.internal/app"));
    assert!(!is_address("just text"));
}
