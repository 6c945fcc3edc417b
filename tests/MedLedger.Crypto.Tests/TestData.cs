using System.Text.Json;

namespace MedLedger.Crypto.Tests;

/// <summary>Locates the repository's testdata/ folder from the test binary directory.</summary>
internal static class TestData
{
    public static string Directory
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null)
            {
                var candidate = Path.Combine(dir.FullName, "testdata");
                if (System.IO.Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
                {
                    return candidate;
                }
                dir = dir.Parent;
            }
            throw new InvalidOperationException("testdata/ not found above " + AppContext.BaseDirectory);
        }
    }

    public static string PathOf(string name) => Path.Combine(Directory, name);

    public static JsonDocument Load(string name) => JsonDocument.Parse(File.ReadAllText(PathOf(name)));

    public static byte[] Hex(this JsonElement e, string property) => Convert.FromHexString(e.GetProperty(property).GetString()!);

    public static string Str(this JsonElement e, string property) => e.GetProperty(property).GetString()!;

    public static string ToHex(this byte[] bytes) => Convert.ToHexStringLower(bytes);
}
