//! Checks a value an ACS sends against the parameter's definition
//! (TR-069 §A.3.2.1, Table 11): an `xsi:type` other than the parameter's
//! type is 9006 (Invalid parameter type); text that is not a valid value of
//! the type, or outside its range, enumeration or maximum length, is 9007
//! (Invalid parameter value). Syntax follows TR-106 §3.2 / XML Schema.

use crate::cwmp::rpc::parameters::ParameterValue;
use crate::cwmp::xsd::{self, ValueType};
use crate::cwmp::{Fault, FaultCode};

use super::schema::{BaseType, Format, ParamDef};

fn bad_value(name: &str, why: impl std::fmt::Display) -> Fault {
    Fault::with_string(FaultCode::INVALID_PARAMETER_VALUE, format!("{name}: {why}"))
}

/// The `xsi:type` a parameter's value travels with: lists are strings
/// (TR-106 §3.2.3).
pub fn wire_type(def: &ParamDef) -> ValueType {
    if def.list {
        ValueType::String
    } else {
        def.ty.value_type()
    }
}

/// Validates `pv` for `def`; returns the canonical text to store
/// (booleans become `true`/`false`, numbers lose a leading `+`).
pub fn validate(def: &ParamDef, pv: &ParameterValue) -> Result<String, Fault> {
    if let Some(t) = &pv.value_type {
        let want = wire_type(def);
        if *t != want {
            return Err(Fault::with_string(
                FaultCode::INVALID_PARAMETER_TYPE,
                format!(
                    "{}: type is {}, not {}",
                    pv.name,
                    want.xsd_name(),
                    t.xsd_name()
                ),
            ));
        }
    }
    if let Some(max) = def.max_length {
        let len = length(def.ty, &pv.value, def.list);
        if len > max as usize {
            return Err(bad_value(&pv.name, format_args!("longer than {max}")));
        }
    }
    if def.list {
        let mut out = Vec::new();
        if !pv.value.trim().is_empty() {
            for item in pv.value.split(',') {
                out.push(check_item(def, &pv.name, item.trim())?);
            }
        }
        Ok(out.join(","))
    } else {
        check_item(def, &pv.name, &pv.value)
    }
}

/// TR-106 §3.2: string lengths count characters; base64 and hexBinary
/// lengths count the decoded bytes. A list's limit covers the whole text.
fn length(ty: BaseType, text: &str, list: bool) -> usize {
    if list {
        return text.chars().count();
    }
    match ty {
        BaseType::HexBinary => text.trim().len() / 2,
        BaseType::Base64 => xsd::base64_decode(text).map_or(0, |b| b.len()),
        _ => text.chars().count(),
    }
}

fn check_item(def: &ParamDef, name: &str, text: &str) -> Result<String, Fault> {
    let t = text.trim();
    let canonical = match def.ty {
        BaseType::String => text.to_string(),
        BaseType::Boolean => match xsd::parse_bool(t) {
            Some(b) => xsd::format_bool(b).to_string(),
            None => return Err(bad_value(name, "not a boolean")),
        },
        BaseType::UnsignedInt => match xsd::parse_u32(t) {
            Some(n) => in_range(def, name, i128::from(n))?,
            None => return Err(bad_value(name, "not an unsignedInt")),
        },
        BaseType::Int => match xsd::parse_i32(t) {
            Some(n) => in_range(def, name, i128::from(n))?,
            None => return Err(bad_value(name, "not an int")),
        },
        BaseType::UnsignedLong => match integer(t, false).and_then(|n| u64::try_from(n).ok()) {
            Some(n) => in_range(def, name, i128::from(n))?,
            None => return Err(bad_value(name, "not an unsignedLong")),
        },
        BaseType::Long => match integer(t, true).and_then(|n| i64::try_from(n).ok()) {
            Some(n) => in_range(def, name, i128::from(n))?,
            None => return Err(bad_value(name, "not a long")),
        },
        BaseType::DateTime => match xsd::DateTime::parse(t) {
            Some(_) => t.to_string(),
            None => return Err(bad_value(name, "not a dateTime")),
        },
        BaseType::Base64 => match xsd::base64_decode(t) {
            Some(_) => t.to_string(),
            None => return Err(bad_value(name, "not base64")),
        },
        BaseType::HexBinary => {
            if t.len() % 2 == 0 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
                t.to_string()
            } else {
                return Err(bad_value(name, "not hexBinary"));
            }
        }
        BaseType::Decimal => {
            let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
            let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
            let ok = !(int.is_empty() && frac.is_empty())
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit());
            if !ok {
                return Err(bad_value(name, "not a decimal"));
            }
            t.to_string()
        }
    };
    let format_ok = match def.format {
        Format::Any => true,
        Format::Ipv4Address => canonical.is_empty() || is_ipv4(&canonical),
        Format::MacAddress => canonical.is_empty() || is_mac(&canonical),
    };
    if !format_ok {
        return Err(bad_value(
            name,
            format_args!("{canonical:?} is not a valid {:?}", def.format),
        ));
    }
    if !def.enums.is_empty() && !def.enums.contains(&canonical.as_str()) {
        return Err(bad_value(
            name,
            format_args!("{canonical:?} is not one of the allowed values"),
        ));
    }
    Ok(canonical)
}

/// TR-106 IPv4Address: four decimal octets 0–255, no leading zeros.
fn is_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// TR-106 MACAddress: `XX:XX:XX:XX:XX:XX`, hex digits of either case.
fn is_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// An XML Schema integer (optional sign, digits only), as i128 so that the
/// whole unsignedLong and long ranges fit.
fn integer(t: &str, signed: bool) -> Option<i128> {
    let digits = if signed {
        t.strip_prefix(['+', '-']).unwrap_or(t)
    } else {
        t.strip_prefix('+').unwrap_or(t)
    };
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.strip_prefix('+').unwrap_or(t).parse().ok()
}

fn in_range(def: &ParamDef, name: &str, n: i128) -> Result<String, Fault> {
    let inside = def.ranges.is_empty()
        || def.ranges.iter().any(|r| {
            r.min.is_none_or(|m| n >= i128::from(m)) && r.max.is_none_or(|m| n <= i128::from(m))
        });
    if inside {
        Ok(n.to_string())
    } else {
        Err(bad_value(name, format_args!("{n} is out of range")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datamodel::schema::{Range, PARAM};

    fn check(def: &ParamDef, value: &str, ty: Option<ValueType>) -> Result<String, u32> {
        let pv = ParameterValue {
            name: "P".into(),
            value: value.into(),
            value_type: ty,
        };
        validate(def, &pv).map_err(|f| f.fault_code.0)
    }

    #[test]
    fn type_mismatch_is_9006_missing_type_is_accepted() {
        let def = ParamDef {
            ty: BaseType::UnsignedInt,
            ..PARAM
        };
        assert_eq!(check(&def, "5", Some(ValueType::String)), Err(9006));
        assert_eq!(check(&def, "5", Some(ValueType::Int)), Err(9006));
        assert_eq!(check(&def, "5", None), Ok("5".into()));
        assert_eq!(
            check(&def, "+5", Some(ValueType::UnsignedInt)),
            Ok("5".into())
        );
    }

    #[test]
    fn numbers_syntax_and_ranges() {
        let def = ParamDef {
            ty: BaseType::UnsignedInt,
            ranges: &[
                Range {
                    min: Some(1),
                    max: Some(10),
                },
                Range {
                    min: Some(20),
                    max: Some(20),
                },
            ],
            ..PARAM
        };
        assert_eq!(check(&def, "10", None), Ok("10".into()));
        assert_eq!(check(&def, "20", None), Ok("20".into()));
        for bad in ["0", "11", "-1", "abc", "", "4294967296", "1.5"] {
            assert_eq!(check(&def, bad, None), Err(9007), "{bad}");
        }
        let int = ParamDef {
            ty: BaseType::Int,
            ranges: &[Range {
                min: Some(-1),
                max: None,
            }],
            ..PARAM
        };
        assert_eq!(check(&int, "-1", None), Ok("-1".into()));
        assert_eq!(check(&int, "-2", None), Err(9007));
        assert_eq!(check(&int, "2147483648", None), Err(9007));
        let ul = ParamDef {
            ty: BaseType::UnsignedLong,
            ..PARAM
        };
        assert_eq!(
            check(&ul, "18446744073709551615", None),
            Ok("18446744073709551615".into())
        );
        assert_eq!(check(&ul, "18446744073709551616", None), Err(9007));
        assert_eq!(check(&ul, "-1", None), Err(9007));
        let long = ParamDef {
            ty: BaseType::Long,
            ..PARAM
        };
        assert_eq!(
            check(&long, "-9223372036854775808", None),
            Ok("-9223372036854775808".into())
        );
        assert_eq!(check(&long, "9223372036854775808", None), Err(9007));
    }

    #[test]
    fn booleans_are_canonicalised() {
        let def = ParamDef {
            ty: BaseType::Boolean,
            ..PARAM
        };
        assert_eq!(
            check(&def, "1", Some(ValueType::Boolean)),
            Ok("true".into())
        );
        assert_eq!(check(&def, "false", None), Ok("false".into()));
        assert_eq!(check(&def, "yes", None), Err(9007));
    }

    #[test]
    fn datetime_base64_hexbinary_decimal() {
        let dt = ParamDef {
            ty: BaseType::DateTime,
            ..PARAM
        };
        assert!(check(&dt, "2026-11-21T19:00:00Z", None).is_ok());
        assert_eq!(check(&dt, "2026-13-01T00:00:00Z", None), Err(9007));
        let b = ParamDef {
            ty: BaseType::Base64,
            max_length: Some(3),
            ..PARAM
        };
        assert!(check(&b, "YWJj", None).is_ok());
        assert_eq!(check(&b, "YWJjZA==", None), Err(9007), "4 bytes > 3");
        assert_eq!(check(&b, "!!", None), Err(9007));
        let h = ParamDef {
            ty: BaseType::HexBinary,
            ..PARAM
        };
        assert!(check(&h, "00ff", None).is_ok());
        assert_eq!(check(&h, "0ff", None), Err(9007));
        assert_eq!(check(&h, "zz", None), Err(9007));
        let d = ParamDef {
            ty: BaseType::Decimal,
            ..PARAM
        };
        assert!(check(&d, "-1.25", None).is_ok());
        assert_eq!(check(&d, "1.2.3", None), Err(9007));
    }

    #[test]
    fn strings_enums_and_length() {
        let def = ParamDef {
            max_length: Some(4),
            enums: &["Up", "Down"],
            ..PARAM
        };
        assert_eq!(check(&def, "Up", Some(ValueType::String)), Ok("Up".into()));
        assert_eq!(check(&def, "up", None), Err(9007));
        let s = ParamDef {
            max_length: Some(3),
            ..PARAM
        };
        assert!(check(&s, "äöü", None).is_ok(), "characters, not bytes");
        assert_eq!(check(&s, "abcd", None), Err(9007));
    }

    #[test]
    fn named_formats() {
        let ip = ParamDef {
            format: Format::Ipv4Address,
            ..PARAM
        };
        for good in ["", "192.168.1.1", "0.0.0.0", "255.255.255.255"] {
            assert!(check(&ip, good, None).is_ok(), "{good}");
        }
        for bad in [
            "1.2.3",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3.4.5",
            "a.b.c.d",
            "1..2.3",
        ] {
            assert_eq!(check(&ip, bad, None), Err(9007), "{bad}");
        }
        let mac = ParamDef {
            format: Format::MacAddress,
            ..PARAM
        };
        assert!(check(&mac, "00:1A:2b:3c:4D:5e", None).is_ok());
        assert_eq!(check(&mac, "00:1A:2b:3c:4D", None), Err(9007));
        assert_eq!(check(&mac, "001A2b3c4D5e", None), Err(9007));
    }

    #[test]
    fn lists_check_every_item_and_travel_as_strings() {
        let def = ParamDef {
            ty: BaseType::UnsignedInt,
            list: true,
            ranges: &[Range {
                min: None,
                max: Some(9),
            }],
            ..PARAM
        };
        assert_eq!(
            check(&def, "1, 2,3", Some(ValueType::String)),
            Ok("1,2,3".into())
        );
        assert_eq!(check(&def, "", None), Ok(String::new()));
        assert_eq!(check(&def, "1,10", None), Err(9007));
        assert_eq!(check(&def, "1,,2", None), Err(9007));
        assert_eq!(check(&def, "1", Some(ValueType::UnsignedInt)), Err(9006));
        let e = ParamDef {
            list: true,
            enums: &["A", "B"],
            ..PARAM
        };
        assert_eq!(check(&e, "A,B", None), Ok("A,B".into()));
        assert_eq!(check(&e, "A,C", None), Err(9007));
    }
}
