#!/usr/bin/env python3
"""Writes the small seed corpora `fuzz/corpus/<target>/seed-*` from `tests/vectors/`.

Run from anywhere: `python3 fuzz/scripts/make_seeds.py`. Idempotent; only `seed-*` files are
written (and tracked, see `fuzz/.gitignore`); libFuzzer's own corpus growth stays untracked.
"""
import base64
import glob
import hashlib
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
V = os.path.join(ROOT, "tests", "vectors")
OUT = os.path.join(ROOT, "fuzz", "corpus")
MAX_PER_TARGET = 150


def read(path):
    with open(path, "rb") as f:
        return f.read()


def text(path):
    return read(path).decode().strip()


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if len([f for f in os.listdir(d) if f.startswith("seed-")]) >= MAX_PER_TARGET:
        return
    h = hashlib.sha256(data).hexdigest()[:8]
    with open(os.path.join(d, f"seed-{name}-{h}"), "wb") as f:
        f.write(data)


def jwks_in(value, out):
    """Every object that looks like a JWK, anywhere in `value`."""
    if isinstance(value, dict):
        if "kty" in value:
            out.append(value)
        for v in value.values():
            jwks_in(v, out)
    elif isinstance(value, list):
        for v in value:
            jwks_in(v, out)
    return out


def sd_jwt_texts():
    pats = [
        "sd-jwt/examples/*/spec_sd_jwt_*.txt",
        "sd-jwt/python-reference-testcases/*/sd_jwt_issuance.txt",
        "sd-jwt/python-reference-testcases/*/sd_jwt_presentation.txt",
        "sd-jwt-vc/examples/*/spec_sd_jwt_*.txt",
        "vc-jose-cose/input/*sdjwt*.txt",
    ]
    for pat in pats:
        for p in sorted(glob.glob(os.path.join(V, pat))):
            rel = os.path.relpath(p, V).replace("/", "_").replace(".txt", "")
            yield rel, "".join(text(p).split())


def main():
    # sd_jwt_parse: compact SD-JWTs (issuance and presentation) from the RFC 9901, SD-JWT VC,
    # python reference and VC-JOSE-COSE vectors.
    for name, t in sd_jwt_texts():
        write("sd_jwt_parse", name, t)

    # sd_jwt_verify: `payload NUL disclosure NUL ...`: the real payloads with their disclosures, so
    # digests match and verification reaches recursion, arrays, cnf and KB.
    for case in sorted(glob.glob(os.path.join(V, "sd-jwt*/examples/*/")) +
                       sorted(glob.glob(os.path.join(V, "sd-jwt/python-reference-testcases/*/")))):
        pay = os.path.join(case, "sd_jwt_payload.json")
        if not os.path.exists(pay):
            continue
        name = os.path.basename(case.rstrip("/"))
        payload = json.dumps(json.loads(read(pay))).encode()
        discs = []
        dj = os.path.join(case, "disclosures.json")
        if os.path.exists(dj):
            discs = [d["disclosure"].encode() for d in json.loads(read(dj))]
        else:
            iss = os.path.join(case, "sd_jwt_issuance.txt")
            if os.path.exists(iss):
                parts = "".join(text(iss).split()).split("~")
                discs = [p.encode() for p in parts[1:] if p]
        write("sd_jwt_verify", name, b"\0".join([payload] + discs))

    # jws_parse: compact JWS (vc+jwt, vp+jwt, KB-JWT, SD-JWT issuer JWS) and Data Integrity JSON,
    # since the target also hands its input to the verifier's format detection.
    for p in sorted(glob.glob(os.path.join(V, "vc-jose-cose/input/*jose*.txt"))):
        write("jws_parse", os.path.basename(p)[:-4], "".join(text(p).split()))
    for p in sorted(glob.glob(os.path.join(V, "sd-jwt/*/*/*jws_part.txt")) +
                    glob.glob(os.path.join(V, "sd-jwt/*/*/kb_jwt_serialized.txt"))):
        t = "".join(text(p).split())
        if t.startswith("{"):
            continue
        write("jws_parse", os.path.basename(os.path.dirname(p)) + "-" + os.path.basename(p)[:-4], t)
    for p in sorted(glob.glob(os.path.join(V, "vc-di-eddsa/**/signed*.json"), recursive=True)):
        write("jws_parse", "di-" + os.path.basename(p)[:-5], read(p))
    for name, t in list(sd_jwt_texts())[:6]:
        write("jws_parse", name, t)

    # jwk_parse: every JWK in the key files and verification methods (public and private).
    seen = set()
    files = [os.path.join(V, "sd-jwt/keys.json")] + sorted(glob.glob(os.path.join(V, "vc-jose-cose/input/vm-*.json"))) + \
        sorted(glob.glob(os.path.join(V, "did-key/*.json")))
    for p in files:
        for jwk in jwks_in(json.loads(read(p)), []):
            data = json.dumps(jwk, sort_keys=True)
            if data in seen:
                continue
            seen.add(data)
            write("jwk_parse", f"{jwk.get('kty')}-{jwk.get('crv', '')}", data)

    # did_resolve: every did:key of the did:key vectors (with and without fragment), did:jwk of
    # the JWKs above, did:web forms, and the DID documents.
    for p in sorted(glob.glob(os.path.join(V, "did-key/*.json"))):
        doc = json.loads(read(p))
        keys = [k for k in doc if k.startswith("did:key:")]
        if "didDocument" in doc:
            keys += list(doc["didDocument"])
            for did, d in doc["didDocument"].items():
                write("did_resolve", "doc-x25519", json.dumps(d))
        for did in keys:
            write("did_resolve", "key", did)
            write("did_resolve", "key-frag", did + "#" + did[len("did:key:"):])
        if "generated" in p:
            for did, d in doc.items():
                if did.startswith("did:key:"):
                    write("did_resolve", "doc-multikey", json.dumps(d))
    for jwk in [json.loads(s) for s in sorted(seen)][:12]:
        jwk = {k: v for k, v in jwk.items() if k != "d"}
        write("did_resolve", "jwk", "did:jwk:" + b64u(json.dumps(jwk).encode()))
    for w in ["did:web:example.com", "did:web:passeport.example%3A8443:orgs:lycee",
              "did:web:example.com:user:alice#key-1"]:
        write("did_resolve", "web", w)

    # status_list: Bitstring encodedList strings and credentials, Token Status List claims
    # (draft-ietf-oauth-status-list examples).
    for p in sorted(glob.glob(os.path.join(V, "bitstring-status-list/*.json"))):
        d = json.loads(read(p))
        enc = []
        def walk(v):
            if isinstance(v, dict):
                if "encodedList" in v:
                    enc.append(v["encodedList"])
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
        walk(d)
        for e in enc:
            write("status_list", "encoded", e)
        if "credentialSubject" in d:
            write("status_list", "credential", json.dumps(d))
    for claim in [{"bits": 1, "lst": "eNrbuRgAAhcBXQ"}, {"bits": 2, "lst": "eNo76fITAAPfAgc"}]:
        write("status_list", "token", json.dumps(claim))

    # wallet_import: the domain sample credentials (JSON), SD-JWT VCs, vc+jwt credentials.
    for p in sorted(glob.glob(os.path.join(V, "domain/samples/*/*.credential.json")))[:10]:
        write("wallet_import", "domain-" + os.path.basename(p)[:-16], read(p))
    for name, t in sd_jwt_texts():
        if "sd-jwt-vc" in name or "vc-jose" in name:
            write("wallet_import", name, t)
    for p in sorted(glob.glob(os.path.join(V, "vc-jose-cose/input/credential-jose*.txt"))):
        write("wallet_import", os.path.basename(p)[:-4], "".join(text(p).split()))


if __name__ == "__main__":
    main()
