//! decode(encode(x)) == x for every CWMP message in every namespace, and the
//! committed fixtures in tests/fixtures/cwmp/ decode to the expected values.
//! Regenerate the fixtures (after an intended format change) with
//! `CWMP_REGENERATE_FIXTURES=1 cargo test --test cwmp_roundtrip`.

mod common;

use cwmpd::cwmp::*;
use std::path::PathBuf;

fn all() -> Vec<(Sender, &'static str, Envelope)> {
    let mut v: Vec<_> = common::acs_messages()
        .into_iter()
        .map(|(k, e)| (Sender::Acs, k, e))
        .collect();
    v.extend(
        common::cpe_messages()
            .into_iter()
            .map(|(k, e)| (Sender::Cpe, k, e)),
    );
    v
}

#[test]
fn every_message_round_trips_in_every_namespace() {
    let limits = Limits::default();
    for (sender, kind, msg) in all() {
        for version in [CwmpVersion::V1_0, CwmpVersion::V1_1, CwmpVersion::V1_2] {
            let bytes = encode(&msg, version);
            let decoded = decode_from(&bytes, sender, &limits)
                .unwrap_or_else(|e| panic!("{kind} ({version:?}) does not decode: {e}"));
            assert_eq!(
                decoded.envelope, msg,
                "{kind} ({version:?}) changed in a round trip"
            );
            assert_eq!(decoded.version, version, "{kind}");
            assert_eq!(decoded.envelope.body.method_name(), msg.body.method_name());
        }
    }
}

#[test]
fn informs_with_each_event_round_trip() {
    for (kind, msg) in common::single_event_informs() {
        let bytes = encode(&msg, CwmpVersion::V1_2);
        let decoded = decode_from(&bytes, Sender::Cpe, &Limits::default()).unwrap();
        assert_eq!(decoded.envelope, msg, "{kind}");
    }
}

#[test]
fn decode_defaults_to_the_acs_as_sender() {
    for (kind, msg) in common::acs_messages() {
        let bytes = encode(&msg, CwmpVersion::default());
        assert_eq!(
            decode(&bytes, &Limits::default()).unwrap().envelope,
            msg,
            "{kind}"
        );
    }
}

#[test]
fn no_more_requests_is_read_but_never_written() {
    let mut msg = common::acs_messages().remove(0).1;
    msg.header.no_more_requests = true;
    let bytes = encode(&msg, CwmpVersion::V1_0);
    assert!(!String::from_utf8_lossy(&bytes).contains("NoMoreRequests"));
}

fn fixture_path(sender: Sender, kind: &str) -> PathBuf {
    let dir = match sender {
        Sender::Acs => "acs",
        Sender::Cpe => "cpe",
    };
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cwmp")
        .join(dir)
        .join(format!("{kind}.xml"))
}

#[test]
fn fixtures_decode_to_the_expected_messages() {
    let regenerate = std::env::var_os("CWMP_REGENERATE_FIXTURES").is_some();
    for (sender, kind, msg) in all() {
        let path = fixture_path(sender, kind);
        if regenerate {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, encode(&msg, CwmpVersion::V1_2)).unwrap();
        }
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let decoded = decode_from(&bytes, sender, &Limits::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(decoded.envelope, msg, "{}", path.display());
    }
}

#[test]
fn characters_xml_cannot_carry_are_replaced_not_emitted() {
    use cwmpd::cwmp::rpc::parameters::*;
    use cwmpd::cwmp::xsd::ValueType;
    let all_ascii: String = (0u8..0x80).map(char::from).collect();
    let value = format!("{all_ascii}\u{FFFE}\u{FFFF}é€😀");
    let msg = common::env(
        "x",
        Body::CpeResponse(CpeResponse::GetParameterValues(
            GetParameterValuesResponse {
                parameter_list: vec![ParameterValue::new("A.b", value.clone(), ValueType::String)],
            },
        )),
    );
    let decoded = decode_from(
        &encode(&msg, CwmpVersion::V1_2),
        Sender::Cpe,
        &Limits::default(),
    )
    .expect("encoder output must always parse");
    let Body::CpeResponse(CpeResponse::GetParameterValues(r)) = decoded.envelope.body else {
        panic!()
    };
    let expected: String = value
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect();
    assert_eq!(r.parameter_list[0].value, expected);
}

#[test]
fn arrays_carry_their_type_and_count_and_values_their_type() {
    let (_, inform) = common::cpe_messages().remove(0);
    let text = String::from_utf8(encode(&inform, CwmpVersion::V1_2)).unwrap();
    assert!(
        text.contains(r#"soap-enc:arrayType="cwmp:ParameterValueStruct[7]""#),
        "{text}"
    );
    assert!(
        text.contains(r#"soap-enc:arrayType="cwmp:EventStruct[22]""#),
        "{text}"
    );
    assert!(
        text.contains(r#"<Value xsi:type="xsd:boolean">false</Value>"#),
        "{text}"
    );
    assert!(text.contains(r#"<cwmp:ID soap-env:mustUnderstand="1">1001</cwmp:ID>"#));
    assert!(text.contains(r#"xmlns:cwmp="urn:dslforum-org:cwmp-1-2""#));
    let gpv = Envelope::new(
        Some("1a1fee8a7b80000".into()),
        Body::AcsRequest(AcsRequest::GetParameterValues(
            cwmpd::cwmp::rpc::parameters::GetParameterValues {
                parameter_names: vec!["A.".into(), "B.c".into(), "D.".into()],
            },
        )),
    );
    let text = String::from_utf8(encode(&gpv, CwmpVersion::V1_0)).unwrap();
    assert!(
        text.contains(r#"<ParameterNames soap-enc:arrayType="xsd:string[3]">"#),
        "{text}"
    );
    assert!(text.contains(r#"xmlns:cwmp="urn:dslforum-org:cwmp-1-0""#));
    assert!(text.contains(">1a1fee8a7b80000</cwmp:ID>"));
}

#[test]
fn responses_and_faults_echo_the_request_id() {
    let r = Envelope::cpe_response(Some("1a1fee8a7b80000".into()), CpeResponse::Reboot);
    let f = Envelope::fault(
        Some("1a1fee8a7b80000".into()),
        Fault::new(FaultCode::METHOD_NOT_SUPPORTED),
    );
    for msg in [r, f] {
        let d = decode_from(
            &encode(&msg, CwmpVersion::V1_2),
            Sender::Cpe,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(d.envelope.header.id.as_deref(), Some("1a1fee8a7b80000"));
        assert_eq!(d.envelope, msg);
    }
}
