//! The production [`Messenger`]: Slack's Web API through slack-morphism, with the bot token of
//! the recipient's workspace read from its installation row.
//!
//! DMs are posted with `chat.postMessage` to the user's id, which Slack delivers to the app's
//! DM with that user; this saves a `conversations.open` (Tier 3) per message, so a 09:00 burst
//! is bounded only by `chat.postMessage`'s own limits. 429s are not retried here: they are
//! reported as [`SendError::RateLimited`] so the outbox reschedules them durably.
//!
//! Every scheduled message carries its outbox row in Slack message metadata; after a crash the
//! scheduler asks [`Messenger::already_delivered`], which reads the conversation's recent
//! history (`conversations.history` with `include_all_metadata`) for it. That method is Tier 1
//! for some apps (1 request a minute), so it is only asked for messages whose earlier attempt
//! may have gone out unrecorded, and reads from the message's creation on.

use super::blocks;
use crate::domain::{ChannelId, Owner, TeamId, UserId};
use crate::outbound::{
    DeliveryTag, Grant, Granted, MessageRef, Messenger, Notice, SendError, Surface,
};
use crate::store::Store;
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Web API error codes that no retry will fix.
const PERMANENT: &[&str] = &[
    "user_not_found",
    "channel_not_found",
    "user_disabled",
    "account_inactive",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "cannot_dm_bot",
    "is_archived",
    "msg_too_long",
    "invalid_blocks",
    "team_access_not_granted",
    "not_in_channel",
    "method_not_supported_for_channel_type",
];

pub struct SlackMessenger {
    client: SlackHyperClient,
    store: Store,
    /// The app's OAuth client id and secret, when installs go through OAuth.
    oauth: Option<(SlackClientId, SlackClientSecret)>,
    /// Bot tokens by workspace, read from the store at most once per [`TOKEN_TTL`].
    tokens: Mutex<HashMap<TeamId, (String, Instant)>>,
}

/// How long a cached bot token is used before the store is asked again (a reinstall or a
/// revocation is seen within this long; a revoked token fails at Slack meanwhile).
const TOKEN_TTL: Duration = Duration::from_secs(60);
/// Workspaces whose token is cached at most.
const TOKEN_CAPACITY: usize = 10_000;

impl SlackMessenger {
    /// `api_url`: a non-default Web API base (tests use a local `http://` fake).
    pub fn new(api_url: Option<&str>, store: Store) -> std::io::Result<Self> {
        Ok(SlackMessenger {
            client: slack_client(api_url)?,
            store,
            oauth: None,
            tokens: Mutex::default(),
        })
    }

    /// Turns on `oauth.v2.access` (installs and token rotation) with the app's credentials.
    pub fn with_oauth(mut self, client_id: &str, client_secret: &str) -> Self {
        self.oauth = Some((
            SlackClientId(client_id.to_string()),
            SlackClientSecret(client_secret.to_string()),
        ));
        self
    }

    /// The app's DM channel with `to` (`conversations.open`, `im:write`); only its id is read.
    async fn open_dm(&self, token: &SlackApiToken, to: &Owner) -> Result<String, SendError> {
        let opened: Opened = self
            .client
            .open_session(token)
            .http_session_api
            .http_post(
                "conversations.open",
                &serde_json::json!({ "users": to.user.as_str() }),
                None,
            )
            .await
            .map_err(classify)?;
        Ok(opened.channel.id)
    }

    async fn token(&self, team: &TeamId) -> Result<SlackApiToken, SendError> {
        let cached = self.tokens.lock().ok().and_then(|m| {
            m.get(team)
                .filter(|(_, at)| at.elapsed() < TOKEN_TTL)
                .map(|(t, _)| t.clone())
        });
        if let Some(t) = cached {
            return Ok(SlackApiToken::new(t.into()));
        }
        match self.store.bot_token(team).await {
            Ok(Some(t)) => {
                if let Ok(mut m) = self.tokens.lock() {
                    if m.len() >= TOKEN_CAPACITY {
                        m.clear();
                    }
                    m.insert(team.clone(), (t.clone(), Instant::now()));
                }
                Ok(SlackApiToken::new(t.into()))
            }
            Ok(None) => Err(SendError::Rejected(format!(
                "workspace {team} is not installed"
            ))),
            Err(e) => Err(SendError::Unavailable(e.to_string())),
        }
    }
}

impl SlackMessenger {
    /// `chat.postMessage` of a notice to the user's DM (or the notice's channel), tagged with
    /// its outbox row when it has one.
    async fn post(
        &self,
        to: &Owner,
        notice: &Notice,
        tag: Option<&DeliveryTag>,
    ) -> Result<Option<MessageRef>, SendError> {
        let token = self.token(&to.team).await?;
        let mut content = SlackMessageContent::new()
            .with_text(notice.text())
            .with_blocks(typed_blocks(blocks::notice(notice, &Default::default()))?);
        if let Some(tag) = tag {
            content = content.with_metadata(
                SlackMessageMetadata::new(DeliveryTag::EVENT_TYPE.into()).with_event_payload(
                    [(DeliveryTag::FIELD.to_string(), tag.delivery_id())].into(),
                ),
            );
        }
        // A DM goes to the user's id (Slack routes it to the app's DM with them).
        let channel = notice
            .channel()
            .map(|c| c.as_str())
            .or(notice.addressee().map(|u| u.as_str()))
            .unwrap_or(to.user.as_str());
        let req = SlackApiChatPostMessageRequest::new(SlackChannelId(channel.into()), content);
        let resp = self
            .client
            .open_session(&token)
            .chat_post_message(&req)
            .await
            .map_err(classify)?;
        Ok(Some(MessageRef {
            channel: resp.channel.0,
            ts: resp.ts.0,
        }))
    }
}

/// A Web API client; with a custom base URL it may speak plain `http://` (a local fake).
pub fn slack_client(api_url: Option<&str>) -> std::io::Result<SlackHyperClient> {
    let builder = hyper_rustls::HttpsConnectorBuilder::new().with_native_roots()?;
    let https = match api_url {
        Some(_) => builder
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build(),
        None => builder.https_only().enable_http1().enable_http2().build(),
    };
    let mut connector = SlackClientHyperConnector::from(https);
    if let Some(url) = api_url {
        connector = connector.with_slack_api_url(url);
    }
    Ok(SlackClient::new(connector))
}

fn typed_blocks(v: Vec<serde_json::Value>) -> Result<Vec<SlackBlock>, SendError> {
    serde_json::from_value(serde_json::Value::Array(v))
        .map_err(|e| SendError::Rejected(format!("unrenderable blocks: {e}")))
}

fn typed_view(v: serde_json::Value) -> Result<SlackView, SendError> {
    serde_json::from_value(v).map_err(|e| SendError::Rejected(format!("unrenderable view: {e}")))
}

/// How far before a message's creation its history is read (Slack's clock and ours may differ).
const HISTORY_SLACK: TimeDelta = TimeDelta::minutes(5);
/// Pages of `conversations.history` read at most when looking for a message.
const HISTORY_PAGES: usize = 5;

/// The parts of a `conversations.history` answer the look needs. Read leniently: other apps'
/// metadata in a channel may carry any JSON.
#[derive(serde::Deserialize)]
struct History {
    #[serde(default)]
    messages: Vec<HistoryMessage>,
    #[serde(default)]
    has_more: bool,
    response_metadata: Option<NextCursor>,
}

#[derive(serde::Deserialize)]
struct HistoryMessage {
    ts: String,
    metadata: Option<serde_json::Value>,
}

/// The parts of an `oauth.v2.access` answer an installation needs.
#[derive(serde::Deserialize)]
struct OAuthAccess {
    access_token: String,
    #[serde(default)]
    scope: String,
    bot_user_id: Option<String>,
    team: Option<NamedId>,
    enterprise: Option<NamedId>,
    #[serde(default)]
    is_enterprise_install: bool,
    authed_user: Option<NamedId>,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
}

#[derive(serde::Deserialize)]
struct NamedId {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

/// The part of a `conversations.info` answer `can_post` needs.
#[derive(serde::Deserialize)]
struct Info {
    channel: InfoChannel,
}

#[derive(serde::Deserialize)]
struct InfoChannel {
    #[serde(default)]
    is_member: bool,
}

#[derive(serde::Deserialize)]
struct NextCursor {
    next_cursor: Option<String>,
}

#[derive(serde::Deserialize)]
struct Opened {
    channel: OpenedChannel,
}

#[derive(serde::Deserialize)]
struct OpenedChannel {
    id: String,
}

/// Whether a message's metadata is `tag`'s.
fn carries(metadata: Option<&serde_json::Value>, tag: &str) -> bool {
    metadata.is_some_and(|m| {
        m["event_type"] == DeliveryTag::EVENT_TYPE && m["event_payload"][DeliveryTag::FIELD] == tag
    })
}

/// Sorts a client error into what the outbox should do with the message.
fn classify(e: SlackClientError) -> SendError {
    match e {
        SlackClientError::RateLimitError(r) => {
            SendError::RateLimited(r.retry_after.unwrap_or(Duration::from_secs(30)))
        }
        SlackClientError::ApiError(a) if a.code == "ratelimited" || a.code == "rate_limited" => {
            SendError::RateLimited(Duration::from_secs(30))
        }
        SlackClientError::ApiError(a) if PERMANENT.contains(&a.code.as_str()) => {
            SendError::Rejected(a.code)
        }
        SlackClientError::ApiError(a) => SendError::Unavailable(a.code),
        // Protocol errors can carry response bodies; keep only the kind.
        SlackClientError::HttpError(h) => SendError::Unavailable(format!("HTTP {}", h.status_code)),
        SlackClientError::ProtocolError(_) => {
            SendError::Unavailable("unreadable response from Slack".into())
        }
        _ => SendError::Unavailable("could not reach Slack".into()),
    }
}

#[async_trait]
impl Messenger for SlackMessenger {
    fn forget_workspace(&self, team: &TeamId) {
        if let Ok(mut m) = self.tokens.lock() {
            m.remove(team);
        }
    }

    async fn send(&self, to: &Owner, notice: &Notice) -> Result<Option<MessageRef>, SendError> {
        self.post(to, notice, None).await
    }

    async fn send_tagged(
        &self,
        to: &Owner,
        notice: &Notice,
        tag: &DeliveryTag,
    ) -> Result<Option<MessageRef>, SendError> {
        self.post(to, notice, Some(tag)).await
    }

    async fn already_delivered(
        &self,
        to: &Owner,
        notice: &Notice,
        tag: &DeliveryTag,
        since: DateTime<Utc>,
    ) -> Result<Option<MessageRef>, SendError> {
        let token = self.token(&to.team).await?;
        let session = self.client.open_session(&token);
        let channel = match notice.channel() {
            Some(c) => c.as_str().to_string(),
            // The app's DM with the user (`im:write`); chat.postMessage named only the user.
            None => match notice.addressee() {
                Some(u) => {
                    self.open_dm(&token, &Owner::new(to.team.clone(), u.clone()))
                        .await?
                }
                None => self.open_dm(&token, to).await?,
            },
        };
        let oldest = since - HISTORY_SLACK;
        let oldest = format!("{}.000000", oldest.timestamp());
        let wanted = tag.delivery_id();
        let mut cursor: Option<String> = None;
        for _ in 0..HISTORY_PAGES {
            let mut params = vec![
                ("channel", Some(channel.clone())),
                ("oldest", Some(oldest.clone())),
                ("limit", Some("100".to_string())),
                ("include_all_metadata", Some("true".to_string())),
            ];
            if let Some(c) = cursor.take() {
                params.push(("cursor", Some(c)));
            }
            let page: History = session
                .http_session_api
                .http_get("conversations.history", &params, None)
                .await
                .map_err(classify)?;
            if let Some(m) = page
                .messages
                .iter()
                .find(|m| carries(m.metadata.as_ref(), &wanted))
            {
                return Ok(Some(MessageRef {
                    channel,
                    ts: m.ts.clone(),
                }));
            }
            match page.response_metadata.and_then(|m| m.next_cursor) {
                Some(c) if page.has_more && !c.is_empty() => cursor = Some(c),
                _ => return Ok(None),
            }
        }
        tracing::warn!(team = %to.team, delivery = %wanted,
            "looked through {HISTORY_PAGES} pages of history without finding the message; sending it");
        Ok(None)
    }

    async fn show(&self, team: &TeamId, surface: Surface) -> Result<(), SendError> {
        if let Surface::Ephemeral { response_url, text } = &surface {
            let url: SlackResponseUrl = serde_json::from_value(serde_json::json!(response_url))
                .map_err(|_| SendError::Rejected("bad response_url".into()))?;
            let msg = SlackApiPostWebhookMessageRequest::new(
                SlackMessageContent::new().with_text(text.clone()),
            );
            self.client
                .respond_to_event(&url, &msg)
                .await
                .map_err(classify)?;
            return Ok(());
        }
        let token = self.token(team).await?;
        let session = self.client.open_session(&token);
        match surface {
            Surface::Form { trigger, form } => {
                let view = typed_view(blocks::form(&form))?;
                session
                    .views_open(&SlackApiViewsOpenRequest::new(
                        SlackTriggerId(trigger),
                        view,
                    ))
                    .await
                    .map_err(classify)?;
            }
            Surface::Home { user, home } => {
                let view = typed_view(blocks::home(&home))?;
                session
                    .views_publish(&SlackApiViewsPublishRequest::new(
                        SlackUserId(user.as_str().into()),
                        view,
                    ))
                    .await
                    .map_err(classify)?;
            }
            Surface::Replace { at, notice, done } => {
                let content = SlackMessageContent::new()
                    .with_text(notice.text())
                    .with_blocks(typed_blocks(blocks::notice(&notice, &done))?);
                session
                    .chat_update(&SlackApiChatUpdateRequest::new(
                        SlackChannelId(at.channel),
                        content,
                        SlackTs(at.ts),
                    ))
                    .await
                    .map_err(classify)?;
            }
            Surface::Ephemeral { .. } => {}
        }
        Ok(())
    }

    /// `conversations.open` for the DM, then Slack's external upload flow:
    /// `files.getUploadURLExternal`, the bytes to `upload_url`, `files.completeUploadExternal`.
    async fn upload(
        &self,
        to: &Owner,
        name: &str,
        content: Vec<u8>,
    ) -> Result<Option<String>, SendError> {
        let token = self.token(&to.team).await?;
        let session = self.client.open_session(&token);
        let dm = self.open_dm(&token, to).await?;
        let url = session
            .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(
                name.into(),
                content.len(),
            ))
            .await
            .map_err(classify)?;
        session
            .files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
                url.upload_url,
                content,
                "application/json".into(),
            ))
            .await
            .map_err(classify)?;
        session
            .files_complete_upload_external(
                &SlackApiFilesCompleteUploadExternalRequest::new(vec![
                    SlackApiFilesComplete::new(url.file_id).with_title(name.into()),
                ])
                .with_channel_id(SlackChannelId(dm)),
            )
            .await
            .map_err(classify)?;
        Ok(None)
    }

    async fn user_tz(&self, who: &Owner) -> Result<Option<Tz>, SendError> {
        let token = self.token(&who.team).await?;
        let req = SlackApiUsersInfoRequest::new(SlackUserId(who.user.as_str().into()));
        let resp = self
            .client
            .open_session(&token)
            .users_info(&req)
            .await
            .map_err(classify)?;
        Ok(resp.user.tz.as_deref().and_then(|t| t.parse::<Tz>().ok()))
    }

    async fn revoke(&self, token: &str) -> Result<(), SendError> {
        #[derive(serde::Deserialize)]
        struct Revoked {}
        let token = SlackApiToken::new(token.to_string().into());
        let params: Vec<(&str, Option<String>)> = Vec::new();
        let _: Revoked = self
            .client
            .open_session(&token)
            .http_session_api
            .http_get("auth.revoke", &params, None)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn exchange(&self, grant: &Grant) -> Result<Granted, SendError> {
        let Some((id, secret)) = &self.oauth else {
            return Err(SendError::Rejected("OAuth is not configured".into()));
        };
        let params: Vec<(&str, Option<String>)> = match grant {
            Grant::Code { code, redirect_url } => vec![
                ("code", Some(code.clone())),
                ("redirect_uri", redirect_url.clone()),
            ],
            Grant::Refresh { refresh_token } => vec![
                ("grant_type", Some("refresh_token".to_string())),
                ("refresh_token", Some(refresh_token.clone())),
            ],
        };
        let connector = &self.client.http_api.connector;
        let uri = connector
            .create_method_uri_path("oauth.v2.access")
            .and_then(|base| SlackClientHttpApiUri::create_url_with_params(base, &params))
            .map_err(classify)?;
        // Any error code here is Slack refusing the grant (invalid_code, code_already_used,
        // invalid_refresh_token, bad_redirect_uri…), not a passing failure.
        let got: OAuthAccess = connector
            .http_get_with_client_secret(uri, id, secret)
            .await
            .map_err(|e| match e {
                SlackClientError::ApiError(a) if !a.code.contains("rate") => {
                    SendError::Rejected(a.code)
                }
                e => classify(e),
            })?;
        let Some(team) = got.team.as_ref().and_then(|t| TeamId::parse(&t.id)) else {
            // An organisation-wide install (no workspace): refused, and its token given back
            // rather than left working.
            if let Err(e) = self.revoke(&got.access_token).await {
                tracing::warn!(error = %e, "organisation-wide install refused; its token could not be revoked");
            }
            return Err(SendError::Rejected(
                "an install for a whole organisation".into(),
            ));
        };
        Ok(Granted {
            team,
            team_name: got.team.and_then(|t| t.name).unwrap_or_default(),
            enterprise: got.enterprise.map(|e| e.id),
            enterprise_install: got.is_enterprise_install,
            bot_user: got.bot_user_id.as_deref().and_then(UserId::parse),
            bot_token: got.access_token,
            scopes: got.scope,
            installer: got.authed_user.and_then(|u| UserId::parse(&u.id)),
            refresh_token: got.refresh_token,
            expires_in: got.expires_in,
        })
    }

    async fn can_post(&self, team: &TeamId, channel: &ChannelId) -> Result<bool, SendError> {
        let token = self.token(team).await?;
        let session = self.client.open_session(&token);
        let params = vec![("channel", Some(channel.as_str().to_string()))];
        let info: Info = session
            .http_session_api
            .http_get("conversations.info", &params, None)
            .await
            .map_err(classify)?;
        Ok(info.channel.is_member)
    }

    async fn channel_members(
        &self,
        team: &TeamId,
        channel: &ChannelId,
    ) -> Result<Vec<UserId>, SendError> {
        let token = self.token(team).await?;
        let session = self.client.open_session(&token);
        let mut members = Vec::new();
        let mut cursor: Option<SlackCursorId> = None;
        for _ in 0..100 {
            let mut req = SlackApiConversationsMembersRequest::new()
                .with_channel(SlackChannelId(channel.as_str().into()))
                .with_limit(1000);
            if let Some(c) = cursor.take() {
                req = req.with_cursor(c);
            }
            let resp = session
                .conversations_members(&req)
                .await
                .map_err(classify)?;
            members.extend(resp.members.iter().filter_map(|u| UserId::parse(&u.0)));
            match resp.response_metadata.and_then(|m| m.next_cursor) {
                Some(c) if !c.0.is_empty() => cursor = Some(c),
                _ => break,
            }
        }
        Ok(members)
    }
}
