//! A small XML layer for the codec: a reader that builds a bounded element
//! tree on top of quick-xml (namespace-resolved, no DTD, no entities beyond
//! the five predefined ones and character references), and an escaping
//! writer. Only what CWMP needs: elements, text, and the `xsi:type` attribute.

use std::borrow::Cow;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::NsReader;

use crate::cwmp::soap::{CwmpVersion, SOAP_ENC_NS, SOAP_ENV_NS, XSI_NS};
use crate::cwmp::xsd::XSD_NS;

/// The namespaces the codec distinguishes. Elements are matched on
/// namespace + local name, never on the prefix the peer chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    /// No namespace (unqualified element, as CWMP's RPC arguments are).
    None,
    SoapEnv,
    SoapEnc,
    Xsi,
    Xsd,
    Cwmp(CwmpVersion),
    /// Any other namespace, or an undeclared prefix.
    Other,
}

impl Ns {
    fn from_uri(uri: &[u8]) -> Ns {
        let Ok(uri) = std::str::from_utf8(uri) else {
            return Ns::Other;
        };
        match uri {
            SOAP_ENV_NS => Ns::SoapEnv,
            SOAP_ENC_NS => Ns::SoapEnc,
            XSI_NS => Ns::Xsi,
            XSD_NS => Ns::Xsd,
            _ => CwmpVersion::from_namespace(uri).map_or(Ns::Other, Ns::Cwmp),
        }
    }

    fn resolve(r: &ResolveResult<'_>) -> Ns {
        match r {
            ResolveResult::Unbound => Ns::None,
            ResolveResult::Bound(ns) => Ns::from_uri(ns.0),
            ResolveResult::Unknown(_) => Ns::Other,
        }
    }
}

/// An element's local name. The names CWMP uses are borrowed from a static
/// table (no allocation per element: a 1,000-item array has 2,000+ of them);
/// anything else is owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalName(std::borrow::Cow<'static, str>);

impl LocalName {
    fn new(bytes: &[u8]) -> Result<LocalName, String> {
        if let Some(known) = KNOWN_NAMES.iter().find(|n| n.as_bytes() == bytes) {
            return Ok(LocalName(std::borrow::Cow::Borrowed(known)));
        }
        let s = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
        Ok(LocalName(std::borrow::Cow::Owned(s.to_string())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq<&str> for LocalName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl std::fmt::Display for LocalName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The most frequent element names, most frequent first (array items and
/// their fields); a miss only costs an allocation.
const KNOWN_NAMES: &[&str] = &[
    "string",
    "Name",
    "Value",
    "ParameterValueStruct",
    "ParameterInfoStruct",
    "Writable",
    "SetParameterAttributesStruct",
    "ParameterAttributeStruct",
    "Notification",
    "NotificationChange",
    "AccessListChange",
    "AccessList",
    "EventStruct",
    "EventCode",
    "CommandKey",
    "ParameterList",
    "ParameterNames",
    "Envelope",
    "Header",
    "Body",
    "ID",
];

/// One element of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element<'a> {
    pub ns: Ns,
    pub local: LocalName,
    /// `xsi:type`, resolved: namespace of its prefix + local part.
    pub xsi_type: Option<(Ns, String)>,
    /// All character data directly inside the element (entities resolved,
    /// line ends normalised), concatenated.
    pub text: Cow<'a, str>,
    pub children: Vec<Element<'a>>,
}

impl<'a> Element<'a> {
    /// Element children with the given local name (namespace ignored: CWMP
    /// argument elements are unqualified, but some ACSes qualify them).
    pub fn children_named<'s>(
        &'s self,
        local: &'s str,
    ) -> impl Iterator<Item = &'s Element<'a>> + 's {
        self.children.iter().filter(move |c| c.local == local)
    }

    pub fn child(&self, local: &str) -> Option<&Element<'a>> {
        self.children.iter().find(|c| c.local == local)
    }
}

/// Result of reading a document.
#[derive(Debug)]
pub struct Document<'a> {
    pub root: Element<'a>,
    /// True when the document had more elements than the tree keeps
    /// (`max_elements`): the rest was checked for well-formedness but not
    /// stored, so arrays in it look short. The decoder reports the message
    /// as invalid (it knows the method and ID at that point).
    pub truncated: bool,
}

/// Reading limits (see `cwmp::Limits`).
pub struct ReadLimits {
    pub max_bytes: usize,
    pub max_depth: usize,
    pub max_elements: usize,
}

/// Parse `bytes` into a tree. Errors are human-readable reasons.
pub fn read<'a>(bytes: &'a [u8], limits: &ReadLimits) -> Result<Document<'a>, String> {
    if bytes.len() > limits.max_bytes {
        return Err(format!(
            "envelope of {} bytes exceeds the limit of {} bytes",
            bytes.len(),
            limits.max_bytes
        ));
    }
    // quick-xml is built without encoding support: insist on UTF-8 up front
    // (TR-069 §3.4.1 / SOAP over HTTP use UTF-8).
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = NsReader::from_str(text);
    let cfg = reader.config_mut();
    cfg.check_end_names = true;
    cfg.check_comments = true;
    cfg.allow_unmatched_ends = false;
    cfg.expand_empty_elements = false;
    cfg.trim_text(false);

    let mut stack: Vec<Element<'a>> = Vec::new();
    let mut root: Option<Element<'a>> = None;
    // Depth of the subtree being skipped because max_elements was reached.
    let mut skip_depth = 0usize;
    let mut stored = 0usize;
    let mut truncated = false;

    loop {
        let pos = reader.buffer_position();
        let (ns, event) = match reader.read_resolved_event() {
            Ok((r, e)) => (Ns::resolve(&r), e),
            Err(e) => return Err(format!("after byte {pos}: {e}")),
        };
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err("a second root element".into());
            }
            Event::Start(start) => {
                if stack.len() + skip_depth >= limits.max_depth {
                    return Err(format!("nesting deeper than {} elements", limits.max_depth));
                }
                if skip_depth > 0 || stored >= limits.max_elements {
                    truncated = true;
                    skip_depth += 1;
                } else {
                    stored += 1;
                    stack.push(new_element(&reader, ns, &start)?);
                }
            }
            Event::Empty(start) => {
                if stack.len() + skip_depth >= limits.max_depth {
                    return Err(format!("nesting deeper than {} elements", limits.max_depth));
                }
                if skip_depth > 0 || stored >= limits.max_elements {
                    truncated = true;
                } else {
                    stored += 1;
                    let el = new_element(&reader, ns, &start)?;
                    attach(&mut stack, &mut root, el);
                }
            }
            Event::End(_) => {
                if skip_depth > 0 {
                    skip_depth -= 1;
                } else if let Some(el) = stack.pop() {
                    attach(&mut stack, &mut root, el);
                } else {
                    return Err("unexpected end tag".into());
                }
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(|e| e.to_string())?;
                push_text(&mut stack, skip_depth, s, root.is_some())?;
            }
            Event::CData(c) => {
                let s = c.xml10_content().map_err(|e| e.to_string())?;
                if stack.is_empty() {
                    return Err("CDATA outside the root element".into());
                }
                push_text(&mut stack, skip_depth, s, false)?;
            }
            Event::GeneralRef(r) => {
                let c = resolve_ref(&r)?;
                if stack.is_empty() {
                    return Err("character data outside the root element".into());
                }
                push_text(&mut stack, skip_depth, Cow::Owned(c.to_string()), false)?;
            }
            // No DTDs: they enable entity expansion attacks (billion laughs)
            // and CWMP never needs one (SOAP 1.1 §3 forbids them too).
            Event::DocType(_) => return Err("DOCTYPE is not allowed".into()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() || skip_depth > 0 {
        return Err("document truncated: unclosed elements".into());
    }
    let root = root.ok_or_else(|| "no root element".to_string())?;
    Ok(Document { root, truncated })
}

fn new_element(
    reader: &NsReader<&[u8]>,
    ns: Ns,
    start: &BytesStart<'_>,
) -> Result<Element<'static>, String> {
    let local = LocalName::new(start.local_name().into_inner())?;
    let mut xsi_type = None;
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("bad attribute in <{local}>: {e}"))?;
        let (attr_ns, attr_local) = reader.resolve_attribute(attr.key);
        if Ns::resolve(&attr_ns) == Ns::Xsi && attr_local.into_inner() == b"type" {
            let value = attr
                .unescape_value()
                .map_err(|e| format!("bad xsi:type in <{local}>: {e}"))?;
            let qname = value.trim();
            if !is_qname(qname) {
                return Err(format!("xsi:type '{qname}' in <{local}> is not a QName"));
            }
            // The value is a QName: resolve its prefix in the element's scope.
            let (type_ns, type_local) = reader.resolve_element(QName(qname.as_bytes()));
            let type_local = String::from_utf8_lossy(type_local.into_inner()).into_owned();
            xsi_type = Some((Ns::resolve(&type_ns), type_local));
        }
        // Every attribute value is still checked for well-formedness
        // (undefined entities are refused).
        attr.unescape_value()
            .map_err(|e| format!("bad attribute value in <{local}>: {e}"))?;
    }
    Ok(Element {
        ns,
        local,
        xsi_type,
        text: Cow::Borrowed(""),
        children: Vec::new(),
    })
}

fn attach<'a>(stack: &mut [Element<'a>], root: &mut Option<Element<'a>>, el: Element<'a>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

/// Append character data to the open element. The first piece is kept as
/// it came from the reader (usually borrowed from the input: no copy); a
/// second piece makes the text owned.
fn push_text<'a>(
    stack: &mut [Element<'a>],
    skip_depth: usize,
    s: Cow<'a, str>,
    after_root: bool,
) -> Result<(), String> {
    // quick-xml does not check the XML 1.0 Char production; we do, so that a
    // decoded string is always encodable again.
    if let Some(c) = first_non_xml_char(&s) {
        return Err(format!(
            "character U+{:04X} is not allowed in XML",
            u32::from(c)
        ));
    }
    match stack.last_mut() {
        Some(top) if skip_depth == 0 => {
            if top.text.is_empty() {
                top.text = s;
            } else {
                top.text.to_mut().push_str(&s);
            }
        }
        Some(_) => {}
        None => {
            if !s.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) {
                return Err(if after_root {
                    "text after the root element".into()
                } else {
                    "text before the root element".into()
                });
            }
        }
    }
    Ok(())
}

/// Only the five predefined entities and character references exist
/// without a DTD (XML 1.0 §4.6).
fn resolve_ref(r: &BytesRef<'_>) -> Result<char, String> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => Ok(c),
            _ => Err("invalid character reference".into()),
        };
    }
    match r.as_ref() {
        b"lt" => Ok('<'),
        b"gt" => Ok('>'),
        b"amp" => Ok('&'),
        b"apos" => Ok('\''),
        b"quot" => Ok('"'),
        other => Err(format!(
            "undefined entity &{};",
            String::from_utf8_lossy(other)
        )),
    }
}

/// Loose QName check (Namespaces in XML §4): `[prefix:]local`, both parts
/// non-empty, no whitespace or markup, at most one colon.
fn is_qname(s: &str) -> bool {
    let mut parts = s.split(':');
    let ok_part = |p: &str| {
        !p.is_empty()
            && p.chars().all(|c| {
                is_xml_char(c) && !c.is_whitespace() && !c.is_control() && !"<>&\"'=/".contains(c)
            })
    };
    match (parts.next(), parts.next(), parts.next()) {
        (Some(a), None, None) => ok_part(a),
        (Some(a), Some(b), None) => ok_part(a) && ok_part(b),
        _ => false,
    }
}

/// The first character outside the XML 1.0 Char production, found with a
/// byte scan: in valid UTF-8 the only non-Chars are C0 controls other than
/// tab/LF/CR and U+FFFE/U+FFFF (encoded EF BF BE / EF BF BF); surrogates
/// cannot occur in a `str`.
fn first_non_xml_char(s: &str) -> Option<char> {
    let b = s.as_bytes();
    // Fast path (vectorisable): nothing below 0x20 and no 0xEF lead byte.
    if b.iter().all(|&c| c >= 0x20 && c != 0xEF) {
        return None;
    }
    let pos = b.iter().enumerate().position(|(i, &c)| {
        (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
            || (c == 0xEF
                && b.get(i + 1) == Some(&0xBF)
                && matches!(b.get(i + 2), Some(0xBE | 0xBF)))
    })?;
    s.get(pos..).and_then(|rest| rest.chars().next())
}

/// XML 1.0 §2.2 Char production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// An XML writer into a byte buffer. Callers write well-nested output; the
/// writer only escapes.
pub struct Writer {
    out: Vec<u8>,
}

impl Writer {
    pub fn with_capacity(n: usize) -> Writer {
        Writer {
            out: Vec::with_capacity(n),
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    pub fn raw(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    /// `<name` — finish with `attr`* and `open_end`.
    pub fn open_start(&mut self, name: &str) {
        self.out.push(b'<');
        self.raw(name);
    }

    pub fn attr(&mut self, name: &str, value: &str) {
        self.out.push(b' ');
        self.raw(name);
        self.raw("=\"");
        self.escaped(value, true);
        self.out.push(b'"');
    }

    pub fn open_end(&mut self) {
        self.out.push(b'>');
    }

    pub fn open(&mut self, name: &str) {
        self.open_start(name);
        self.open_end();
    }

    pub fn close(&mut self, name: &str) {
        self.raw("</");
        self.raw(name);
        self.out.push(b'>');
    }

    pub fn empty(&mut self, name: &str) {
        self.open_start(name);
        self.raw("/>");
    }

    /// `<name>text</name>`
    pub fn text_element(&mut self, name: &str, text: &str) {
        self.open(name);
        self.escaped(text, false);
        self.close(name);
    }

    pub fn text(&mut self, text: &str) {
        self.escaped(text, false);
    }

    /// Escape markup characters; `\r` becomes `&#13;` so it survives line-end
    /// normalisation, tab/newline in attributes become references so they
    /// survive attribute-value normalisation. Characters XML 1.0 cannot carry
    /// at all (most C0 controls, U+FFFE/U+FFFF) are replaced by U+FFFD: a
    /// message that no parser accepts would be worse.
    fn escaped(&mut self, s: &str, in_attr: bool) {
        let bytes = s.as_bytes();
        // Fast path (vectorisable): most values need no escaping at all.
        if bytes
            .iter()
            .all(|&c| c >= 0x20 && !matches!(c, b'&' | b'<' | b'>' | b'"' | 0xEF))
        {
            self.out.extend_from_slice(bytes);
            return;
        }
        let mut last = 0;
        let mut i = 0;
        // Byte scan: every byte that needs work is ASCII, except the UTF-8
        // encodings of U+FFFE/U+FFFF (EF BF BE/BF).
        while i < bytes.len() {
            let c = bytes[i];
            let (rep, len): (&str, usize) = match c {
                b'&' => ("&amp;", 1),
                b'<' => ("&lt;", 1),
                b'>' => ("&gt;", 1),
                b'"' if in_attr => ("&quot;", 1),
                b'\r' => ("&#13;", 1),
                b'\n' if in_attr => ("&#10;", 1),
                b'\t' if in_attr => ("&#9;", 1),
                b'\t' | b'\n' => {
                    i += 1;
                    continue;
                }
                0..=0x1F => ("\u{FFFD}", 1),
                0xEF if bytes.get(i + 1) == Some(&0xBF)
                    && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) =>
                {
                    ("\u{FFFD}", 3)
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            self.out.extend_from_slice(&bytes[last..i]);
            self.raw(rep);
            i += len;
            last = i;
        }
        self.out.extend_from_slice(&bytes[last..]);
    }
}
