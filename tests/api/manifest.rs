//! `manifest.yml` is a valid Slack app manifest and points at routes the server really has.

use serde_json::Value;

fn manifest() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/manifest.yml")).unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    serde_json::to_value(yaml).unwrap()
}

#[test]
fn the_manifest_validates_against_slacks_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/slack/manifest.schema.1.0.0.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft7::new(&schema).expect("schema compiles");
    let m = manifest();
    let errors: Vec<String> = validator
        .iter_errors(&m)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // And the validator does catch mistakes.
    let mut broken = m.clone();
    broken["features"]["slash_commands"][0]["command"] = "peer".into();
    assert!(!validator.is_valid(&broken));
}

#[test]
fn the_manifest_declares_the_peer_command_escaped_and_our_routes() {
    let m = manifest();
    let cmd = &m["features"]["slash_commands"][0];
    assert_eq!(cmd["command"], "/peer");
    assert_eq!(
        cmd["should_escape"], true,
        "mentions must arrive as <@U…|name>"
    );
    let path = |v: &Value| {
        v.as_str()
            .unwrap()
            .splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap()
    };
    assert_eq!(path(&cmd["url"]), "/slack/commands");
    assert_eq!(
        path(&m["settings"]["interactivity"]["request_url"]),
        "/slack/interactions"
    );
    assert_eq!(
        path(&m["settings"]["event_subscriptions"]["request_url"]),
        "/slack/events"
    );
    let scopes: Vec<&str> = m["oauth_config"]["scopes"]["bot"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for needed in [
        "commands",
        "chat:write",
        "users:read",
        // Looking for a message a crashed sender may have sent, before sending it again.
        "im:write",
        "im:history",
        "channels:history",
        "groups:history",
        // /peer export: the file shared into the user's DM.
        "files:write",
    ] {
        assert!(scopes.contains(&needed), "{needed}");
    }
}
