//! Sending alert e-mails. Without a mail server configured, messages are written to the log
//! (`Log`), so a fresh installation loses nothing and needs no secret; with `--smtp-url` they go
//! out over SMTP with rustls (`Smtp`). Neither ever writes the SMTP password anywhere.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// One e-mail to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted by the mail server.
    Sent,
    /// Written to the log (no mail server configured).
    Logged,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Sent => "sent",
            Delivery::Logged => "logged",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("SMTP configuration: {0}")]
    Config(String),
    #[error("e-mail address '{0}' is not valid")]
    Address(String),
    #[error("e-mail not sent: {0}")]
    Send(String),
}

pub enum Notifier {
    /// Writes each message with `tracing::info!`.
    Log,
    Smtp(SmtpNotifier),
}

pub struct SmtpNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The URL with its password hidden, for logs and `describe`.
    url: String,
}

/// A URL with the password of its user part hidden: `smtps://user:***@host:465`. A user part
/// without a password is a token in some services' URLs, so it is hidden whole.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    // The user part ends at the last '@' before the path: a password may contain '@'.
    let authority_end = url[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme_end + i);
    let Some(at) = url[scheme_end..authority_end]
        .rfind('@')
        .map(|i| scheme_end + i)
    else {
        return url.to_string();
    };
    let user = match url[scheme_end..at].split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        None => "***".to_string(),
    };
    format!("{}{user}{}", &url[..scheme_end], &url[at..])
}

impl Notifier {
    /// `Log` without an SMTP URL; `Smtp` with one, which then needs a sender address.
    pub fn from_config(
        smtp_url: Option<&str>,
        smtp_from: Option<&str>,
    ) -> Result<Notifier, NotifyError> {
        let Some(url) = smtp_url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Notifier::Log);
        };
        let redacted = redact_url(url);
        let from = smtp_from
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .ok_or_else(|| {
                NotifyError::Config(format!(
                    "--smtp-from (HAILONG_SMTP_FROM) is needed with --smtp-url {redacted}"
                ))
            })?;
        let from: Mailbox = from
            .parse()
            .map_err(|_| NotifyError::Address(from.to_string()))?;
        // lettre's own error may quote the URL it was given; say what is wrong without it.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| {
                NotifyError::Config(format!(
                    "cannot read {redacted} (smtps://user:password@host:465, or smtp://…?tls=required for STARTTLS)"
                ))
            })?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        Ok(Notifier::Smtp(SmtpNotifier {
            transport,
            from,
            url: redacted,
        }))
    }

    /// How messages go out, safe to log.
    pub fn describe(&self) -> String {
        match self {
            Notifier::Log => "log (no SMTP server configured)".into(),
            Notifier::Smtp(s) => format!("smtp {} from {}", s.url, s.from),
        }
    }

    pub async fn send(&self, email: &Email) -> Result<Delivery, NotifyError> {
        match self {
            Notifier::Log => {
                tracing::info!(
                    to = %email.to,
                    subject = %email.subject,
                    body = %email.body,
                    "alert e-mail (no SMTP server configured: logged, not sent)"
                );
                Ok(Delivery::Logged)
            }
            Notifier::Smtp(s) => {
                let to: Mailbox = email
                    .to
                    .parse()
                    .map_err(|_| NotifyError::Address(email.to.clone()))?;
                let msg = Message::builder()
                    .from(s.from.clone())
                    .to(to)
                    .subject(email.subject.clone())
                    .header(ContentType::TEXT_PLAIN)
                    .body(email.body.clone())
                    .map_err(|e| NotifyError::Send(e.to_string()))?;
                s.transport
                    .send(msg)
                    .await
                    .map_err(|e| NotifyError::Send(e.to_string()))?;
                Ok(Delivery::Sent)
            }
        }
    }
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact_url("smtps://canhbao:Bi-Mat@2026@mail.khanhhoa.gov.vn:465"),
            "smtps://canhbao:***@mail.khanhhoa.gov.vn:465"
        );
        assert_eq!(
            redact_url("smtp://apikey@smtp.example.vn:587?tls=required"),
            "smtp://***@smtp.example.vn:587?tls=required"
        );
        assert_eq!(redact_url("smtp://localhost:25"), "smtp://localhost:25");
        assert_eq!(redact_url("not a url"), "not a url");
        // An '@' after the host belongs to the path, not to a user part.
        assert_eq!(redact_url("smtp://host:25/x@y"), "smtp://host:25/x@y");
    }

    #[tokio::test]
    async fn smtp_configuration_is_described_without_its_secret() {
        let n = Notifier::from_config(
            Some("smtps://canhbao:Bi-Mat-2026@mail.khanhhoa.gov.vn:465"),
            Some("Hài Lòng <canhbao@khanhhoa.gov.vn>"),
        )
        .unwrap();
        let shown = format!("{} {n:?}", n.describe());
        assert!(
            shown.contains("smtps://canhbao:***@mail.khanhhoa.gov.vn:465"),
            "{shown}"
        );
        assert!(!shown.contains("Bi-Mat"), "{shown}");
        // Without a sender the configuration is refused, and the refusal hides the password.
        let e = Notifier::from_config(Some("smtps://u:Bi-Mat-2026@h:465"), None).unwrap_err();
        assert!(!e.to_string().contains("Bi-Mat"), "{e}");
        let e = Notifier::from_config(Some("ftp://u:Bi-Mat-2026@h"), Some("a@b.vn")).unwrap_err();
        assert!(!e.to_string().contains("Bi-Mat"), "{e}");
        assert!(matches!(
            Notifier::from_config(None, None).unwrap(),
            Notifier::Log
        ));
        assert!(matches!(
            Notifier::from_config(Some("  "), None).unwrap(),
            Notifier::Log
        ));
    }
}
