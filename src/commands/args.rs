//! A cursor over the text after `/peer`, keeping the user's own spacing for free text.

use crate::domain::UserId;
use crate::error::UsageError;

pub(crate) struct Args<'a> {
    rest: &'a str,
}

impl<'a> Args<'a> {
    pub fn new(text: &'a str) -> Self {
        Args { rest: text.trim() }
    }

    pub fn next_word(&mut self) -> Option<&'a str> {
        let s = self.rest.trim_start();
        if s.is_empty() {
            return None;
        }
        let end = s.find(char::is_whitespace).unwrap_or(s.len());
        self.rest = &s[end..];
        Some(&s[..end])
    }

    /// The next `n` words, without consuming them.
    pub fn peek_words(&self, n: usize) -> Vec<&'a str> {
        self.rest.split_whitespace().take(n).collect()
    }

    pub fn skip_words(&mut self, n: usize) {
        for _ in 0..n {
            self.next_word();
        }
    }

    /// Everything left, trimmed; `None` when nothing is.
    pub fn rest(&mut self) -> Option<&'a str> {
        let r = self.rest.trim();
        self.rest = "";
        (!r.is_empty()).then_some(r)
    }

    /// The mention that must come next.
    pub fn mention(&mut self, usage: &'static str) -> Result<UserId, UsageError> {
        match self.next_word() {
            None => Err(UsageError::new("Who? Mention the peer, e.g. `@ana`.", usage)),
            Some(w) => UserId::from_mention(w).ok_or_else(|| {
                UsageError::new(
                    format!(
                        "{} is not a person I can recognise: type `@` and pick them from Slack's list.",
                        echo(w)
                    ),
                    usage,
                )
            }),
        }
    }

    /// Fails on anything left over, naming it.
    pub fn finish(&mut self, usage: &'static str) -> Result<(), UsageError> {
        match self.rest() {
            None => Ok(()),
            Some(junk) => Err(UsageError::new(
                format!("I did not understand {}.", echo(junk)),
                usage,
            )),
        }
    }
}

/// Free text as the user meant it: Slack escapes `&`, `<` and `>` in command text.
pub(crate) fn free_text(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// What the user typed, quoted back in a reply: plain words in a code span, Slack's own escapes
/// (`<@U…|name>`, `<#C…>`, `<!here>`, links) left outside it, where Slack shows them as names. Inside a
/// code span Slack would show the raw escape.
pub(crate) fn echo(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s.trim();
    let plain = |text: &str, out: &mut String| {
        let text = text.trim();
        if !text.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push('`');
            out.push_str(&text.replace('`', "ˋ").replace('<', "‹").replace('>', "›"));
            out.push('`');
        }
    };
    // Each escape ends at a `>` and starts at the last `<` before it.
    while let Some(end) = rest.find('>') {
        let Some(start) = rest[..end].rfind('<').filter(|&st| end > st + 1) else {
            plain(&rest[..=end], &mut out);
            rest = &rest[end + 1..];
            continue;
        };
        plain(&rest[..start], &mut out);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&rest[start..=end]);
        rest = &rest[end + 1..];
    }
    plain(rest, &mut out);
    if out.is_empty() {
        "nothing".to_string()
    } else {
        out
    }
}

/// Free text with a length limit, for notes and reasons.
pub(crate) fn bounded_text(
    s: &str,
    max_chars: usize,
    what: &str,
    usage: &'static str,
) -> Result<String, UsageError> {
    let t = free_text(s);
    if t.chars().count() > max_chars {
        return Err(UsageError::new(
            format!("That {what} is too long: keep it under {max_chars} characters."),
            usage,
        ));
    }
    Ok(t)
}

/// `"text" rest` (straight or curly quotes) → (`text`, ` rest`).
pub(crate) fn quoted(text: &str) -> Option<(&str, &str)> {
    let t = text.trim_start();
    let open = t.chars().next().filter(|c| ['"', '“', '”'].contains(c))?;
    let body = &t[open.len_utf8()..];
    let end = body.find(['"', '“', '”'])?;
    let close = body[end..].chars().next()?.len_utf8();
    Some((&body[..end], &body[end + close..]))
}

/// A short id the user types (`3` or `#3`): `missing` when there is none, and "`x` is not a
/// `noun`" when it is not a positive number.
pub(crate) fn id_number(
    word: Option<&str>,
    missing: &str,
    noun: &str,
    usage: &'static str,
) -> Result<i64, UsageError> {
    let w = word.ok_or_else(|| UsageError::new(missing, usage))?;
    w.trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            let a = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            UsageError::new(format!("{} is not {a} {noun}.", echo(w)), usage)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_rest_keep_free_text_spacing() {
        let mut a = Args::new("  add <@U1>   weekly because  a\nb ");
        assert_eq!(a.next_word(), Some("add"));
        assert_eq!(a.next_word(), Some("<@U1>"));
        assert_eq!(a.peek_words(2), vec!["weekly", "because"]);
        a.skip_words(2);
        assert_eq!(a.rest(), Some("a\nb"));
        assert_eq!(a.next_word(), None);
    }

    #[test]
    fn typed_text_is_echoed_with_slacks_escapes_outside_code() {
        assert_eq!(echo("soon"), "`soon`");
        assert_eq!(echo("<@UBO|bo>"), "<@UBO|bo>");
        assert_eq!(echo("hi <@UBO|bo> there"), "`hi` <@UBO|bo> `there`");
        assert_eq!(echo("a`b"), "`aˋb`");
        assert_eq!(echo("&lt;3 <#C1|x>"), "`&lt;3` <#C1|x>");
        assert_eq!(echo("<http://x>"), "<http://x>");
        assert_eq!(echo("a<@b<@U1>"), "`a‹@b` <@U1>");
    }

    proptest::proptest! {
        #[test]
        fn echo_never_panics_and_never_leaves_an_escape_in_code(s in "\\PC{0,30}") {
            let e = echo(&s);
            for (i, part) in e.split('`').enumerate() {
                if i % 2 == 1 {
                    proptest::prop_assert!(!part.contains("<@"), "{}", e);
                }
            }
        }
    }

    #[test]
    fn slack_entities_are_decoded_in_free_text() {
        assert_eq!(free_text("R&amp;D &lt;3"), "R&D <3");
    }
}
