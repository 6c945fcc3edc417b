using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace MedLedger.Crypto;

/// <summary>
/// P-256 straight on OpenSSL 3's libcrypto (Linux), for the operations whose per-call overhead in the BCL and in the
/// EVP key-import API was larger than the curve arithmetic itself:
/// <list type="bullet">
/// <item>Key agreement and public-key computation run on one P-256 <c>EC_GROUP</c> per thread with the <c>EC_POINT</c>
/// API: <c>x(k·P)</c> and <c>k·G</c>. That is the arithmetic OpenSSL's own ECDH derive and key generation perform
/// (the same constant-time <c>EC_POINT_mul</c>), without a fresh key object — and so a fresh group, whose set-up costs
/// two Montgomery contexts with modular inversions — for every ephemeral or peer key. A peer point is decoded with
/// <c>EC_POINT_oct2point</c>, which refuses a coordinate outside the field and a point not on the curve; P-256 has
/// cofactor 1, so an on-curve point of the uncompressed form (never the point at infinity) has prime order n, and the
/// partial validation of NIST SP 800-56A is the full one here.</item>
/// <item>Signing keeps one EVP signing context per key pair, initialised once, as <c>openssl speed</c> does; each call
/// pays for the signature only (the BCL builds and fetches a new context for each one).</item>
/// </list>
/// Anything else (Windows, macOS, no libcrypto.so.3, a failed self-test, MEDLEDGER_CRYPTO_OPENSSL=0) uses the BCL
/// path; both give identical bytes, and signatures verify either way (OpenSslP256Tests).
/// </summary>
internal static unsafe class OpenSslP256
{
    private const int NidP256 = 415; // NID_X9_62_prime256v1
    private const int FormUncompressed = 4; // POINT_CONVERSION_UNCOMPRESSED
    private const int BnFlagConstTime = 0x04; // BN_FLG_CONSTTIME
    // OSSL_KEYMGMT_SELECT_KEYPAIR (openssl/core_dispatch.h) and the OSSL_PARAM data types used below.
    private const int SelectKeyPair = 0x87;
    private const uint ParamUnsignedInteger = 2;
    private const uint ParamUtf8String = 4;
    private const uint ParamOctetString = 5;
    /// <summary>The longest DER ECDSA-P256 signature: SEQUENCE of two INTEGERs of up to 33 bytes each.</summary>
    private const int MaxDerSignature = 72;

    private static readonly delegate* unmanaged<int, nint> GroupNewByCurveName;
    private static readonly delegate* unmanaged<nint, nint> PointNew;
    private static readonly delegate* unmanaged<nint, nint, byte*, nuint, nint, int> PointOct2Point;
    private static readonly delegate* unmanaged<nint, nint, int, byte*, nuint, nint, nuint> PointPoint2Oct;
    private static readonly delegate* unmanaged<nint, nint, nint, nint, nint, nint, int> PointMul;
    private static readonly delegate* unmanaged<nint, nint, nint, nint, nint, int> PointGetAffine;
    private static readonly delegate* unmanaged<nint, nint, int> PointIsAtInfinity;
    private static readonly delegate* unmanaged<nint, nint, int> PointSetToInfinity;
    private static readonly delegate* unmanaged<nint> BnCtxNew;
    private static readonly delegate* unmanaged<nint, void> BnCtxFree;
    private static readonly delegate* unmanaged<nint, void> BnClearFree;
    private static readonly delegate* unmanaged<nint, void> GroupFree;
    private static readonly delegate* unmanaged<nint, void> PointFree;
    private static readonly delegate* unmanaged<nint> BnNew;
    private static readonly delegate* unmanaged<byte*, int, nint, nint> BnBin2Bn;
    private static readonly delegate* unmanaged<nint, byte*, int, int> BnBn2BinPad;
    private static readonly delegate* unmanaged<nint, void> BnClear;
    private static readonly delegate* unmanaged<nint, int, void> BnSetFlags;
    private static readonly delegate* unmanaged<nint, byte*, nint, nint> CtxNewFromName;
    private static readonly delegate* unmanaged<nint, nint, nint, nint> CtxNewFromPkey;
    private static readonly delegate* unmanaged<nint, void> CtxFree;
    private static readonly delegate* unmanaged<nint, void> PkeyFree;
    private static readonly delegate* unmanaged<nint, int> FromDataInit;
    private static readonly delegate* unmanaged<nint, nint*, int, OsslParam*, int> FromData;
    private static readonly delegate* unmanaged<nint, int> SignInit;
    private static readonly delegate* unmanaged<nint, byte*, nuint*, byte*, nuint, int> SignFn;
    private static readonly delegate* unmanaged<void> ErrClearError;

    // Zero-terminated names handed to OpenSSL; static so they never move.
    private static readonly byte* NameEc = Ascii("EC");
    private static readonly byte* NameP256 = Ascii("P-256");
    private static readonly byte* ParamGroup = Ascii("group");
    private static readonly byte* ParamPub = Ascii("pub");
    private static readonly byte* ParamPriv = Ascii("priv");

    /// <summary>Whether the OpenSSL path is used (decided once per process: library present, exports found, self-test passed).</summary>
    public static bool Available => s_usable && !t_bclOnThisThread;

    private static readonly bool s_usable;

    [ThreadStatic]
    private static bool t_bclOnThisThread;

    /// <summary>For tests: until disposed, this thread takes the BCL path (synchronous code only), so both paths can be compared in one process.</summary>
    internal static IDisposable BclOnThisThread()
    {
        t_bclOnThisThread = true;
        return new BclScope();
    }

    private sealed class BclScope : IDisposable
    {
        public void Dispose() => t_bclOnThisThread = false;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct OsslParam
    {
        public byte* Key;
        public uint DataType;
        public void* Data;
        public nuint DataSize;
        public nuint ReturnSize;
    }

    /// <summary>
    /// One thread's OpenSSL objects: OpenSSL documents none of them as safe for concurrent use, so each thread has its
    /// own, made on first use and kept for the thread's life; the finalizer frees them once the thread has ended.
    /// </summary>
    private sealed class ThreadObjects
    {
        public readonly nint Group = GroupNewByCurveName(NidP256);
        public readonly nint Bn = BnCtxNew();
        public readonly nint Scalar = BnNew();
        public readonly nint X = BnNew();
        public readonly nint Peer;
        public readonly nint Result;

        public ThreadObjects()
        {
            if (Group == 0 || Bn == 0 || Scalar == 0 || X == 0)
            {
                throw Failed("set-up");
            }
            Peer = PointNew(Group);
            Result = PointNew(Group);
            if (Peer == 0 || Result == 0)
            {
                throw Failed("set-up");
            }
            // The scalar is secret: ask OpenSSL for its constant-time code paths wherever it has a choice.
            BnSetFlags(Scalar, BnFlagConstTime);
        }

        ~ThreadObjects()
        {
            // Only this object ever used these, and its thread is gone: freeing them here races with nothing.
            PointFree(Result);
            PointFree(Peer);
            BnClearFree(X);
            BnClearFree(Scalar);
            BnCtxFree(Bn);
            GroupFree(Group);
        }
    }

    [ThreadStatic]
    private static ThreadObjects? t_objects;

#pragma warning disable CA1810 // the exports must be resolved before Available is computed, in one place
    static OpenSslP256()
#pragma warning restore CA1810
    {
        if (LibCrypto.Handle == 0)
        {
            return;
        }
        try
        {
            GroupNewByCurveName = (delegate* unmanaged<int, nint>)LibCrypto.Export("EC_GROUP_new_by_curve_name");
            PointNew = (delegate* unmanaged<nint, nint>)LibCrypto.Export("EC_POINT_new");
            PointOct2Point = (delegate* unmanaged<nint, nint, byte*, nuint, nint, int>)LibCrypto.Export("EC_POINT_oct2point");
            PointPoint2Oct = (delegate* unmanaged<nint, nint, int, byte*, nuint, nint, nuint>)LibCrypto.Export("EC_POINT_point2oct");
            PointMul = (delegate* unmanaged<nint, nint, nint, nint, nint, nint, int>)LibCrypto.Export("EC_POINT_mul");
            PointGetAffine = (delegate* unmanaged<nint, nint, nint, nint, nint, int>)LibCrypto.Export("EC_POINT_get_affine_coordinates");
            PointIsAtInfinity = (delegate* unmanaged<nint, nint, int>)LibCrypto.Export("EC_POINT_is_at_infinity");
            PointSetToInfinity = (delegate* unmanaged<nint, nint, int>)LibCrypto.Export("EC_POINT_set_to_infinity");
            BnCtxNew = (delegate* unmanaged<nint>)LibCrypto.Export("BN_CTX_new");
            BnCtxFree = (delegate* unmanaged<nint, void>)LibCrypto.Export("BN_CTX_free");
            BnClearFree = (delegate* unmanaged<nint, void>)LibCrypto.Export("BN_clear_free");
            GroupFree = (delegate* unmanaged<nint, void>)LibCrypto.Export("EC_GROUP_free");
            PointFree = (delegate* unmanaged<nint, void>)LibCrypto.Export("EC_POINT_free");
            BnNew = (delegate* unmanaged<nint>)LibCrypto.Export("BN_new");
            BnBin2Bn = (delegate* unmanaged<byte*, int, nint, nint>)LibCrypto.Export("BN_bin2bn");
            BnBn2BinPad = (delegate* unmanaged<nint, byte*, int, int>)LibCrypto.Export("BN_bn2binpad");
            BnClear = (delegate* unmanaged<nint, void>)LibCrypto.Export("BN_clear");
            BnSetFlags = (delegate* unmanaged<nint, int, void>)LibCrypto.Export("BN_set_flags");
            CtxNewFromName = (delegate* unmanaged<nint, byte*, nint, nint>)LibCrypto.Export("EVP_PKEY_CTX_new_from_name");
            CtxNewFromPkey = (delegate* unmanaged<nint, nint, nint, nint>)LibCrypto.Export("EVP_PKEY_CTX_new_from_pkey");
            CtxFree = (delegate* unmanaged<nint, void>)LibCrypto.Export("EVP_PKEY_CTX_free");
            PkeyFree = (delegate* unmanaged<nint, void>)LibCrypto.Export("EVP_PKEY_free");
            FromDataInit = (delegate* unmanaged<nint, int>)LibCrypto.Export("EVP_PKEY_fromdata_init");
            FromData = (delegate* unmanaged<nint, nint*, int, OsslParam*, int>)LibCrypto.Export("EVP_PKEY_fromdata");
            SignInit = (delegate* unmanaged<nint, int>)LibCrypto.Export("EVP_PKEY_sign_init");
            SignFn = (delegate* unmanaged<nint, byte*, nuint*, byte*, nuint, int>)LibCrypto.Export("EVP_PKEY_sign");
            ErrClearError = (delegate* unmanaged<void>)LibCrypto.Export("ERR_clear_error");
            s_usable = SelfTest();
        }
        catch (EntryPointNotFoundException)
        {
            s_usable = false;
        }
    }

    private static byte* Ascii(string s)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(s + "\0");
        var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
        bytes.AsSpan().CopyTo(new Span<byte>(p, bytes.Length));
        return p;
    }

    private static ThreadObjects Objects() => t_objects ??= new ThreadObjects();

    /// <summary>
    /// The raw ECDH value x(scalar · point), 32 bytes. The point must be a 65-byte uncompressed point on P-256
    /// (CryptoFormatException otherwise); the scalar a valid private key.
    /// </summary>
    public static byte[] Agree(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> point)
    {
        P256.CheckPrivateKey(scalar);
        // Length and the 0x04 form first: oct2point would also take the compressed and hybrid forms.
        P256.CheckPublicKeyForm(point);
        var o = Objects();
        var secret = new byte[32];
        try
        {
            fixed (byte* p = point)
            {
                if (PointOct2Point(o.Group, o.Peer, p, (nuint)point.Length, o.Bn) != 1)
                {
                    ErrClearError();
                    throw new CryptoFormatException("Public key is not a point on P-256.");
                }
            }
            LoadScalar(o, scalar);
            fixed (byte* s = secret)
            {
                if (PointMul(o.Group, o.Result, 0, o.Peer, o.Scalar, o.Bn) != 1 || PointIsAtInfinity(o.Group, o.Result) != 0
                    || PointGetAffine(o.Group, o.Result, o.X, 0, o.Bn) != 1 || BnBn2BinPad(o.X, s, 32) != 32)
                {
                    CryptographicOperations.ZeroMemory(secret);
                    throw Failed("key agreement");
                }
            }
            return secret;
        }
        finally
        {
            Wipe(o);
        }
    }

    /// <summary>pk(scalar) = scalar · G as a 65-byte uncompressed point.</summary>
    public static byte[] PublicKey(ReadOnlySpan<byte> scalar)
    {
        P256.CheckPrivateKey(scalar);
        var o = Objects();
        var publicKey = new byte[P256.PublicKeyLength];
        try
        {
            LoadScalar(o, scalar);
            fixed (byte* q = publicKey)
            {
                if (PointMul(o.Group, o.Result, o.Scalar, 0, 0, o.Bn) != 1
                    || PointPoint2Oct(o.Group, o.Result, FormUncompressed, q, (nuint)publicKey.Length, o.Bn) != (nuint)publicKey.Length || q[0] != 4)
                {
                    throw Failed("public key computation");
                }
            }
            return publicKey;
        }
        finally
        {
            Wipe(o);
        }
    }

    private static void LoadScalar(ThreadObjects o, ReadOnlySpan<byte> scalar)
    {
        fixed (byte* s = scalar)
        {
            if (BnBin2Bn(s, scalar.Length, o.Scalar) == 0)
            {
                throw Failed("scalar load");
            }
        }
    }

    /// <summary>Leaves nothing secret in the thread's objects: the scalar and the product (and its x) are cleared.</summary>
    private static void Wipe(ThreadObjects o)
    {
        BnClear(o.Scalar);
        BnClear(o.X);
        PointSetToInfinity(o.Group, o.Result);
    }

    /// <summary>
    /// A loaded P-256 signing key with its EVP signing context, initialised once. Not thread-safe: the owner
    /// (<see cref="UserKeyPair"/>) serialises calls. Freed by its finalizer or Dispose.
    /// </summary>
    internal sealed class Signer : SafeHandle
    {
        private Signer(nint ctx) : base(0, ownsHandle: true) => SetHandle(ctx);

        public override bool IsInvalid => handle == 0;

        /// <summary>Loads a pair whose public half the caller has already checked is pk(sk).</summary>
        public static Signer Create(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey)
        {
            var pkey = ImportKeyPair(privateKey, publicKey);
            try
            {
                // The context holds its own reference to the key, so the key is released right away.
                var ctx = CtxNewFromPkey(0, pkey, 0);
                if (ctx == 0)
                {
                    throw Failed("signing set-up");
                }
                if (SignInit(ctx) != 1)
                {
                    CtxFree(ctx);
                    throw Failed("signing set-up");
                }
                return new Signer(ctx);
            }
            finally
            {
                PkeyFree(pkey);
            }
        }

        /// <summary>ECDSA over a 32-byte SHA-256 digest, as the 64-byte IEEE P1363 r || s.</summary>
        public byte[] SignDigest(ReadOnlySpan<byte> digest)
        {
            var added = false;
            DangerousAddRef(ref added);
            try
            {
                Span<byte> der = stackalloc byte[MaxDerSignature];
                nuint length = MaxDerSignature;
                fixed (byte* d = der)
                fixed (byte* h = digest)
                {
                    if (SignFn(handle, d, &length, h, (nuint)digest.Length) != 1)
                    {
                        throw Failed("signing");
                    }
                }
                return DerToP1363(der[..(int)length]);
            }
            finally
            {
                if (added)
                {
                    DangerousRelease();
                }
            }
        }

        protected override bool ReleaseHandle()
        {
            CtxFree(handle);
            return true;
        }
    }

    /// <summary>
    /// DER ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }) to r || s, each left-padded to 32 bytes. Only the shapes
    /// OpenSSL writes for P-256 are accepted (short-form lengths, minimal positive integers); anything else throws.
    /// </summary>
    internal static byte[] DerToP1363(ReadOnlySpan<byte> der)
    {
        if (der.Length < 8 || der[0] != 0x30 || der[1] != der.Length - 2)
        {
            throw new CryptographicException("Unexpected ECDSA signature encoding.");
        }
        var result = new byte[Signatures.SignatureLength];
        var rest = der[2..];
        for (var i = 0; i < 2; i++)
        {
            if (rest.Length < 2 || rest[0] != 0x02 || rest[1] < 1 || rest[1] > 33 || rest.Length < 2 + rest[1])
            {
                throw new CryptographicException("Unexpected ECDSA signature encoding.");
            }
            var value = rest.Slice(2, rest[1]);
            if (value.Length == 33)
            {
                if (value[0] != 0)
                {
                    throw new CryptographicException("Unexpected ECDSA signature encoding.");
                }
                value = value[1..];
            }
            value.CopyTo(result.AsSpan(i * 32 + 32 - value.Length, value.Length));
            rest = rest[(2 + rest[1])..];
        }
        if (!rest.IsEmpty)
        {
            throw new CryptographicException("Unexpected ECDSA signature encoding.");
        }
        return result;
    }

    private static nint ImportKeyPair(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey)
    {
        P256.CheckPrivateKey(privateKey);
        // OSSL_PARAM integers are native-endian (little-endian here); the wire form is big-endian.
        Span<byte> little = stackalloc byte[P256.PrivateKeyLength];
        privateKey.CopyTo(little);
        little.Reverse();
        var ctx = CtxNewFromName(0, NameEc, 0);
        if (ctx == 0)
        {
            throw Failed("import set-up");
        }
        try
        {
            fixed (byte* pub = publicKey)
            fixed (byte* priv = little)
            {
                var p = stackalloc OsslParam[4];
                p[0] = new OsslParam { Key = ParamGroup, DataType = ParamUtf8String, Data = NameP256, DataSize = 5 };
                p[1] = new OsslParam { Key = ParamPub, DataType = ParamOctetString, Data = pub, DataSize = (nuint)publicKey.Length };
                p[2] = new OsslParam { Key = ParamPriv, DataType = ParamUnsignedInteger, Data = priv, DataSize = (nuint)little.Length };
                p[3] = default;
                nint pkey = 0;
                if (FromDataInit(ctx) != 1 || FromData(ctx, &pkey, SelectKeyPair, p) != 1 || pkey == 0)
                {
                    ErrClearError();
                    throw new CryptoFormatException("Invalid P-256 key pair.");
                }
                return pkey;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(little);
            CtxFree(ctx);
        }
    }

    private static CryptographicException Failed(string what)
    {
        ErrClearError();
        return new CryptographicException($"OpenSSL P-256 {what} failed.");
    }

    /// <summary>
    /// Before the path is used at all: pk(sk) and both directions of an agreement must equal the BCL's, an off-curve
    /// point must be refused, and a signature must verify with the BCL.
    /// </summary>
    private static bool SelfTest()
    {
        try
        {
            using var bclRecipient = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            var rp = bclRecipient.ExportParameters(true);
            var recipientPublic = P256.Encode(rp.Q);
            using var bclEphemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            var ep = bclEphemeral.ExportParameters(true);
            var ephemeralPublic = P256.Encode(ep.Q);
            using var bclRecipientKey = bclRecipient.PublicKey;
            var bcl = bclEphemeral.DeriveRawSecretAgreement(bclRecipientKey);
            var offCurve = (byte[])recipientPublic.Clone();
            offCurve[64] ^= 1;
            var refusesOffCurve = false;
            try
            {
                Agree(ep.D, offCurve);
            }
            catch (CryptoFormatException)
            {
                refusesOffCurve = true;
            }
            var data = "medledger self-test"u8.ToArray();
            using var signer = Signer.Create(rp.D, recipientPublic);
            var signature = signer.SignDigest(SHA256.HashData(data));
            using var verifier = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = rp.Q });
            return PublicKey(rp.D).AsSpan().SequenceEqual(recipientPublic) && PublicKey(ep.D).AsSpan().SequenceEqual(ephemeralPublic)
                && Agree(ep.D, recipientPublic).AsSpan().SequenceEqual(bcl) && Agree(rp.D, ephemeralPublic).AsSpan().SequenceEqual(bcl)
                && refusesOffCurve
                && verifier.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (Exception e) when (e is CryptographicException or CryptoFormatException)
        {
            // A static constructor must not throw: any failure here means the BCL path.
            return false;
        }
    }
}
