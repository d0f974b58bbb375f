//! Option vouchers (TR-069 Annex E / §A.4.1.4 ff.): SetVouchers, GetOptions.

use crate::cwmp::xsd::DateTime;

/// ACS → CPE `SetVouchers`: signed vouchers (decoded from base64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetVouchers {
    pub voucher_list: Vec<Vec<u8>>,
}

/// ACS → CPE `GetOptions`; an empty name asks for all options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetOptions {
    pub option_name: String,
}

/// `OptionStruct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionInfo {
    pub option_name: String,
    pub voucher_sn: u32,
    /// 0..=3: bit 0 enabled, bit 1 set up.
    pub state: u32,
    /// 0 disabled, 1 enabled with expiration, 2 enabled without.
    pub mode: i32,
    pub start_date: DateTime,
    pub expiration_date: Option<DateTime>,
    /// 0 non-transferable, 1 transferable.
    pub is_transferable: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetOptionsResponse {
    pub option_list: Vec<OptionInfo>,
}
