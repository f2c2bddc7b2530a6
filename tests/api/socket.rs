//! `sideways socket`: the same handlers over Socket Mode, against a local fake WebSocket server
//! that plays Slack's side (hello, envelopes, reading the acknowledgements).

use crate::helpers::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

/// Accepts Socket Mode connections; on the first, sends hello and then each envelope, passing
/// every acknowledgement back.
async fn fake_socket_server(envelopes: Vec<Value>) -> (String, mpsc::Receiver<Value>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/link", listener.local_addr().unwrap());
    let (acks, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let mut first = true;
        while let Ok((stream, _)) = listener.accept().await {
            let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                continue;
            };
            let hello = json!({"type": "hello", "num_connections": 1,
                "debug_info": {"host": "fake"}, "connection_info": {"app_id": "A0123ABCD"}});
            ws.send(Message::text(hello.to_string())).await.unwrap();
            let envelopes = if first { envelopes.clone() } else { Vec::new() };
            first = false;
            let acks = acks.clone();
            tokio::spawn(async move {
                for env in envelopes {
                    ws.send(Message::text(env.to_string())).await.unwrap();
                    // Wait for this envelope's acknowledgement before the next.
                    while let Some(Ok(msg)) = ws.next().await {
                        if let Message::Text(t) = msg {
                            let v: Value = serde_json::from_str(&t).unwrap();
                            if v["envelope_id"] == env["envelope_id"] {
                                acks.send(v).await.unwrap();
                                break;
                            }
                        }
                    }
                }
                while let Some(Ok(_)) = ws.next().await {}
            });
        }
    });
    (url, rx)
}

#[tokio::test]
async fn socket_mode_runs_the_same_commands_and_events_as_http() {
    let app = spawn_app().await;
    app.slack.set_tz("U0ME", "Europe/London");
    let command = json!({"envelope_id": "E1", "type": "slash_commands", "accepts_response_payload": true,
        "payload": {"token": "x", "team_id": TEAM, "team_domain": "acme", "channel_id": "C0123",
            "channel_name": "general", "user_id": "U0ME", "user_name": "me", "command": "/peer",
            "text": "add <@U0ANA|ana> weekly", "api_app_id": "A0123ABCD",
            "response_url": "https://hooks.slack.com/commands/1/2", "trigger_id": "1.2.3"}});
    let event = json!({"envelope_id": "E2", "type": "events_api", "accepts_response_payload": false,
        "payload": {"token": "x", "team_id": TEAM, "api_app_id": "A0123ABCD", "type": "event_callback",
            "event_id": "Ev0S1", "event_time": 1700000000,
            "event": {"type": "app_home_opened", "user": "U0ME", "channel": "D0ME", "tab": "home"}}});
    let (url, mut acks) = fake_socket_server(vec![command, event]).await;
    app.slack.set_socket_url(&url);
    let shutdown = CancellationToken::new();
    let (state, api, stop) = (app.state.clone(), app.slack.url.clone(), shutdown.clone());
    let serving = tokio::spawn(async move {
        sideways::slack::socket::run(state, Some(&api), "xapp-1-test", stop).await
    });

    let ack = tokio::time::timeout(Duration::from_secs(20), acks.recv())
        .await
        .expect("command acknowledged")
        .unwrap();
    assert_eq!(ack["envelope_id"], "E1");
    let text = ack["payload"]["text"].as_str().unwrap_or_default();
    assert!(text.contains("Added <@U0ANA> to your map, weekly"), "{ack}");
    assert_eq!(ack["payload"]["response_type"], "ephemeral");
    assert_eq!(app.count("select count(*) from peer").await, 1);

    let ack = tokio::time::timeout(Duration::from_secs(20), acks.recv())
        .await
        .expect("event acknowledged")
        .unwrap();
    assert_eq!(ack["envelope_id"], "E2");
    app.settle().await;
    let home = app
        .slack
        .calls("views.publish")
        .into_iter()
        .find(|c| c.body["user_id"] == "U0ME")
        .expect("App Home published");
    assert!(home.body["view"].to_string().contains("<@U0ANA>"));
    let auth = app.slack.calls("apps.connections.open")[0].auth.clone();
    assert_eq!(auth.as_deref(), Some("Bearer xapp-1-test"));

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(20), serving)
        .await
        .expect("stops on shutdown")
        .unwrap()
        .unwrap();
}
