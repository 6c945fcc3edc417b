namespace MedLedger.Web.Tests;

/// <summary>
/// The browser side of <see cref="CryptoVectorBrowserTests"/>: one async function evaluated in
/// /crypto-check.html against <c>window.medledger</c>. It recomputes every value of one section of
/// testdata/crypto-vectors.json with the TypeScript port on Chromium's WebCrypto and returns
/// <c>{ checks, failures: [names of failed checks], notes }</c>, so a failure names the vector.
/// </summary>
internal static class CryptoVectorScript
{
    public const string CheckSection = """"
async ({ section, vectorsJson, extraJson }) => {
  const { crypto: c, ledger: l } = window.medledger;
  const V = JSON.parse(vectorsJson);
  const X = extraJson ? JSON.parse(extraJson) : null;
  const H = c.fromHex, hex = c.toHex, B64 = c.fromBase64;
  const out = { checks: 0, failures: [], notes: [] };
  const check = (name, ok) => { out.checks++; if (!ok) out.failures.push(name); };
  const eq = (name, actual, expected) => check(`${name}: got ${actual} want ${expected}`, actual === expected);
  const refuses = async (name, errorName, fn) => {
    try { await fn(); check(`${name}: accepted, want ${errorName}`, false); }
    catch (e) { check(`${name}: threw ${e && e.name}: ${e && e.message}, want ${errorName}`, e && e.name === errorName); }
  };
  const keys = V.keys;
  const pair = (name) => ({ privateKey: H(keys[name].privateKey), publicKey: H(keys[name].publicKey) });
  const flipLast = (b) => { const x = new Uint8Array(b); x[x.length - 1] ^= 1; return x; };

  if (section === 'canonical') {
    for (const v of V.canonical) {
      let w = null;
      for (const f of v.fields) {
        switch (f.type) {
          case 'tag': w = new c.CanonicalWriter(f.value); break;
          case 'string': w.string(f.value); break;
          case 'bytes': w.bytes(H(f.hex)); break;
          case 'int64': w.int64(BigInt(f.value)); break;
          case 'bool': w.bool(f.value); break;
          case 'optionalString': w.optionalString(f.value); break;
          case 'optionalBytes': w.optionalBytes(f.hex == null ? null : H(f.hex)); break;
          case 'stringList': w.stringList(f.value); break;
          default: check(`canonical '${v.description}': unknown field type ${f.type}`, false);
        }
      }
      eq(`canonical '${v.description}'`, hex(w.toBytes()), v.hex);
    }
    // Canonical base64 and hex helpers used by every JSON form.
    eq('base64 round trip', c.toBase64(H('00ff10')), 'AP8Q');
    await refuses('base64 with non-zero pad bits', 'CryptoFormatError', () => c.fromBase64('AP9='));
    await refuses('base64 without padding', 'CryptoFormatError', () => c.fromBase64('AP8'));
    await refuses('base64 url alphabet', 'CryptoFormatError', () => c.fromBase64('AP-_'));
    await refuses('base64 with whitespace', 'CryptoFormatError', () => c.fromBase64('AP8 '));
    await refuses('base64 pad bits in ==', 'CryptoFormatError', () => c.fromBase64('AB=='));
    eq('base64 one byte', hex(c.fromBase64('AA==')), '00');
  }

  if (section === 'keys') {
    for (const name of ['authorEncryption', 'authorSigning', 'patientEncryption', 'doctorEncryption']) {
      const k = keys[name];
      const derived = await c.hpkeDeriveKeyPair(H(k.ikm));
      eq(`${name} DeriveKeyPair private key`, hex(derived.privateKey), k.privateKey);
      eq(`${name} DeriveKeyPair public key`, hex(derived.publicKey), k.publicKey);
      eq(`${name} publicKeyFromPrivate`, hex(await c.publicKeyFromPrivate(H(k.privateKey))), k.publicKey);
      if (keys.encryptionKeyIds[name]) eq(`${name} encryption key id`, await c.encryptionKeyId(H(k.publicKey)), keys.encryptionKeyIds[name]);
    }
    const f = keys.authorFingerprint;
    eq('fingerprint canonical input', hex(new c.CanonicalWriter('medledger/v1/key-fingerprint').bytes(H(f.encryptionPublicKey)).bytes(H(f.signingPublicKey)).toBytes()), f.canonicalInput);
    const fp = await c.keyFingerprint(H(f.encryptionPublicKey), H(f.signingPublicKey));
    eq('fingerprint bytes', hex(fp.bytes), f.fingerprint);
    eq('fingerprint display', fp.display, f.display);
    // Received public keys: wrong length, wrong prefix, off-curve points are refused everywhere.
    const pub = H(keys.patientEncryption.publicKey);
    const offCurve = flipLast(pub);
    await refuses('off-curve point: checkPublicKey', 'CryptoFormatError', () => c.checkPublicKey(offCurve));
    await refuses('off-curve point: encryptionKeyId', 'CryptoFormatError', () => c.encryptionKeyId(offCurve));
    await refuses('off-curve point: HPKE seal', 'CryptoFormatError', () => c.hpkeSealBase(offCurve, new Uint8Array(0), new Uint8Array(0), new Uint8Array(1)));
    await refuses('compressed prefix', 'CryptoFormatError', () => c.checkPublicKey(Uint8Array.of(0x02, ...pub.subarray(1))));
    await refuses('64-byte key', 'CryptoFormatError', () => c.checkPublicKey(pub.subarray(1)));
    await refuses('private key 0', 'CryptoFormatError', () => c.publicKeyFromPrivate(new Uint8Array(32)));
    await refuses('private key n', 'CryptoFormatError', () => c.publicKeyFromPrivate(H('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')));
    check('isValidPublicKey(on curve)', c.isValidPublicKey(pub));
    check('isValidPublicKey(off curve) is false', !c.isValidPublicKey(offCurve));
    // Chromium's own import refuses the off-curve point too (defence in depth under our BigInt check).
    let browserRefused = false;
    try { await crypto.subtle.importKey('raw', offCurve, { name: 'ECDH', namedCurve: 'P-256' }, false, []); } catch { browserRefused = true; }
    check('Chromium importKey(raw) refuses an off-curve point', browserRefused);
    const fresh = await c.generateKeyPair();
    eq('generated key pair is consistent', hex(await c.publicKeyFromPrivate(fresh.privateKey)), hex(fresh.publicKey));
    eq('generated private key length', fresh.privateKey.length, 32);
  }

  if (section === 'hpke') {
    const aeadOf = (id) => (id === 1 ? 'aes-128-gcm' : 'aes-256-gcm');
    for (const v of V.hpke) {
      const name = `hpke aead ${v.aead_id}`;
      eq(`${name} ephemeral public key`, hex((await c.hpkeDeriveKeyPair(H(v.ikmE))).publicKey), v.pkEm);
      const sealed = await c.hpkeSealBase(H(v.pkRm), H(v.info), H(v.aad), H(v.pt), aeadOf(v.aead_id), H(v.ikmE));
      eq(`${name} enc`, hex(sealed.enc), v.enc);
      eq(`${name} ct`, hex(sealed.ciphertext), v.ct);
      eq(`${name} open`, hex(await c.hpkeOpenBase(H(v.skRm), H(v.enc), H(v.info), H(v.aad), H(v.ct), aeadOf(v.aead_id))), v.pt);
      await refuses(`${name} tampered ct`, 'CryptoIntegrityError', () => c.hpkeOpenBase(H(v.skRm), H(v.enc), H(v.info), H(v.aad), flipLast(H(v.ct)), aeadOf(v.aead_id)));
      await refuses(`${name} other info`, 'CryptoIntegrityError', () => c.hpkeOpenBase(H(v.skRm), H(v.enc), H(v.info + '00'), H(v.aad), H(v.ct), aeadOf(v.aead_id)));
      await refuses(`${name} off-curve enc`, 'CryptoFormatError', () => c.hpkeOpenBase(H(v.skRm), flipLast(H(v.enc)), H(v.info), H(v.aad), H(v.ct), aeadOf(v.aead_id)));
      const random = await c.hpkeSealBase(H(v.pkRm), H(v.info), H(v.aad), H(v.pt), aeadOf(v.aead_id));
      eq(`${name} random ephemeral round trip`, hex(await c.hpkeOpenBase(H(v.skRm), random.enc, H(v.info), H(v.aad), random.ciphertext, aeadOf(v.aead_id))), v.pt);
    }
    // RFC 9180 Appendix A.3 (DHKEM(P-256), HKDF-SHA256, AES-128-GCM).
    for (const v of X.deriveKeyPair) {
      const kp = await c.hpkeDeriveKeyPair(H(v.ikm));
      eq(`RFC 9180 ${v.section} DeriveKeyPair sk`, hex(kp.privateKey), v.sk);
      eq(`RFC 9180 ${v.section} DeriveKeyPair pk`, hex(kp.publicKey), v.pk);
    }
    for (const b of X.base) {
      const e = b.encryptions.find((x) => x.seq === 0);
      const sealed = await c.hpkeSealBase(H(b.pkRm), H(b.info), H(e.aad), H(e.pt), aeadOf(b.aead_id), H(b.ikmE));
      eq(`RFC 9180 ${b.section} enc`, hex(sealed.enc), b.enc);
      eq(`RFC 9180 ${b.section} ct`, hex(sealed.ciphertext), e.ct);
      eq(`RFC 9180 ${b.section} open`, hex(await c.hpkeOpenBase(H(b.skRm), H(b.enc), H(b.info), H(e.aad), H(e.ct), aeadOf(b.aead_id))), e.pt);
    }
  }

  if (section === 'signature') {
    const s = V.signature;
    check('vector signature verifies', await c.verify(H(s.publicKey), H(s.message), H(s.signature)));
    check('tampered signature does not verify', !(await c.verify(H(s.publicKey), H(s.message), H(s.tamperedSignature))));
    check('other message does not verify', !(await c.verify(H(s.publicKey), H(s.message + '00'), H(s.signature))));
    check('63-byte signature is false, not an error', !(await c.verify(H(s.publicKey), H(s.message), H(s.signature).subarray(1))));
    check('off-curve key is false, not an error', !(await c.verify(flipLast(H(s.publicKey)), H(s.message), H(s.signature))));
    const own = await c.sign(H(keys.authorSigning.privateKey), H(s.message));
    eq('browser signature length', own.length, 64);
    check('browser signature verifies with the vector key', await c.verify(H(s.publicKey), H(s.message), own));
  }

  if (section === 'envelope' || section === 'envelopeV2') {
    // 'envelope' is a legacy v1 header (still opened), 'envelopeV2' the header that binds the category (what clients write).
    const e = V[section];
    const fmt = section === 'envelopeV2' ? 'medledger/v2/record' : 'medledger/v1/record';
    const otherFmt = section === 'envelopeV2' ? 'medledger/v1/record' : 'medledger/v2/record';
    const header = { ...e.header };
    const hc = c.recordHeaderBytes(header);
    eq('header canonical bytes', hex(hc), e.headerCanonical);
    const ct = await c.aesGcmSeal(H(e.dataKey), H(e.nonce), hc, H(e.plaintext));
    eq('ciphertext', hex(ct), e.ciphertext);
    eq('ciphertext sha256', hex(await c.sha256(ct)), e.ciphertextSha256);
    eq('key commitment', hex(await c.keyCommitment(H(e.dataKey))), e.keyCommitment);
    const signed = c.recordSignedBytes(header, H(e.nonce), H(e.keyCommitment), H(e.ciphertextSha256));
    eq('signed bytes', hex(signed), e.signedBytes);
    check('author signature verifies over the signed bytes', await c.verify(H(e.authorSigningPublicKey), signed, H(e.signature)));
    eq('record key info', hex(c.recordKeyInfo(header)), e.recordKeyInfo);
    const readers = e.wraps.map((w) => ({ publicKey: H(keys[w.reader].publicKey), ephemeralIkm: H(w.ephemeralIkm) }));
    const sealed = await c.sealRecordWith(header, H(e.plaintext), H(keys.authorSigning.privateKey), readers, H(e.dataKey), H(e.nonce));
    eq('sealed ciphertext', hex(sealed.ciphertext), e.ciphertext);
    eq('sealed commitment', hex(sealed.keyCommitment), e.keyCommitment);
    check('sealed signature verifies', await c.verifyRecordSignature(sealed, H(e.authorSigningPublicKey)));
    e.wraps.forEach((w, i) => {
      eq(`wrap for ${w.reader}: readerKeyId`, sealed.wraps[i].readerKeyId, w.readerKeyId);
      eq(`wrap for ${w.reader}: enc`, hex(sealed.wraps[i].enc), w.enc);
      eq(`wrap for ${w.reader}: wrappedKey`, hex(sealed.wraps[i].wrappedKey), w.wrappedKey);
    });
    // The vector envelope (with its randomized signature) written by the browser is the exact C# JSON.
    const vectorEnvelope = { ...sealed, signature: H(e.signature) };
    eq('envelope JSON written', c.envelopeToJson(vectorEnvelope), e.envelopeJson);
    const parsed = c.envelopeFromJson(e.envelopeJson);
    eq('envelope JSON round trip', c.envelopeToJson(parsed), e.envelopeJson);
    eq('envelope JSON from UTF-8 bytes', c.envelopeToJson(c.envelopeFromJson(c.utf8(e.envelopeJson))), e.envelopeJson);
    const patient = pair('patientEncryption'), doctor = pair('doctorEncryption');
    const opened = await c.openRecord(parsed, H(e.authorSigningPublicKey), patient);
    eq('patient opens the plaintext', hex(opened.plaintext), e.plaintext);
    eq('patient unwraps the data key', hex(await c.unwrapDataKey(parsed, H(e.authorSigningPublicKey), patient)), e.dataKey);
    await refuses('doctor has no wrap yet', 'CryptoIntegrityError', () => c.openRecord(parsed, H(e.authorSigningPublicKey), doctor));
    await refuses('wrong author key', 'CryptoIntegrityError', () => c.openRecord(parsed, H(keys.authorEncryption.publicKey), patient));
    const added = await c.addReader(parsed, opened.dataKey, doctor.publicKey, H(e.addedReaderWrap.ephemeralIkm));
    eq('added reader: readerKeyId', added.readerKeyId, e.addedReaderWrap.readerKeyId);
    eq('added reader: enc', hex(added.enc), e.addedReaderWrap.enc);
    eq('added reader: wrappedKey', hex(added.wrappedKey), e.addedReaderWrap.wrappedKey);
    eq('doctor opens after the wrap is added', hex((await c.openRecord(c.withWrap(parsed, added), H(e.authorSigningPublicKey), doctor)).plaintext), e.plaintext);
    await refuses('addReader with a key that is not the record key', 'CryptoIntegrityError', () => c.addReader(parsed, new Uint8Array(32), doctor.publicKey));
    eq('single key wrap JSON round trip', c.keyWrapToJson(c.keyWrapFromJson(c.keyWrapToJson(added))), c.keyWrapToJson(added));
    const tampered = c.envelopeFromJson(e.tamperedEnvelopeJson);
    await refuses('tampered envelope JSON refused on open', 'CryptoIntegrityError', () => c.openRecord(tampered, H(e.authorSigningPublicKey), patient));
    check('tampered envelope signature check is false', !(await c.verifyRecordSignature(tampered, H(e.authorSigningPublicKey))));
    // A tampered wrap of one reader does not affect another.
    const badPatientWrap = { ...parsed.wraps[0], wrappedKey: flipLast(parsed.wraps[0].wrappedKey) };
    const withBadWrap = c.withWrap(c.withWrap(parsed, added), badPatientWrap);
    await refuses('tampered wrap refused for its reader', 'CryptoIntegrityError', () => c.openRecord(withBadWrap, H(e.authorSigningPublicKey), patient));
    eq('other reader unaffected by a tampered wrap', hex((await c.openRecord(withBadWrap, H(e.authorSigningPublicKey), doctor)).plaintext), e.plaintext);
    // Strict JSON (section 6.4): every refusal is a CryptoFormatError.
    const j = e.envelopeJson;
    const sig64 = c.toBase64(H(e.signature));
    const b64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    // The second symbol of the final '==' quantum carries 2 data bits and 4 pad bits: +1 sets a pad bit.
    const badPad = sig64.slice(0, 85) + b64Alphabet[b64Alphabet.indexOf(sig64[85]) + 1] + '==';
    const firstWrap = j.slice(j.indexOf('[') + 1, j.indexOf('}', j.indexOf('[')) + 1);
    const mutations = {
      'unknown member': j.replace('{"format"', '{"extra":1,"format"'),
      'unknown header member': j.replace('"recordId"', '"x":"y","recordId"'),
      'unknown wrap member': j.replace('{"readerKeyId"', '{"x":1,"readerKeyId"'),
      'duplicate member': j.replace(`{"format":"${fmt}"`, `{"format":"${fmt}","format":"${fmt}"`),
      'missing member': j.replace(/"signature":"[^"]*",/, ''),
      'non-canonical base64 (pad bits)': j.replace(sig64, badPad),
      'base64 with a line break': j.replace(sig64, sig64.slice(0, 40) + '\\n' + sig64.slice(40)),
      'duplicate wrap': j.replace(firstWrap, firstWrap + ',' + firstWrap),
      'upper-case readerKeyId': j.replace(e.wraps[0].readerKeyId, e.wraps[0].readerKeyId.toUpperCase()),
      'version with fraction': j.replace('"version":3', '"version":3.0'),
      'version with exponent': j.replace('"version":3', '"version":3e0'),
      'version with leading zero': j.replace('"version":3', '"version":03'),
      'version as string': j.replace('"version":3', '"version":"3"'),
      'negative version': j.replace('"version":3', '"version":-3'),
      'wrong format': j.replace(`${fmt}"`, `${otherFmt}"`),
      'short nonce': j.replace(c.toBase64(H(e.nonce)), c.toBase64(H(e.nonce).subarray(1))),
      'trailing comma': j.slice(0, -1) + ',}',
      'trailing garbage': j + 'x',
      'empty recordId': j.replace('"recordId":"rec-0001"', '"recordId":""'),
    };
    for (const [name, text] of Object.entries(mutations)) {
      check(`mutation '${name}' changed the JSON`, text !== j);
      await refuses(`envelope JSON: ${name}`, 'CryptoFormatError', () => c.envelopeFromJson(text));
    }
    const invalidUtf8 = c.concatBytes(c.utf8(j.slice(0, 30)), Uint8Array.of(0xc3, 0x28), c.utf8(j.slice(30)));
    await refuses('envelope JSON: invalid UTF-8', 'CryptoFormatError', () => c.envelopeFromJson(invalidUtf8));
    eq('format names the header layout', j.startsWith(`{"format":"${fmt}"`), true);
    eq('header category', parsed.header.category, e.header.category);
    if (section === 'envelopeV2') {
      const category = `"category":${JSON.stringify(e.header.category)},`;
      await refuses('envelope JSON: v2 without its category', 'CryptoFormatError', () => c.envelopeFromJson(j.replace(category, '')));
      await refuses('envelope JSON: empty category', 'CryptoFormatError', () => c.envelopeFromJson(j.replace(category, '"category":"",')));
      // Relabelled (well-formed, so only the signature refuses it) and downgraded to v1 (the signed bytes change).
      const relabelled = c.envelopeFromJson(e.relabelledEnvelopeJson);
      eq('relabelled envelope carries another category', relabelled.header.category !== e.header.category, true);
      check('relabelled envelope signature check is false', !(await c.verifyRecordSignature(relabelled, H(e.authorSigningPublicKey))));
      await refuses('relabelled envelope refused on open', 'CryptoIntegrityError', () => c.openRecord(relabelled, H(e.authorSigningPublicKey), patient));
      const downgraded = c.envelopeFromJson(j.replace(category, '').replace(`"format":"${fmt}"`, `"format":"${otherFmt}"`));
      await refuses('v2 envelope downgraded to v1 refused on open', 'CryptoIntegrityError', () => c.openRecord(downgraded, H(e.authorSigningPublicKey), patient));
    }
  }

  if (section === 'sealedSecret') {
    const s = V.sealedSecret;
    eq('sealed secret info', hex(c.sealedSecretInfo(s.purpose, s.context)), s.info);
    const sealed = await c.sealSecret(H(keys[s.recipient].publicKey), s.purpose, s.context, H(s.secret), H(s.ephemeralIkm));
    eq('recipientKeyId', sealed.recipientKeyId, s.recipientKeyId);
    eq('enc', hex(sealed.enc), s.enc);
    eq('ciphertext', hex(sealed.ciphertext), s.ciphertext);
    const vectorSealed = { recipientKeyId: s.recipientKeyId, enc: H(s.enc), ciphertext: H(s.ciphertext) };
    eq('open', hex(await c.openSecret(pair(s.recipient), s.purpose, s.context, vectorSealed)), s.secret);
    const rt = c.sealedSecretFromJson(c.sealedSecretToJson(vectorSealed));
    eq('JSON round trip', hex(await c.openSecret(pair(s.recipient), s.purpose, s.context, rt)), s.secret);
    await refuses('other purpose', 'CryptoIntegrityError', () => c.openSecret(pair(s.recipient), 'organization-key', s.context, vectorSealed));
    await refuses('other context', 'CryptoIntegrityError', () => c.openSecret(pair(s.recipient), s.purpose, 'hospital-0002', vectorSealed));
    await refuses('other recipient', 'CryptoIntegrityError', () => c.openSecret(pair('patientEncryption'), s.purpose, s.context, vectorSealed));
    await refuses('JSON unknown member', 'CryptoFormatError', () => c.sealedSecretFromJson(c.sealedSecretToJson(vectorSealed).replace('{', '{"x":1,')));
  }

  if (section === 'password') {
    const p = V.password;
    eq('NFC UTF-8 bytes', hex(c.passwordBytes(p.password)), p.passwordNfcUtf8);
    const params = { algorithm: p.algorithm, iterations: p.iterations, salt: H(p.salt) };
    const t0 = performance.now();
    const derived = await c.derivePasswordKeys(p.password, params);
    out.notes.push(`PBKDF2-HMAC-SHA256 ${p.iterations} iterations + 2 HKDF-Expand: ${(performance.now() - t0).toFixed(0)} ms`);
    eq('auth key', hex(derived.authKey), p.authenticationKey);
    eq('key encryption key', hex(derived.kek), p.keyEncryptionKey);
    eq('NFD and NFC spellings give the same keys', hex((await c.derivePasswordKeys(p.password.normalize('NFC'), params)).kek), p.keyEncryptionKey);
    await refuses('iterations below 600,000', 'CryptoFormatError', () => c.derivePasswordKeys(p.password, { ...params, iterations: 599999 }));
    await refuses('salt below 16 bytes', 'CryptoFormatError', () => c.derivePasswordKeys(p.password, { ...params, salt: H(p.salt).subarray(1) }));
    const r = p.recovery;
    eq('recovery code from entropy', c.recoveryCodeFromEntropy(H(r.entropy)), r.code);
    eq('recovery code parse', hex(c.parseRecoveryCode(r.code)), r.entropy);
    eq('recovery code parse: lower case, spaces', hex(c.parseRecoveryCode(r.code.toLowerCase().replace(/-/g, ' '))), r.entropy);
    const aliased = r.code.replace(/0/g, 'O').replace(/1/g, 'l');
    eq('recovery code parse: O and l aliases', hex(c.parseRecoveryCode(aliased)), r.entropy);
    eq('recovery key', hex(await c.recoveryKeyFromEntropy(H(r.entropy))), r.key);
    eq('recovery key from code', hex(await c.deriveRecoveryKey(r.code)), r.key);
    await refuses('recovery code with U', 'CryptoFormatError', () => c.parseRecoveryCode(r.code.slice(0, -1) + 'U'));
    await refuses('recovery code too short', 'CryptoFormatError', () => c.parseRecoveryCode(r.code.slice(0, -2)));
    const alphabet = c.CROCKFORD_ALPHABET;
    const symbols = r.code.replace(/-/g, '');
    let substitutions = 0, caught = 0;
    for (let i = 0; i < symbols.length; i++) {
      for (const s of alphabet) {
        if (s === symbols[i]) continue;
        substitutions++;
        try { c.parseRecoveryCode(symbols.slice(0, i) + s + symbols.slice(i + 1)); } catch (e) { if (e.name === 'CryptoFormatError') caught++; }
      }
    }
    eq(`every single substitution of the recovery code is refused (${substitutions})`, caught, substitutions);
    const fresh = c.newRecoveryCode();
    eq('new recovery code parses back', hex(c.parseRecoveryCode(fresh.code)), hex(fresh.secret));
    const w = p.privateKeyWrap;
    const bundle = { encryption: pair('authorEncryption'), signing: pair('authorSigning') };
    eq('wrap plaintext', hex(c.concatBytes(bundle.encryption.privateKey, bundle.signing.privateKey)), w.plaintext);
    eq('password wrap aad', hex(c.wrapAad(w.userId, 'password', bundle.encryption.publicKey, bundle.signing.publicKey)), w.passwordAad);
    eq('recovery wrap aad', hex(c.wrapAad(w.userId, 'recovery', bundle.encryption.publicKey, bundle.signing.publicKey)), w.recoveryAad);
    eq('password wrap', hex((await c.wrapPrivateKeys(bundle, w.userId, 'password', H(p.keyEncryptionKey), H(w.passwordNonce))).ciphertext), w.passwordCiphertext);
    eq('recovery wrap', hex((await c.wrapPrivateKeys(bundle, w.userId, 'recovery', H(r.key), H(w.recoveryNonce))).ciphertext), w.recoveryCiphertext);
    const protectedKeys = await c.protectKeys(bundle, w.userId, p.password, params, r.code, H(w.passwordNonce), H(w.recoveryNonce));
    eq('stored bundle JSON', c.storedBundleToJson(protectedKeys.stored), w.storedBundleJson);
    eq('protect: auth key', hex(protectedKeys.authKey), p.authenticationKey);
    const stored = c.storedBundleFromJson(w.storedBundleJson);
    eq('stored bundle JSON round trip', c.storedBundleToJson(stored), w.storedBundleJson);
    const byKek = await c.unlockWithKek(stored, H(p.keyEncryptionKey));
    eq('unlock with KEK: encryption key', hex(byKek.encryption.privateKey), keys.authorEncryption.privateKey);
    eq('unlock with KEK: signing key', hex(byKek.signing.privateKey), keys.authorSigning.privateKey);
    eq('unlock with password', hex((await c.unlockWithPassword(stored, p.password)).signing.privateKey), keys.authorSigning.privateKey);
    eq('unlock with recovery code', hex((await c.unlockWithRecoveryCode(stored, r.code.toLowerCase())).encryption.privateKey), keys.authorEncryption.privateKey);
    await refuses('unlock with a wrong KEK', 'CryptoIntegrityError', () => c.unlockWithKek(stored, H(r.key)));
    await refuses('unlock with a wrong password', 'CryptoIntegrityError', () => c.unlockWithPassword(stored, p.password + '!'));
    await refuses('unlock with a mistyped recovery code', 'CryptoFormatError', () => c.unlockWithRecoveryCode(stored, symbols.slice(0, 24) + alphabet[(alphabet.indexOf(symbols[24]) + 1) % 32]));
    const compact = c.wrapToBytes(stored.passwordWrap);
    eq('compact wrap length', compact.length, 92);
    eq('compact wrap round trip', hex(c.wrapFromBytes(compact).ciphertext), w.passwordCiphertext);
    await refuses('compact wrap of 91 bytes', 'CryptoFormatError', () => c.wrapFromBytes(compact.subarray(1)));
    await refuses('bundle JSON with 1000 iterations', 'CryptoFormatError', () => c.storedBundleFromJson(w.storedBundleJson.replace('"iterations":600000', '"iterations":1000')));
    await refuses('bundle JSON with an unknown member', 'CryptoFormatError', () => c.storedBundleFromJson(w.storedBundleJson.replace('"userId"', '"x":null,"userId"')));
    const otherSigning = c.toBase64(H(keys.doctorEncryption.publicKey));
    const swapped = c.storedBundleFromJson(w.storedBundleJson.replace(c.toBase64(H(keys.authorSigning.publicKey)), otherSigning));
    await refuses('bundle with a substituted public key', 'CryptoIntegrityError', () => c.unlockWithKek(swapped, H(p.keyEncryptionKey)));
  }

  if (section === 'protocol') {
    const p = V.protocol, t = p.tags;
    eq('password change tag', c.PASSWORD_CHANGE_TAG, t.passwordChange);
    eq('recovery tag', c.RECOVERY_TAG, t.recovery);
    eq('hospital emergency key purpose', c.HOSPITAL_EMERGENCY_KEY_PURPOSE, t.hospitalEmergencyKey);
    eq('consent scope tag', c.CONSENT_SCOPE_TAG, t.consentScope);
    eq('break-glass reason tag', c.BREAK_GLASS_REASON_TAG, t.breakGlassReason);
    const m = p.passwordMaterial;
    const kdf = { algorithm: m.algorithm, iterations: m.iterations, salt: H(m.salt) };
    eq('password change signed bytes', hex(c.passwordMaterialBytes(c.PASSWORD_CHANGE_TAG, m.userId, m.nonce, H(m.newAuthKey), kdf, H(m.newPasswordWrap))), m.passwordChangeSignedBytes);
    eq('recovery signed bytes', hex(c.passwordMaterialBytes(c.RECOVERY_TAG, m.userId, m.nonce, H(m.newAuthKey), kdf, H(m.newPasswordWrap))), m.recoverySignedBytes);
    const he = p.hospitalEmergencyKey;
    eq('hospital emergency key sealed-secret info', hex(c.sealedSecretInfo(c.HOSPITAL_EMERGENCY_KEY_PURPOSE, he.context)), he.info);
    for (const s of p.consentScope) {
      eq(`consent scope '${s.kind}' canonical bytes`, hex(c.consentScopeBytes(s.kind, s.items)), s.canonical);
      eq(`consent scope '${s.kind}' hash`, await c.consentScopeHash(s.kind, s.items), s.hash);
    }
    for (const b of p.breakGlassReason) {
      eq(`break-glass reason '${b.reason}' canonical bytes`, hex(c.breakGlassReasonBytes(b.reason, H(b.salt))), b.canonical);
      eq(`break-glass reason '${b.reason}' commitment`, await c.breakGlassReasonCommitment(b.reason, H(b.salt)), b.commitment);
    }
    eq('fact commitment tag', c.FACT_COMMITMENT_TAG, t.factCommitment);
    check('fact commitment vectors present', p.factCommitment.length > 0);
    for (const f of p.factCommitment) {
      eq(`fact commitment '${f.kind}' canonical bytes`, hex(c.factCommitmentBytes(f.kind, f.value, H(f.salt))), f.canonical);
      eq(`fact commitment '${f.kind}' hash`, await c.factCommitment(f.kind, f.value, H(f.salt)), f.commitment);
    }
    eq('fact kinds', [c.FACT_KIND_BED_TYPE, c.FACT_KIND_CONSENT_PURPOSE].join(), p.factCommitment.map((f) => f.kind).join());
    eq('identity card tag', c.IDENTITY_CARD_TAG, t.identityCard);
    for (const ic of p.identityCards) {
      eq(`identity card '${ic.card.displayName ?? ''}' canonical bytes`, hex(c.identityCardBytes(ic.card)), ic.canonical);
      eq(`identity card '${ic.card.displayName ?? ''}' hash`, await c.identityCardHash(ic.card), ic.hash);
    }
    eq('organization card tag', c.ORGANIZATION_CARD_TAG, t.organizationCard);
    check('organization card vectors present', p.organizationCards.length > 0);
    for (const oc of p.organizationCards) {
      eq(`organization card '${oc.card.name}' latitude`, c.organizationCoordinate(oc.card.latitude), oc.latitudeText);
      eq(`organization card '${oc.card.name}' longitude`, c.organizationCoordinate(oc.card.longitude), oc.longitudeText);
      eq(`organization card '${oc.card.name}' canonical bytes`, hex(c.organizationCardBytes(oc.card)), oc.canonical);
      eq(`organization card '${oc.card.name}' hash`, await c.organizationCardHash(oc.card), oc.hash);
    }
    eq('record categories', JSON.stringify(c.RECORD_CATEGORIES), JSON.stringify(p.recordCategories));
    check('every record category is known', p.recordCategories.every((x) => c.isKnownRecordCategory(x)));
    check('category names are case-sensitive', !c.isKnownRecordCategory('file'));
    eq('FHIR record categories', JSON.stringify(c.FHIR_RECORD_CATEGORIES), JSON.stringify(p.recordCategories.filter((x) => x !== 'File' && x !== 'EmergencySummary')));
    // Sealed patient profile (docs/crypto-format.md section 14): layouts, the patient's signature, the doctor's wrap, the content.
    const pp = p.patientProfile;
    eq('patient profile tag', c.PATIENT_PROFILE_TAG, pp.tag);
    eq('patient profile key purpose', c.PATIENT_PROFILE_KEY_PURPOSE, pp.wrapPurpose);
    eq('patient profile aad', hex(c.patientProfileAad(pp.patientId, pp.version)), pp.associatedData);
    eq('patient profile signed bytes', hex(c.patientProfileSignedBytes(pp.patientId, pp.version, H(pp.nonce), H(pp.ciphertext))), pp.signedBytes);
    check('patient profile signature verifies', await c.verify(H(keys[pp.signer].publicKey), H(pp.signedBytes), H(pp.signature)));
    check('patient profile signature refuses another patient id', !(await c.verify(H(keys[pp.signer].publicKey), c.patientProfileSignedBytes('00000000-0000-4000-8000-000000000000', pp.version, H(pp.nonce), H(pp.ciphertext)), H(pp.signature))));
    eq('patient profile wrap context', c.patientProfileWrapContext(pp.patientId, pp.version), pp.wrap.context);
    eq('patient profile wrap info', hex(c.sealedSecretInfo(c.PATIENT_PROFILE_KEY_PURPOSE, pp.wrap.context)), pp.wrap.info);
    const profileKey = await c.openSecret(pair(pp.wrap.recipient), c.PATIENT_PROFILE_KEY_PURPOSE, pp.wrap.context,
      { recipientKeyId: pp.wrap.recipientKeyId, enc: H(pp.wrap.enc), ciphertext: H(pp.wrap.ciphertext) });
    eq('patient profile key unwrapped', hex(profileKey), pp.key);
    const plain = await c.aesGcmOpen(profileKey, H(pp.nonce), c.patientProfileAad(pp.patientId, pp.version), H(pp.ciphertext));
    eq('patient profile plaintext', hex(plain), pp.plaintext);
    const content = JSON.parse(c.fromUtf8(plain));
    eq('patient profile content', [content.patientId, content.name, content.birthDate, content.sex, content.phone].join('|'), [pp.patientId, pp.name, pp.birthDate, pp.sex, pp.phone].join('|'));
    await refuses('patient profile wrap for another version', 'CryptoIntegrityError', () => c.openSecret(pair(pp.wrap.recipient), c.PATIENT_PROFILE_KEY_PURPOSE, c.patientProfileWrapContext(pp.patientId, pp.version + 1),
      { recipientKeyId: pp.wrap.recipientKeyId, enc: H(pp.wrap.enc), ciphertext: H(pp.wrap.ciphertext) }));
    // The browser as writer: the same key and nonce seal to the same bytes, its signature verifies, the same ephemeral ikm wraps to the same bytes.
    const ppFields = { name: pp.name, birthDate: pp.birthDate, sex: pp.sex, phone: pp.phone };
    eq('patient profile plaintext written', hex(c.patientProfilePlaintext(pp.patientId, ppFields)), pp.plaintext);
    const written = await c.sealPatientProfile(pp.patientId, pp.version, ppFields, H(keys[pp.signer].privateKey), H(pp.key), H(pp.nonce));
    eq('patient profile ciphertext written', hex(written.sealed.ciphertext), pp.ciphertext);
    check('patient profile signature written verifies', await c.verify(H(keys[pp.signer].publicKey), H(pp.signedBytes), written.sealed.signature));
    const ppWrap = await c.wrapPatientProfileKey(H(keys[pp.wrap.recipient].publicKey), pp.patientId, pp.version, H(pp.key), H(pp.wrap.ephemeralIkm));
    eq('patient profile wrap written', [ppWrap.recipientKeyId, hex(ppWrap.enc), hex(ppWrap.ciphertext)].join('|'), [pp.wrap.recipientKeyId, pp.wrap.enc, pp.wrap.ciphertext].join('|'));
    // Amendment notes (docs/crypto-format.md "Amendment notes"): both copies sealed here byte for byte, the anchored hash, each party opens its copy.
    for (const an of p.amendmentNotes) {
      const note = await c.sealAmendmentNote(an.purpose, an.requestId, an.text, H(keys[an.patient].publicKey), H(keys[an.author].publicKey),
        H(an.patientEphemeralIkm), H(an.authorEphemeralIkm));
      const copy = (s) => [s.recipientKeyId, hex(s.enc), hex(s.ciphertext)].join('|');
      eq(`amendment note ${an.purpose} for patient`, copy(note.forPatient), [an.forPatient.recipientKeyId, an.forPatient.enc, an.forPatient.ciphertext].join('|'));
      eq(`amendment note ${an.purpose} for author`, copy(note.forAuthor), [an.forAuthor.recipientKeyId, an.forAuthor.enc, an.forAuthor.ciphertext].join('|'));
      eq(`amendment note ${an.purpose} bytes`, hex(c.amendmentNoteBytes(an.purpose, an.requestId, note)), an.noteBytes);
      eq(`amendment note ${an.purpose} hash`, await c.amendmentNoteHash(an.purpose, an.requestId, note), an.hash);
      eq(`amendment note ${an.purpose} opened by patient`, await c.openAmendmentNote(pair(an.patient), an.purpose, an.requestId, note), an.text.normalize('NFC'));
      eq(`amendment note ${an.purpose} opened by author`, await c.openAmendmentNote(pair(an.author), an.purpose, an.requestId, note), an.text.normalize('NFC'));
      await refuses(`amendment note ${an.purpose} under another request id`, 'CryptoIntegrityError', () => c.openAmendmentNote(pair(an.patient), an.purpose, 'another-request', note));
      await refuses(`amendment note ${an.purpose} for a third key`, 'CryptoIntegrityError', () => c.openAmendmentNote(pair('doctorEncryption'), an.purpose, an.requestId, note));
    }
    // Conversation messages (docs/crypto-format.md section 15): tags, associated data, signed bytes, the C#-sealed message and
    // attachment opened here, the browser's own sealing byte for byte, and the refusals ConversationMessages.Open makes.
    {
    const m = p.message;
    eq('message tags', [c.MESSAGE_TAG, c.MESSAGE_KEY_PURPOSE, c.MESSAGE_ATTACHMENT_TAG, c.CONVERSATION_SUBJECT_TAG, c.CONVERSATION_SUBJECT_KEY_PURPOSE].join('|'),
      [m.tag, m.wrapPurpose, m.attachmentTag, m.subjectTag, m.subjectWrapPurpose].join('|'));
    eq('message associated data', hex(c.messageAad(m.conversationId, m.clientMessageId, m.senderId)), m.associatedData);
    eq('message signed bytes', hex(c.messageSignedBytes(m.conversationId, m.clientMessageId, m.senderId, H(m.nonce), H(m.ciphertext), m.attachmentHashes)), m.signedBytes);
    eq('message wrap info', hex(c.sealedSecretInfo(c.MESSAGE_KEY_PURPOSE, m.wrap.context)), m.wrap.info);
    const mWrap = { recipientKeyId: m.wrap.recipientKeyId, enc: H(m.wrap.enc), ciphertext: H(m.wrap.ciphertext) };
    const mKey = await c.unwrapMessageKey(mWrap, pair(m.wrap.recipient), m.conversationId, m.clientMessageId);
    eq('message key unwrapped', hex(mKey), m.key);
    await refuses('message wrap for another message id', 'CryptoIntegrityError', () => c.unwrapMessageKey(mWrap, pair(m.wrap.recipient), m.conversationId, 'another'));
    const sealedM = { conversationId: m.conversationId, clientMessageId: m.clientMessageId, senderId: m.senderId, nonce: H(m.nonce), ciphertext: H(m.ciphertext), attachmentHashes: m.attachmentHashes, signature: H(m.signature) };
    const signerKey = H(keys[m.signer].publicKey);
    const mContent = await c.openMessage(sealedM, mKey, m.conversationId, m.clientMessageId, signerKey);
    eq('message text opened', mContent.text, m.text);
    eq('message plaintext rewritten', hex(c.messagePlaintext(mContent)), m.plaintext);
    eq('message attachment metadata', [mContent.attachments[0].contentType, mContent.attachments[0].fileName].join('|'), [m.attachment.contentType, m.attachment.fileName].join('|'));
    const mWritten = await c.sealMessage(m.conversationId, m.clientMessageId, m.senderId, mContent, mKey, H(keys[m.signer].privateKey), H(m.nonce));
    eq('message ciphertext written', hex(mWritten.ciphertext), m.ciphertext);
    check('message signature written verifies', await c.verify(signerKey, H(m.signedBytes), mWritten.signature));
    const mWrapWritten = await c.wrapMessageKey(H(keys[m.wrap.recipient].publicKey), m.conversationId, m.clientMessageId, mKey, H(m.wrap.ephemeralIkm));
    eq('message wrap written', [mWrapWritten.recipientKeyId, hex(mWrapWritten.enc), hex(mWrapWritten.ciphertext)].join('|'), [m.wrap.recipientKeyId, m.wrap.enc, m.wrap.ciphertext].join('|'));
    const other = '00000000-0000-4000-8000-000000000000';
    await refuses('message moved to another conversation', 'CryptoIntegrityError', () => c.openMessage({ ...sealedM, conversationId: other }, mKey, other, m.clientMessageId, signerKey));
    await refuses('message relabelled with another id', 'CryptoIntegrityError', () => c.openMessage({ ...sealedM, clientMessageId: other }, mKey, m.conversationId, other, signerKey));
    await refuses('message asked for under another conversation', 'CryptoIntegrityError', () => c.openMessage(sealedM, mKey, other, m.clientMessageId, signerKey));
    await refuses('message signed by someone else', 'CryptoIntegrityError', () => c.openMessage(sealedM, mKey, m.conversationId, m.clientMessageId, H(keys.patientEncryption.publicKey)));
    await refuses('message with its attachment list stripped', 'CryptoIntegrityError', () => c.openMessage({ ...sealedM, attachmentHashes: [] }, mKey, m.conversationId, m.clientMessageId, signerKey));
    const ma = m.attachment;
    eq('attachment associated data', hex(c.attachmentAad(m.conversationId, m.clientMessageId, ma.index)), ma.associatedData);
    eq('attachment sealed', hex(await c.sealAttachment(mKey, m.conversationId, m.clientMessageId, ma.index, H(ma.content), H(ma.nonce))), ma.blob);
    eq('attachment opened', hex(await c.openAttachment(mKey, m.conversationId, m.clientMessageId, ma.index, H(ma.blob), ma.hash)), ma.content);
    await refuses('attachment with a byte appended', 'CryptoIntegrityError', () => c.openAttachment(mKey, m.conversationId, m.clientMessageId, ma.index, c.concatBytes(H(ma.blob), new Uint8Array([0])), ma.hash));
    await refuses('attachment under another index', 'CryptoIntegrityError', () => c.openAttachment(mKey, m.conversationId, m.clientMessageId, ma.index + 1, H(ma.blob), ma.hash));
    // A subject sealed and signed here opens here and is refused when the participant list changes (no C# bytes: its signature is randomized).
    const subjectParticipants = [m.senderId, m.conversationId];
    const subj = await c.sealSubject(m.conversationId, m.senderId, subjectParticipants, null, 'Hautausschlag', mKey, H(keys[m.signer].privateKey));
    eq('subject opened', await c.openSubject(subj, mKey, m.conversationId, signerKey), 'Hautausschlag');
    await refuses('subject with a participant added', 'CryptoIntegrityError', () => c.openSubject({ ...subj, participantIds: [...subj.participantIds, other] }, mKey, m.conversationId, signerKey));
    // Appointment reason (docs/consultations.md): both copies sealed here byte for byte, the reasonHash, each party opens its copy.
    const ar = p.appointmentReason;
    eq('appointment reason purpose', c.APPOINTMENT_REASON_PURPOSE, ar.purpose);
    eq('appointment reason info', hex(c.sealedSecretInfo(ar.purpose, ar.appointmentId)), ar.info);
    const arDoctor = await c.sealAppointmentReason(H(keys[ar.doctor].publicKey), ar.appointmentId, ar.reason, H(ar.doctorEphemeralIkm));
    eq('appointment reason for doctor written', hex(arDoctor), ar.forDoctor);
    eq('appointment reason for patient written', hex(await c.sealAppointmentReason(H(keys[ar.patient].publicKey), ar.appointmentId, ar.reason, H(ar.patientEphemeralIkm))), ar.forPatient);
    eq('appointment reason hash', await c.appointmentReasonHash(H(ar.forDoctor)), ar.reasonHash);
    eq('appointment reason opened by doctor', await c.openAppointmentReason(pair(ar.doctor), ar.appointmentId, H(ar.forDoctor)), ar.reason);
    eq('appointment reason opened by patient', await c.openAppointmentReason(pair(ar.patient), ar.appointmentId, H(ar.forPatient)), ar.reason);
    await refuses('appointment reason for the doctor opened by the patient', 'CryptoIntegrityError', () => c.openAppointmentReason(pair(ar.patient), ar.appointmentId, H(ar.forDoctor)));
    await refuses('appointment reason under another appointment id', 'CryptoIntegrityError', () => c.openAppointmentReason(pair(ar.doctor), other, H(ar.forDoctor)));
    // Orders (docs/pharmacy.md "Orders"): the content JSON and the pharmacy's sealed copy written here byte for byte, its contentHash,
    // the total, the pharmacy opens it, and the reservation note's commitment.
    const o = p.order;
    eq('order content purpose', c.ORDER_CONTENT_PURPOSE, o.purpose);
    eq('order content info', hex(c.sealedSecretInfo(o.purpose, o.orderId)), o.info);
    const oContent = c.orderContentFromJson(H(o.contentJson));
    eq('order content rewritten', hex(c.orderContentBytes(oContent)), o.contentJson);
    eq('order total', c.orderTotal(oContent), o.total);
    const oSealed = await c.sealOrderContent(H(keys[o.pharmacy].publicKey), oContent, H(o.pharmacyEphemeralIkm));
    eq('order sealed for the pharmacy written', hex(oSealed), o.sealedForPharmacy);
    eq('order content hash', await c.orderContentHash(H(o.sealedForPharmacy)), o.contentHash);
    eq('order opened by the pharmacy', hex(c.orderContentBytes(await c.openOrderContent(pair(o.pharmacy), o.orderId, H(o.sealedForPharmacy)))), o.contentJson);
    await refuses('order opened under another order id', 'CryptoIntegrityError', () => c.openOrderContent(pair(o.pharmacy), other, H(o.sealedForPharmacy)));
    await refuses('order opened by another key', 'CryptoIntegrityError', () => c.openOrderContent(pair('patientEncryption'), o.orderId, H(o.sealedForPharmacy)));
    await refuses('order content with an unknown member', 'CryptoFormatError', () => c.orderContentFromJson(c.utf8(c.fromUtf8(H(o.contentJson)).replace('{"orderId"', '{"note":"x","orderId"'))));
    const rn = o.reservationNote;
    eq('order reservation tags', [c.ORDER_RESERVATION_NOTE_PURPOSE, c.ORDER_RESERVATION_COMMITMENT_TAG].join('|'), [rn.purpose, rn.commitmentTag].join('|'));
    const note = { reservationId: rn.reservationId, salt: H(rn.salt) };
    eq('order reservation commitment', await c.orderReservationCommitment(note), rn.commitment);
    const noteOpened = await c.openOrderReservationNote(pair(o.pharmacy), o.orderId, await c.sealOrderReservationNote(H(keys[o.pharmacy].publicKey), o.orderId, note));
    eq('order reservation note round trip', [noteOpened.reservationId, hex(noteOpened.salt)].join('|'), [rn.reservationId, rn.salt].join('|'));
    // Insurance policies (docs/insurance.md "Terms hash", "Benefit tags"): the canonical plan terms rewritten byte for byte, their hash,
    // the category tags from the fixed salt, and a card sealed here opens here (and not under another policy id).
    const ip = p.insurancePolicy;
    eq('insurance tags', [c.INSURANCE_CATEGORY_TAG].join('|'), ip.tagDomain);
    const ipTerms = c.planTermsFromJson(H(ip.termsJson));
    eq('insurance plan terms rewritten', hex(c.planTermsBytes(ipTerms)), ip.termsJson);
    eq('insurance plan terms rewritten from shuffled benefits', hex(c.planTermsBytes({ ...ipTerms, benefits: [...ipTerms.benefits].reverse() })), ip.termsJson);
    eq('insurance terms hash', await c.planTermsHash(H(ip.termsJson)), ip.termsHash);
    for (const [category, tag] of Object.entries(ip.tags)) eq(`insurance category tag ${category}`, await c.categoryTag(ip.policyId, H(ip.categorySalt), category), tag);
    const ipCard = { policyId: ip.policyId, planId: ipTerms.planId, categorySalt: H(ip.categorySalt), tags: ip.tags };
    const ipOpened = await c.openPolicyCard(pair('patientEncryption'), ip.policyId, await c.sealPolicyCard(H(keys.patientEncryption.publicKey), ipCard));
    eq('insurance policy card round trip', hex(c.policyCardBytes(ipOpened)), hex(c.policyCardBytes(ipCard)));
    await refuses('insurance policy card under another policy id', 'CryptoIntegrityError', async () => c.openPolicyCard(pair('patientEncryption'), other,
      await c.sealPolicyCard(H(keys.patientEncryption.publicKey), ipCard)));
    await refuses('insurance policy card with a forged tag', 'CryptoIntegrityError', () => c.policyCardFromJson(c.policyCardBytes({ ...ipCard, tags: { ...ip.tags, Outpatient: ip.tags.Pharmacy } }), ip.policyId));
    await refuses('insurance plan terms with an unknown member', 'CryptoFormatError', () => c.planTermsFromJson(c.utf8(c.fromUtf8(H(ip.termsJson)).replace('{"planId"', '{"name":"x","planId"'))));
    // Insurance claims (docs/insurance.md "Token scheme"): a line's one-time token, canonical bytes and hash as the C# client computes them.
    const icl = p.insuranceClaimLine;
    eq('insurance claim line tag', c.INSURANCE_CLAIM_LINE_TAG, icl.domain);
    eq('insurance claim line canonical', hex(c.claimLineTokenBytes(icl.filerId, icl.referenceId, icl.line)), icl.canonical);
    eq('insurance claim line token', await c.claimLineToken(icl.filerId, icl.referenceId, icl.line), icl.token);
    check('insurance claim line token differs for another line', (await c.claimLineToken(icl.filerId, icl.referenceId, icl.line + 1)) !== icl.token);
    }
  }

  if (section === 'rfc6962') {
    const cctv = X;
    const leaves = [];
    for (const [i, t] of cctv.tree.entries()) {
      const lh = await l.leafHash(c.utf8(t.leaf_data));
      eq(`CCTV leaf ${i} hash`, c.toBase64(lh), t.leaf_hash);
      leaves.push(lh);
      eq(`CCTV root of size ${i + 1}`, c.toBase64(await l.rootHash(leaves)), t.root_hash);
    }
    const hs = (a) => a.map((x) => B64(x));
    for (const v of cctv.inclusionValid) {
      check(`inclusion valid ${v.leaf_index}/${v.tree_size}`, await l.verifyInclusion(B64(v.leaf_hash), v.leaf_index, v.tree_size, hs(v.inclusion_path), B64(v.root_hash)));
    }
    for (const v of cctv.inclusionInvalid) {
      check(`inclusion invalid ${v.leaf_index}/${v.tree_size} ${v.comment}`, !(await l.verifyInclusion(B64(v.leaf_hash), v.leaf_index, v.tree_size, hs(v.inclusion_path), B64(v.root_hash))));
    }
    for (const v of cctv.consistencyValid) {
      check(`consistency valid ${v.old_size}->${v.new_size}`, await l.verifyConsistency(v.old_size, v.new_size, B64(v.old_root), B64(v.new_root), hs(v.consistency_path)));
    }
    for (const v of cctv.consistencyInvalid) {
      check(`consistency invalid ${v.old_size}->${v.new_size} ${v.comment}`, !(await l.verifyConsistency(v.old_size, v.new_size, B64(v.old_root), B64(v.new_root), hs(v.consistency_path))));
    }
    // Malformed input is false, never an exception.
    const v = cctv.inclusionValid.find((x) => x.inclusion_path.length > 1);
    const bad = [
      ['null proof', () => l.verifyInclusion(B64(v.leaf_hash), v.leaf_index, v.tree_size, null, B64(v.root_hash))],
      ['short leaf hash', () => l.verifyInclusion(B64(v.leaf_hash).subarray(1), v.leaf_index, v.tree_size, hs(v.inclusion_path), B64(v.root_hash))],
      ['index = size', () => l.verifyInclusion(B64(v.leaf_hash), v.tree_size, v.tree_size, hs(v.inclusion_path), B64(v.root_hash))],
      ['negative index', () => l.verifyInclusion(B64(v.leaf_hash), -1, v.tree_size, hs(v.inclusion_path), B64(v.root_hash))],
      ['fractional index', () => l.verifyInclusion(B64(v.leaf_hash), 0.5, v.tree_size, hs(v.inclusion_path), B64(v.root_hash))],
      ['proof too long', () => l.verifyInclusion(B64(v.leaf_hash), v.leaf_index, v.tree_size, [...hs(v.inclusion_path), B64(v.root_hash)], B64(v.root_hash))],
      ['proof element not a hash', () => l.verifyInclusion(B64(v.leaf_hash), v.leaf_index, v.tree_size, ['x', ...hs(v.inclusion_path).slice(1)], B64(v.root_hash))],
      ['consistency with null roots', () => l.verifyConsistency(1, 2, null, null, [])],
      ['consistency new < old', () => l.verifyConsistency(3, 2, B64(v.root_hash), B64(v.root_hash), [])],
    ];
    for (const [name, fn] of bad) {
      try { check(`malformed (${name}) is false`, (await fn()) === false); } catch (e) { check(`malformed (${name}) threw ${e}`, false); }
    }
  }
  return out;
}
"""";
}
