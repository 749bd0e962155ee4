//! The TwiML documents forward-call answers with.
//!
//! Every piece of text comes from a hand-edited file or from a request, so all of it is
//! XML-escaped, attributes included: a client name or notice containing `<`, `&` or quotes
//! must be spoken, never parsed as markup.
//!
//! The apology is not placed after `<Dial>`: Twilio would speak it after any dialled call
//! ends, including one that was answered. `<Dial action>` instead brings Twilio back with
//! `DialCallStatus`, and only a call nobody answered gets the apology.

use domain::phone::PhoneNumber;

use crate::forwarding::Speech;

const PROLOGUE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// One `<Dial>`: every number rings at once, the first to answer takes the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial {
    pub caller_id: PhoneNumber,
    pub numbers: Vec<PhoneNumber>,
    pub timeout_seconds: u32,
    /// Where Twilio reports how the dial ended.
    pub action: String,
}

/// Optional notice, then the dial.
pub fn forward(notice: Option<&Speech>, dial: &Dial) -> String {
    let mut out = format!("{PROLOGUE}<Response>");
    if let Some(notice) = notice {
        say(&mut out, notice);
    }
    out.push_str(&format!(
        r#"<Dial callerId="{}" timeout="{}" action="{}" method="POST">"#,
        escape(dial.caller_id.as_str()),
        dial.timeout_seconds,
        escape(&dial.action)
    ));
    for number in &dial.numbers {
        out.push_str(&format!("<Number>{}</Number>", escape(number.as_str())));
    }
    out.push_str("</Dial></Response>");
    out
}

/// The apology, then hang up.
pub fn apology(speech: &Speech) -> String {
    let mut out = format!("{PROLOGUE}<Response>");
    say(&mut out, speech);
    out.push_str("<Hangup/></Response>");
    out
}

/// End the call: the forwarded conversation is over.
pub fn hang_up() -> String {
    format!("{PROLOGUE}<Response><Hangup/></Response>")
}

fn say(out: &mut String, speech: &Speech) {
    out.push_str(&format!(
        r#"<Say language="{}" voice="{}">{}</Say>"#,
        escape(&speech.language),
        escape(&speech.voice),
        escape(&speech.text)
    ));
}

/// XML's five predefined entities: enough for element content and attributes in either
/// quotes. (Slack's mrkdwn escapes only three, see `adapters::slack::escape`: the two
/// languages differ, so each has its own.)
const XML_ENTITIES: [(char, &str); 5] =
    [('&', "&amp;"), ('<', "&lt;"), ('>', "&gt;"), ('"', "&quot;"), ('\'', "&apos;")];

/// Escapes text for XML element content and double- or single-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match XML_ENTITIES.iter().find(|(special, _)| *special == c) {
            Some((_, entity)) => out.push_str(entity),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speech(text: &str) -> Speech {
        Speech { text: text.into(), language: "ja-JP".into(), voice: "Polly.Mizuki".into() }
    }

    fn phone(raw: &str) -> PhoneNumber {
        PhoneNumber::parse(raw).unwrap()
    }

    #[test]
    fn forward_rings_every_number_in_one_dial_after_the_notice() {
        let dial = Dial {
            caller_id: phone("+815012340001"),
            numbers: vec![phone("+81312345678"), phone("+819012345678")],
            timeout_seconds: 25,
            action: "https://x.example/?a=1&step=dial-result".into(),
        };
        assert_eq!(
            forward(Some(&speech("おつなぎします。")), &dial),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
                r#"<Say language="ja-JP" voice="Polly.Mizuki">おつなぎします。</Say>"#,
                r#"<Dial callerId="+815012340001" timeout="25" action="https://x.example/?a=1&amp;step=dial-result" method="POST">"#,
                "<Number>+81312345678</Number><Number>+819012345678</Number></Dial></Response>"
            )
        );
        assert!(!forward(None, &dial).contains("<Say"));
    }

    #[test]
    fn apology_speaks_then_hangs_up() {
        assert_eq!(
            apology(&speech("ただいま込み合っております。")),
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say language="ja-JP" voice="Polly.Mizuki">ただいま込み合っております。</Say><Hangup/></Response>"#
        );
        assert_eq!(hang_up(), r#"<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>"#);
    }

    #[test]
    fn markup_in_text_and_attributes_is_escaped() {
        assert_eq!(escape(r#"<Hangup/> & "q" 'a'"#), "&lt;Hangup/&gt; &amp; &quot;q&quot; &apos;a&apos;");
        let hostile =
            Speech { text: "</Say><Dial>+1900</Dial>".into(), language: "x\" y=\"".into(), voice: "v".into() };
        let xml = apology(&hostile);
        assert!(xml.contains(r#"language="x&quot; y=&quot;""#), "{xml}");
        assert!(xml.contains("&lt;/Say&gt;&lt;Dial&gt;+1900&lt;/Dial&gt;"), "{xml}");
        assert_eq!(xml.matches("<Say").count(), 1);
        assert!(!xml.contains("<Dial"));
    }
}
