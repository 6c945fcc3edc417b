namespace MedLedger.Server.Features.Dev;

public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>Only `medledger serve --demo` sets this: it enables the dev outbox endpoint.</summary>
    public bool Enabled { get; set; }
}
