//! Slack request signing: `v0=hex(HMAC-SHA256(secret, "v0:{ts}:{raw body}"))`, checked in
//! constant time, with the timestamp within 300 seconds of now in either direction (inclusive),
//! before anything is parsed or stored.
//!
//! slack-morphism's verifier does the same but reads the wall clock inside and is not public
//! at a chosen time; this one takes `now` so it is tested against Slack's published vectors.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use subtle::ConstantTimeEq;

pub const SIGNATURE_HEADER: &str = "x-slack-signature";
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
pub const MAX_SKEW_SECONDS: i64 = 300;
/// Slack's payloads are small; anything bigger is refused before it is read in full.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing signature headers")]
    Missing,
    #[error("timestamp outside the 5-minute window")]
    Stale,
    #[error("signature does not match")]
    Mismatch,
}

/// The signing secret, ready to check requests.
#[derive(Clone)]
pub struct Verifier {
    secret: Arc<[u8]>,
}

impl Verifier {
    pub fn new(secret: &str) -> Self {
        Verifier {
            secret: secret.as_bytes().into(),
        }
    }

    /// Checks one request at `now` (unix seconds).
    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        let (Some(ts), Some(sig)) = (timestamp, signature) else {
            return Err(SignatureError::Missing);
        };
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).map_err(|_| SignatureError::Mismatch)?;
        mac.update(b"v0:");
        mac.update(ts.as_bytes());
        mac.update(b":");
        mac.update(body);
        let expected = format!("v0={}", hex::encode(mac.finalize().into_bytes()));
        if !bool::from(expected.as_bytes().ct_eq(sig.as_bytes())) {
            return Err(SignatureError::Mismatch);
        }
        let ts: i64 = ts.parse().map_err(|_| SignatureError::Stale)?;
        if (now - ts).abs() > MAX_SKEW_SECONDS {
            return Err(SignatureError::Stale);
        }
        Ok(())
    }
}

/// axum middleware: verified requests pass on with their body intact; anything else is 401
/// (413 if too large) and touches nothing.
pub async fn require_signature(State(v): State<Verifier>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let header = |name: &str| parts.headers.get(name).and_then(|h| h.to_str().ok());
    let now = crate::clock::Clock::wall().timestamp();
    if let Err(e) = v.verify(
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        &bytes,
        now,
    ) {
        tracing::warn!(error = %e, path = %parts.uri.path(), "refused an unsigned or badly signed request");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/slack/signing-vectors.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("signing vectors"))
            .expect("json")
    }

    #[test]
    fn every_published_vector_verifies_at_its_own_time_and_at_the_window_edges() {
        for v in vectors()["vectors"].as_array().unwrap() {
            let ver = Verifier::new(v["signing_secret"].as_str().unwrap());
            let ts = v["timestamp"].as_str().unwrap();
            let sig = v["expected_signature"].as_str();
            let body = v["body"].as_str().unwrap().as_bytes();
            let t: i64 = ts.parse().unwrap();
            let name = v["name"].as_str().unwrap();
            assert_eq!(ver.verify(Some(ts), sig, body, t), Ok(()), "{name}");
            assert_eq!(
                ver.verify(Some(ts), sig, body, t + 300),
                Ok(()),
                "{name} +300"
            );
            assert_eq!(
                ver.verify(Some(ts), sig, body, t - 300),
                Ok(()),
                "{name} -300"
            );
            assert_eq!(
                ver.verify(Some(ts), sig, body, t + 301),
                Err(SignatureError::Stale),
                "{name} +301"
            );
            assert_eq!(
                ver.verify(Some(ts), sig, body, t - 301),
                Err(SignatureError::Stale),
                "{name} -301"
            );
        }
    }

    #[test]
    fn every_negative_case_is_judged_as_slack_sdk_judges_it() {
        for c in vectors()["negative_cases"].as_array().unwrap() {
            let ver = Verifier::new(c["signing_secret"].as_str().unwrap());
            let ok = ver
                .verify(
                    c["timestamp"].as_str(),
                    c["signature"].as_str(),
                    c["body"].as_str().unwrap().as_bytes(),
                    c["now"].as_i64().unwrap(),
                )
                .is_ok();
            assert_eq!(
                ok,
                c["expect_valid_slack_sdk"].as_bool().unwrap(),
                "{}",
                c["name"]
            );
        }
    }

    #[test]
    fn missing_headers_are_refused() {
        let v = Verifier::new("s");
        assert_eq!(
            v.verify(None, Some("v0=00"), b"", 0),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            v.verify(Some("0"), None, b"", 0),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            v.verify(Some("zero"), Some("v0=00"), b"", 0),
            Err(SignatureError::Mismatch)
        );
    }
}
