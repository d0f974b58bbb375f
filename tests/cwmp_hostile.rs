//! Hostile and broken input: every case must give an error (never a panic,
//! never unbounded work or memory).

use cwmpd::cwmp::*;

const HEAD: &str = r#"<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2"><soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">h-1</cwmp:ID></soap-env:Header><soap-env:Body>"#;
const TAIL: &str = "</soap-env:Body></soap-env:Envelope>";

fn wrap(body: &str) -> Vec<u8> {
    format!("{HEAD}{body}{TAIL}").into_bytes()
}

fn dec(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    decode(bytes, &Limits::default())
}

fn assert_xml_error(r: Result<Decoded, DecodeError>, needle: &str) {
    match r {
        Err(DecodeError::Xml(reason)) => assert!(reason.contains(needle), "{reason}"),
        other => panic!("expected Xml error containing {needle:?}, got {other:?}"),
    }
}

#[test]
fn baseline_is_valid() {
    assert!(dec(&wrap("<cwmp:GetRPCMethods/>")).is_ok());
}

#[test]
fn billion_laughs_doctype_is_refused() {
    let mut doc =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        doc.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    doc.push_str("]>\n");
    doc.push_str(
        &String::from_utf8(wrap(
            "<cwmp:Reboot><CommandKey>&lol9;</CommandKey></cwmp:Reboot>",
        ))
        .unwrap(),
    );
    assert_xml_error(dec(doc.as_bytes()), "DOCTYPE");
}

#[test]
fn external_entity_is_refused() {
    let doc = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{}",
        String::from_utf8(wrap(
            "<cwmp:Reboot><CommandKey>&xxe;</CommandKey></cwmp:Reboot>"
        ))
        .unwrap()
    );
    assert_xml_error(dec(doc.as_bytes()), "DOCTYPE");
}

#[test]
fn undefined_entity_is_refused() {
    assert_xml_error(
        dec(&wrap(
            "<cwmp:Reboot><CommandKey>&foo;</CommandKey></cwmp:Reboot>",
        )),
        "undefined entity",
    );
}

#[test]
fn predefined_entities_and_char_refs_work() {
    let d = dec(&wrap(
        "<cwmp:Reboot><CommandKey>&lt;&amp;&gt;&quot;&apos;&#65;&#x42;&#13;</CommandKey></cwmp:Reboot>",
    ))
    .unwrap();
    let Body::AcsRequest(AcsRequest::Reboot(r)) = d.envelope.body else {
        panic!()
    };
    assert_eq!(r.command_key, "<&>\"'AB\r");
}

#[test]
fn invalid_char_refs_and_control_chars_are_refused() {
    assert!(dec(&wrap(
        "<cwmp:Reboot><CommandKey>&#0;</CommandKey></cwmp:Reboot>"
    ))
    .is_err());
    assert!(dec(&wrap(
        "<cwmp:Reboot><CommandKey>&#xD800;</CommandKey></cwmp:Reboot>"
    ))
    .is_err());
    assert!(dec(&wrap(
        "<cwmp:Reboot><CommandKey>a\u{1}b</CommandKey></cwmp:Reboot>"
    ))
    .is_err());
}

#[test]
fn deep_nesting_is_refused_without_recursion() {
    let depth = 100_000;
    let body = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    assert_xml_error(dec(&wrap(&body)), "nesting deeper");
    // Exactly at the limit is fine structurally (unknown content is ignored).
    let limits = Limits::default();
    let ok_depth = limits.max_depth - 4; // Envelope, Body, Reboot, CommandKey around it
    let body = format!(
        "<cwmp:Reboot><CommandKey>k</CommandKey><x>{}{}</x></cwmp:Reboot>",
        "<a>".repeat(ok_depth - 1),
        "</a>".repeat(ok_depth - 1)
    );
    assert!(dec(&wrap(&body)).is_ok());
}

#[test]
fn huge_array_is_an_identified_invalid_request() {
    let names: String = (0..10_001)
        .map(|i| format!("<string>Device.X.{i}</string>"))
        .collect();
    let body = format!("<cwmp:GetParameterValues><ParameterNames>{names}</ParameterNames></cwmp:GetParameterValues>");
    match dec(&wrap(&body)) {
        Err(DecodeError::InvalidMessage { method, id, reason }) => {
            assert_eq!(method, "GetParameterValues");
            assert_eq!(id.as_deref(), Some("h-1"));
            assert!(reason.contains("limit"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // 10 000 is still accepted.
    let names: String = (0..10_000)
        .map(|i| format!("<string>D.{i}</string>"))
        .collect();
    let body = format!("<cwmp:GetParameterValues><ParameterNames>{names}</ParameterNames></cwmp:GetParameterValues>");
    assert!(dec(&wrap(&body)).is_ok());
}

#[test]
fn element_flood_is_capped() {
    // 200 000 empty elements (1.2 MB): more than the tree keeps.
    let flood = "<x/>".repeat(200_000);
    let body = format!("<cwmp:Reboot><CommandKey>k</CommandKey>{flood}</cwmp:Reboot>");
    match dec(&wrap(&body)) {
        Err(DecodeError::InvalidMessage { method, .. }) => assert_eq!(method, "Reboot"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn oversized_envelope_is_refused() {
    let big = "a".repeat(4 * 1024 * 1024);
    let body = format!("<cwmp:Reboot><CommandKey>{big}</CommandKey></cwmp:Reboot>");
    assert_xml_error(dec(&wrap(&body)), "exceeds the limit");
    let small = Limits {
        max_envelope_bytes: 100,
        ..Limits::default()
    };
    assert!(decode(&wrap("<cwmp:GetRPCMethods/>"), &small).is_err());
}

#[test]
fn every_truncation_of_a_message_is_an_error() {
    let full = wrap(
        "<cwmp:SetParameterValues><ParameterList><ParameterValueStruct><Name>A.b</Name><Value xsi:type=\"xsd:string\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">v &amp; w</Value></ParameterValueStruct></ParameterList><ParameterKey>k</ParameterKey></cwmp:SetParameterValues>",
    );
    assert!(dec(&full).is_ok());
    for cut in 0..full.len() {
        assert!(dec(&full[..cut]).is_err(), "prefix of {cut} bytes decoded");
    }
}

#[test]
fn non_utf8_and_other_encodings_are_refused() {
    let mut bytes = wrap("<cwmp:Reboot><CommandKey>caf\u{e9}</CommandKey></cwmp:Reboot>");
    let pos = bytes.iter().position(|&b| b == 0xC3).unwrap();
    bytes.splice(pos..pos + 2, [0xE9]); // Latin-1 é
    assert_xml_error(dec(&bytes), "UTF-8");
    // UTF-16LE with BOM.
    let text = String::from_utf8(wrap("<cwmp:GetRPCMethods/>")).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    assert!(dec(&utf16).is_err());
}

#[test]
fn garbage_and_empty_input_are_errors() {
    for input in [
        &b""[..],
        b"   ",
        b"hello",
        b"<",
        b"<a>",
        b"</a>",
        b"<a></b>",
        b"<?xml version=\"1.0\"?>",
        b"\xEF\xBB\xBF",
        b"<a/><b/>",
        b"<a/>trailing",
        b"<!-- only a comment -->",
        b"<![CDATA[x]]>",
    ] {
        assert!(dec(input).is_err(), "{:?}", String::from_utf8_lossy(input));
    }
}

#[test]
fn not_a_soap_envelope() {
    assert!(matches!(dec(b"<Envelope/>"), Err(DecodeError::NotCwmp(_))));
    let no_body = br#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header/></e:Envelope>"#;
    assert!(matches!(dec(no_body), Err(DecodeError::NotCwmp(_))));
    let empty_body = br#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body>  </e:Body></e:Envelope>"#;
    assert!(matches!(dec(empty_body), Err(DecodeError::NotCwmp(_))));
    // SOAP 1.2 envelope namespace.
    let soap12 =
        br#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>"#;
    assert!(matches!(dec(soap12), Err(DecodeError::NotCwmp(_))));
    // Unknown cwmp namespace version.
    let ns13 = br#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><c:GetRPCMethods xmlns:c="urn:dslforum-org:cwmp-1-3"/></e:Body></e:Envelope>"#;
    assert!(matches!(dec(ns13), Err(DecodeError::NotCwmp(_))));
    // Undeclared prefix.
    assert!(dec(br#"<x:Envelope><x:Body/></x:Envelope>"#).is_err());
}

#[test]
fn invalid_content_of_identified_messages() {
    for body in [
        "<cwmp:GetParameterNames><ParameterPath>Device.</ParameterPath></cwmp:GetParameterNames>",
        "<cwmp:ScheduleInform><DelaySeconds>-5</DelaySeconds><CommandKey/></cwmp:ScheduleInform>",
        "<cwmp:ScheduleInform><DelaySeconds>99999999999</DelaySeconds><CommandKey/></cwmp:ScheduleInform>",
        "<cwmp:SetParameterValues><ParameterList><ParameterValueStruct><Name>a</Name></ParameterValueStruct></ParameterList></cwmp:SetParameterValues>",
        "<cwmp:ChangeDUState><CommandKey/></cwmp:ChangeDUState>",
        "<cwmp:ChangeDUState><Operations><URL>x</URL></Operations></cwmp:ChangeDUState>",
        "<cwmp:SetVouchers><VoucherList><base64>!!!</base64></VoucherList></cwmp:SetVouchers>",
        "<cwmp:SetParameterAttributes><ParameterList><SetParameterAttributesStruct><Name>a</Name><NotificationChange>1</NotificationChange><Notification>300</Notification><AccessListChange>0</AccessListChange><AccessList/></SetParameterAttributesStruct></ParameterList></cwmp:SetParameterAttributes>",
        "<cwmp:GetRPCMethods/><cwmp:Reboot><CommandKey/></cwmp:Reboot>",
        "<cwmp:InformResponse><MaxEnvelopes>x</MaxEnvelopes></cwmp:InformResponse>",
    ] {
        match dec(&wrap(body)) {
            Err(e @ DecodeError::InvalidMessage { .. }) => {
                assert_eq!(e.fault_code(), Some(FaultCode::INVALID_ARGUMENTS));
            }
            other => panic!("{body}: {other:?}"),
        }
    }
    // A bad header value is reported against the identified body.
    let bad_hold = br#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="urn:dslforum-org:cwmp-1-2"><e:Header><c:ID e:mustUnderstand="1">z</c:ID><c:HoldRequests e:mustUnderstand="1">maybe</c:HoldRequests></e:Header><e:Body><c:GetRPCMethods/></e:Body></e:Envelope>"#;
    match dec(bad_hold) {
        Err(DecodeError::InvalidMessage { method, id, .. }) => {
            assert_eq!(method, "GetRPCMethods");
            assert_eq!(id.as_deref(), Some("z"));
        }
        other => panic!("{other:?}"),
    }
}
