using System.Runtime.InteropServices;

namespace MedLedger.Crypto;

/// <summary>
/// OpenSSL 3's libcrypto.so.3, loaded once for the direct paths (<see cref="OpenSslP256"/>, <see cref="OpenSslHmacSha256"/>).
/// Zero when there is none (not Linux, no OpenSSL 3) or when MEDLEDGER_CRYPTO_OPENSSL=0 asks for the BCL everywhere.
/// </summary>
internal static class LibCrypto
{
    public static nint Handle { get; } =
        OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("MEDLEDGER_CRYPTO_OPENSSL") != "0"
        && NativeLibrary.TryLoad("libcrypto.so.3", typeof(LibCrypto).Assembly, null, out var lib) ? lib : 0;

    /// <summary>An exported function's address (EntryPointNotFoundException when this libcrypto lacks it).</summary>
    public static nint Export(string name) => NativeLibrary.GetExport(Handle, name);
}
