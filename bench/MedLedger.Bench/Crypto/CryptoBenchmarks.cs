using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using MedLedger.Crypto;

namespace MedLedger.Bench.Crypto;

/// <summary>Record envelope seal/open (AES-256-GCM + 2 HPKE wraps + ECDSA) for a 1 KiB and a 1 MiB record.</summary>
[MemoryDiagnoser]
public class RecordEnvelopeBenchmarks
{
    private KeyBundle _author = null!;
    private KeyBundle _patient = null!;
    private byte[] _plaintext = null!;
    private RecordEnvelope _envelope = null!;
    private readonly RecordHeader _header = new("rec-1", 1, "patient-1", "author-1", "application/fhir+json", 1_732_406_400_000);

    [Params(1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _author = KeyBundle.Generate();
        _patient = KeyBundle.Generate();
        _plaintext = RandomNumberGenerator.GetBytes(Size);
        _envelope = Seal();
    }

    [Benchmark]
    public RecordEnvelope Seal() =>
        RecordCrypto.Seal(_header, _plaintext, _author.Signing, [_patient.Encryption.PublicKey, _author.Encryption.PublicKey]);

    [Benchmark]
    public byte[] Open() => RecordCrypto.Open(_envelope, _patient.Encryption, _author.Signing.PublicKey);
}

/// <summary>HPKE wrap/unwrap of a 32-byte data key (one ephemeral key generation + 2 ECDH per round trip).</summary>
public class HpkeBenchmarks
{
    private (byte[] PrivateKey, byte[] PublicKey) _recipient;
    private readonly byte[] _dataKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _info = "medledger/v1/record-key"u8.ToArray();
    private (byte[] Enc, byte[] Ciphertext) _wrap;

    [GlobalSetup]
    public void Setup()
    {
        _recipient = Hpke.DeriveKeyPair(RandomNumberGenerator.GetBytes(32));
        _wrap = Wrap();
    }

    [Benchmark]
    public (byte[] Enc, byte[] Ciphertext) Wrap() => Hpke.SealBase(_recipient.PublicKey, _info, [], _dataKey, HpkeAead.Aes256Gcm);

    [Benchmark]
    public byte[] Unwrap() => Hpke.OpenBase(_recipient.PrivateKey, _wrap.Enc, _info, [], _wrap.Ciphertext, HpkeAead.Aes256Gcm);
}

/// <summary>ECDSA P-256/SHA-256 over 1 KiB, P1363 format (includes key import, as the API takes raw keys).</summary>
public class SignatureBenchmarks
{
    private UserKeyPair _key = null!;
    private readonly byte[] _data = RandomNumberGenerator.GetBytes(1024);
    private byte[] _signature = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = Signatures.GenerateKeyPair();
        _signature = Sign();
    }

    [Benchmark]
    public byte[] Sign() => Signatures.Sign(_key.PrivateKey, _data);

    [Benchmark]
    public bool Verify() => Signatures.Verify(_key.PublicKey, _data, _signature);
}

/// <summary>PBKDF2-HMAC-SHA256 with the production 600,000 iterations plus the two HKDF expansions.</summary>
public class PasswordBenchmarks
{
    private readonly PasswordParameters _parameters = PasswordParameters.CreateNew();

    [Benchmark]
    public DerivedPasswordKeys Derive() => PasswordKeys.Derive("correct horse battery staple", _parameters);
}
