using System.CommandLine;

namespace MedLedger.Cli.Commands;

/// <summary>Feature verbs (records, consent, care, hospitals…) register here.</summary>
public static class ClientCommands
{
    public static IEnumerable<Command> All()
    {
        yield return RecordCommands.Records();
        yield return RecordCommands.Consent();
        yield return RecordCommands.Care();
        yield return EmergencyCommands.Build();
        yield return HospitalCommands.Hospitals();
        yield return HospitalCommands.Beds();
        yield return AccountCommands.Password();
        yield return AccountCommands.Recover();
    }
}
