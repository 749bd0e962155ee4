//! The acknowledgement rule: which contact attribute means "a person pressed the key".

use crate::config::{ConfigError, Env, get, invalid, parse_bool};

/// The attribute the shipped contact flow sets to `true` when the callee presses 1.
pub const DEFAULT_ACK_ATTRIBUTE: &str = "acknowledged";

/// The attribute the original tool's contact flow sets to `true` when the call is answered,
/// by a person or by voicemail alike.
pub const LEGACY_ACK_ATTRIBUTE: &str = "isTalking";

/// Which contact attribute means "a person pressed the key".
///
/// The shipped flow sets `acknowledged=true` on key 1. Teams keeping the original flow set
/// `CONNECT_ACK_ATTRIBUTE=isTalking` ([`LEGACY_ACK_ATTRIBUTE`]): that flow sets it on answer,
/// so it cannot tell a person from voicemail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckRule {
    pub attribute: String,
}

impl AckRule {
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        let attribute = get(env, "CONNECT_ACK_ATTRIBUTE").unwrap_or_else(|| DEFAULT_ACK_ATTRIBUTE.to_owned());
        if !attribute.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(invalid("CONNECT_ACK_ATTRIBUTE", &attribute, "expected a contact attribute name"));
        }
        Ok(Self { attribute })
    }

    /// True when the contact's attributes show an acknowledgement.
    pub fn is_acknowledged<'a>(&self, mut attributes: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
        attributes.any(|(key, value)| key == self.attribute && parse_bool(value) == Some(true))
    }

    /// The legacy rule counts an answer as an acknowledgement.
    pub fn is_legacy(&self) -> bool {
        self.attribute == LEGACY_ACK_ATTRIBUTE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Env {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name: &str| map.get(name).cloned()
    }

    #[test]
    fn ack_rule_reads_the_configured_attribute() {
        let rule = AckRule::from_env(&env(&[])).unwrap();
        assert!(rule.is_acknowledged([("acknowledged", "true")].into_iter()));
        assert!(!rule.is_acknowledged([("isTalking", "true")].into_iter()));
        assert!(!rule.is_acknowledged([("acknowledged", "false")].into_iter()));
        let legacy = AckRule::from_env(&env(&[("CONNECT_ACK_ATTRIBUTE", "isTalking")])).unwrap();
        assert!(legacy.is_legacy() && legacy.is_acknowledged([("isTalking", "True")].into_iter()));
        assert!(AckRule::from_env(&env(&[("CONNECT_ACK_ATTRIBUTE", "a b")])).is_err());
    }
}
