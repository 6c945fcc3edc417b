using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace MedLedger.Crypto;

/// <summary>
/// P-256 key agreement straight on OpenSSL 3's EVP API (Linux), used by HPKE when available. Why: .NET's
/// ECDiffieHellman pays for a full public-key check (an extra scalar multiplication) on every import and every
/// derive, and builds a fresh key-generation context per ephemeral key; measured here that made an HPKE seal or
/// open 4–6× OpenSSL's own ECDH. This path generates ephemeral keys from a reused per-thread context and checks a
/// peer point ONCE, at import: OpenSSL's import decodes the point and refuses one that is not on the curve, and
/// P-256 has cofactor 1, so an on-curve point of the uncompressed form (never the point at infinity) has prime order
/// n — the partial validation of NIST SP 800-56A is the full one here. The derive then skips OpenSSL's repeated check.
/// Anything else (Windows, macOS, no libcrypto.so.3, a failed self-test, MEDLEDGER_CRYPTO_OPENSSL=0) uses the BCL path;
/// both give identical bytes (tests compare them).
/// </summary>
internal static unsafe class OpenSslEcdh
{
    // OSSL_KEYMGMT_SELECT_* (openssl/core_dispatch.h): EVP_PKEY_PUBLIC_KEY and EVP_PKEY_KEYPAIR selections.
    private const int SelectPublicKey = 0x86;
    private const int SelectKeyPair = 0x87;
    private const uint ParamUnsignedInteger = 2;
    private const uint ParamUtf8String = 4;
    private const uint ParamOctetString = 5;

    private static readonly delegate* unmanaged<nint, byte*, nint, nint> CtxNewFromName;
    private static readonly delegate* unmanaged<nint, nint, nint, nint> CtxNewFromPkey;
    private static readonly delegate* unmanaged<nint, void> CtxFree;
    private static readonly delegate* unmanaged<nint, int> KeygenInit;
    private static readonly delegate* unmanaged<nint, byte*, int> SetGroupName;
    private static readonly delegate* unmanaged<nint, nint*, int> Keygen;
    private static readonly delegate* unmanaged<nint, void> PkeyFree;
    private static readonly delegate* unmanaged<nint, int> DeriveInit;
    private static readonly delegate* unmanaged<nint, nint, int, int> DeriveSetPeerEx;
    private static readonly delegate* unmanaged<nint, byte*, nuint*, int> DeriveFn;
    private static readonly delegate* unmanaged<nint, byte*, byte*, nuint, nuint*, int> GetOctetStringParam;
    private static readonly delegate* unmanaged<nint, int> FromDataInit;
    private static readonly delegate* unmanaged<nint, nint*, int, OsslParam*, int> FromData;
    private static readonly delegate* unmanaged<void> ErrClearError;

    // Zero-terminated names handed to OpenSSL; static so they never move.
    private static readonly byte* NameEc = Utf8("EC");
    private static readonly byte* NameP256 = Utf8("P-256");
    private static readonly byte* ParamGroup = Utf8("group");
    private static readonly byte* ParamPub = Utf8("pub");
    private static readonly byte* ParamPriv = Utf8("priv");
    private static readonly byte* ParamEncodedPub = Utf8("encoded-pub-key");

    [ThreadStatic]
    private static nint t_keygen;

    /// <summary>Whether this process uses the OpenSSL path (decided once: library present, exports found, self-test passed).</summary>
    public static bool Available { get; }

    [StructLayout(LayoutKind.Sequential)]
    private struct OsslParam
    {
        public byte* Key;
        public uint DataType;
        public void* Data;
        public nuint DataSize;
        public nuint ReturnSize;
    }

#pragma warning disable CA1810 // the exports must be resolved before Available is computed, in one place
    static OpenSslEcdh()
#pragma warning restore CA1810
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MEDLEDGER_CRYPTO_OPENSSL") == "0"
            || !NativeLibrary.TryLoad("libcrypto.so.3", typeof(OpenSslEcdh).Assembly, null, out var lib))
        {
            return;
        }
        try
        {
            CtxNewFromName = (delegate* unmanaged<nint, byte*, nint, nint>)NativeLibrary.GetExport(lib, "EVP_PKEY_CTX_new_from_name");
            CtxNewFromPkey = (delegate* unmanaged<nint, nint, nint, nint>)NativeLibrary.GetExport(lib, "EVP_PKEY_CTX_new_from_pkey");
            CtxFree = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "EVP_PKEY_CTX_free");
            KeygenInit = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(lib, "EVP_PKEY_keygen_init");
            SetGroupName = (delegate* unmanaged<nint, byte*, int>)NativeLibrary.GetExport(lib, "EVP_PKEY_CTX_set_group_name");
            Keygen = (delegate* unmanaged<nint, nint*, int>)NativeLibrary.GetExport(lib, "EVP_PKEY_keygen");
            PkeyFree = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "EVP_PKEY_free");
            DeriveInit = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(lib, "EVP_PKEY_derive_init");
            DeriveSetPeerEx = (delegate* unmanaged<nint, nint, int, int>)NativeLibrary.GetExport(lib, "EVP_PKEY_derive_set_peer_ex");
            DeriveFn = (delegate* unmanaged<nint, byte*, nuint*, int>)NativeLibrary.GetExport(lib, "EVP_PKEY_derive");
            GetOctetStringParam = (delegate* unmanaged<nint, byte*, byte*, nuint, nuint*, int>)NativeLibrary.GetExport(lib, "EVP_PKEY_get_octet_string_param");
            FromDataInit = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(lib, "EVP_PKEY_fromdata_init");
            FromData = (delegate* unmanaged<nint, nint*, int, OsslParam*, int>)NativeLibrary.GetExport(lib, "EVP_PKEY_fromdata");
            ErrClearError = (delegate* unmanaged<void>)NativeLibrary.GetExport(lib, "ERR_clear_error");
            Available = SelfTest();
        }
        catch (EntryPointNotFoundException)
        {
            Available = false;
        }
    }

    private static byte* Utf8(string s)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(s + "\0");
        var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
        bytes.AsSpan().CopyTo(new Span<byte>(p, bytes.Length));
        return p;
    }

    /// <summary>An owned OpenSSL EVP_PKEY (freed on dispose).</summary>
    internal sealed class EvpKey : SafeHandleZeroOrMinusOneIsInvalid
    {
        public EvpKey(nint handle) : base(ownsHandle: true) => SetHandle(handle);

        protected override bool ReleaseHandle()
        {
            PkeyFree(handle);
            return true;
        }
    }

    /// <summary>A fresh ephemeral key pair from this thread's reused key-generation context, with its 65-byte public point.</summary>
    public static EvpKey Generate(out byte[] publicKey)
    {
        if (t_keygen == 0)
        {
            var ctx = CtxNewFromName(0, NameEc, 0);
            if (ctx == 0 || KeygenInit(ctx) != 1 || SetGroupName(ctx, NameP256) != 1)
            {
                if (ctx != 0)
                {
                    CtxFree(ctx);
                }
                throw Failed("key generation set-up");
            }
            // One context per thread for the thread's life: contexts are not shared between threads.
            t_keygen = ctx;
        }
        nint pkey = 0;
        if (Keygen(t_keygen, &pkey) != 1 || pkey == 0)
        {
            throw Failed("key generation");
        }
        var key = new EvpKey(pkey);
        publicKey = new byte[P256.PublicKeyLength];
        nuint len = 0;
        fixed (byte* p = publicKey)
        {
            if (GetOctetStringParam(pkey, ParamEncodedPub, p, (nuint)publicKey.Length, &len) != 1 || len != (nuint)publicKey.Length || p[0] != 4)
            {
                key.Dispose();
                throw Failed("public key export");
            }
        }
        return key;
    }

    /// <summary>Imports a 65-byte uncompressed point; OpenSSL refuses a point that is not on P-256 (CryptoFormatException).</summary>
    public static EvpKey ImportPublic(ReadOnlySpan<byte> publicKey)
    {
        _ = P256.PublicParameters(publicKey); // length and 0x04 form, with the same message as the BCL path
        return ImportPoint(publicKey) ?? throw new CryptoFormatException("Public key is not a point on P-256.");
    }

    /// <summary>Imports a key pair whose public half the caller has already checked is pk(sk).</summary>
    public static EvpKey ImportKeyPair(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey)
    {
        P256.CheckPrivateKey(privateKey);
        // OSSL_PARAM integers are native-endian (little-endian here); the wire form is big-endian.
        Span<byte> little = stackalloc byte[P256.PrivateKeyLength];
        privateKey.CopyTo(little);
        little.Reverse();
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
                return Import(p, SelectKeyPair) ?? throw new CryptoFormatException("Invalid P-256 key pair.");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(little);
        }
    }

    private static EvpKey? Import(OsslParam* parameters, int selection)
    {
        var ctx = CtxNewFromName(0, NameEc, 0);
        if (ctx == 0)
        {
            throw Failed("import set-up");
        }
        try
        {
            nint pkey = 0;
            if (FromDataInit(ctx) != 1 || FromData(ctx, &pkey, selection, parameters) != 1 || pkey == 0)
            {
                ErrClearError();
                return null;
            }
            return new EvpKey(pkey);
        }
        finally
        {
            CtxFree(ctx);
        }
    }

    /// <summary>The raw ECDH x-coordinate (32 bytes). The peer was validated when it was imported.</summary>
    public static byte[] Derive(EvpKey mine, EvpKey peer)
    {
        ArgumentNullException.ThrowIfNull(mine);
        ArgumentNullException.ThrowIfNull(peer);
        var added = false;
        var addedPeer = false;
        mine.DangerousAddRef(ref added);
        peer.DangerousAddRef(ref addedPeer);
        var ctx = CtxNewFromPkey(0, mine.DangerousGetHandle(), 0);
        try
        {
            var secret = new byte[32];
            nuint len = (nuint)secret.Length;
            fixed (byte* s = secret)
            {
                if (ctx == 0 || DeriveInit(ctx) != 1 || DeriveSetPeerEx(ctx, peer.DangerousGetHandle(), 0) != 1 || DeriveFn(ctx, s, &len) != 1 || len != 32)
                {
                    CryptographicOperations.ZeroMemory(secret);
                    throw Failed("key agreement");
                }
            }
            return secret;
        }
        finally
        {
            if (ctx != 0)
            {
                CtxFree(ctx);
            }
            if (addedPeer)
            {
                peer.DangerousRelease();
            }
            if (added)
            {
                mine.DangerousRelease();
            }
        }
    }

    private static CryptographicException Failed(string what)
    {
        ErrClearError();
        return new CryptographicException($"OpenSSL P-256 {what} failed.");
    }

    /// <summary>Both directions of one agreement must match the BCL's, and an off-curve point must be refused.</summary>
    private static bool SelfTest()
    {
        try
        {
            using var bclRecipient = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            var rp = bclRecipient.ExportParameters(true);
            var recipientPublic = P256.Encode(rp.Q);
            using var recipient = ImportKeyPair(rp.D, recipientPublic);
            using var recipientPublicOnly = ImportPublic(recipientPublic);
            using var ephemeral = Generate(out var ephemeralPublic);
            var ours = Derive(ephemeral, recipientPublicOnly);
            using var ephemeralPublicOnly = ImportPublic(ephemeralPublic);
            var theirs = Derive(recipient, ephemeralPublicOnly);
            using var bclEphemeral = P256.ImportDhPublic(ephemeralPublic);
            using var bclEphemeralKey = bclEphemeral.PublicKey;
            var bcl = bclRecipient.DeriveRawSecretAgreement(bclEphemeralKey);
            var offCurve = (byte[])recipientPublic.Clone();
            offCurve[64] ^= 1;
            var refusesOffCurve = ImportPoint(offCurve) is null;
            return ours.AsSpan().SequenceEqual(bcl) && theirs.AsSpan().SequenceEqual(bcl) && refusesOffCurve;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static EvpKey? ImportPoint(ReadOnlySpan<byte> publicKey)
    {
        fixed (byte* pub = publicKey)
        {
            var p = stackalloc OsslParam[3];
            p[0] = new OsslParam { Key = ParamGroup, DataType = ParamUtf8String, Data = NameP256, DataSize = 5 };
            p[1] = new OsslParam { Key = ParamPub, DataType = ParamOctetString, Data = pub, DataSize = (nuint)publicKey.Length };
            p[2] = default;
            return Import(p, SelectPublicKey);
        }
    }
}
