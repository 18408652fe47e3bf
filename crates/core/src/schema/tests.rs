use super::*;
use std::path::PathBuf;

fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/domain/samples")
}

fn samples() -> Vec<(String, RecordType, Value, Value)> {
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(samples_dir().join("index.json")).unwrap())
            .unwrap();
    index["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let read = |k: &str| -> Value {
                let path = samples_dir().join(r[k].as_str().unwrap());
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
            };
            (
                r["file"].as_str().unwrap().to_owned(),
                r["cliType"].as_str().unwrap().parse().unwrap(),
                read("subjectFile"),
                read("file"),
            )
        })
        .collect()
}

#[test]
fn every_sample_subject_and_credential_validates() {
    let all = samples();
    assert_eq!(all.len(), 19);
    for (file, record, subject, credential) in all {
        validate_subject(record, &subject).unwrap_or_else(|e| panic!("{file} subject: {e}"));
        validate_credential(record, &credential).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(credential["credentialSubject"], subject, "{file}");
    }
}

fn sample(prefix: &str) -> (RecordType, Value) {
    let (_, record, subject, _) = samples()
        .into_iter()
        .find(|(f, ..)| f.contains(prefix))
        .unwrap();
    (record, subject)
}

#[test]
fn rejects_forbidden_personal_fields_anywhere() {
    let (record, mut subject) = sample("04-employment-numerica");
    subject["salary"] = serde_json::json!(42000);
    let err = validate_subject(record, &subject).unwrap_err();
    assert_eq!(
        err,
        SchemaError::Forbidden {
            pointer: "/salary".into()
        }
    );

    let (record, mut subject) = sample("01-diploma-bts-sio");
    subject["identifier"][0]["birthDate"] = serde_json::json!("1999-01-01");
    let err = validate_subject(record, &subject).unwrap_err();
    assert_eq!(err.pointer(), Some("/identifier/0/birthDate"));

    // In a later element, under a name that needs escaping in a pointer: the path followed is
    // the one that holds it.
    let (record, mut subject) = sample("01-diploma-bts-sio");
    let mut second = subject["identifier"][0].clone();
    second["a/b~c"] = serde_json::json!({ "deeper": [1, { "nir": "x" }] });
    subject["identifier"].as_array_mut().unwrap().push(second);
    let err = validate_subject(record, &subject).unwrap_err();
    assert_eq!(err.pointer(), Some("/identifier/1/a~1b~0c/deeper/1/nir"));
}

#[test]
fn names_the_failing_field_by_pointer() {
    let (record, mut subject) = sample("01-diploma-bts-sio");
    subject["achievement"]["name"] = serde_json::json!(42);
    let err = validate_subject(record, &subject).unwrap_err();
    assert_eq!(err.pointer(), Some("/achievement/name"), "{err}");

    let (record, mut subject) = sample("01-diploma-bts-sio");
    subject.as_object_mut().unwrap().remove("accessRoute");
    let err = validate_subject(record, &subject).unwrap_err();
    assert!(err.to_string().contains("accessRoute"), "{err}");

    let (record, mut subject) = sample("01-diploma-bts-sio");
    subject["favouriteColour"] = serde_json::json!("blue");
    let err = validate_subject(record, &subject).unwrap_err();
    assert!(err.to_string().contains("favouriteColour"), "{err}");
}

#[test]
fn rejects_domain_rule_violations() {
    // VAE certification without its modality.
    let (record, mut subject) = sample("05-certification-vae-tbcc");
    assert_eq!(record, RecordType::ProfessionalCertification);
    subject.as_object_mut().unwrap().remove("vaeModality");
    assert!(validate_subject(record, &subject).is_err());
    // A diploma obtained "via VAE" is a certification, not a diploma.
    let (record, mut subject) = sample("01-diploma-bts-sio");
    subject["accessRoute"] = serde_json::json!("VAE");
    assert!(validate_subject(record, &subject).is_err());
    // Non-ISO workload.
    let (record, mut subject) = sample("06-training-owasp");
    subject["workload"] = serde_json::json!("21 hours");
    assert!(validate_subject(record, &subject).is_err());
}

#[test]
fn sd_policy_matches_the_published_type_metadata() {
    for record in RecordType::ALL {
        let policy = sd_policy(record).unwrap();
        let metadata: Value = serde_json::from_str(type_metadata(record)).unwrap();
        for claim in metadata["claims"].as_array().unwrap() {
            let path: Vec<PathSegment> = claim["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| match p.as_str() {
                    Some("sub") => PathSegment::Key("id".into()),
                    Some(k) => PathSegment::Key(k.into()),
                    None => PathSegment::AnyIndex,
                })
                .collect();
            let expected = claim["sd"].as_str().unwrap();
            match policy.subject_mode(&path) {
                Some(mode) => assert_eq!(mode.as_str(), expected, "{record} {path:?}"),
                // The metadata generator also marks the elements of `identifier` as `always`
                // though the schema annotates only the array; the array itself is a disclosure.
                None => assert_eq!(
                    path.first(),
                    Some(&PathSegment::Key("identifier".into())),
                    "{record} {path:?} missing"
                ),
            }
        }
        assert_eq!(
            policy.subject_mode(&[PathSegment::Key("achievement".into())]),
            Some(SdMode::Never)
        );
        for rule in policy.subject_rules() {
            if let [PathSegment::Key(name)] = rule.path.as_slice() {
                assert_eq!(policy.subject_member_mode(name), Some(rule.mode), "{name}");
            }
        }
        assert_eq!(policy.subject_member_mode("notAClaim"), None);
        assert_eq!(
            policy.subject_member_mode("name"),
            policy.subject_mode(&[PathSegment::Key("name".into())])
        );
        assert_eq!(
            policy.envelope_mode(&[PathSegment::Key("awardedDate".into())]),
            Some(SdMode::Always)
        );
    }
}

/// The indexed lookups an issuer makes at every claim (`subject_mode_at`, `envelope_mode_at`)
/// give what the plain `subject_mode` / `envelope_mode` give for the same path with indexes as
/// `AnyIndex`: over every path of every sample subject and credential, and the rules' own.
#[test]
fn concrete_path_lookups_agree_with_the_rules() {
    use crate::sd_jwt::ClaimPathSegment as Concrete;
    fn paths(value: &Value, here: &mut Vec<Concrete>, out: &mut Vec<Vec<Concrete>>) {
        out.push(here.clone());
        match value {
            Value::Object(map) => {
                for (key, member) in map {
                    here.push(Concrete::Key(key.clone()));
                    paths(member, here, out);
                    here.pop();
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    here.push(Concrete::Index(i));
                    paths(item, here, out);
                    here.pop();
                }
            }
            _ => {}
        }
    }
    let pattern = |path: &[Concrete]| -> Vec<PathSegment> {
        path.iter()
            .map(|segment| match segment {
                Concrete::Key(key) => PathSegment::Key(key.clone()),
                Concrete::Index(_) => PathSegment::AnyIndex,
            })
            .collect()
    };
    let mut found = 0;
    for (file, record, subject, credential) in samples() {
        let policy = sd_policy(record).unwrap();
        let mut all = Vec::new();
        paths(&subject, &mut Vec::new(), &mut all);
        paths(&credential, &mut Vec::new(), &mut all);
        // Each rule's path with its indexes made concrete (3, then 0), and with its last key
        // changed, which no rule may then match unless one has that path.
        for rule in policy.subject_rules().iter().chain(policy.envelope_rules()) {
            for index in [3, 0] {
                let concrete: Vec<Concrete> = rule
                    .path
                    .iter()
                    .map(|segment| match segment {
                        PathSegment::Key(key) => Concrete::Key(key.clone()),
                        PathSegment::AnyIndex => Concrete::Index(index),
                    })
                    .collect();
                let mut renamed = concrete.clone();
                if let Some(Concrete::Key(key)) = renamed.last_mut() {
                    key.push('x');
                }
                all.push(concrete);
                all.push(renamed);
            }
        }
        for path in &all {
            let expected = policy.subject_mode(&pattern(path));
            assert_eq!(policy.subject_mode_at(path), expected, "{file} {path:?}");
            found += usize::from(expected.is_some());
            assert_eq!(
                policy.envelope_mode_at(path),
                policy.envelope_mode(&pattern(path)),
                "{file} {path:?}"
            );
        }
    }
    // Not a vacuous agreement: most lookups find a rule.
    assert!(found > 500, "{found}");
}

/// A disclosed subject may lack the claims its holder kept hidden, and nothing else: a missing
/// claim is excused only where the policy lets it be a disclosure, and a wrong value inside an
/// `anyOf` (an enum or a type's spelling) is reported like any other.
#[test]
fn disclosed_subjects_excuse_only_what_could_be_hidden() {
    let every = samples();
    // Every sample, whole, and with each claim the policy lets the holder hide, hidden.
    for (file, record, subject, _) in &every {
        validate_disclosed_subject(*record, subject).unwrap_or_else(|e| panic!("{file}: {e}"));
        let policy = sd_policy(*record).unwrap();
        for name in subject.as_object().unwrap().keys() {
            if policy
                .subject_member_mode(name)
                .is_some_and(SdMode::is_disclosable)
            {
                let mut hidden = subject.clone();
                hidden.as_object_mut().unwrap().remove(name);
                validate_disclosed_subject(*record, &hidden)
                    .unwrap_or_else(|e| panic!("{file} without {name}: {e}"));
            }
        }
    }
    let (record, subject) = sample("01-diploma-bts-sio");
    // All that may be hidden, hidden at once.
    let policy = sd_policy(record).unwrap();
    let mut bare = subject.clone();
    bare.as_object_mut().unwrap().retain(|name, _| {
        !policy
            .subject_member_mode(name)
            .is_some_and(SdMode::is_disclosable)
    });
    validate_disclosed_subject(record, &bare).unwrap();
    // `achievement` is never a disclosure: missing, it was never issued.
    let mut no_achievement = subject.clone();
    no_achievement
        .as_object_mut()
        .unwrap()
        .remove("achievement");
    let err = validate_disclosed_subject(record, &no_achievement).unwrap_err();
    assert!(err.to_string().contains("achievement"), "{err}");
    // A required member of a never-disclosable object.
    let mut no_name = subject.clone();
    no_name["achievement"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    let err = validate_disclosed_subject(record, &no_name).unwrap_err();
    assert_eq!(err.pointer(), Some("/achievement"), "{err}");
    // Wrong values where the schema offers alternatives (`anyOf`).
    let mut bad_identity = subject.clone();
    bad_identity["identifier"][0]["identityType"] = serde_json::json!("shoeSize");
    let err = validate_disclosed_subject(record, &bad_identity).unwrap_err();
    assert_eq!(err.pointer(), Some("/identifier/0/identityType"), "{err}");
    let mut bad_type = subject.clone();
    bad_type["achievement"]["type"] = serde_json::json!("Diploma");
    let err = validate_disclosed_subject(record, &bad_type).unwrap_err();
    assert_eq!(err.pointer(), Some("/achievement/type"), "{err}");
    // A `contains` over elements that are never disclosures: no RNCP identifier was issued.
    let mut no_rncp = subject.clone();
    no_rncp["achievement"]["otherIdentifier"] = serde_json::json!([]);
    let err = validate_disclosed_subject(record, &no_rncp).unwrap_err();
    assert_eq!(err.pointer(), Some("/achievement/otherIdentifier"), "{err}");
}
