using System.Security.Cryptography;

namespace MedLedger.Server.Features.Accounts;

/// <summary>Server-held secrets that are not user data (the key of the prelogin decoy salts).</summary>
public sealed class ServerSecrets(byte[] preloginKey)
{
    public byte[] PreloginKey { get; } = preloginKey;

    /// <summary>Reads <c>prelogin.key</c> from the data folder, creating it on first start.</summary>
    public static ServerSecrets LoadOrCreate(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, "prelogin.key");
        if (!File.Exists(path))
        {
            File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(32));
        }
        return new ServerSecrets(File.ReadAllBytes(path));
    }
}
