using System.Text;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.CrossCutting;

/// <summary>
/// Plays a curious server: after a realistic session through the SDK, everything the server holds —
/// database (with its WAL and the ledger tables), blob folder, outbox and logs — is searched for the
/// medical content we wrote and for every private key. None may be found.
/// </summary>
public sealed class CuriousServerTests : SdkTestBase
{
    private static string Observation(string marker) => $$"""
        {"resourceType":"Observation","id":"bp","status":"final",
         "code":{"text":"Blood pressure {{marker}}"},
         "valueQuantity":{"value":142,"unit":"mmHg"},
         "note":[{"text":"{{marker}} patient reports dizziness"}]}
        """;

    [Fact]
    public async Task No_marker_and_no_private_key_reaches_the_database_blobs_ledger_outbox_or_logs()
    {
        var admin = await World.AdminAsync();
        var (staff, doctors) = await World.HospitalAsync(admin, "Curious General", 1);
        var doctor = doctors[0];
        var patient = await World.RegisterAsync(Role.Patient);

        var markers = Enumerable.Range(0, 6).Select(i => $"ZQX-MARKER-{i}-{Guid.NewGuid():N}").ToArray();
        var rec = await patient.Client.CreateFhirRecordAsync(Observation(markers[0]));
        await patient.Client.AddVersionAsync(rec.RecordId, Encoding.UTF8.GetBytes(Observation(markers[1])));
        await patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes("%PDF-1.7 discharge letter " + markers[2]), "application/pdf");
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id);
        await patient.Client.GrantConsentAsync((await patient.Client.LookUpProfessionalAsync(doctor.Email)).UserId, ConsentScope.All, purpose: "second-opinion");
        // A maternity bed held and the patient admitted: the hospital's rows know the bed type, the ledger must not.
        await staff.Client.SetWardAsync(staff.OrganizationId!.Value, "Maternity 1", "maternity", 2, 0);
        await staff.Client.AdmitBedBookingAsync((await patient.Client.BookBedAsync(staff.OrganizationId!.Value, "maternity")).Id);
        Assert.Contains(markers[1], Encoding.UTF8.GetString((await doctor.Client.OpenRecordAsync(rec.RecordId)).Content));
        var doctorRecord = await doctor.Client.CreateFhirRecordAsync(Observation(markers[3]), patient.Id);
        // An amendment request and the author's decline reason are sealed on the device: their words are scanned for too.
        var amendmentWords = new[] { $"ZQX-AMEND-REQUEST-{Guid.NewGuid():N}", $"ZQX-AMEND-REASON-{Guid.NewGuid():N}" };
        var amendment = await patient.Client.RequestAmendmentAsync(doctorRecord.RecordId, "Please correct the reading: " + amendmentWords[0]);
        Assert.Contains(amendmentWords[1], (await doctor.Client.DeclineAmendmentAsync(amendment.RequestId, "The reading stands: " + amendmentWords[1])).DeclineReason, StringComparison.Ordinal);
        // An appointment's reason is sealed on the patient's device for the doctor: its words are scanned for too.
        var appointmentWords = new[] { $"ZQX-APPOINTMENT-REASON-{Guid.NewGuid():N}" };
        await doctor.Client.SetScheduleAsync(doctor.Id, "Europe/Berlin", 30, VisitKind.InPerson, Enum.GetValues<DayOfWeek>().Select(d => new WorkingHours(d, new TimeOnly(8, 0), new TimeOnly(18, 0))).ToList());
        await patient.Client.BookAppointmentAsync((await patient.Client.FindDoctorsAsync(hospitalId: staff.OrganizationId)).Single().NextSlots[0], "Chest pain when climbing stairs " + appointmentWords[0]);
        Assert.Contains(appointmentWords[0], doctor.Client.OpenAppointmentReason((await doctor.Client.AppointmentsAsync()).Single()), StringComparison.Ordinal);

        await staff.Client.PublishHospitalEmergencyKeyAsync();
        var summary = await patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes("Allergies: penicillin. " + markers[4]), "text/plain", category: "EmergencySummary");
        await patient.Client.DesignateEmergencySummaryAsync(summary.RecordId, staff.OrganizationId!.Value);
        var glass = await doctor.Client.BreakGlassAsync(patient.Id, "unconscious");
        Assert.Contains(markers[4], Encoding.UTF8.GetString(glass.Content));
        // A sealed profile wrapped for the hospital's staff and the doctor: its name, birth date and phone are patient data too.
        var profile = new MedLedger.Crypto.PatientProfile($"Zorabel Quillfeather-{markers[5][..14]}", "1969-07-21", "female", "+49 30 5550 7788");
        await patient.Client.SetMyProfileAsync(profile);
        Assert.Equal(profile, (await staff.Client.SharedProfilesAsync())[patient.Id].Profile);
        Assert.Equal(profile, (await doctor.Client.PatientProfileAsync(patient.Id))!.Profile);
        // A conversation with the assigned doctor: subject, message text and an attachment's bytes are sealed on the device.
        var messageWords = new[] { $"ZQX-SUBJECT-{Guid.NewGuid():N}", $"ZQX-MESSAGE-{Guid.NewGuid():N}", $"ZQX-ATTACHMENT-{Guid.NewGuid():N}", $"zqx-file-{Guid.NewGuid():N}.txt" };
        var conversation = await patient.Client.StartConversationAsync([doctor.Id], "Question: " + messageWords[0]);
        await patient.Client.SendMessageAsync(conversation.Id, "My question: " + messageWords[1],
            [new OutgoingAttachment(messageWords[3], "text/x-zqx-private", Encoding.UTF8.GetBytes("Lab photo notes " + messageWords[2]))]);
        var delivered = Assert.Single(await doctor.Client.MessagesAsync(conversation.Id));
        Assert.Contains(messageWords[2], Encoding.UTF8.GetString(await doctor.Client.AttachmentAsync(delivered, 0)), StringComparison.Ordinal);
        Assert.Contains(messageWords[0], (await doctor.Client.ConversationAsync(conversation.Id)).Subject, StringComparison.Ordinal);
        await patient.Client.RevokeConsentAsync((await patient.Client.GrantsAsync()).Single().Id);
        // A prescription and a fill: the ledger and the rows carry ids and counts; the drug is named only in the sealed record.
        var drug = $"ZQX-DRUG-{Guid.NewGuid():N}";
        var pharmacist = await World.VerifiedAsync(admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Curious Pharmacy");
        var rx = await doctor.Client.WritePrescriptionAsync(Features.Dispensing.DispensingTests.MedicationRequest(drug: drug), patient.Id);
        await Features.Dispensing.DispensingTests.ShareAsync(patient, pharmacist);
        var item = await Features.Dispensing.DispensingTests.StockAsync(pharmacist);
        Assert.Equal(10, (await pharmacist.Client.DispenseAsync(rx.Info.PrescriptionId, item, 10)).Dispensed);
        // The fill's MedicationDispense record (the drug name inside, sealed) is part of what the scan below looks through.
        Assert.Single(await patient.Client.ListRecordsAsync(category: MedLedger.Crypto.RecordCategories.MedicationDispense));

        var haystacks = await CuriousServerScan.StoredBytesAsync(Host);

        var needles = new List<(string What, byte[] Bytes)>();
        foreach (var m in markers.Take(5).Concat(amendmentWords).Concat(messageWords).Concat(appointmentWords).Append("text/x-zqx-private").Append(drug))
        {
            needles.Add(("marker " + m, Encoding.UTF8.GetBytes(m)));
            needles.Add(("marker (utf-16) " + m, Encoding.Unicode.GetBytes(m)));
        }
        foreach (var word in new[] { "Zorabel", "Quillfeather", profile.BirthDate, profile.Phone, "5550 7788" })
        {
            needles.Add(("profile " + word, Encoding.UTF8.GetBytes(word)));
            needles.Add(("profile (utf-16) " + word, Encoding.Unicode.GetBytes(word)));
        }
        foreach (var u in new[] { admin, staff, doctor, patient })
        {
            foreach (var (kind, key) in new[] { ("encryption", u.Client.Keys!.Encryption.PrivateKey), ("signing", u.Client.Keys!.Signing.PrivateKey) })
            {
                needles.Add(($"{u.Role} {kind} private key (raw)", key));
                needles.Add(($"{u.Role} {kind} private key (base64)", Encoding.ASCII.GetBytes(Convert.ToBase64String(key))));
                needles.Add(($"{u.Role} {kind} private key (hex)", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(key))));
            }
            needles.Add(($"{u.Role} password", Encoding.UTF8.GetBytes(u.Password)));
        }
        CuriousServerScan.AssertNoneFound(haystacks, needles);
        // Emails live in the accounts table by design, but never in logs, in any encoding.
        var logs = Encoding.UTF8.GetString(haystacks.Single(h => h.Name == "logs").Bytes);
        foreach (var u in new[] { admin, staff, doctor, patient })
        {
            Assert.DoesNotContain(u.Email, logs);
            Assert.DoesNotContain(Uri.EscapeDataString(u.Email), logs);
        }
        // The ledger rows exist and are what we searched (no medical content, only ids and hashes).
        Assert.Contains(haystacks, h => h.Bytes.AsSpan().IndexOf("records.write"u8) >= 0);
        await AssertLedgerHoldsNoMedicalWordsAsync(Path.Combine(Host.DataDirectory, "medledger.db"));
    }

    /// <summary>
    /// Issue 16 item 3: an order's lines are sealed for the pharmacy and the patient. After an order is placed, accepted (stock
    /// reserved), paid and collected and another is cancelled, the medicine's name and the order's plaintext are nowhere in the
    /// database (with its WAL and ledger tables), blobs or logs once the catalogue's own copy of the name (public directory
    /// data, the one place it belongs) is blanked.
    /// </summary>
    [Fact]
    public async Task No_medicine_name_or_plaintext_of_a_sealed_order_reaches_the_database_ledger_or_logs_outside_the_catalogue()
    {
        var admin = await World.AdminAsync();
        var pharmacist = await World.VerifiedAsync(admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Curious Order Pharmacy");
        var pharmacyId = pharmacist.OrganizationId!.Value;
        await pharmacist.Client.PublishPharmacyKeyAsync();
        var patient = await World.RegisterAsync(Role.Patient);
        // A record too, so the blob store the scan reads exists.
        await patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes("%PDF-1.7 receipt"), "application/pdf");
        var drug = $"ZQX-ORDERED-{Guid.NewGuid():N}";
        var item = await pharmacist.Client.AddMedicineAsync(pharmacyId, new NewMedicine(drug, "5 mg", DosageForm.Tablet, 28, 899, "EUR", false, DrugSchedule.None, 0));
        await pharmacist.Client.ReceiveStockAsync(pharmacyId, item.Id, "CURIOUS-1", DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1), 10);
        var order = await patient.Client.PlaceOrderAsync(pharmacyId, [new OrderItem(item.Id, 2)]);
        var plaintext = patient.Client.OpenMyOrder(order).ToJsonBytes();
        await pharmacist.Client.AcceptOrderAsync(order.Id);
        await pharmacist.Client.MarkOrderReadyAsync(order.Id);
        await patient.Client.TopUpAsync(5000, "EUR", "card-curious");
        await patient.Client.PayAsync((await patient.Client.MyPayablesAsync()).Single().Id);
        Assert.Equal("collected", (await pharmacist.Client.CollectOrderAsync(order.Id)).Status);
        var cancelled = await patient.Client.PlaceOrderAsync(pharmacyId, [new OrderItem(item.Id, 1)]);
        await pharmacist.Client.AcceptOrderAsync(cancelled.Id);
        await patient.Client.CancelOrderAsync(cancelled.Id);
        Assert.True(await pharmacist.Client.ReleaseCancelledOrderAsync(cancelled.Id));

        await using (var scope = Host.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MedLedger.Server.Infrastructure.Data.MedLedgerDbContext>();
            await db.Set<MedLedger.Server.Features.Pharmacy.PharmacyMedicine>().Where(m => m.Id == item.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(m => m.Name, "blanked").SetProperty(m => m.NameKey, "blanked"));
            await db.Database.ExecuteSqlRawAsync("VACUUM");
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        var haystacks = await CuriousServerScan.StoredBytesAsync(Host);

        var needles = CuriousServerScan.Needles("medicine name", drug).Append(("sealed order plaintext", plaintext)).ToList();
        CuriousServerScan.AssertNoneFound(haystacks, needles);
        // The scan covered the order and reservation events.
        Assert.Contains(haystacks, h => h.Bytes.AsSpan().IndexOf("orders.place"u8) >= 0);
        Assert.Contains(haystacks, h => h.Bytes.AsSpan().IndexOf("pharmacy.stock-reservation"u8) >= 0);
    }

    /// <summary>
    /// Issue 17 item 2: a benefit category next to a patient id is a medical fact ("Maternity"), so insurance.policy names each
    /// benefit by a salted tag. After a policy is issued, paid, activated, suspended and reinstated, and claims are filed, decided and
    /// disputed on it, no category name is in any claim row or
    /// ledger payload or contract state (case-sensitive: "planRevision" holds "vision", not the category "Vision").
    /// </summary>
    [Fact]
    public async Task No_benefit_category_name_appears_next_to_a_policy_or_a_claim_on_the_ledger_or_in_claim_rows()
    {
        var admin = await World.AdminAsync();
        var insurer = await World.VerifiedAsync(admin, Role.InsurerStaff, OrganizationKind.Insurer, "Curious Mutual");
        var plan = await insurer.Client.CreateInsurancePlanAsync(new NewInsurancePlan("Curious Cover", null, "EUR", 1500, PremiumInterval.Yearly, 90_000, false,
            Enum.GetValues<CoverCategory>().Select(c => new PlanBenefit(c, 70, null, 50_000, 10)).ToList()));
        var patient = await World.RegisterAsync(Role.Patient);
        var application = await patient.Client.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime));
        var policy = await insurer.Client.AcceptApplicationAsync(application.Id);
        await patient.Client.TopUpAsync(1500, "EUR", "card-curious-policy");
        await patient.Client.PayAsync((await patient.Client.MyPayablesAsync()).Single().Id);
        Assert.Equal("active", (await patient.Client.MyPolicyAsync(policy.Policy.Id)).Policy.Status);
        await insurer.Client.SuspendPolicyAsync(policy.Policy.Id, "other");
        await insurer.Client.ReinstatePolicyAsync(policy.Policy.Id);
        // Claims (items 4 and 5) name benefits by the same tags: a pharmacy files one line per category, the insurer decides and pays,
        // the patient files their own and disputes one.
        var pharmacist = await World.VerifiedAsync(admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Curious Claims Pharmacy");
        await patient.Client.SharePolicyCardAsync(policy.Policy.Id, pharmacist.Id);
        var now = Host.Clock.GetUtcNow();
        var claim = await pharmacist.Client.FileClaimAsync(policy.Policy.Id, "curious-dispense",
            Enum.GetNames<CoverCategory>().Select(c => new NewClaimLine(c, 1000, now)).ToList());
        await insurer.Client.ApproveClaimAsync(claim.Id);
        var own = await patient.Client.FileClaimAsync(policy.Policy.Id, "curious-receipt", [new NewClaimLine("Maternity", 500, now)]);
        await patient.Client.DisputeClaimAsync(own.Id, "amount-wrong");

        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Host.DataDirectory, "medledger.db")};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        var texts = new List<string>();
        foreach (var sql in new[] { "SELECT tx_bytes, signature FROM ledger_transactions", "SELECT state_key, state_value FROM ledger_state" })
        {
            await using var cmd = db.CreateCommand();
            cmd.CommandText = sql;
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                if (r[0] is byte[] bytes)
                {
                    var tx = MedLedger.Ledger.LedgerTransaction.FromSigningBytes(bytes, (byte[])r[1]);
                    texts.AddRange(tx.Payload.Keys.Concat(tx.Payload.Values.Where(v => !IsPublicKey(v))));
                }
                else
                {
                    texts.Add(r.GetString(0));
                    texts.Add(r.GetString(1));
                }
            }
        }
        Assert.Contains(texts, t => t.StartsWith("policy/" + policy.Policy.Id + "/benefit/", StringComparison.Ordinal));
        // The claim rows (every text column) hold tags, codes and ids too.
        foreach (var table in new[] { "insurance_claims", "insurance_claim_lines" })
        {
            await using var cmd = db.CreateCommand();
            cmd.CommandText = $"SELECT * FROM {table}";
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                for (var i = 0; i < r.FieldCount; i++)
                {
                    if (r[i] is string text)
                    {
                        texts.Add(text);
                    }
                }
            }
        }
        Assert.Contains(texts, t => t.StartsWith("claim/" + claim.Id + "/line/", StringComparison.Ordinal));
        foreach (var category in Enum.GetNames<CoverCategory>())
        {
            Assert.DoesNotContain(texts, t => t.Contains(category, StringComparison.Ordinal));
        }
    }

    // Registered public keys are random base64, which may spell three letters by chance; they carry no facts.
    private static bool IsPublicKey(string value) => value.Length == 88 && Convert.TryFromBase64String(value, new byte[66], out var n) && n == 65;

    /// <summary>
    /// Bed types and consent purposes are medical facts: the ledger's payloads and contract state may hold ids,
    /// hashes, counts and commitments, never these words (the relational rows that need them are not the ledger).
    /// Break-glass reason codes are added here by the emergency work.
    /// </summary>
    private static async Task AssertLedgerHoldsNoMedicalWordsAsync(string databaseFile)
    {
        var words = MedLedger.Server.Features.Hospitals.HospitalOptions.BuiltInBedTypes
            .Concat(MedLedger.Server.Features.Consent.ConsentService.Purposes).ToList();
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={databaseFile};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        var texts = new List<(string Where, string Text)>();
        var types = new HashSet<string>(StringComparer.Ordinal);
        await using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = "SELECT tx_bytes, signature FROM ledger_transactions";
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                var tx = MedLedger.Ledger.LedgerTransaction.FromSigningBytes((byte[])r[0], (byte[])r[1]);
                types.Add(tx.Type);
                foreach (var (key, value) in tx.Payload)
                {
                    texts.Add(($"{tx.Type} payload key", key));
                    if (!IsPublicKey(value))
                    {
                        texts.Add(($"{tx.Type} payload {key}", value));
                    }
                }
            }
        }
        await using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = "SELECT state_key, state_value FROM ledger_state";
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                if (!IsPublicKey(r.GetString(1)))
                {
                    texts.Add(($"state {r.GetString(0)}", r.GetString(1)));
                }
            }
        }
        // The session really put bookings, consent and care on the ledger, so the scan covers them.
        Assert.Superset(new HashSet<string> { "beds.book", "beds.admit", "consent.grant", "care.register", "care.assign" }, types);
        foreach (var (where, text) in texts)
        {
            Assert.DoesNotContain(text, new[] { "bedType", "purpose" }, StringComparer.Ordinal);
            foreach (var w in words)
            {
                Assert.False(text.Contains(w, StringComparison.OrdinalIgnoreCase), $"'{w}' found in the ledger ({where}: {text})");
            }
        }
    }
}
