using System.CommandLine;

namespace MedLedger.Cli.Commands;

/// <summary>Feature verbs (records, consent, care, hospitals…) register here.</summary>
public static class ClientCommands
{
    public static IEnumerable<Command> All()
    {
        yield return RecordCommands.Build();
        yield return ConsentCommands.Build();
        yield return CareCommands.Build();
        yield return EmergencyCommands.Build();
        yield return HospitalCommands.Hospitals();
        yield return HospitalCommands.Beds();
        yield return AccountCommands.Password();
        yield return AccountCommands.Recover();
        yield return AccountCommands.Register();
        yield return PharmacyCommands.Pharmacy();
        yield return PharmacyCommands.SearchMedicines();
        yield return PharmacyCommands.Pharmacies();
        yield return PrescriptionCommands.Prescriptions();
        yield return MessageCommands.Build();
        yield return AppointmentCommands.Build();
        yield return WalletCommands.Wallet();
        yield return OrderCommands.Orders();
        yield return InsuranceCommands.Build();
        yield return ImportCommands.Build();
    }
}
