using System.Security.Cryptography;
using System.Text;

namespace MedLedger.Crypto;

/// <summary>A P-256 key pair as raw bytes: 32-byte big-endian private scalar, 65-byte uncompressed SEC1 public point.</summary>
public sealed record UserKeyPair
{
    public UserKeyPair(byte[] privateKey, byte[] publicKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(publicKey);
        // Recomputing pk(sk) guarantees a pair can never be mismatched.
        if (!CryptographicOperations.FixedTimeEquals(P256.PublicKeyFromPrivate(privateKey), publicKey))
        {
            throw new CryptoFormatException("Public key does not belong to the private key.");
        }
        PrivateKey = privateKey;
        PublicKey = publicKey;
    }

    // Loaded forms of this pair's private key, owned by this object only (never in a shared cache), made on first use.
    // OpenSSL-backed objects are not documented as thread-safe, so each use holds the lock.
    private ECDiffieHellman? _agreement;
    private ECDsa? _signer;
    private OpenSslP256.Signer? _nativeSigner;
    private readonly Lock _lock = new();

    public byte[] PrivateKey { get; }
    public byte[] PublicKey { get; }

    /// <summary>ECDSA P-256/SHA-256 signature (P1363) with this pair's private key, loaded once per pair.</summary>
    public byte[] Sign(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (OpenSslP256.Available)
        {
            var digest = SHA256.HashData(data);
            lock (_lock)
            {
                _nativeSigner ??= OpenSslP256.Signer.Create(PrivateKey, PublicKey);
                return _nativeSigner.SignDigest(digest);
            }
        }
        lock (_lock)
        {
            _signer ??= P256.ImportEcdsaPrivate(PrivateKey);
            return _signer.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
    }

    /// <summary>Raw ECDH x-coordinate with a peer's 65-byte public point (validated here; CryptoFormatException if it is not on P-256).</summary>
    internal byte[] DeriveRawSecretAgreement(byte[] peerPublicKey)
    {
        if (OpenSslP256.Available)
        {
            // Per-thread OpenSSL objects: no lock, and no key object per call.
            return OpenSslP256.Agree(PrivateKey, peerPublicKey);
        }
        using var ephemeral = P256.ImportDhPublic(peerPublicKey);
        using var ephemeralKey = ephemeral.PublicKey;
        lock (_lock)
        {
            _agreement ??= P256.ImportDhPrivate(PrivateKey);
            return _agreement.DeriveRawSecretAgreement(ephemeralKey);
        }
    }

    /// <summary>Rebuilds the pair from the private key alone (the public key is recomputed, so it cannot mismatch).</summary>
    public static UserKeyPair FromPrivateKey(byte[] privateKey) => new(privateKey, P256.PublicKeyFromPrivate(privateKey));

    public bool Equals(UserKeyPair? other) =>
        other is not null && CryptographicOperations.FixedTimeEquals(PrivateKey, other.PrivateKey)
        && PublicKey.AsSpan().SequenceEqual(other.PublicKey);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(PublicKey);
        return hash.ToHashCode();
    }

    // Records print their members; a private key must never end up in a log line.
    public override string ToString() => $"UserKeyPair {{ PublicKey = {Convert.ToHexStringLower(PublicKey)} }}";
}

/// <summary>The public half of a user's keys: what is registered on the ledger and served to other users.</summary>
public sealed record PublicKeyBundle
{
    public PublicKeyBundle(byte[] encryptionPublicKey, byte[] signingPublicKey)
    {
        ArgumentNullException.ThrowIfNull(encryptionPublicKey);
        ArgumentNullException.ThrowIfNull(signingPublicKey);
        // Import checks the points are on the curve, so a bundle object is always usable.
        using (P256.ImportDhPublic(encryptionPublicKey)) { }
        using (P256.ImportDhPublic(signingPublicKey)) { }
        EncryptionPublicKey = encryptionPublicKey;
        SigningPublicKey = signingPublicKey;
    }

    public byte[] EncryptionPublicKey { get; }
    public byte[] SigningPublicKey { get; }

    /// <summary>SHA-256 over canonical("medledger/v1/key-fingerprint", encryption key, signing key).</summary>
    public byte[] Fingerprint() => KeyFingerprints.Fingerprint(EncryptionPublicKey, SigningPublicKey);

    /// <summary>Human-comparable form of <see cref="Fingerprint"/>: "XXXX XXXX ..." (8 groups of 4 Crockford base32).</summary>
    public string DisplayFingerprint() => KeyFingerprints.Display(Fingerprint());

    /// <summary>Id used in record key wraps to say which encryption key a wrap is for.</summary>
    public string EncryptionKeyId => KeyFingerprints.EncryptionKeyId(EncryptionPublicKey);

    public bool Equals(PublicKeyBundle? other) =>
        other is not null && EncryptionPublicKey.AsSpan().SequenceEqual(other.EncryptionPublicKey)
        && SigningPublicKey.AsSpan().SequenceEqual(other.SigningPublicKey);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(EncryptionPublicKey);
        hash.AddBytes(SigningPublicKey);
        return hash.ToHashCode();
    }
}

/// <summary>
/// A user's two key pairs, made on their device: encryption (P-256 for HPKE) and signing
/// (ECDSA P-256/SHA-256). Kept separate so a signature can never be turned into a decryption oracle.
/// </summary>
public sealed record KeyBundle(UserKeyPair Encryption, UserKeyPair Signing)
{
    public static KeyBundle Generate()
    {
        var (sk, pk) = P256.Generate();
        return new KeyBundle(new UserKeyPair(sk, pk), Signatures.GenerateKeyPair());
    }

    public PublicKeyBundle Public => new(Encryption.PublicKey, Signing.PublicKey);
}

public static class KeyFingerprints
{
    /// <summary>SHA-256(canonical("medledger/v1/key-fingerprint").Bytes(encPub).Bytes(sigPub)).</summary>
    public static byte[] Fingerprint(byte[] encryptionPublicKey, byte[] signingPublicKey) =>
        SHA256.HashData(new CanonicalWriter("medledger/v1/key-fingerprint")
            .Bytes(encryptionPublicKey).Bytes(signingPublicKey).WrittenSpan);

    /// <summary>First 160 bits of the fingerprint as 32 Crockford base32 symbols in groups of 4, space separated.</summary>
    public static string Display(byte[] fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        if (fingerprint.Length < 20)
        {
            throw new CryptoFormatException("A fingerprint is at least 20 bytes.");
        }
        var symbols = Base32.Encode(fingerprint.AsSpan(0, 20));
        var sb = new StringBuilder();
        for (var i = 0; i < symbols.Length; i += 4)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }
            sb.Append(symbols, i, 4);
        }
        return sb.ToString();
    }

    /// <summary>Lower-case hex of SHA-256(canonical("medledger/v1/encryption-key-id").Bytes(pub)); names a reader in key wraps.</summary>
    public static string EncryptionKeyId(byte[] encryptionPublicKey)
    {
        ArgumentNullException.ThrowIfNull(encryptionPublicKey);
        P256.PublicParameters(encryptionPublicKey);
        return Convert.ToHexStringLower(SHA256.HashData(
            new CanonicalWriter("medledger/v1/encryption-key-id").Bytes(encryptionPublicKey).WrittenSpan));
    }
}
