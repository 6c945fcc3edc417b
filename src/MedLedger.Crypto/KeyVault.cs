using System.Security.Cryptography;
using System.Text.Json;

namespace MedLedger.Crypto;

/// <summary>Private keys under one wrapping key: AES-256-GCM, nonce 12 bytes, ciphertext = 64-byte plaintext + 16-byte tag.</summary>
public sealed record PrivateKeyWrap(byte[] Nonce, byte[] Ciphertext)
{
    public const int CiphertextLength = 64 + Aead.TagLength;
    public const int EncodedLength = 12 + CiphertextLength;

    /// <summary>Compact opaque form for APIs and databases: nonce (12) || ciphertext (80) = 92 bytes.</summary>
    public byte[] ToBytes() => [.. Nonce, .. Ciphertext];

    public static PrivateKeyWrap FromBytes(byte[] encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        if (encoded.Length != EncodedLength)
        {
            throw new CryptoFormatException($"A private key wrap is {EncodedLength} bytes (nonce || ciphertext).");
        }
        return new PrivateKeyWrap(encoded[..12], encoded[12..]);
    }
}

/// <summary>
/// What the server stores for a user's keys: public keys in the clear, private keys only wrapped,
/// once under the password-derived KEK and once under the recovery code. Nothing here lets the
/// server decrypt; the password parameters are public so any client can re-derive.
/// </summary>
public sealed record EncryptedKeyBundle(
    string UserId,
    PublicKeyBundle PublicKeys,
    PasswordParameters PasswordParameters,
    PrivateKeyWrap PasswordWrap,
    PrivateKeyWrap RecoveryWrap)
{
    public const string Format = "medledger/v1/key-bundle";

    public byte[] ToJsonBytes() => StrictJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("format", Format);
        w.WriteString("userId", UserId);
        w.WriteBase64String("encryptionPublicKey", PublicKeys.EncryptionPublicKey);
        w.WriteBase64String("signingPublicKey", PublicKeys.SigningPublicKey);
        w.WriteStartObject("password");
        w.WriteString("algorithm", PasswordParameters.Algorithm);
        w.WriteNumber("iterations", PasswordParameters.Iterations);
        w.WriteBase64String("salt", PasswordParameters.Salt);
        w.WriteEndObject();
        WriteWrap(w, "passwordWrap", PasswordWrap);
        WriteWrap(w, "recoveryWrap", RecoveryWrap);
        w.WriteEndObject();
    });

    public string ToJson() => System.Text.Encoding.UTF8.GetString(ToJsonBytes());

    public static EncryptedKeyBundle FromJson(string json) => FromJson(System.Text.Encoding.UTF8.GetBytes(json));

    public static EncryptedKeyBundle FromJson(ReadOnlyMemory<byte> utf8)
    {
        using var doc = StrictJson.Parse(utf8);
        var root = doc.RootElement;
        StrictJson.RequireMembers(root, "key bundle", "format", "userId", "encryptionPublicKey", "signingPublicKey", "password", "passwordWrap", "recoveryWrap");
        if (StrictJson.String(root, "format") != Format)
        {
            throw new CryptoFormatException("Not a medledger/v1/key-bundle.");
        }
        var password = root.GetProperty("password");
        StrictJson.RequireMembers(password, "password", "algorithm", "iterations", "salt");
        var parameters = new PasswordParameters(
            StrictJson.String(password, "algorithm"), StrictJson.Int32(password, "iterations"), StrictJson.Base64(password, "salt", minLength: 16));
        parameters.Validate();
        return new EncryptedKeyBundle(
            StrictJson.String(root, "userId"),
            new PublicKeyBundle(
                StrictJson.Base64(root, "encryptionPublicKey", P256.PublicKeyLength),
                StrictJson.Base64(root, "signingPublicKey", P256.PublicKeyLength)),
            parameters,
            ReadWrap(root.GetProperty("passwordWrap"), "passwordWrap"),
            ReadWrap(root.GetProperty("recoveryWrap"), "recoveryWrap"));
    }

    private static void WriteWrap(Utf8JsonWriter w, string name, PrivateKeyWrap wrap)
    {
        w.WriteStartObject(name);
        w.WriteBase64String("nonce", wrap.Nonce);
        w.WriteBase64String("ciphertext", wrap.Ciphertext);
        w.WriteEndObject();
    }

    private static PrivateKeyWrap ReadWrap(JsonElement e, string what)
    {
        StrictJson.RequireMembers(e, what, "nonce", "ciphertext");
        return new PrivateKeyWrap(StrictJson.Base64(e, "nonce", Aead.NonceLength), StrictJson.Base64(e, "ciphertext", PrivateKeyWrap.CiphertextLength));
    }
}

/// <summary>Result of sign-up: keep <see cref="Keys"/> in memory, send <see cref="Stored"/> and <see cref="AuthenticationKey"/> to the server, show <see cref="RecoveryCode"/> once.</summary>
public sealed record NewAccountKeys(KeyBundle Keys, EncryptedKeyBundle Stored, byte[] AuthenticationKey, string RecoveryCode);

/// <summary>Result of a password change or recovery: the new stored bundle and the new server authenticator. Key pairs are unchanged.</summary>
public sealed record PasswordUpdate(EncryptedKeyBundle Stored, byte[] AuthenticationKey);

/// <summary>
/// Wrapping of a user's private keys (docs/crypto-format.md, "Private key wrapping").
/// plaintext = encryption sk (32) || signing sk (32);
/// aad = canonical("medledger/v1/private-key-wrap", userId, purpose, encryption pk, signing pk).
/// </summary>
public static class KeyVault
{
    public const string PasswordPurpose = "password";
    public const string RecoveryPurpose = "recovery";

    /// <summary>Sign-up: fresh key pairs, fresh salt (600,000 PBKDF2 iterations by default), fresh recovery code.</summary>
    public static NewAccountKeys Create(string userId, string password, PasswordParameters? parameters = null) =>
        Protect(KeyBundle.Generate(), userId, password, parameters ?? PasswordParameters.CreateNew());

    /// <summary>Wraps existing keys under a password and a newly generated recovery code.</summary>
    public static NewAccountKeys Protect(KeyBundle keys, string userId, string password, PasswordParameters parameters)
    {
        var code = RecoveryCode.Generate();
        return Protect(keys, userId, password, parameters, code, null, null);
    }

    internal static NewAccountKeys Protect(
        KeyBundle keys, string userId, string password, PasswordParameters parameters, string recoveryCode,
        byte[]? passwordNonce, byte[]? recoveryNonce)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var derived = PasswordKeys.Derive(password, parameters);
        var recoveryKey = RecoveryCode.DeriveKey(recoveryCode);
        try
        {
            var stored = new EncryptedKeyBundle(
                userId, keys.Public, parameters,
                WrapPrivateKeys(keys, userId, PasswordPurpose, derived.KeyEncryptionKey, passwordNonce),
                WrapPrivateKeys(keys, userId, RecoveryPurpose, recoveryKey, recoveryNonce));
            return new NewAccountKeys(keys, stored, derived.AuthenticationKey, RecoveryCode.Normalize(recoveryCode));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived.KeyEncryptionKey);
            CryptographicOperations.ZeroMemory(recoveryKey);
        }
    }

    /// <summary>Throws <see cref="CryptoIntegrityException"/> for a wrong password (or a tampered bundle).</summary>
    public static KeyBundle UnlockWithPassword(EncryptedKeyBundle stored, string password)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var derived = PasswordKeys.Derive(password, stored.PasswordParameters);
        try
        {
            return UnlockWithKeyEncryptionKey(stored, derived.KeyEncryptionKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived.KeyEncryptionKey);
        }
    }

    /// <summary>For a client that kept the KEK from <see cref="PasswordKeys.Derive"/> (e.g. at login) and must not re-run PBKDF2.</summary>
    public static KeyBundle UnlockWithKeyEncryptionKey(EncryptedKeyBundle stored, byte[] keyEncryptionKey)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return UnwrapPrivateKeys(stored.PasswordWrap, stored.UserId, PasswordPurpose, stored.PublicKeys, keyEncryptionKey);
    }

    /// <summary>Throws <see cref="CryptoFormatException"/> for a mistyped code (check symbol) and <see cref="CryptoIntegrityException"/> for a wrong one.</summary>
    public static KeyBundle UnlockWithRecoveryCode(EncryptedKeyBundle stored, string recoveryCode)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var key = RecoveryCode.DeriveKey(recoveryCode);
        try
        {
            return UnwrapPrivateKeys(stored.RecoveryWrap, stored.UserId, RecoveryPurpose, stored.PublicKeys, key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Re-wraps the same key pairs under a new password (new salt); the recovery wrap is kept.</summary>
    public static PasswordUpdate ChangePassword(EncryptedKeyBundle stored, string currentPassword, string newPassword, PasswordParameters? newParameters = null)
    {
        var keys = UnlockWithPassword(stored, currentPassword);
        return SetPassword(stored, keys, newPassword, newParameters ?? PasswordParameters.CreateNew());
    }

    /// <summary>Forgotten password: unlock with the recovery code, then set a new password (new salt, new authenticator).</summary>
    public static PasswordUpdate RecoverWithCode(EncryptedKeyBundle stored, string recoveryCode, string newPassword, PasswordParameters? newParameters = null)
    {
        var keys = UnlockWithRecoveryCode(stored, recoveryCode);
        return SetPassword(stored, keys, newPassword, newParameters ?? PasswordParameters.CreateNew());
    }

    private static PasswordUpdate SetPassword(EncryptedKeyBundle stored, KeyBundle keys, string newPassword, PasswordParameters parameters)
    {
        var derived = PasswordKeys.Derive(newPassword, parameters);
        try
        {
            var wrap = WrapPrivateKeys(keys, stored.UserId, PasswordPurpose, derived.KeyEncryptionKey, null);
            return new PasswordUpdate(stored with { PasswordParameters = parameters, PasswordWrap = wrap }, derived.AuthenticationKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived.KeyEncryptionKey);
        }
    }

    public static byte[] WrapAad(string userId, string purpose, PublicKeyBundle publicKeys) =>
        new CanonicalWriter("medledger/v1/private-key-wrap")
            .String(userId).String(purpose)
            .Bytes(publicKeys.EncryptionPublicKey).Bytes(publicKeys.SigningPublicKey)
            .ToArray();

    public static PrivateKeyWrap WrapPrivateKeys(KeyBundle keys, string userId, string purpose, byte[] wrappingKey) =>
        WrapPrivateKeys(keys, userId, purpose, wrappingKey, null);

    internal static PrivateKeyWrap WrapPrivateKeys(KeyBundle keys, string userId, string purpose, byte[] wrappingKey, byte[]? nonce)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(wrappingKey);
        CheckKey(wrappingKey);
        nonce ??= RandomNumberGenerator.GetBytes(Aead.NonceLength);
        byte[] plaintext = [.. keys.Encryption.PrivateKey, .. keys.Signing.PrivateKey];
        try
        {
            return new PrivateKeyWrap(nonce, Aead.Seal(wrappingKey, nonce, WrapAad(userId, purpose, keys.Public), plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Decrypts a wrap and checks the private keys really belong to <paramref name="expectedPublicKeys"/>.</summary>
    public static KeyBundle UnwrapPrivateKeys(PrivateKeyWrap wrap, string userId, string purpose, PublicKeyBundle expectedPublicKeys, byte[] wrappingKey)
    {
        ArgumentNullException.ThrowIfNull(wrap);
        ArgumentNullException.ThrowIfNull(expectedPublicKeys);
        ArgumentNullException.ThrowIfNull(wrappingKey);
        CheckKey(wrappingKey);
        if (wrap.Nonce.Length != Aead.NonceLength || wrap.Ciphertext.Length != PrivateKeyWrap.CiphertextLength)
        {
            throw new CryptoFormatException("Private key wrap has the wrong length.");
        }
        var plaintext = Aead.Open(wrappingKey, wrap.Nonce, WrapAad(userId, purpose, expectedPublicKeys), wrap.Ciphertext);
        try
        {
            var encryption = new UserKeyPair(plaintext[..32], expectedPublicKeys.EncryptionPublicKey);
            var signing = new UserKeyPair(plaintext[32..], expectedPublicKeys.SigningPublicKey);
            return new KeyBundle(encryption, signing);
        }
        catch (CryptoFormatException e)
        {
            // Authenticated but inconsistent: only a buggy or malicious writer produces this.
            throw new CryptoIntegrityException("Unwrapped private keys do not match the public keys.", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static void CheckKey(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new CryptoFormatException("Wrapping keys are 32 bytes (AES-256).");
        }
    }
}
