using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Features.Insurance;

/// <summary>One benefit of a plan as the insurer writes it: exactly one of coveragePercent or copayMinor.</summary>
public sealed record PlanBenefitDto(BenefitCategory Category, int? CoveragePercent, long? CopayMinor, long AnnualLimitMinor, int WaitingPeriodDays);

/// <summary>A new plan's terms.</summary>
public sealed record PlanCreate(string Name, string? Description, string Currency, long PremiumMinor, PremiumPeriod PremiumPeriod, long AnnualLimitMinor,
    bool DependantsAllowed, IReadOnlyList<PlanBenefitDto> Benefits);

/// <summary>A plan's new terms, made against <c>Revision</c> (the revision the editor read; a stale one is a 409).</summary>
public sealed record PlanUpdate(int Revision, string Name, string? Description, string Currency, long PremiumMinor, PremiumPeriod PremiumPeriod, long AnnualLimitMinor,
    bool DependantsAllowed, PlanStatus Status, IReadOnlyList<PlanBenefitDto> Benefits);

public sealed record PlanResponse(Guid Id, Guid InsurerOrganizationId, string InsurerName, string Name, string? Description, string Currency, long PremiumMinor,
    PremiumPeriod PremiumPeriod, long AnnualLimitMinor, bool DependantsAllowed, PlanStatus Status, int Revision, DateTimeOffset UpdatedAt,
    IReadOnlyList<PlanBenefitDto> Benefits);

/// <summary>A patient's application: a plan and the first day of cover asked for (the period is one year from it).</summary>
public sealed record ApplyRequest(Guid PlanId, DateOnly PeriodStart);

/// <summary>An insurer's decline with a reason code: not-eligible, incomplete, duplicate or other.</summary>
public sealed record DeclineApplicationRequest(string Reason);

/// <summary>An application; <c>RecordIds</c> are the records the patient attached (docs/insurance.md "Application documents").</summary>
public sealed record ApplicationResponse(Guid Id, Guid PatientId, Guid PlanId, Guid InsurerOrganizationId, DateOnly PeriodStart, string Status, string? DeclineReason,
    Guid? PolicyId, DateTimeOffset CreatedAt, DateTimeOffset? DecidedAt, IReadOnlyList<Guid>? RecordIds = null);

/// <summary>
/// Acceptance or renewal: the insurer-staff-signed insurance.policy (issue or renew), and the policy card sealed on the insurer's
/// device for the patient and for the signer (the server cannot open either).
/// </summary>
public sealed record IssuePolicyRequest(SignedTransactionDto Transaction, byte[] SealedCardForPatient, byte[] SealedCardForInsurer);

/// <summary>A suspend (with its reason code in the transaction) or a reinstate: the insurer-staff-signed insurance.policy.</summary>
public sealed record PolicyChangeRequest(SignedTransactionDto Transaction);

/// <summary>
/// A policy as its patient or its insurer's staff see it: the terms it pins (canonical JSON, SHA-256 = termsHash on the ledger),
/// the sealed card for the reader, and the receipt of the insurance.policy that issued it.
/// </summary>
public sealed record PolicyResponse(Guid Id, Guid? ApplicationId, Guid PatientId, Guid InsurerOrganizationId, Guid PlanId, int PlanRevision, byte[] Terms, string TermsHash,
    DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, DateTimeOffset? CoverStart, string Currency, long PremiumMinor, long AnnualLimitMinor, string Status,
    string? SuspendReason, Guid? PreviousPolicyId, byte[] SealedCard, string IssueTransactionId, DateTimeOffset IssuedAt, DateTimeOffset UpdatedAt,
    MedLedger.Ledger.LedgerReceipt? Receipt);

/// <summary>The policy card sealed by the patient for one hospital or pharmacy professional.</summary>
public sealed record SharePolicyRequest(Guid GranteeId, byte[] SealedCard);

public sealed record PolicyShareResponse(Guid Id, Guid PolicyId, Guid PatientId, Guid GranteeId, byte[] SealedCard, DateTimeOffset CreatedAt);

/// <summary>
/// Whether benefit <c>Tag</c> of a policy covers a date, read from the ledger's policy state only: the policy is active and the
/// date inside its cover, the benefit exists, its waiting period (from the cover start) has passed, and what is left of the
/// benefit's and the policy's annual limits.
/// </summary>
public sealed record EligibilityResponse(Guid PolicyId, string Tag, DateOnly Date, string Status, bool Covered, bool WaitingPeriodPassed, long RemainingForTagMinor,
    long RemainingOverallMinor, string Currency);

/// <summary>
/// Records the patient attaches to their application (their own, 1–16). <c>KeepAfterDecision</c>: the link keeps opening them to the
/// insurer after the application is accepted or declined (by default it stops then).
/// </summary>
public sealed record AttachApplicationDocumentsRequest(IReadOnlyList<Guid>? RecordIds, bool KeepAfterDecision = false);

/// <summary>One attached record: whether the patient kept it past the decision and whether the link opens it to the insurer now.</summary>
public sealed record ApplicationDocumentDto(Guid RecordId, bool KeptAfterDecision, bool Open);

/// <summary>An application's attached records as its insurer's staff see them (the records themselves open through the records API).</summary>
public sealed record ApplicationDocumentsResponse(Guid ApplicationId, Guid PatientId, string Status, IReadOnlyList<ApplicationDocumentDto> Documents);
