//! Kyverno's `x509_decode`: the first PEM block of a string, a `CERTIFICATE` or a
//! `CERTIFICATE REQUEST` with an RSA key, as the JSON Go's `encoding/json` writes of its
//! `x509.Certificate` or `x509.CertificateRequest` (Go 1.26's fields), `PublicKey` being
//! `{N: "<decimal>", E: <int>}`, read back with integral numbers as integers (a serial number
//! past `i64` becomes a float, as in Go).

use std::net::IpAddr;

use base64::Engine as _;
use serde_json::{Map, Value, json};
use x509_parser::asn1_rs::{FromDer, Oid};
use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::extensions::{GeneralName, ParsedExtension, X509Extension};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo, X509Name};

use crate::FunctionError;

/// Decodes `text` as `x509_decode` does.
pub(super) fn decode(text: &str) -> Result<Value, FunctionError> {
    let failed = |message: &str| FunctionError::Failed(message.to_string());
    let (label, der) = first_pem_block(text).ok_or_else(|| failed("failed to decode PEM block"))?;
    match label.as_str() {
        "CERTIFICATE" => {
            let (_, cert) = X509Certificate::from_der(&der).map_err(|err| parse_error(&err))?;
            certificate(&cert)
        }
        "CERTIFICATE REQUEST" => {
            let (_, csr) =
                X509CertificationRequest::from_der(&der).map_err(|err| parse_error(&err))?;
            request(&csr, &der)
        }
        _ => Err(failed(
            "PEM block neither contains a CERTIFICATE or CERTIFICATE REQUEST",
        )),
    }
}

fn parse_error(err: &dyn std::fmt::Display) -> FunctionError {
    FunctionError::Failed(format!("x509: malformed certificate: {err}"))
}

/// Go's `pem.Decode`: the first `-----BEGIN <label>-----` … `-----END <label>-----` block, its
/// headers skipped and its base64 body decoded; `None` when there is none.
fn first_pem_block(text: &str) -> Option<(String, Vec<u8>)> {
    let mut rest = text;
    loop {
        let start = rest.find("-----BEGIN ")?;
        rest = &rest[start + "-----BEGIN ".len()..];
        let Some((label, after)) = rest.split_once("-----") else {
            continue;
        };
        if label.contains('\n') {
            continue;
        }
        let end_marker = format!("-----END {label}-----");
        let Some(end) = after.find(&end_marker) else {
            continue;
        };
        let body: String = after[..end]
            .lines()
            .filter(|line| !line.contains(':'))
            .flat_map(str::chars)
            .filter(|c| !c.is_whitespace())
            .collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(body) {
            return Some((label.to_string(), der));
        }
        rest = &after[end..];
    }
}

fn b64(bytes: &[u8]) -> Value {
    Value::from(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// `[]byte` fields: `null` when absent.
fn b64_or_null(bytes: Option<&[u8]>) -> Value {
    bytes.map_or(Value::Null, b64)
}

fn oid_ints(oid: &Oid<'_>) -> Value {
    oid.iter()
        .map(|arcs| arcs.map(Value::from).collect())
        .unwrap_or(Value::Null)
}

/// A Go slice: `null` when empty.
fn list(values: Vec<Value>) -> Value {
    if values.is_empty() {
        Value::Null
    } else {
        Value::Array(values)
    }
}

fn certificate(cert: &X509Certificate<'_>) -> Result<Value, FunctionError> {
    let tbs = &cert.tbs_certificate;
    let mut out = Map::new();
    out.insert("Raw".into(), b64(cert.as_raw()));
    out.insert("RawTBSCertificate".into(), b64(tbs.as_ref()));
    out.insert("RawSubjectPublicKeyInfo".into(), b64(tbs.subject_pki.raw));
    out.insert("RawSubject".into(), b64(tbs.subject.as_raw()));
    out.insert("RawIssuer".into(), b64(tbs.issuer.as_raw()));
    out.insert("Signature".into(), b64(&cert.signature_value.data));
    out.insert(
        "SignatureAlgorithm".into(),
        signature_algorithm(&cert.signature_algorithm).into(),
    );
    out.insert("PublicKeyAlgorithm".into(), 1.into());
    out.insert("PublicKey".into(), rsa_public_key(&tbs.subject_pki)?);
    out.insert("Version".into(), (tbs.version.0 + 1).into());
    out.insert("SerialNumber".into(), go_number(&decimal(tbs.raw_serial())));
    out.insert("Issuer".into(), name(&tbs.issuer));
    out.insert("Subject".into(), name(&tbs.subject));
    out.insert(
        "NotBefore".into(),
        time(tbs.validity.not_before.timestamp()),
    );
    out.insert("NotAfter".into(), time(tbs.validity.not_after.timestamp()));
    let extensions = Extensions::read(tbs.extensions());
    out.insert("KeyUsage".into(), extensions.key_usage.into());
    out.insert("Extensions".into(), extension_list(tbs.extensions()));
    out.insert("ExtraExtensions".into(), Value::Null);
    extensions.write(&mut out);
    Ok(Value::Object(out))
}

fn request(csr: &X509CertificationRequest<'_>, der: &[u8]) -> Result<Value, FunctionError> {
    let info = &csr.certification_request_info;
    let extensions: Vec<X509Extension<'_>> = info
        .iter_attributes()
        .find_map(|attribute| match attribute.parsed_attribute() {
            ParsedCriAttribute::ExtensionRequest(request) => Some(request.extensions.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let names = Extensions::read(&extensions);
    let mut out = Map::new();
    out.insert("Raw".into(), b64(der));
    out.insert("RawTBSCertificateRequest".into(), b64(info.raw));
    out.insert("RawSubjectPublicKeyInfo".into(), b64(info.subject_pki.raw));
    out.insert("RawSubject".into(), b64(info.subject.as_raw()));
    out.insert("Version".into(), info.version.0.into());
    out.insert("Signature".into(), b64(&csr.signature_value.data));
    out.insert(
        "SignatureAlgorithm".into(),
        signature_algorithm(&csr.signature_algorithm).into(),
    );
    out.insert("PublicKeyAlgorithm".into(), 1.into());
    out.insert("PublicKey".into(), rsa_public_key(&info.subject_pki)?);
    out.insert("Subject".into(), name(&info.subject));
    out.insert("Attributes".into(), request_attributes(&extensions));
    out.insert("Extensions".into(), extension_list(&extensions));
    out.insert("ExtraExtensions".into(), Value::Null);
    for key in ["DNSNames", "EmailAddresses", "IPAddresses", "URIs"] {
        out.insert(key.into(), names.fields[key].clone());
    }
    Ok(Value::Object(out))
}

/// Go's `Attributes` of a request: the extension request as one attribute of type-value pairs
/// (Go drops the attribute when an extension carries a critical flag, which it cannot read so).
fn request_attributes(extensions: &[X509Extension<'_>]) -> Value {
    if extensions.is_empty() || extensions.iter().any(|e| e.critical) {
        return Value::Null;
    }
    let pairs: Vec<Value> = extensions
        .iter()
        .map(|e| json!({"Type": oid_ints(&e.oid), "Value": b64(e.value)}))
        .collect();
    json!([{"Type": [1, 2, 840, 113_549, 1, 9, 14], "Value": [pairs]}])
}

fn extension_list(extensions: &[X509Extension<'_>]) -> Value {
    list(
        extensions
            .iter()
            .map(|e| json!({"Id": oid_ints(&e.oid), "Critical": e.critical, "Value": b64(e.value)}))
            .collect(),
    )
}

fn rsa_public_key(spki: &SubjectPublicKeyInfo<'_>) -> Result<Value, FunctionError> {
    match spki.parsed() {
        Ok(PublicKey::RSA(key)) => Ok(json!({
            "N": decimal(key.modulus),
            "E": go_number(&decimal(key.exponent)),
        })),
        Ok(_) => Err(FunctionError::Failed(
            "certificate should use rsa algorithm".into(),
        )),
        Err(_) => Err(FunctionError::Failed(
            "failed to parse subject public key info".into(),
        )),
    }
}

/// Go's `SignatureAlgorithm` numbers.
fn signature_algorithm(algorithm: &AlgorithmIdentifier<'_>) -> u8 {
    match algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.2" => 1,
        "1.2.840.113549.1.1.4" => 2,
        "1.2.840.113549.1.1.5" => 3,
        "1.2.840.113549.1.1.11" => 4,
        "1.2.840.113549.1.1.12" => 5,
        "1.2.840.113549.1.1.13" => 6,
        "1.2.840.10040.4.3" => 7,
        "2.16.840.1.101.3.4.3.2" => 8,
        "1.2.840.10045.4.1" => 9,
        "1.2.840.10045.4.3.2" => 10,
        "1.2.840.10045.4.3.3" => 11,
        "1.2.840.10045.4.3.4" => 12,
        "1.2.840.113549.1.1.10" => rsa_pss(algorithm),
        "1.3.101.112" => 16,
        _ => 0,
    }
}

/// RSA-PSS is told apart by its hash: SHA-256, -384 or -512 (`SHA256WithRSAPSS` …).
fn rsa_pss(algorithm: &AlgorithmIdentifier<'_>) -> u8 {
    let parameters = algorithm
        .parameters
        .as_ref()
        .map(|any| any.data.to_vec())
        .unwrap_or_default();
    let has = |arcs: &[u8]| parameters.windows(arcs.len()).any(|w| w == arcs);
    // The DER of the hash OIDs 2.16.840.1.101.3.4.2.{1,2,3}.
    let sha = |last: u8| [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, last];
    match () {
        () if has(&sha(1)) => 13,
        () if has(&sha(2)) => 14,
        () if has(&sha(3)) => 15,
        () => 0,
    }
}

/// Go's `pkix.Name`: the attributes in order, and the well-known ones by field.
fn name(name: &X509Name<'_>) -> Value {
    let mut names = Vec::new();
    let mut fields: Map<String, Value> = [
        "Country",
        "Organization",
        "OrganizationalUnit",
        "Locality",
        "Province",
        "StreetAddress",
        "PostalCode",
    ]
    .into_iter()
    .map(|field| (field.to_string(), Value::Null))
    .collect();
    let (mut serial, mut common_name) = (String::new(), String::new());
    for attribute in name.iter_attributes() {
        let value = attribute
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|_| String::from_utf8_lossy(attribute.attr_value().data).into_owned());
        names.push(json!({"Type": oid_ints(attribute.attr_type()), "Value": value}));
        let field = match attribute.attr_type().to_id_string().as_str() {
            "2.5.4.3" => {
                common_name = value;
                continue;
            }
            "2.5.4.5" => {
                serial = value;
                continue;
            }
            "2.5.4.6" => "Country",
            "2.5.4.7" => "Locality",
            "2.5.4.8" => "Province",
            "2.5.4.9" => "StreetAddress",
            "2.5.4.10" => "Organization",
            "2.5.4.11" => "OrganizationalUnit",
            "2.5.4.17" => "PostalCode",
            _ => continue,
        };
        match &mut fields[field] {
            Value::Array(values) => values.push(value.into()),
            slot => *slot = json!([value]),
        }
    }
    fields.insert("SerialNumber".into(), serial.into());
    fields.insert("CommonName".into(), common_name.into());
    fields.insert("Names".into(), list(names));
    fields.insert("ExtraNames".into(), Value::Null);
    Value::Object(fields)
}

/// Go's `time.Time` in JSON: RFC 3339 in UTC.
fn time(seconds: i64) -> Value {
    chrono::DateTime::from_timestamp(seconds, 0).map_or(Value::Null, |t| {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string().into()
    })
}

/// The decimal digits of a big-endian unsigned integer.
fn decimal(bytes: &[u8]) -> String {
    // Base 10^9 limbs, least significant first.
    let mut limbs: Vec<u32> = Vec::new();
    for &byte in bytes {
        let mut carry = u64::from(byte);
        for limb in &mut limbs {
            let value = u64::from(*limb) * 256 + carry;
            *limb = (value % 1_000_000_000) as u32;
            carry = value / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push((carry % 1_000_000_000) as u32);
            carry /= 1_000_000_000;
        }
    }
    match limbs.split_last() {
        None => "0".into(),
        Some((most, rest)) => {
            let mut text = most.to_string();
            for limb in rest.iter().rev() {
                text.push_str(&format!("{limb:09}"));
            }
            text
        }
    }
}

/// A JSON number read back as Kubernetes' JSON reads it: an integer when it fits `i64`, else a
/// float.
fn go_number(digits: &str) -> Value {
    digits.parse::<i64>().map(Value::from).unwrap_or_else(|_| {
        digits
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number)
    })
}

/// What the extensions say, in Go's fields.
struct Extensions {
    key_usage: u16,
    fields: Map<String, Value>,
}

impl Extensions {
    fn read(extensions: &[X509Extension<'_>]) -> Self {
        let mut fields = Map::new();
        let mut set = |key: &str, value: Value| {
            fields.insert(key.to_string(), value);
        };
        for key in [
            "UnknownExtKeyUsage",
            "ExtKeyUsage",
            "SubjectKeyId",
            "AuthorityKeyId",
            "OCSPServer",
            "IssuingCertificateURL",
            "DNSNames",
            "EmailAddresses",
            "IPAddresses",
            "URIs",
            "PermittedDNSDomains",
            "ExcludedDNSDomains",
            "PermittedIPRanges",
            "ExcludedIPRanges",
            "PermittedEmailAddresses",
            "ExcludedEmailAddresses",
            "PermittedURIDomains",
            "ExcludedURIDomains",
            "CRLDistributionPoints",
            "PolicyIdentifiers",
            "Policies",
            "PolicyMappings",
        ] {
            set(key, Value::Null);
        }
        for (key, value) in [
            ("BasicConstraintsValid", json!(false)),
            ("IsCA", json!(false)),
            ("MaxPathLen", json!(0)),
            ("MaxPathLenZero", json!(false)),
            ("PermittedDNSDomainsCritical", json!(false)),
            ("InhibitAnyPolicy", json!(0)),
            ("InhibitAnyPolicyZero", json!(false)),
            ("InhibitPolicyMapping", json!(0)),
            ("InhibitPolicyMappingZero", json!(false)),
            ("RequireExplicitPolicy", json!(0)),
            ("RequireExplicitPolicyZero", json!(false)),
        ] {
            set(key, value);
        }
        let mut key_usage = 0;
        let mut unhandled = Vec::new();
        for extension in extensions {
            let handled = match extension.parsed_extension() {
                ParsedExtension::KeyUsage(usage) => {
                    key_usage = usage.flags & 0x1ff;
                    true
                }
                ParsedExtension::BasicConstraints(constraints) => {
                    let max = constraints.path_len_constraint.map_or(-1, i64::from);
                    set("BasicConstraintsValid", true.into());
                    set("IsCA", constraints.ca.into());
                    set("MaxPathLen", max.into());
                    set("MaxPathLenZero", (max == 0).into());
                    true
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    let names = general_names(&san.general_names);
                    for (key, values) in names {
                        set(key, list(values));
                    }
                    true
                }
                ParsedExtension::NameConstraints(constraints) => {
                    set("PermittedDNSDomainsCritical", extension.critical.into());
                    let subtrees = |trees: &Option<Vec<_>>| {
                        let bases: Vec<GeneralName<'_>> = trees
                            .iter()
                            .flatten()
                            .map(|tree: &x509_parser::extensions::GeneralSubtree<'_>| {
                                tree.base.clone()
                            })
                            .collect();
                        constraint_names(&bases)
                    };
                    for (prefix, trees) in [
                        ("Permitted", &constraints.permitted_subtrees),
                        ("Excluded", &constraints.excluded_subtrees),
                    ] {
                        for (kind, values) in subtrees(trees) {
                            set(&format!("{prefix}{kind}"), list(values));
                        }
                    }
                    true
                }
                ParsedExtension::CRLDistributionPoints(points) => {
                    let uris = points
                        .points
                        .iter()
                        .filter_map(|point| match &point.distribution_point {
                            Some(x509_parser::extensions::DistributionPointName::FullName(
                                names,
                            )) => Some(names),
                            _ => None,
                        })
                        .flatten()
                        .filter_map(|name| match name {
                            GeneralName::URI(uri) => Some(Value::from(*uri)),
                            _ => None,
                        })
                        .collect();
                    set("CRLDistributionPoints", list(uris));
                    true
                }
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    set(
                        "AuthorityKeyId",
                        b64_or_null(aki.key_identifier.as_ref().map(|id| id.0)),
                    );
                    true
                }
                ParsedExtension::SubjectKeyIdentifier(ski) => {
                    set("SubjectKeyId", b64(ski.0));
                    true
                }
                ParsedExtension::ExtendedKeyUsage(_) => {
                    let (known, unknown) = extended_key_usage(extension.value);
                    set("ExtKeyUsage", list(known));
                    set("UnknownExtKeyUsage", list(unknown));
                    true
                }
                ParsedExtension::CertificatePolicies(policies) => {
                    let ids = policies.iter().map(|p| oid_ints(&p.policy_id)).collect();
                    let dotted = policies
                        .iter()
                        .map(|p| p.policy_id.to_id_string().into())
                        .collect();
                    set("PolicyIdentifiers", list(ids));
                    set("Policies", list(dotted));
                    true
                }
                ParsedExtension::PolicyMappings(mappings) => {
                    let pairs = mappings
                        .mappings
                        .iter()
                        .map(|m| {
                            json!({
                                "IssuerDomainPolicy": m.issuer_domain_policy.to_id_string(),
                                "SubjectDomainPolicy": m.subject_domain_policy.to_id_string(),
                            })
                        })
                        .collect();
                    set("PolicyMappings", list(pairs));
                    true
                }
                ParsedExtension::PolicyConstraints(constraints) => {
                    for (key, value) in [
                        ("RequireExplicitPolicy", constraints.require_explicit_policy),
                        ("InhibitPolicyMapping", constraints.inhibit_policy_mapping),
                    ] {
                        if let Some(value) = value {
                            set(key, value.into());
                            set(&format!("{key}Zero"), (value == 0).into());
                        }
                    }
                    true
                }
                ParsedExtension::InhibitAnyPolicy(inhibit) => {
                    set("InhibitAnyPolicy", inhibit.skip_certs.into());
                    set("InhibitAnyPolicyZero", (inhibit.skip_certs == 0).into());
                    true
                }
                ParsedExtension::AuthorityInfoAccess(access) => {
                    let urls = |method: &str| {
                        list(
                            access
                                .accessdescs
                                .iter()
                                .filter(|d| d.access_method.to_id_string() == method)
                                .filter_map(|d| match &d.access_location {
                                    GeneralName::URI(uri) => Some(Value::from(*uri)),
                                    _ => None,
                                })
                                .collect(),
                        )
                    };
                    set("OCSPServer", urls("1.3.6.1.5.5.7.48.1"));
                    set("IssuingCertificateURL", urls("1.3.6.1.5.5.7.48.2"));
                    true
                }
                _ => false,
            };
            if extension.critical && !handled {
                unhandled.push(oid_ints(&extension.oid));
            }
        }
        set("UnhandledCriticalExtensions", list(unhandled));
        Self { key_usage, fields }
    }

    fn write(self, out: &mut Map<String, Value>) {
        out.extend(self.fields);
    }
}

/// Go's `ExtKeyUsage` numbers for the usages it knows, in the extension's order, and the others
/// as OIDs.
fn extended_key_usage(value: &[u8]) -> (Vec<Value>, Vec<Value>) {
    let oids = <Vec<Oid<'_>>>::from_der(value)
        .map(|(_, oids)| oids)
        .unwrap_or_default();
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for oid in &oids {
        let usage = match oid.to_id_string().as_str() {
            "2.5.29.37.0" => Some(0),
            "1.3.6.1.5.5.7.3.1" => Some(1),
            "1.3.6.1.5.5.7.3.2" => Some(2),
            "1.3.6.1.5.5.7.3.3" => Some(3),
            "1.3.6.1.5.5.7.3.4" => Some(4),
            "1.3.6.1.5.5.7.3.5" => Some(5),
            "1.3.6.1.5.5.7.3.6" => Some(6),
            "1.3.6.1.5.5.7.3.7" => Some(7),
            "1.3.6.1.5.5.7.3.8" => Some(8),
            "1.3.6.1.5.5.7.3.9" => Some(9),
            "1.3.6.1.4.1.311.10.3.3" => Some(10),
            "2.16.840.1.113730.4.1" => Some(11),
            "1.3.6.1.4.1.311.2.1.22" => Some(12),
            "1.3.6.1.4.1.311.61.1.1" => Some(13),
            _ => None,
        };
        match usage {
            Some(usage) => known.push(Value::from(usage)),
            None => unknown.push(oid_ints(oid)),
        }
    }
    (known, unknown)
}

/// General names by kind, as Go sorts them into a certificate's fields: DNS names, e-mail
/// addresses, IP addresses (`ip` reads one) and URIs (`uri` reads one); other kinds are left out.
struct ByKind {
    dns: Vec<Value>,
    emails: Vec<Value>,
    ips: Vec<Value>,
    uris: Vec<Value>,
}

impl ByKind {
    fn sort(
        names: &[GeneralName<'_>],
        ip: impl Fn(&[u8]) -> Option<Value>,
        uri: impl Fn(&str) -> Value,
    ) -> Self {
        let mut sorted = Self {
            dns: Vec::new(),
            emails: Vec::new(),
            ips: Vec::new(),
            uris: Vec::new(),
        };
        for name in names {
            match name {
                GeneralName::DNSName(dns) => sorted.dns.push(Value::from(*dns)),
                GeneralName::RFC822Name(email) => sorted.emails.push(Value::from(*email)),
                GeneralName::IPAddress(bytes) => sorted.ips.extend(ip(bytes)),
                GeneralName::URI(text) => sorted.uris.push(uri(text)),
                _ => {}
            }
        }
        sorted
    }

    /// The DNS, e-mail, IP and URI lists, under the field names given in that order.
    fn fields(self, names: [&'static str; 4]) -> Vec<(&'static str, Vec<Value>)> {
        names
            .into_iter()
            .zip([self.dns, self.emails, self.ips, self.uris])
            .collect()
    }
}

/// A subject alternative name's DNS names, e-mail addresses, IP addresses and URIs.
fn general_names(names: &[GeneralName<'_>]) -> Vec<(&'static str, Vec<Value>)> {
    let ip = |bytes: &[u8]| ip_address(bytes).map(|ip| Value::from(ip.to_string()));
    ByKind::sort(names, ip, go_url).fields(["DNSNames", "EmailAddresses", "IPAddresses", "URIs"])
}

/// A name constraint's subtrees by Go's field suffix; an IP subtree is an address and a mask.
fn constraint_names(bases: &[GeneralName<'_>]) -> Vec<(&'static str, Vec<Value>)> {
    let range = |bytes: &[u8]| {
        if bytes.len() != 8 && bytes.len() != 32 {
            return None;
        }
        let (ip, mask) = bytes.split_at(bytes.len() / 2);
        ip_address(ip).map(|ip| json!({"IP": ip.to_string(), "Mask": b64(mask)}))
    };
    ByKind::sort(bases, range, |domain: &str| Value::from(domain)).fields([
        "DNSDomains",
        "EmailAddresses",
        "IPRanges",
        "URIDomains",
    ])
}

/// An IP address as Go prints it: an IPv4-mapped IPv6 address as IPv4.
fn ip_address(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => {
            let v6 = std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?);
            Some(v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4))
        }
        _ => None,
    }
}

/// Go's `url.URL` in JSON, as `url.Parse` fills it for the URIs certificates carry.
fn go_url(text: &str) -> Value {
    let (rest, fragment) = text.split_once('#').unwrap_or((text, ""));
    let (rest, query, force_query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, query, query.is_empty()),
        None => (rest, "", false),
    };
    let (scheme, rest) = match rest.split_once(':') {
        Some((scheme, rest))
            if !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (scheme.to_ascii_lowercase(), rest)
        }
        _ => (String::new(), rest),
    };
    let (mut user, mut host, mut opaque, mut path) = (Value::Null, "", "", rest);
    if let Some(authority_and_path) = rest.strip_prefix("//") {
        let (authority, tail) = match authority_and_path.find('/') {
            Some(at) => authority_and_path.split_at(at),
            None => (authority_and_path, ""),
        };
        host = match authority.rsplit_once('@') {
            Some((_, host)) => {
                // Userinfo's fields are not exported: Go writes `{}`.
                user = json!({});
                host
            }
            None => authority,
        };
        path = tail;
    } else if !scheme.is_empty() && !rest.starts_with('/') {
        opaque = rest;
        path = "";
    }
    let (path, raw_path) = unescaped(path);
    let (fragment, raw_fragment) = unescaped(fragment);
    json!({
        "Scheme": scheme,
        "Opaque": opaque,
        "User": user,
        "Host": host,
        "Path": path,
        "RawPath": raw_path,
        "OmitHost": false,
        "ForceQuery": force_query,
        "RawQuery": query,
        "Fragment": fragment,
        "RawFragment": raw_fragment,
    })
}

/// A percent-decoded path or fragment, and the raw form Go keeps beside it when escaping the
/// decoded text again would not give the original.
fn unescaped(text: &str) -> (String, String) {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = |i: usize| {
            bytes
                .get(i)
                .and_then(|b| char::from(*b).to_digit(16))
                .and_then(|d| u8::try_from(d).ok())
        };
        match (bytes[at], hex(at + 1), hex(at + 2)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push(high * 16 + low);
                at += 3;
            }
            (byte, _, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    let decoded = String::from_utf8_lossy(&decoded).into_owned();
    let reescaped: String = decoded
        .bytes()
        .map(|b| match b {
            b if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) => {
                char::from(b).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect();
    let raw = if reescaped == text {
        String::new()
    } else {
        text.to_string()
    };
    (decoded, raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_digits_of_big_integers() {
        assert_eq!(decimal(&[]), "0");
        assert_eq!(decimal(&[0x10, 0x92]), "4242");
        assert_eq!(decimal(&[0x01, 0x00, 0x01]), "65537");
        assert_eq!(
            decimal(&[0xff; 16]),
            "340282366920938463463374607431768211455"
        );
    }

    #[test]
    fn numbers_past_i64_become_floats_as_kubernetes_json_reads_them() {
        assert_eq!(go_number("4242"), json!(4242));
        assert_eq!(
            go_number("340282366920938463463374607431768211455"),
            json!(3.402_823_669_209_385e38)
        );
    }

    #[test]
    fn the_first_pem_block_is_found_past_text_and_headers() {
        let text = "junk\n-----BEGIN THING-----\nProc-Type: 4\n\naGk=\n-----END THING-----\n";
        assert_eq!(
            first_pem_block(text),
            Some(("THING".into(), b"hi".to_vec()))
        );
        assert_eq!(first_pem_block("no block"), None);
    }
}
