//! The probative CV: one self-contained HTML page (French and English labels, print-friendly)
//! listing the chosen records by section, each with its issuer and a proof an employer can
//! check (the shared link when there is one, and the credential itself, embedded: for an
//! SD-JWT, reduced to the claims the line shows), followed by
//! the holder's own notes, clearly marked as self-declared.
//!
//! Rendered with minijinja, auto-escaping on: every value from a credential or a note is
//! escaped.

use crate::records::{CredentialRecord, HolderNote, SharedLink};
use crate::WalletError;
use passeport_core::model::RecordType;
use serde::Serialize;
use serde_json::Value;

const TEMPLATE: &str = r#"<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Passeport — CV probant / Verified CV</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; color: #111; line-height: 1.4; }
  h1 { font-size: 1.6rem; margin-bottom: .2rem; }
  h2 { font-size: 1.15rem; border-bottom: 2px solid #333; padding-bottom: .2rem; margin-top: 2rem; }
  .en { color: #555; font-weight: normal; }
  .record { margin: .8rem 0; page-break-inside: avoid; break-inside: avoid; }
  .title { font-weight: 600; }
  .meta { font-size: .9rem; color: #333; }
  .badge { display: inline-block; font-size: .75rem; padding: 0 .4rem; border-radius: .3rem; }
  .verified { background: #e3f4e3; border: 1px solid #2a7a2a; }
  .self { background: #fff3d6; border: 1px solid #a66b00; }
  details { font-size: .8rem; }
  textarea { width: 100%; height: 5rem; font-family: monospace; font-size: .7rem; }
  @media print { details { display: none; } .proof-url { display: inline; } a { color: #000; } }
</style>
</head>
<body>
<h1>CV probant <span class="en">/ Verified CV</span></h1>
<p class="meta">Généré le / generated on {{ generated }}. Chaque ligne « vérifiable » porte une preuve signée par son émetteur ;
les notes « déclaratif » sont écrites par le titulaire et ne sont pas vérifiées.
<span class="en">Each "verifiable" line carries a proof signed by its issuer; "self-declared" notes are written by the holder and are not verified.</span></p>
{% for section in sections %}
<section>
<h2>{{ section.label_fr }} <span class="en">/ {{ section.label_en }}</span></h2>
{% for r in section.records %}
<div class="record" id="cred-{{ r.id }}">
  <div class="title">{{ r.title }} <span class="badge verified">vérifiable / verifiable</span></div>
  <div class="meta">Émetteur / Issuer : {{ r.issuer_name }} <code>{{ r.issuer }}</code>{% if r.dates %} — {{ r.dates }}{% endif %}</div>
  {% if r.description %}<div class="meta">{{ r.description }}</div>{% endif %}
  {% if r.link %}<div class="meta">Vérifier en ligne / Verify online : <a href="{{ r.link }}">{{ r.link }}</a></div>{% endif %}
  <details><summary>Preuve ({{ r.format }}) — vérifier avec <code>passeport verify</code> / Proof, check with <code>passeport verify</code></summary>
  <textarea readonly>{{ r.proof }}</textarea></details>
</div>
{% endfor %}
</section>
{% endfor %}
{% if notes %}
<section>
<h2>Déclaratif <span class="en">/ Self-declared</span></h2>
<p class="meta">Écrit par le titulaire, non vérifié. <span class="en">Written by the holder, not verified.</span></p>
{% for n in notes %}
<div class="record self-declared">
  <div class="title">{{ n.title }} <span class="badge self">déclaratif / self-declared</span></div>
  <div class="meta">{{ n.kind_fr }} / {{ n.kind_en }} — {{ n.date }}</div>
  <div>{{ n.text }}</div>
</div>
{% endfor %}
</section>
{% endif %}
</body>
</html>
"#;

#[derive(Serialize)]
struct Section {
    label_fr: &'static str,
    label_en: &'static str,
    records: Vec<Line>,
}

#[derive(Serialize)]
struct Line {
    id: String,
    title: String,
    issuer: String,
    issuer_name: String,
    dates: String,
    description: String,
    format: &'static str,
    proof: String,
    link: Option<String>,
}

#[derive(Serialize)]
struct NoteLine {
    title: String,
    text: String,
    kind_fr: &'static str,
    kind_en: &'static str,
    date: String,
}

fn day(text: &str) -> &str {
    text.get(..10).unwrap_or(text)
}

fn dates(record: &CredentialRecord) -> String {
    let get = |name: &str| record.subject.get(name).and_then(Value::as_str).map(day);
    match (
        get("activityStartDate"),
        get("activityEndDate"),
        get("awardingDate"),
    ) {
        (Some(start), Some(end), _) => format!("{start} → {end}"),
        (_, _, Some(awarded)) => awarded.to_owned(),
        (Some(start), None, None) => format!("{start} →"),
        (None, Some(end), None) => end.to_owned(),
        (None, None, None) => record
            .valid_from
            .as_deref()
            .map(day)
            .unwrap_or_default()
            .to_owned(),
    }
}

/// The claims a CV line shows, and so the only ones its embedded proof discloses.
const CV_CLAIMS: [&str; 5] = [
    "/achievement",
    "/awardingDate",
    "/activityStartDate",
    "/activityEndDate",
    "/role",
];

/// The proof embedded in the CV: for an SD-JWT, the credential reduced to the claims the CV
/// shows (nothing else is disclosed); other formats cannot hide claims and go whole.
fn proof(record: &CredentialRecord) -> Result<String, WalletError> {
    if !record.format.is_sd_jwt() {
        return Ok(record.credential.clone());
    }
    let shown: Vec<String> = CV_CLAIMS
        .iter()
        .filter(|p| record.subject.pointer(p).is_some())
        .map(|p| (*p).to_owned())
        .collect();
    crate::present::reduce(record, &shown)
}

fn line(record: &CredentialRecord, links: &[SharedLink], now: i64) -> Result<Line, WalletError> {
    let link = links
        .iter()
        .find(|l| {
            l.deleted_at.is_none()
                && l.expires_at.is_none_or(|e| e > now)
                && l.credential_ids.contains(&record.id)
        })
        .map(|l| l.url.clone());
    Ok(Line {
        id: record.id.clone(),
        title: record.title(),
        issuer: record.issuer.clone(),
        issuer_name: record.issuer_name.clone().unwrap_or_default(),
        dates: dates(record),
        description: record
            .subject
            .pointer("/achievement/description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        format: record.format.as_str(),
        proof: proof(record)?,
        link,
    })
}

/// Renders the CV.
pub(crate) fn render(
    credentials: &[CredentialRecord],
    notes: &[HolderNote],
    links: &[SharedLink],
    now: i64,
) -> Result<String, WalletError> {
    let mut sections: Vec<Section> = RecordType::ALL
        .into_iter()
        .map(|r| {
            Ok(Section {
                label_fr: r.label_fr(),
                label_en: r.label_en(),
                records: credentials
                    .iter()
                    .filter(|c| c.record_type == Some(r))
                    .map(|c| line(c, links, now))
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect::<Result<_, WalletError>>()?;
    let others: Vec<Line> = credentials
        .iter()
        .filter(|c| c.record_type.is_none())
        .map(|c| line(c, links, now))
        .collect::<Result<_, _>>()?;
    sections.push(Section {
        label_fr: "Autres attestations",
        label_en: "Other credentials",
        records: others,
    });
    sections.retain(|s| !s.records.is_empty());
    let notes: Vec<NoteLine> = notes
        .iter()
        .map(|n| NoteLine {
            title: n.title.clone(),
            text: n.text.clone(),
            kind_fr: n.kind.label_fr(),
            kind_en: n.kind.label_en(),
            date: day(&passeport_core::clock::format_rfc3339(n.created_at)).to_owned(),
        })
        .collect();
    let mut env = minijinja::Environment::new();
    env.add_template("cv.html", TEMPLATE)
        .map_err(|e| WalletError::Template(e.to_string()))?;
    let template = env
        .get_template("cv.html")
        .map_err(|e| WalletError::Template(e.to_string()))?;
    template
        .render(minijinja::context! {
            sections => sections,
            notes => notes,
            generated => day(&passeport_core::clock::format_rfc3339(now)),
        })
        .map_err(|e| WalletError::Template(e.to_string()))
}
