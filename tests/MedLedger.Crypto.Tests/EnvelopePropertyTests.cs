using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace MedLedger.Crypto.Tests;

/// <summary>A plaintext described by size and seed so FsCheck can draw (and report) megabyte inputs cheaply.</summary>
public sealed record Payload(int Size, int Seed)
{
    public byte[] Bytes()
    {
        var bytes = new byte[Size];
        new Random(Seed).NextBytes(bytes);
        return bytes;
    }

    public override string ToString() => $"Payload(Size={Size}, Seed={Seed})";
}

/// <summary>An envelope size plus raw draws that are mapped onto bit positions once the JSON length is known.</summary>
public sealed record FlipCase(Payload Payload, int[] Draws);

public static class CryptoArbitraries
{
    public const int MaxSize = 1 << 20;

    private static Gen<Payload> PayloadGen() =>
        Gen.Frequency(
                (3, Gen.Choose(0, 64)),
                (3, Gen.Choose(65, 64 * 1024)),
                (2, Gen.Choose(64 * 1024, MaxSize)),
                (1, Gen.Elements(0, 1, 15, 16, 17, MaxSize - 1, MaxSize)))
            .SelectMany(size => Gen.Choose(0, int.MaxValue), (size, seed) => new Payload(size, seed));

    public static Arbitrary<Payload> Payloads() => PayloadGen().ToArbitrary();

    public static Arbitrary<FlipCase> FlipCases() =>
        PayloadGen().SelectMany(_ => Gen.ArrayOf(Gen.Choose(0, int.MaxValue), 64), (p, draws) => new FlipCase(p, draws)).ToArbitrary();
}

public class EnvelopePropertyTests
{
    private static KeyBundle Author => RecordEnvelopeTests.Author;
    private static KeyBundle Patient => RecordEnvelopeTests.Patient;

    private static RecordEnvelope Seal(byte[] plaintext) =>
        RecordCrypto.Seal(RecordEnvelopeTests.Header(), plaintext, Author.Signing, [Patient.Encryption.PublicKey]);

    private static bool Rejected(Func<byte[]> open)
    {
        try
        {
            open();
            return false;
        }
        catch (CryptoIntegrityException)
        {
            return true;
        }
        catch (CryptoFormatException)
        {
            return true;
        }
    }

    private static bool OpenJsonRejected(byte[] json) =>
        Rejected(() => RecordCrypto.Open(RecordEnvelope.FromJson(json), Patient.Encryption, Author.Signing.PublicKey));

    private static byte[] Flip(byte[] bytes, long bit)
    {
        var copy = (byte[])bytes.Clone();
        copy[bit / 8] ^= (byte)(1 << (int)(bit % 8));
        return copy;
    }

    [Property(MaxTest = 25, Arbitrary = [typeof(CryptoArbitraries)])]
    public bool Seal_open_round_trips_through_json(Payload payload)
    {
        var plaintext = payload.Bytes();
        var json = Seal(plaintext).ToJsonBytes();
        var opened = RecordCrypto.Open(RecordEnvelope.FromJson(json), Patient.Encryption, Author.Signing.PublicKey);
        return opened.AsSpan().SequenceEqual(plaintext);
    }

    [Property(MaxTest = 20, Arbitrary = [typeof(CryptoArbitraries)])]
    public bool Sampled_single_bit_flips_of_the_json_envelope_are_rejected(FlipCase flipCase)
    {
        var json = Seal(flipCase.Payload.Bytes()).ToJsonBytes();
        var text = Encoding.ASCII.GetString(json);
        // Half the draws land anywhere (mostly ciphertext for big records), half outside the ciphertext value,
        // so header, nonce, commitment, signature and wrap bits are exercised at every size.
        var ctStart = text.IndexOf("\"ciphertext\":\"", StringComparison.Ordinal) + 14;
        var ctEnd = text.IndexOf('"', ctStart);
        var outsideBits = (long)(json.Length - (ctEnd - ctStart)) * 8;
        var positions = flipCase.Draws.Select((d, i) =>
        {
            if (i % 2 == 0)
            {
                return d % ((long)json.Length * 8);
            }
            var p = d % outsideBits;
            return p < (long)ctStart * 8 ? p : p + ((long)(ctEnd - ctStart) * 8);
        });
        return positions.All(bit => OpenJsonRejected(Flip(json, bit)));
    }

    [Fact]
    public void Every_single_bit_flip_of_a_small_json_envelope_is_rejected()
    {
        var json = Seal(Encoding.UTF8.GetBytes("{\"resourceType\":\"AllergyIntolerance\",\"code\":{\"text\":\"penicillin\"}}")).ToJsonBytes();
        Assert.True(RecordCrypto.Open(RecordEnvelope.FromJson(json), Patient.Encryption, Author.Signing.PublicKey).Length > 0);
        var accepted = Enumerable.Range(0, json.Length * 8).AsParallel().Where(bit => !OpenJsonRejected(Flip(json, bit))).ToList();
        Assert.Empty(accepted);
    }

    [Fact]
    public void Every_single_bit_flip_of_every_binary_field_is_rejected()
    {
        var env = Seal(new byte[100]);
        var wrap = env.Wraps[0];
        var fields = new (string Name, byte[] Value, Func<byte[], RecordEnvelope> Rebuild)[]
        {
            ("nonce", env.Nonce, v => new RecordEnvelope(env.Header, v, env.KeyCommitment, env.Ciphertext, env.Signature, env.Wraps)),
            ("keyCommitment", env.KeyCommitment, v => new RecordEnvelope(env.Header, env.Nonce, v, env.Ciphertext, env.Signature, env.Wraps)),
            ("ciphertext", env.Ciphertext, v => new RecordEnvelope(env.Header, env.Nonce, env.KeyCommitment, v, env.Signature, env.Wraps)),
            ("signature", env.Signature, v => new RecordEnvelope(env.Header, env.Nonce, env.KeyCommitment, env.Ciphertext, v, env.Wraps)),
            ("enc", wrap.Enc, v => env.WithWrap(wrap with { Enc = v })),
            ("wrappedKey", wrap.WrappedKey, v => env.WithWrap(wrap with { WrappedKey = v })),
        };
        foreach (var (name, value, rebuild) in fields)
        {
            for (var bit = 0; bit < value.Length * 8; bit++)
            {
                var tampered = rebuild(Flip(value, bit));
                Assert.True(
                    Rejected(() => RecordCrypto.Open(tampered, Patient.Encryption, Author.Signing.PublicKey)),
                    $"flip of {name} bit {bit} was accepted");
            }
        }
    }
}
