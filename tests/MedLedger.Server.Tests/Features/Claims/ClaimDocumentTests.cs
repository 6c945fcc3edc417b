using System.Net;
using System.Text;
using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Tests.CrossCutting;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Claims;

/// <summary>
/// Issue 17 items 4 and 6: a claim's attached documents sealed for the claim's insurer (the patient's consent grant per verified
/// staff member, the claim link from the ledger), and the insurer's own figures. From the attacker's side: another insurer, even
/// holding a grant, cannot open them; figures never cross insurers.
/// </summary>
public sealed class ClaimDocumentTests : RecordTestBase
{
    private SdkUser _insurer = null!, _patient = null!, _pharmacist = null!;
    private Guid _policyId;

    private async Task WorldAsync()
    {
        _insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Docs Mutual " + Guid.NewGuid().ToString("N")[..6]);
        var plan = await _insurer.Client.CreateInsurancePlanAsync(new NewInsurancePlan("Docs " + Guid.NewGuid().ToString("N")[..6], null, "EUR", 2900, PremiumInterval.Monthly, 100_000,
            DependantsAllowed: false, [new PlanBenefit(CoverCategory.Outpatient, 100, null, 1000, 0)]));
        _patient = await World.RegisterAsync(Role.Patient);
        var application = await _patient.Client.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime));
        var accepted = await _insurer.Client.AcceptApplicationAsync(application.Id);
        var payable = Assert.Single(await _patient.Client.MyPayablesAsync(), p => p.ReferenceId == accepted.Policy.Id);
        await _patient.Client.TopUpAsync(payable.Amount, "EUR", "card-auth-" + Guid.NewGuid().ToString("N")[..8]);
        await _patient.Client.PayAsync(payable.Id);
        _policyId = accepted.Policy.Id;
        _pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Docs Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        await _patient.Client.SharePolicyCardAsync(_policyId, _pharmacist.Id);
    }

    private DateTimeOffset Now => Host.Clock.GetUtcNow();

    private async Task<(ClaimView Claim, RecordVersionInfo Record)> FileWithDocumentAsync(string content)
    {
        var record = await _patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes(content), "application/pdf");
        var claim = await _patient.Client.FileClaimAsync(_policyId, "receipt-" + Guid.NewGuid().ToString("N")[..6], [new NewClaimLine("Outpatient", 10, Now)],
            documents: [(record.RecordId, record.Version)]);
        return (claim, record);
    }

    [Fact]
    public async Task The_insurers_staff_open_the_documents_sealed_for_them_and_another_insurer_holding_a_grant_is_still_refused()
    {
        await WorldAsync();
        var (claim, record) = await FileWithDocumentAsync("%PDF-1.7 receipt for the insurer");
        // Filed but not sealed yet: linked for the insurer, no key for them.
        await Assert.ThrowsAsync<MedLedgerApiException>(() => _insurer.Client.OpenRecordAsync(record.RecordId));

        Assert.Equal([_insurer.Id], await _patient.Client.SealClaimDocumentsForInsurerAsync(claim.Id));
        Assert.Equal("%PDF-1.7 receipt for the insurer", Encoding.UTF8.GetString((await _insurer.Client.OpenRecordAsync(record.RecordId)).Content));
        // Sealing again adds nothing (the grant already covers the documents).
        Assert.Single(await _patient.Client.GrantsAsync(), g => g.GranteeId == _insurer.Id);
        await _patient.Client.SealClaimDocumentsForInsurerAsync(claim.Id);
        Assert.Single(await _patient.Client.GrantsAsync(), g => g.GranteeId == _insurer.Id);

        // Another insurer's staff: no claim of theirs names the record, so even a grant from the patient does not open it.
        var rival = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Rival Mutual " + Guid.NewGuid().ToString("N")[..6]);
        await _patient.Client.GrantConsentAsync(rival.Id, ConsentScope.Records, [record.RecordId.ToString()], "insurance-claim");
        var refused = await Assert.ThrowsAsync<MedLedgerApiException>(() => rival.Client.OpenRecordAsync(record.RecordId));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<MedLedgerApiException>(() => rival.Client.InsurerClaimAsync(claim.Id))).Status);
    }

    [Fact]
    public async Task Only_the_claims_patient_seals_and_only_records_the_claim_lists()
    {
        await WorldAsync();
        var (claim, _) = await FileWithDocumentAsync("%PDF-1.7 receipt");
        var other = await _patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes("%PDF-1.7 unrelated"), "application/pdf");
        // A record the claim does not list is never shared, whatever the caller asks.
        await Assert.ThrowsAsync<ClaimDocumentsException>(() => _patient.Client.SealClaimDocumentsForInsurerAsync(claim.Id, [other.RecordId]));
        Assert.DoesNotContain(await _patient.Client.GrantsAsync(), g => g.GranteeId == _insurer.Id);
        // Another patient cannot even see the claim; a pharmacist cannot sign the patient's grant.
        var stranger = await World.RegisterAsync(Role.Patient);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<MedLedgerApiException>(() => stranger.Client.SealClaimDocumentsForInsurerAsync(claim.Id))).Status);
        await Assert.ThrowsAsync<ClaimDocumentsException>(() => _pharmacist.Client.SealClaimDocumentsForInsurerAsync(claim.Id));
    }

    [Fact]
    public async Task The_insurers_figures_equal_the_ledgers_claims_and_payouts_and_another_insurer_sees_none_of_them()
    {
        await WorldAsync();
        var paid = await _pharmacist.Client.FileClaimAsync(_policyId, "dispense-a", [new NewClaimLine("Outpatient", 30, Now)]);
        var partly = await _pharmacist.Client.FileClaimAsync(_policyId, "dispense-b", [new NewClaimLine("Outpatient", 20, Now), new NewClaimLine("Outpatient", 10, Now)]);
        var rejected = await _pharmacist.Client.FileClaimAsync(_policyId, "dispense-c", [new NewClaimLine("Outpatient", 15, Now)]);
        await _pharmacist.Client.FileClaimAsync(_policyId, "dispense-d", [new NewClaimLine("Outpatient", 5, Now)]);
        await _insurer.Client.ApproveClaimAsync(paid.Id);
        await _insurer.Client.PayOutClaimAsync(paid.Id);
        await _insurer.Client.DecideClaimAsync(partly.Id, [new ClaimLineDecision(20), new ClaimLineDecision(4, "not-medically-necessary")]);
        await _insurer.Client.DecideClaimAsync(rejected.Id, [new ClaimLineDecision(0, "not-medically-necessary")]);

        var f = Assert.Single(await _insurer.Client.InsurerFiguresAsync());
        // What the ledger holds about the patient: the insurance.claim transactions of this insurer.
        var claimTxs = (await LedgerAbout(_patient.Id)).Where(t => t.Type == InsuranceClaimContract.TypeName).ToList();
        var filed = claimTxs.Where(t => t.Payload["action"] == InsuranceClaimContract.File && t.Payload["insurerId"] == _insurer.OrganizationId!.Value.ToString()).ToList();
        Assert.Equal(filed.Count, f.Claims);
        Assert.Equal((4, 1, 1, 1, 1, 0), (f.Claims, f.AwaitingDecision, f.Paid, f.PartlyApproved, f.Rejected, f.Approved));
        Assert.Equal(30L + 20 + 10 + 15 + 5, f.ClaimedMinor);
        Assert.Equal((30L + 24, 30L), (f.ApprovedMinor, f.PaidMinor));
        Assert.Equal(2.0 / 3, f.ApprovalRate!.Value, 6);
        Assert.Equal((_insurer.OrganizationId!.Value, "EUR"), (f.InsurerId, f.Currency));

        // Another insurer's figures are its own: empty here. Other roles are refused by policy.
        var rival = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Rival Mutual " + Guid.NewGuid().ToString("N")[..6]);
        Assert.Empty(await rival.Client.InsurerFiguresAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<MedLedgerApiException>(() => _patient.Client.InsurerFiguresAsync())).Status);
    }

    [Fact]
    public async Task With_documents_sealed_for_the_insurer_the_server_holds_no_document_content_and_no_private_key()
    {
        await WorldAsync();
        var marker = $"ZQX-CLAIM-DOC-{Guid.NewGuid():N}";
        var (claim, record) = await FileWithDocumentAsync("%PDF-1.7 invoice " + marker);
        await _patient.Client.SealClaimDocumentsForInsurerAsync(claim.Id);
        Assert.Contains(marker, Encoding.UTF8.GetString((await _insurer.Client.OpenRecordAsync(record.RecordId)).Content), StringComparison.Ordinal);

        var haystacks = await CuriousServerScan.StoredBytesAsync(Host);
        var needles = CuriousServerScan.Needles("claim document", marker).ToList();
        foreach (var u in new[] { _insurer, _patient })
        {
            needles.Add(($"{u.Role} encryption private key", u.Client.Keys!.Encryption.PrivateKey));
            needles.Add(($"{u.Role} encryption private key (base64)", Encoding.ASCII.GetBytes(Convert.ToBase64String(u.Client.Keys!.Encryption.PrivateKey))));
        }
        CuriousServerScan.AssertNoneFound(haystacks, needles);
    }
}
