using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using MedLedger.Crypto;

namespace MedLedger.Bench.Crypto;

/// <summary>
/// dotnet run -c Release --project bench/MedLedger.Bench -- macro crypto-ratio [--seconds=2]
/// Single-thread operations/s of the public-key operations, for comparison with `openssl speed
/// ecdsap256 ecdhp256` in the same run (bench/run-all.sh prints the ratios). Each operation is timed
/// the way callers use it now (loaded pair for signing and unwrapping, cached public keys for
/// verifying and wrapping) and, for the before/after comparison, with an explicit key import per
/// call (what every call paid before the key caches). --only=NAME[,NAME] runs just those rows (for profiling one).
/// </summary>
public sealed class CryptoRatioBenchmark : IMacroBenchmark
{
    public string Name => "crypto-ratio";

    private static string[]? s_only;

    public Task RunAsync(string[] args)
    {
        var seconds = double.Parse(args.FirstOrDefault(a => a.StartsWith("--seconds=", StringComparison.Ordinal))?["--seconds=".Length..] ?? "2", CultureInfo.InvariantCulture);
        var only = args.FirstOrDefault(a => a.StartsWith("--only=", StringComparison.Ordinal))?["--only=".Length..].Split(',');
        var signing = Signatures.GenerateKeyPair();
        var recipient = KeyBundle.Generate().Encryption;
        var data = RandomNumberGenerator.GetBytes(1024);
        var signature = signing.Sign(data);
        var info = "medledger/v1/record-key"u8.ToArray();
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var (enc, wrapped) = Hpke.SealBase(recipient.PublicKey, info, [], dataKey, HpkeAead.Aes256Gcm);
        var publicParameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = signing.PublicKey[1..33], Y = signing.PublicKey[33..] },
        };

        s_only = only;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"crypto-ratio: single thread, {seconds:F1} s per operation (best of 5 slices), 1 KiB signed data, 32-byte HPKE payload (AES-256-GCM)"));
        Report("sign", seconds, () => signing.Sign(data));
        Report("sign-import-per-call", seconds, () => Signatures.Sign(signing.PrivateKey, data));
        Report("verify", seconds, () => Check(Signatures.Verify(signing.PublicKey, data, signature)));
        Report("verify-import-per-call", seconds, () =>
        {
            using var key = ECDsa.Create(publicParameters);
            Check(key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        });
        Report("hpke-seal", seconds, () => Hpke.SealBase(recipient.PublicKey, info, [], dataKey, HpkeAead.Aes256Gcm));
        Report("hpke-open", seconds, () => Hpke.OpenBase(recipient, enc, info, [], wrapped, HpkeAead.Aes256Gcm));
        Report("hpke-open-import-per-call", seconds, () => Hpke.OpenBase(recipient.PrivateKey, enc, info, [], wrapped, HpkeAead.Aes256Gcm));
        return Task.CompletedTask;
    }

    private static void Check(bool ok)
    {
        if (!ok)
        {
            throw new InvalidOperationException("verification failed");
        }
    }

    private static void Report(string name, double seconds, Action op)
    {
        if (s_only is { } only && !only.Contains(name))
        {
            return;
        }
        for (var i = 0; i < 200; i++)
        {
            op(); // warm-up: JIT tiers and the key caches
        }
        // Best of five slices: on a shared machine the least disturbed slice is the closest to the
        // operation's own cost (run-all.sh takes OpenSSL's best run the same way).
        var perSecond = 0.0;
        for (var round = 0; round < 5; round++)
        {
            var n = 0L;
            var sw = Stopwatch.StartNew();
            var limit = (long)(seconds / 5 * Stopwatch.Frequency);
            while (sw.ElapsedTicks < limit)
            {
                op();
                n++;
            }
            perSecond = Math.Max(perSecond, n / sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"crypto {name} ops/s={perSecond:F0} us/op={1e6 / perSecond:F1}"));
    }
}
