#!/usr/bin/env python3
"""Independent re-implementation (Python + pyca/cryptography) that checks testdata/crypto-vectors.json
and testdata/rfc9180-p256.json. It shares no code with the C# library, so agreement means the
format in docs/crypto-format.md is implementable from the description.  Usage: python3 check_vectors.py"""
import hashlib, hmac, json, struct, sys, unicodedata, base64
from pathlib import Path
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.exceptions import InvalidSignature, InvalidTag

root = Path(__file__).resolve().parents[3] / "testdata"
V = json.loads((root / "crypto-vectors.json").read_text())
R = json.loads((root / "rfc9180-p256.json").read_text())
H = bytes.fromhex
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

def extract(salt, ikm): return hmac.new(salt or b"\0" * 32, ikm, hashlib.sha256).digest()
def expand(prk, info, L):
    out, t, i = b"", b"", 1
    while len(out) < L:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest(); out += t; i += 1
    return out[:L]
def lx(suite, salt, label, ikm): return extract(salt, b"HPKE-v1" + suite + label + ikm)
def le(suite, prk, label, info, L): return expand(prk, struct.pack(">H", L) + b"HPKE-v1" + suite + label + info, L)
KEM = b"KEM\x00\x10"
def pub(sk): return ec.derive_private_key(int.from_bytes(sk, "big"), ec.SECP256R1()).public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
def derive_key_pair(ikm):
    prk = lx(KEM, b"", b"dkp_prk", ikm)
    for c in range(256):
        sk = le(KEM, prk, b"candidate", bytes([c]), 32)
        if 0 < int.from_bytes(sk, "big") < N: return sk, pub(sk)
def dh(sk, pk):
    return ec.derive_private_key(int.from_bytes(sk, "big"), ec.SECP256R1()).exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), pk))
def seal(pkR, info, aad, pt, aead_id, ikmE):
    skE, pkE = derive_key_pair(ikmE)
    ss = le(KEM, lx(KEM, b"", b"eae_prk", dh(skE, pkR)), b"shared_secret", pkE + pkR, 32)
    suite = b"HPKE\x00\x10\x00\x01\x00" + bytes([aead_id])
    ctx = b"\x00" + lx(suite, b"", b"psk_id_hash", b"") + lx(suite, b"", b"info_hash", info)
    secret = lx(suite, ss, b"secret", b"")
    key = le(suite, secret, b"key", ctx, 16 if aead_id == 1 else 32)
    nonce = le(suite, secret, b"base_nonce", ctx, 12)
    return pkE, AESGCM(key).encrypt(nonce, pt, aad)
class W:  # canonical writer
    def __init__(s, tag): s.b = b""; s.str(tag)
    def str(s, v): e = v.encode(); s.b += struct.pack(">I", len(e)) + e; return s
    def bytes(s, v): s.b += struct.pack(">I", len(v)) + v; return s
    def i64(s, v): s.b += struct.pack(">q", v); return s
def verify(pk, data, sig):
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), pk).verify(
            encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")), data, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False
def key_id(pk): return hashlib.sha256(W("medledger/v1/encryption-key-id").bytes(pk).b).hexdigest()

fails = []
def check(name, ok):
    print(("ok   " if ok else "FAIL ") + name); ok or fails.append(name)

for v in R["deriveKeyPair"]:
    check("rfc DeriveKeyPair " + v["section"], derive_key_pair(H(v["ikm"])) == (H(v["sk"]), H(v["pk"])))
b = R["base"][0]; e = b["encryptions"][0]
check("rfc A.3.1 seal", seal(H(b["pkRm"]), H(b["info"]), H(e["aad"]), H(e["pt"]), 1, H(b["ikmE"])) == (H(b["enc"]), H(e["ct"])))

keys = V["keys"]
for name in ("authorEncryption", "authorSigning", "patientEncryption", "doctorEncryption"):
    k = keys[name]; check("key " + name, derive_key_pair(H(k["ikm"])) == (H(k["privateKey"]), H(k["publicKey"])))
    if name.endswith("Encryption"): check("keyId " + name, key_id(H(k["publicKey"])) == keys["encryptionKeyIds"][name])
f = keys["authorFingerprint"]
fp = hashlib.sha256(W("medledger/v1/key-fingerprint").bytes(H(f["encryptionPublicKey"])).bytes(H(f["signingPublicKey"])).b).digest()
alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
bits = bin(int.from_bytes(fp[:20], "big"))[2:].zfill(160)
display = "".join(alphabet[int(bits[i:i + 5], 2)] for i in range(0, 160, 5))
check("fingerprint", fp.hex() == f["fingerprint"] and " ".join(display[i:i + 4] for i in range(0, 32, 4)) == f["display"])

for h in V["hpke"]:
    check("hpke aead %d" % h["aead_id"], seal(H(h["pkRm"]), H(h["info"]), H(h["aad"]), H(h["pt"]), h["aead_id"], H(h["ikmE"])) == (H(h["enc"]), H(h["ct"])))

s = V["signature"]
check("signature verifies", verify(H(s["publicKey"]), H(s["message"]), H(s["signature"])))
check("tampered signature fails", not verify(H(s["publicKey"]), H(s["message"]), H(s["tamperedSignature"])))

for name in ["envelope", "envelopeV2"]:
    env = V[name]
    hd = env["header"]
    if "category" in hd:  # header v2 binds the category, between author and content type
        hc = W("medledger/v2/record-header").str(hd["recordId"]).i64(hd["version"]).str(hd["patientId"]).str(hd["authorId"]).str(hd["category"]).str(hd["contentType"]).i64(hd["createdAt"]).b
    else:
        hc = W("medledger/v1/record-header").str(hd["recordId"]).i64(hd["version"]).str(hd["patientId"]).str(hd["authorId"]).str(hd["contentType"]).i64(hd["createdAt"]).b
    check(name + " envelope header canonical", hc.hex() == env["headerCanonical"])
    ct = AESGCM(H(env["dataKey"])).encrypt(H(env["nonce"]), H(env["plaintext"]), hc)
    check(name + " envelope ciphertext", ct.hex() == env["ciphertext"])
    kc = hmac.new(H(env["dataKey"]), b"medledger/v1/key-commitment", hashlib.sha256).digest()
    check(name + " envelope key commitment", kc.hex() == env["keyCommitment"])
    signed = W("medledger/v1/record-signature").bytes(hc).bytes(H(env["nonce"])).bytes(kc).bytes(hashlib.sha256(ct).digest()).b
    check(name + " envelope signed bytes", signed.hex() == env["signedBytes"])
    check(name + " envelope signature verifies", verify(H(env["authorSigningPublicKey"]), signed, H(env["signature"])))
    info = W("medledger/v1/record-key").str(hd["recordId"]).i64(hd["version"]).b
    check(name + " envelope record key info", info.hex() == env["recordKeyInfo"])
    for w in env["wraps"] + [env["addedReaderWrap"]]:
        pk = H(keys[w["reader"]]["publicKey"])
        check(name + " wrap for " + w["reader"], seal(pk, info, b"", H(env["dataKey"]), 2, H(w["ephemeralIkm"])) == (H(w["enc"]), H(w["wrappedKey"])) and key_id(pk) == w["readerKeyId"])
    j = json.loads(env["envelopeJson"])
    check(name + " envelope json", base64.b64decode(j["ciphertext"]) == ct and base64.b64decode(j["signature"]).hex() == env["signature"] and [w["readerKeyId"] for w in j["wraps"]] == [w["readerKeyId"] for w in env["wraps"]])
    tj = json.loads(env["tamperedEnvelopeJson"])
    try:
        AESGCM(H(env["dataKey"])).decrypt(H(env["nonce"]), base64.b64decode(tj["ciphertext"]), hc); check(name + " tampered envelope rejected", False)
    except InvalidTag:
        check(name + " tampered envelope rejected", not verify(H(env["authorSigningPublicKey"]), W("medledger/v1/record-signature").bytes(hc).bytes(H(env["nonce"])).bytes(kc).bytes(hashlib.sha256(base64.b64decode(tj["ciphertext"])).digest()).b, H(env["signature"])))
    if "category" in hd:
        rj = json.loads(env["relabelledEnvelopeJson"])
        check(name + " json format", j["format"] == "medledger/v2/record" and j["header"]["category"] == hd["category"])
        rh = W("medledger/v2/record-header").str(hd["recordId"]).i64(hd["version"]).str(hd["patientId"]).str(hd["authorId"]).str(rj["header"]["category"]).str(hd["contentType"]).i64(hd["createdAt"]).b
        rs = W("medledger/v1/record-signature").bytes(rh).bytes(H(env["nonce"])).bytes(kc).bytes(hashlib.sha256(ct).digest()).b
        check(name + " relabelled envelope rejected", rj["header"]["category"] != hd["category"] and not verify(H(env["authorSigningPublicKey"]), rs, H(env["signature"])))

ss = V["sealedSecret"]
sinfo = W("medledger/v1/sealed-secret").str(ss["purpose"]).str(ss["context"]).b
check("sealed secret", sinfo.hex() == ss["info"] and seal(H(keys[ss["recipient"]]["publicKey"]), sinfo, b"", H(ss["secret"]), 2, H(ss["ephemeralIkm"])) == (H(ss["enc"]), H(ss["ciphertext"])))

p = V["password"]
pw = unicodedata.normalize("NFC", p["password"]).encode()
check("password nfc", pw.hex() == p["passwordNfcUtf8"])
master = hashlib.pbkdf2_hmac("sha256", pw, H(p["salt"]), p["iterations"], 32)
check("password auth key", expand(master, b"medledger/v1/auth-key", 32).hex() == p["authenticationKey"])
check("password kek", expand(master, b"medledger/v1/key-encryption-key", 32).hex() == p["keyEncryptionKey"])
r = p["recovery"]
ent = int.from_bytes(H(r["entropy"]), "big"); vals = [(ent >> (115 - 5 * i)) & 31 for i in range(24)]
total, factor = 0, 2
for v in reversed(vals):
    a = factor * v; factor = 1 if factor == 2 else 2; total += a // 32 + a % 32
code = "-".join("".join(alphabet[v] for v in vals[i:i + 4]) for i in range(0, 24, 4)) + "-" + alphabet[(32 - total % 32) % 32]
check("recovery code", code == r["code"])
rk = expand(extract(b"", H(r["entropy"])), b"medledger/v1/recovery-key", 32)
check("recovery key", rk.hex() == r["key"])
w = p["privateKeyWrap"]
for purpose, key, nonce, ctname, aadname in (("password", H(p["keyEncryptionKey"]), w["passwordNonce"], "passwordCiphertext", "passwordAad"), ("recovery", rk, w["recoveryNonce"], "recoveryCiphertext", "recoveryAad")):
    aad = W("medledger/v1/private-key-wrap").str(w["userId"]).str(purpose).bytes(H(keys["authorEncryption"]["publicKey"])).bytes(H(keys["authorSigning"]["publicKey"])).b
    check("private key wrap " + purpose, aad.hex() == w[aadname] and AESGCM(key).encrypt(H(nonce), H(w["plaintext"]), aad).hex() == w[ctname])
check("private key plaintext", w["plaintext"] == keys["authorEncryption"]["privateKey"] + keys["authorSigning"]["privateKey"])

pr = V["protocol"]; t = pr["tags"]; m = pr["passwordMaterial"]
# v2: the server's single-use nonce follows the user id, so a captured signature cannot be replayed.
for name, tag in (("passwordChange", "medledger/v2/password-change"), ("recovery", "medledger/v2/recovery")):
    sb = W(tag).str(m["userId"]).str(m["nonce"]).bytes(H(m["newAuthKey"])).str(m["algorithm"]).i64(m["iterations"]).bytes(H(m["salt"])).bytes(H(m["newPasswordWrap"])).b
    check("password material " + name, t[name] == tag and sb.hex() == m[name + "SignedBytes"])
he = pr["hospitalEmergencyKey"]
check("hospital emergency key info", t["hospitalEmergencyKey"] == he["purpose"] == "medledger/v1/hospital-emergency-key"
      and W("medledger/v1/sealed-secret").str(he["purpose"]).str(he["context"]).b.hex() == he["info"])
for cs in pr["consentScope"]:
    items = sorted(cs["items"], key=lambda x: x.encode("utf-16-be"))  # ordinal = UTF-16 code unit order
    w = W("medledger/v1/consent-scope").str(cs["kind"]); w.b += struct.pack(">I", len(items))
    for i in items: w.str(i)
    check("consent scope " + cs["kind"], t["consentScope"] == "medledger/v1/consent-scope" and w.b.hex() == cs["canonical"] and hashlib.sha256(w.b).hexdigest() == cs["hash"])
for fc in pr["factCommitment"]:
    w = W("medledger/v1/fact-commitment").str(fc["kind"]).str(fc["value"]).bytes(H(fc["salt"]))
    check("fact commitment " + fc["kind"], t["factCommitment"] == "medledger/v1/fact-commitment" and len(H(fc["salt"])) == 32
          and w.b.hex() == fc["canonical"] and hashlib.sha256(w.b).hexdigest() == fc["commitment"])
check("record categories", pr["recordCategories"][-2:] == ["File", "EmergencySummary"] and len(set(pr["recordCategories"])) == len(pr["recordCategories"]))

print("FAILED: %d" % len(fails) if fails else "all checks passed")
sys.exit(1 if fails else 0)
