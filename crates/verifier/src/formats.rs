//! One pipeline, every format: SD-JWT (`vc+sd-jwt`, `dc+sd-jwt`), `vc+jwt`, `vp+jwt`, Data Integrity.

use crate::credential::{
    self, candidates, describe_vc, describe_vc_header, record_of, schema_check, trust_check,
    validity_check, Candidate, Scope,
};
use crate::report::{check, Check, CredentialReport, Report};
use crate::{status, Expectation, Verifier};
use passeport_core::data_integrity::{self, DataIntegrityError};
use passeport_core::did::Did;
use passeport_core::jose::{JoseError, JwsPolicy, UnverifiedJws};
use passeport_core::keys::{PublicJwk, PublicKey};
use passeport_core::model::RecordType;
use passeport_core::sd_jwt::{
    JwtPart, KbExpectation, SdJwtError, SdJwtVerifyOptions, UnverifiedSdJwt,
};
use serde_json::{Map, Value};

/// Largest input accepted (4 MiB).
pub const MAX_INPUT_BYTES: usize = 4 << 20;
/// Most credentials in one presentation.
pub const MAX_CREDENTIALS_PER_PRESENTATION: usize = 64;

/// SD-JWT VC registered claims: not part of what the holder "discloses".
const REGISTERED: [&str; 11] = [
    "iss",
    "iat",
    "nbf",
    "exp",
    "vct",
    "cnf",
    "status",
    "_sd_alg",
    "jti",
    "vct#integrity",
    "sub",
];

/// How the credential is being presented, and what the report keeps of it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Context {
    /// Inside a `vp+jwt` (holder binding is the VP's signature), rather than alone: as issued,
    /// or an SD-JWT with its own KB-JWT.
    in_presentation: bool,
    /// Every verified claim is handed back in the report (`verified_claims`): the subject is
    /// then copied into `disclosed` rather than moved there.
    keep_claims: bool,
}

impl Context {
    /// Alone, keeping every verified claim or not.
    pub(crate) fn standalone(keep_claims: bool) -> Self {
        Self {
            in_presentation: false,
            keep_claims,
        }
    }

    /// A credential inside a presentation, with the presentation's choice of keeping claims.
    fn inside(self) -> Self {
        Self {
            in_presentation: true,
            ..self
        }
    }
}

/// Puts the verified claims of a VCDM credential into the report: its subject as `disclosed`,
/// and the claims themselves when the context keeps them (a copy of the subject then; otherwise
/// the subject is moved out and the rest dropped).
fn hand_over_vc(report: &mut CredentialReport, claims: Map<String, Value>, context: Context) {
    if context.keep_claims {
        report.disclosed = credential::vc_subject(&claims)
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new()));
        report.verified_claims = Some(claims);
    } else {
        report.disclosed = credential::take_vc_subject(claims);
    }
}

/// Verifies a credential or a presentation (`context` is a standalone one).
pub(crate) fn verify_any(
    v: &Verifier,
    input: &str,
    expect: &Expectation,
    context: Context,
) -> Report {
    let input = input.trim();
    if input.len() > MAX_INPUT_BYTES {
        return Report::unreadable(format!(
            "input is {} bytes, more than the {MAX_INPUT_BYTES} allowed",
            input.len()
        ));
    }
    if input.is_empty() {
        return Report::unreadable("empty input: expected a credential or a presentation");
    }
    if input.starts_with('{') {
        return match passeport_core::json::parse_object_str(input) {
            Ok(doc) => verify_json(v, doc, expect, context),
            Err(e) => Report::unreadable(format!("not a credential: {e}")),
        };
    }
    if input.contains('~') {
        let (report, _) = verify_sd_jwt(v, input, expect, context);
        return Report::from_parts(Vec::new(), vec![report]);
    }
    let jws = match UnverifiedJws::parse(input) {
        Ok(j) => j,
        Err(e) => {
            return Report::unreadable(format!(
                "not a credential or presentation (compact JWS, SD-JWT or JSON): {e}"
            ))
        }
    };
    let typ = jws.header().typ().map(|t| t.to_ascii_lowercase());
    match typ.as_deref().map(|t| t.trim_start_matches("application/")) {
        Some("vp+jwt") => verify_vp_jwt(v, input, expect, context.inside()),
        Some("vc+jwt") | None => Report::from_parts(Vec::new(), vec![verify_vc_jwt(v, input, expect, context)]),
        Some(other) => Report::unreadable(format!("unsupported media type `typ: {other}` (expected vc+jwt, vp+jwt, vc+sd-jwt or dc+sd-jwt)")),
    }
}

/// The issuer id of a payload: `iss`, else `issuer` (an id, or a profile with an `id`).
fn issuer_of(claims: &Map<String, Value>) -> String {
    issuer_id(claims.get("iss").or_else(|| claims.get("issuer")))
}

fn issuer_id(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

fn holder_binding_standalone(cnf: Option<&PublicJwk>, expect: &Expectation) -> Check {
    match (&expect.audience, cnf) {
        (Some(aud), _) => Check::fail(
            check::HOLDER_BINDING,
            format!("a credential alone proves nothing about who presents it: a presentation for {aud} must be bound to the holder's key"),
        ),
        (None, Some(_)) => Check::pass(check::HOLDER_BINDING, "credential as issued (not a presentation): bound to a holder key, possession not proven here"),
        (None, None) => Check::pass(check::HOLDER_BINDING, "credential as issued (not a presentation): not bound to a holder key"),
    }
}

/// The checks that follow a verified signature, for VCDM credentials.
fn vc_checks(
    v: &Verifier,
    report: &mut CredentialReport,
    vc: &Map<String, Value>,
    cand: &Candidate,
) {
    describe_vc_header(report, vc);
    described_vc_checks(v, report, vc, cand);
}

/// [`vc_checks`] once [`describe_vc_header`] has filled the report (the subject is read from
/// `vc`, and put into the report by [`hand_over_vc`]).
fn described_vc_checks(
    v: &Verifier,
    report: &mut CredentialReport,
    vc: &Map<String, Value>,
    cand: &Candidate,
) {
    let record = record_of(report);
    // Each check made before it is pushed: it reads the report's issuer and types in place.
    let trust = trust_check(&cand.scope, &report.issuer, record, &report.types);
    report.push(trust);
    report.push(validity_check(v, vc));
    let status = status::bitstring_check(v, vc.get("credentialStatus"), &report.issuer, &cand.key);
    report.push(status);
    let schema = match credential::vc_subject(vc) {
        Some(subject) => schema_check(record, subject),
        None => schema_check(record, &Value::Object(Map::new())),
    };
    report.push(schema);
}

fn no_key(report: &mut CredentialReport, issuer: &str, problems: &[String]) {
    let why = if problems.is_empty() {
        format!("no trusted or resolvable key for issuer `{issuer}`")
    } else {
        problems.join("; ")
    };
    report.push(Check::fail(check::ISSUER_KEY, why));
    report.push(Check::fail(
        check::SIGNATURE,
        "could not be checked: no key for the issuer",
    ));
    report.push(Check::fail(
        check::TRUST,
        format!("issuer `{issuer}` is not trusted"),
    ));
}

fn is_signature_error(e: &SdJwtError) -> bool {
    matches!(
        e,
        SdJwtError::Jws {
            part: JwtPart::Issuer,
            source: JoseError::BadSignature | JoseError::AlgorithmMismatch { .. }
        }
    )
}

fn kb_error(e: &SdJwtError) -> bool {
    matches!(
        e,
        SdJwtError::MissingKeyBinding
            | SdJwtError::UnexpectedKeyBinding
            | SdJwtError::MissingCnf
            | SdJwtError::BadCnf(_)
            | SdJwtError::KbClaim { .. }
            | SdJwtError::KbAudienceMismatch { .. }
            | SdJwtError::KbNonceMismatch
            | SdJwtError::KbStale { .. }
            | SdJwtError::KbInFuture { .. }
            | SdJwtError::SdHashMismatch
            | SdJwtError::Jws {
                part: JwtPart::KeyBinding,
                ..
            }
    )
}

fn time_error(e: &SdJwtError) -> bool {
    matches!(
        e,
        SdJwtError::Expired { .. }
            | SdJwtError::NotYetValid { .. }
            | SdJwtError::IssuedInFuture { .. }
            | SdJwtError::BadTimeClaim { .. }
    )
}

/// The KB-JWT's own `aud` / `nonce`, read before verification (only to report them).
fn kb_claims_unverified(text: &str) -> Option<(String, String)> {
    let kb = text.rsplit('~').next()?;
    let claims = UnverifiedJws::parse(kb).ok()?.insecure_claims().ok()?;
    let aud = match claims.get("aud") {
        Some(Value::String(a)) => a.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    Some((
        aud,
        claims
            .get("nonce")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    ))
}

fn verify_sd_jwt(
    v: &Verifier,
    text: &str,
    expect: &Expectation,
    context: Context,
) -> (CredentialReport, Option<PublicJwk>) {
    let parsed = match UnverifiedSdJwt::parse(text) {
        Ok(p) => p,
        Err(e) => {
            let mut report = CredentialReport::new("sd-jwt");
            report.push(Check::fail(check::FORMAT, e.to_string()));
            return (report, None);
        }
    };
    let typ = parsed
        .issuer_header()
        .typ()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let format = match typ.trim_start_matches("application/") {
        "dc+sd-jwt" | "vc+sd-jwt" => typ.trim_start_matches("application/").to_owned(),
        _ => "sd-jwt".to_owned(),
    };
    let mut report = CredentialReport::new(&format);
    // Parsed once: the verification below reuses it.
    let (issuer, has_context) = match parsed.insecure_claims() {
        Ok(claims) => (
            issuer_of(claims),
            claims.get("@context").is_some_and(|c| !c.is_null()),
        ),
        Err(e) => {
            report.push(Check::fail(check::FORMAT, e.to_string()));
            return (report, None);
        }
    };
    report.issuer.clone_from(&issuer);
    let is_vc = has_context || format == "vc+sd-jwt";
    if is_vc && format != "vc+sd-jwt" {
        report.push(Check::fail(
            check::FORMAT,
            format!("a VCDM 2.0 payload secured with SD-JWT must be typed `vc+sd-jwt`, not `{typ}` (explicit typing)"),
        ));
        return (report, None);
    }

    // What holder binding this artefact must show.
    let mut binding_note: Option<Check> = None;
    let key_binding = match context {
        _ if context.in_presentation && !parsed.has_key_binding() => KbExpectation::Issuance,
        _ if parsed.has_key_binding() => {
            match (&expect.audience, &expect.nonce) {
                (Some(aud), Some(nonce)) => KbExpectation::Required {
                    audience: aud.clone(),
                    nonce: nonce.clone(),
                    max_age_secs: v.options.max_presentation_age_secs,
                },
                _ => {
                    // Read (unverified) only to say whom the presentation is addressed to.
                    let (own_aud, own_nonce) = kb_claims_unverified(text).unwrap_or_default();
                    binding_note = Some(Check::fail(
                        check::HOLDER_BINDING,
                        format!("the presentation is addressed to `{own_aud}`: give the expected audience and nonce to accept it"),
                    ));
                    KbExpectation::Required {
                        audience: own_aud,
                        nonce: own_nonce,
                        max_age_secs: v.options.max_presentation_age_secs,
                    }
                }
            }
        }
        _ => KbExpectation::Issuance,
    };
    let options = SdJwtVerifyOptions {
        typ: if format == "sd-jwt" {
            Vec::new()
        } else {
            vec![format.clone()]
        },
        key_binding,
        leeway_secs: v.options.leeway_secs,
    };

    let (cands, problems) = candidates(v, &issuer, parsed.issuer_header().kid());
    if cands.is_empty() {
        no_key(&mut report, &issuer, &problems);
        return (report, None);
    }
    let mut outcome = None;
    let mut parsed = Some(parsed);
    for (i, cand) in cands.iter().enumerate() {
        // A copy only when another key may have to be tried after this one.
        let attempt = match (i + 1 == cands.len(), parsed.as_ref()) {
            (true, _) => parsed.take(),
            (false, Some(p)) => Some(p.clone()),
            (false, None) => None,
        };
        let Some(attempt) = attempt else { break };
        match attempt.verify(&cand.key, &options, v.clock.as_ref()) {
            Err(e) if is_signature_error(&e) => continue,
            other => {
                outcome = Some((cand, other));
                break;
            }
        }
    }
    let Some((cand, result)) = outcome else {
        report.push(Check::fail(
            check::ISSUER_KEY,
            format!("{} candidate key(s) for `{issuer}` tried", cands.len()),
        ));
        report.push(Check::fail(check::SIGNATURE, "the issuer signature does not verify with any trusted or resolved key of the issuer: altered or forged"));
        return (report, None);
    };
    let verified = match result {
        Ok(verified) => verified,
        Err(e) => {
            report.push(Check::pass(check::ISSUER_KEY, cand.source.clone()));
            let name = if kb_error(&e) {
                check::HOLDER_BINDING
            } else if time_error(&e) {
                check::VALIDITY
            } else if matches!(
                e,
                SdJwtError::Jws {
                    part: JwtPart::Issuer,
                    ..
                }
            ) {
                check::SIGNATURE
            } else {
                check::FORMAT
            };
            if name != check::SIGNATURE && name != check::FORMAT {
                report.push(Check::pass(check::SIGNATURE, "issuer signature verifies"));
            }
            report.push(Check::fail(name, e.to_string()));
            if is_vc {
                // Described from the (unverified) payload, parsed again on this failing path.
                if let Ok(claims) = UnverifiedSdJwt::parse(text)
                    .and_then(|parsed| parsed.insecure_claims().cloned())
                {
                    describe_vc_header(&mut report, &claims);
                }
            }
            return (report, None);
        }
    };
    report.push(Check::pass(
        check::FORMAT,
        format!(
            "{} disclosure(s), each referenced exactly once",
            verified.disclosure_count()
        ),
    ));
    report.push(Check::pass(
        check::SIGNATURE,
        format!("issuer signature verifies ({})", cand.key.algorithm()),
    ));
    report.push(Check::pass(check::ISSUER_KEY, cand.source.clone()));
    let cnf = verified.cnf().cloned();
    let key_binding = match (context.in_presentation, binding_note) {
        (true, _) => None,
        (_, Some(note)) => Some(note),
        (_, None) => Some(match verified.key_binding() {
            Some(kb) => Check::pass(
                check::HOLDER_BINDING,
                format!("key binding JWT signed by the holder's key (cnf), for {} with the expected nonce, issued at {}", kb.audience, passeport_core::clock::format_rfc3339(kb.iat)),
            ),
            None => holder_binding_standalone(cnf.as_ref(), expect),
        }),
    };
    let claims = verified.into_claims();
    if is_vc {
        vc_checks(v, &mut report, &claims, cand);
        hand_over_vc(&mut report, claims, context);
    } else {
        let vct = claims
            .get("vct")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        report.types = vec![vct.clone()];
        let record = RecordType::from_types([vct.as_str()]);
        report.record_type = record.map(|r| r.name().to_owned());
        let trust = trust_check(&cand.scope, &issuer, record, &report.types);
        report.push(trust);
        report.push(validity_check(v, &claims));
        report.push(status::token_check(
            v,
            claims.get("status"),
            &issuer,
            &cand.key,
        ));
        let sub = claims.get("sub").cloned();
        // What the holder disclosed: the claims that are not registered ones (moved out of
        // the claims unless they are kept), then `sub`.
        let disclosed: Map<String, Value> = if context.keep_claims {
            let disclosed = claims
                .iter()
                .filter(|(k, _)| !REGISTERED.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            report.verified_claims = Some(claims);
            disclosed
        } else {
            let mut claims = claims;
            claims.retain(|k, _| !REGISTERED.contains(&k.as_str()));
            claims
        };
        let (disclosed, schema) = sd_jwt_vc_schema_check(record, disclosed, sub);
        report.disclosed = disclosed;
        report.push(schema);
    }
    if let Some(check) = key_binding {
        report.push(check);
    }
    (report, cnf)
}

/// The schema check of an SD-JWT VC's disclosed claims, which the passport schemas read with
/// `sub` as the subject's `id`: `id` is put in place for the check only (no copy of the
/// claims), and what comes back for the report shows `sub` as such, after the other claims.
fn sd_jwt_vc_schema_check(
    record: Option<RecordType>,
    disclosed: Map<String, Value>,
    sub: Option<Value>,
) -> (Value, Check) {
    let mut subject = Value::Object(disclosed);
    let mut displaced = None;
    if let (Some(sub), Value::Object(map)) = (sub, &mut subject) {
        displaced = Some(map.insert("id".into(), sub));
    }
    let schema = schema_check(record, &subject);
    if let (Some(previous), Value::Object(map)) = (displaced, &mut subject) {
        // `id` back as it was (a claim of that name, or none), and `sub` at the end.
        let sub = match previous {
            Some(id) => map.insert("id".into(), id),
            None => map.shift_remove("id"),
        };
        if let Some(sub) = sub {
            map.insert("sub".into(), sub);
        }
    }
    (subject, schema)
}

fn verify_vc_jwt(
    v: &Verifier,
    text: &str,
    expect: &Expectation,
    context: Context,
) -> CredentialReport {
    verify_vc_jwt_inner(v, text, expect, context).0
}

fn verify_vc_jwt_inner(
    v: &Verifier,
    text: &str,
    expect: &Expectation,
    context: Context,
) -> (CredentialReport, Option<PublicJwk>) {
    let mut report = CredentialReport::new("vc+jwt");
    let jws = match UnverifiedJws::parse(text) {
        Ok(j) => j,
        Err(e) => {
            report.push(Check::fail(check::FORMAT, e.to_string()));
            return (report, None);
        }
    };
    let claims = match jws.insecure_claims() {
        Ok(c) => c,
        Err(e) => {
            report.push(Check::fail(check::FORMAT, e.to_string()));
            return (report, None);
        }
    };
    if claims.contains_key("vc") || claims.contains_key("vp") {
        report.push(Check::fail(check::FORMAT, "the payload has a `vc`/`vp` claim (VCDM 1.1 JWT): in VC-JOSE-COSE the credential itself is the payload"));
        return (report, None);
    }
    if let Err(e) = passeport_core::model::check_credential_shape(&claims) {
        report.push(Check::fail(
            check::FORMAT,
            format!("not a VCDM 2.0 credential: {e}"),
        ));
        return (report, None);
    }
    let issuer = issuer_of(&claims);
    report.issuer.clone_from(&issuer);
    let (cands, problems) = candidates(v, &issuer, jws.header().kid());
    if cands.is_empty() {
        describe_vc(&mut report, &claims);
        no_key(&mut report, &issuer, &problems);
        return (report, None);
    }
    let policy = JwsPolicy::typed(&["vc+jwt"]);
    let mut chosen = None;
    let mut last_err = None;
    for cand in &cands {
        match jws.check(&cand.key, &policy) {
            Ok(()) => {
                chosen = Some(cand);
                break;
            }
            Err(e @ (JoseError::BadSignature | JoseError::AlgorithmMismatch { .. })) => {
                last_err = Some(e)
            }
            Err(e) => {
                report.push(Check::fail(check::FORMAT, e.to_string()));
                return (report, None);
            }
        }
    }
    let Some(cand) = chosen else {
        describe_vc(&mut report, &claims);
        report.disclosed = Value::Object(Map::new());
        report.push(Check::fail(
            check::ISSUER_KEY,
            format!("{} candidate key(s) for `{issuer}` tried", cands.len()),
        ));
        report.push(Check::fail(
            check::SIGNATURE,
            format!(
                "{}: altered or forged",
                last_err.map_or_else(|| "signature does not verify".to_owned(), |e| e.to_string())
            ),
        ));
        return (report, None);
    };
    // The verified payload is the very bytes parsed above: no second parse.
    report.push(Check::pass(
        check::FORMAT,
        "VCDM 2.0 credential secured as vc+jwt",
    ));
    report.push(Check::pass(
        check::SIGNATURE,
        format!("issuer signature verifies ({})", cand.key.algorithm()),
    ));
    report.push(Check::pass(check::ISSUER_KEY, cand.source.clone()));
    vc_checks(v, &mut report, &claims, cand);
    let cnf = claims
        .get("cnf")
        .and_then(|c| c.get("jwk"))
        .and_then(|j| PublicJwk::from_value(j).ok());
    hand_over_vc(&mut report, claims, context);
    if !context.in_presentation {
        report.push(holder_binding_standalone(cnf.as_ref(), expect));
    }
    (report, cnf)
}

fn verify_json(
    v: &Verifier,
    doc: Map<String, Value>,
    expect: &Expectation,
    context: Context,
) -> Report {
    let types: Vec<&str> = match doc.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"VerifiablePresentation") {
        return Report::unreadable("JSON-LD presentations with their own proof are not supported: present Data Integrity credentials inside a vp+jwt");
    }
    if !doc.contains_key("proof") {
        return Report::unreadable(
            "the JSON credential has no `proof`: an unsecured credential proves nothing",
        );
    }
    Report::from_parts(Vec::new(), vec![verify_di(v, doc, expect, context).0])
}

fn verify_di(
    v: &Verifier,
    doc: Map<String, Value>,
    expect: &Expectation,
    context: Context,
) -> (CredentialReport, Option<PublicJwk>) {
    let suite = doc
        .get("proof")
        .and_then(|p| p.get("cryptosuite"))
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    let mut report = CredentialReport::new(&format!("di-{suite}"));
    let issuer = issuer_of(&doc);
    // Described before verifying, as the document is handed over to the verification.
    describe_vc_header(&mut report, &doc);
    let used: std::sync::Mutex<Option<Candidate>> = std::sync::Mutex::new(None);
    let resolve = |method: &str| -> Result<PublicKey, DataIntegrityError> {
        let unresolved = |reason: String| DataIntegrityError::UnresolvedMethod {
            method: method.to_owned(),
            reason,
        };
        let did = Did::parse(method).map_err(|e| unresolved(e.to_string()))?;
        if issuer.starts_with("did:") && did.as_str() != issuer {
            return Err(unresolved(format!(
                "the method belongs to {did}, not to the issuer {issuer}"
            )));
        }
        let (keys, source) = credential::method_keys(v, &did, method).map_err(unresolved)?;
        let key = keys
            .into_iter()
            .next()
            .ok_or_else(|| unresolved("no key".into()))?;
        let scope = if v.trust.direct_keys().contains(&key) {
            Scope::Any
        } else {
            match v.trust.issuer(&issuer) {
                Some(e) if e.keys.is_empty() || e.keys.contains(&key) => Scope::Entry(e.clone()),
                _ => Scope::Untrusted,
            }
        };
        if let Ok(mut slot) = used.lock() {
            *slot = Some(Candidate {
                key: key.clone(),
                source: source.into(),
                scope,
            });
        }
        Ok(key)
    };
    let verified = data_integrity::verify_owned(doc, &resolve, v.clock.as_ref());
    let cand = used.lock().ok().and_then(|s| s.clone());
    let verified = match verified {
        Ok(d) => d,
        Err(e) => {
            report.disclosed = Value::Object(Map::new());
            let failed = match &e {
                DataIntegrityError::UnresolvedMethod { .. } => check::ISSUER_KEY,
                _ if cand.is_some() => check::SIGNATURE,
                _ => check::FORMAT,
            };
            report.push(Check::fail(failed, e.to_string()));
            return (report, None);
        }
    };
    let Some(cand) = cand else {
        report.push(Check::fail(
            check::ISSUER_KEY,
            "the proof's key was not resolved",
        ));
        return (report, None);
    };
    report.push(Check::pass(
        check::FORMAT,
        format!("JSON-LD credential, every term defined, {suite} proof"),
    ));
    report.push(Check::pass(
        check::SIGNATURE,
        format!("Data Integrity proof verifies ({suite})"),
    ));
    report.push(Check::pass(check::ISSUER_KEY, cand.source.clone()));
    let document = verified.into_document();
    described_vc_checks(v, &mut report, &document, &cand);
    let holder = if context.in_presentation {
        subject_did_key(&document)
    } else {
        None
    };
    hand_over_vc(&mut report, document, context);
    if !context.in_presentation {
        report.push(holder_binding_standalone(None, expect));
    }
    (report, holder)
}

/// The holder key of a Data Integrity credential: its subject's `id`, when that is a did:jwk or
/// did:key (the credential is bound to whoever controls that DID).
fn subject_did_key(credential: &Map<String, Value>) -> Option<PublicJwk> {
    let id = credential.get("credentialSubject")?.get("id")?.as_str()?;
    let did = Did::parse(id).ok()?;
    let doc = passeport_core::did::resolve_offline(&did).ok()?;
    doc.authentication_keys().first().map(|k| k.jwk().bare())
}

/// An `EnvelopedVerifiableCredential`'s media type and content.
fn envelope(entry: &Value) -> Result<(String, String), String> {
    let id = entry
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| "enveloped credential without a `data:` id".to_owned())?;
    let rest = id
        .strip_prefix("data:")
        .ok_or_else(|| format!("`{}` is not a data: URL", id.get(..24).unwrap_or(id)))?;
    let (meta, data) = rest
        .split_once(',')
        .ok_or_else(|| "data: URL without ','".to_owned())?;
    if meta.ends_with(";base64") {
        return Err(format!("base64 data: URL ({meta}) not supported here"));
    }
    Ok((
        meta.trim_start_matches("application/").to_owned(),
        data.to_owned(),
    ))
}

/// A `vp+jwt`; `context` is that of its credentials.
fn verify_vp_jwt(v: &Verifier, text: &str, expect: &Expectation, context: Context) -> Report {
    let jws = match UnverifiedJws::parse(text) {
        Ok(j) => j,
        Err(e) => return Report::unreadable(format!("presentation: {e}")),
    };
    let vp = match jws.insecure_claims() {
        Ok(c) => c,
        Err(e) => return Report::unreadable(format!("presentation: {e}")),
    };
    if vp.contains_key("vp") {
        return Report::unreadable("the payload has a `vp` claim (VCDM 1.1 JWT): in VC-JOSE-COSE the presentation itself is the payload");
    }
    let entries = match vp.get("verifiableCredential") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return Report::unreadable("the presentation has no `verifiableCredential`"),
    };
    if entries.len() > MAX_CREDENTIALS_PER_PRESENTATION {
        return Report::unreadable(format!(
            "more than {MAX_CREDENTIALS_PER_PRESENTATION} credentials in one presentation"
        ));
    }
    let mut reports = Vec::new();
    let mut cnfs: Vec<Option<PublicJwk>> = Vec::new();
    for entry in entries {
        let (report, cnf) = match entry {
            Value::Object(doc) if doc.contains_key("proof") => verify_di(v, doc, expect, context),
            entry => match envelope(&entry) {
                Ok((media, data)) => match media.as_str() {
                    "vc+sd-jwt" | "dc+sd-jwt" => verify_sd_jwt(v, &data, expect, context),
                    "vc+jwt" => verify_vc_jwt_inner(v, &data, expect, context),
                    other => {
                        let mut r = CredentialReport::new(other);
                        r.push(Check::fail(
                            check::FORMAT,
                            format!("enveloped credential format `{other}` is not supported"),
                        ));
                        (r, None)
                    }
                },
                Err(e) => {
                    let mut r = CredentialReport::new("unknown");
                    r.push(Check::fail(check::FORMAT, e));
                    (r, None)
                }
            },
        };
        reports.push(report);
        cnfs.push(cnf);
    }
    let binding = vp_binding(v, text, &cnfs, expect);
    let mut errors = Vec::new();
    if let Err(e) = &binding {
        errors.push(format!("presentation: {e}"));
    }
    for (report, cnf) in reports.iter_mut().zip(&cnfs) {
        let check = match (&binding, cnf) {
            (Ok((detail, holder)), Some(cnf)) if cnf.thumbprint() == *holder => {
                Check::pass(check::HOLDER_BINDING, detail.clone())
            }
            (Ok(_), Some(_)) => Check::fail(
                check::HOLDER_BINDING,
                "the credential is bound to another key than the one that signed the presentation: not the presenter's",
            ),
            (Ok(_), None) => Check::fail(check::HOLDER_BINDING, "the credential is not bound to a holder key (no cnf): anyone holding a copy could present it"),
            (Err(e), _) => Check::fail(check::HOLDER_BINDING, e.clone()),
        };
        report.push(check);
    }
    Report::from_parts(errors, reports)
}

/// Verifies the VP's signature with the credentials' `cnf` key, and its audience, nonce, age.
fn vp_binding(
    v: &Verifier,
    text: &str,
    cnfs: &[Option<PublicJwk>],
    expect: &Expectation,
) -> Result<(String, String), String> {
    let mut thumbs: Vec<(String, &PublicJwk)> =
        cnfs.iter().flatten().map(|j| (j.thumbprint(), j)).collect();
    thumbs.sort_by(|a, b| a.0.cmp(&b.0));
    thumbs.dedup_by(|a, b| a.0 == b.0);
    if thumbs.is_empty() {
        return Err("no credential names a holder key (cnf), so the presentation's signer cannot be tied to them".into());
    }
    let jws = UnverifiedJws::parse(text).map_err(|e| e.to_string())?;
    let policy = JwsPolicy::typed(&["vp+jwt"]);
    let mut last = String::from("signature does not verify");
    let mut found = None;
    for (thumb, jwk) in &thumbs {
        let holder = PublicKey::from_jwk(jwk).map_err(|e| format!("holder key: {e}"))?;
        match jws.check(&holder, &policy) {
            Ok(()) => {
                found = Some(thumb.clone());
                break;
            }
            Err(e) => last = e.to_string(),
        }
    }
    let Some(holder_thumb) = found else {
        return Err(format!(
            "presentation signature by the credentials' holder key (cnf): {last}"
        ));
    };
    // The signature verified: these are the authenticated payload's claims.
    let claims = jws.insecure_claims().map_err(|e| e.to_string())?;
    let auds: Vec<String> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let nonce = claims.get("nonce").and_then(Value::as_str);
    let (Some(want_aud), Some(want_nonce)) = (&expect.audience, &expect.nonce) else {
        return Err(format!("the presentation is addressed to `{}`: give the expected audience and nonce to accept it", auds.join(", ")));
    };
    if !auds.iter().any(|a| a == want_aud) {
        return Err(format!(
            "presentation audience is `{}`, expected `{want_aud}`",
            auds.join(", ")
        ));
    }
    if nonce != Some(want_nonce.as_str()) {
        return Err("presentation nonce does not match the one the verifier issued".into());
    }
    let now = v.clock.now();
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or("presentation has no `iat`")?;
    if iat > now + v.options.leeway_secs {
        return Err(format!("presentation issued {} s in the future", iat - now));
    }
    if now - iat > v.options.max_presentation_age_secs {
        return Err(format!(
            "presentation is {} s old, more than the {} s allowed",
            now - iat,
            v.options.max_presentation_age_secs
        ));
    }
    if let Some(exp) = claims.get("exp").and_then(Value::as_i64) {
        if exp < now - v.options.leeway_secs {
            return Err("presentation has expired".into());
        }
    }
    Ok((
        format!(
            "presentation signed by the holder's key (cnf) for {want_aud}, with the expected nonce, issued at {}",
            passeport_core::clock::format_rfc3339(iat)
        ),
        holder_thumb,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    /// The schema reads `sub` as the subject's `id` (a `sub` that is no URI fails as `/id`);
    /// the report shows the claims as disclosed, `sub` last and a claim named `id` untouched.
    #[test]
    fn the_schema_sees_sub_as_id_and_the_report_shows_sub() {
        let diploma = Some(RecordType::Diploma);
        let (shown, check) = sd_jwt_vc_schema_check(
            diploma,
            map(json!({"term": "Session 2021", "creditsEarned": 120})),
            Some(json!(42)),
        );
        assert!(
            !check.ok && check.detail.contains("/id"),
            "{}",
            check.detail
        );
        assert_eq!(
            serde_json::to_string(&shown).unwrap(),
            r#"{"term":"Session 2021","creditsEarned":120,"sub":42}"#
        );
        // What an SD-JWT VC of the sample diploma shows with one disclosure: the claims that
        // are never disclosures (`type`, `achievement`), `term`, and `sub` for `id`.
        let sample: Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/vectors/domain/samples/camille-laurent/01-diploma-bts-sio.subject.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let mut shown = json!({"term": "Session 2021"});
        for never in ["type", "achievement"] {
            shown[never] = sample[never].clone();
        }
        let (_, check) = sd_jwt_vc_schema_check(
            diploma,
            map(shown.clone()),
            Some(json!("did:example:holder")),
        );
        assert!(check.ok, "{}", check.detail);
        // Without a claim that is never a disclosure: it was never issued, not hidden.
        shown.as_object_mut().unwrap().remove("achievement");
        let (_, check) =
            sd_jwt_vc_schema_check(diploma, map(shown), Some(json!("did:example:holder")));
        assert!(
            !check.ok && check.detail.contains("achievement"),
            "{}",
            check.detail
        );

        let (shown, _) = sd_jwt_vc_schema_check(
            None,
            map(json!({"id": "own", "a": 1})),
            Some(json!("did:example:holder")),
        );
        assert_eq!(
            serde_json::to_string(&shown).unwrap(),
            r#"{"id":"own","a":1,"sub":"did:example:holder"}"#
        );
        let (shown, check) = sd_jwt_vc_schema_check(None, map(json!({"a": 1})), None);
        assert!(check.ok);
        assert_eq!(shown, json!({"a": 1}));
    }
}
