//! Certificate contents chosen by Platen's CA: the CA's own certificate and device certificates.

use chrono::{DateTime, Utc};
use rand::RngCore;
use rcgen::string::Ia5String;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyUsagePurpose, SanType, SerialNumber,
};
use time::OffsetDateTime;

use crate::csr::KeyKind;
use crate::error::PkiError;

/// RFC 5280's upper bound for a common name (ub-common-name).
const MAX_COMMON_NAME_CHARS: usize = 64;
/// A serial of 16 random bytes comfortably exceeds the CA/Browser Forum's 64 bits of entropy.
const SERIAL_BYTES: usize = 16;
/// How long a generated CA lives. Devices keep their certificates for years and re-registering
/// every printer because the CA expired would be painful.
pub(crate) const CA_LIFETIME: chrono::Duration = chrono::Duration::days(365 * 20);
/// Certificates start a little in the past so devices with a slightly slow clock accept them.
pub(crate) const BACKDATE: chrono::Duration = chrono::Duration::minutes(5);

/// The validity period of a certificate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Validity {
    pub(crate) not_before: DateTime<Utc>,
    pub(crate) not_after: DateTime<Utc>,
}

/// Parameters of a self-signed CA certificate. The name carries a random suffix so that two
/// Platen installations never share an issuer name, which keeps "not issued by us" detectable.
pub(crate) fn ca_params(now: DateTime<Utc>) -> Result<CertificateParams, PkiError> {
    let mut suffix = [0u8; 4];
    rand::rngs::OsRng.fill_bytes(&mut suffix);
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "Platen");
    name.push(
        DnType::CommonName,
        format!("Platen Device CA {}", hex::encode(suffix)),
    );

    let mut params = CertificateParams::default();
    params.distinguished_name = name;
    params.serial_number = Some(random_serial());
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = to_offset(now - BACKDATE)?;
    params.not_after = to_offset(now + CA_LIFETIME)?;
    Ok(params)
}

/// Parameters of a device (end-entity) certificate for a key of `key_kind`.
pub(crate) fn device_params(
    subject_cn: &str,
    key_kind: KeyKind,
    validity: Validity,
) -> Result<CertificateParams, PkiError> {
    check_common_name(subject_cn)?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, subject_cn);

    let mut params = CertificateParams::default();
    params.distinguished_name = name;
    params.serial_number = Some(random_serial());
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = match key_kind {
        // RSA keys may also be used for key transport (e.g. TLS without forward secrecy).
        KeyKind::Rsa { .. } => vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ],
        KeyKind::EcP256 | KeyKind::EcP384 => vec![KeyUsagePurpose::DigitalSignature],
    };
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = to_offset(validity.not_before)?;
    params.not_after = to_offset(validity.not_after)?;
    Ok(params)
}

/// Parameters of Platen's own TLS server certificate, valid for `names` (DNS names and IP addresses).
pub(crate) fn server_params(names: &[ServerName], validity: Validity) -> Result<CertificateParams, PkiError> {
    let mut params = CertificateParams::default();
    // Clients match the subject alternative names; the common name is only for people reading it.
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "Platen");
    name.push(
        DnType::CommonName,
        match names.first() {
            Some(ServerName::Dns(dns)) if dns.len() <= MAX_COMMON_NAME_CHARS => dns.clone(),
            _ => "Platen server".to_owned(),
        },
    );
    params.distinguished_name = name;
    params.subject_alt_names = names
        .iter()
        .map(|n| match n {
            ServerName::Dns(dns) => Ia5String::try_from(dns.as_str())
                .map(SanType::DnsName)
                .map_err(|error| PkiError::InvalidRequest(format!("host name {dns:?}: {error}"))),
            ServerName::Ip(ip) => Ok(SanType::IpAddress(*ip)),
        })
        .collect::<Result<_, _>>()?;
    params.serial_number = Some(random_serial());
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = to_offset(validity.not_before)?;
    params.not_after = to_offset(validity.not_after)?;
    Ok(params)
}

/// A name a server certificate is valid for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum ServerName {
    /// Lower case.
    Dns(String),
    Ip(std::net::IpAddr),
}

impl ServerName {
    /// `host` as configured: an IP address (IPv6 with or without brackets) or a DNS name (`*.` allowed first).
    pub(crate) fn parse(host: &str) -> Result<Self, PkiError> {
        let host = host.trim();
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if let Ok(ip) = bare.parse() {
            return Ok(Self::Ip(ip));
        }
        let dns = host.trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        let labels = dns.strip_prefix("*.").unwrap_or(&dns);
        if dns.len() > 253 || !labels.split('.').all(label_ok) {
            return Err(PkiError::InvalidRequest(format!(
                "{host:?} is neither an IP address nor a DNS name"
            )));
        }
        Ok(Self::Dns(dns))
    }
}

fn check_common_name(subject_cn: &str) -> Result<(), PkiError> {
    let chars = subject_cn.chars().count();
    if chars == 0 || chars > MAX_COMMON_NAME_CHARS {
        return Err(PkiError::InvalidRequest(format!(
            "the subject common name must have 1 to {MAX_COMMON_NAME_CHARS} characters, not {chars}"
        )));
    }
    if subject_cn.chars().any(char::is_control) {
        return Err(PkiError::InvalidRequest(
            "the subject common name contains control characters".to_owned(),
        ));
    }
    Ok(())
}

/// A positive serial number of fixed length (the top bit is cleared so DER needs no sign byte,
/// the next one set so no leading zero byte is stripped).
fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; SERIAL_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::from_slice(&bytes)
}

pub(crate) fn to_offset(instant: DateTime<Utc>) -> Result<OffsetDateTime, PkiError> {
    OffsetDateTime::from_unix_timestamp(instant.timestamp())
        .map_err(|error| PkiError::internal("converting a validity date", error))
}
