using System.Globalization;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Amendments (web/src/sdk/amendments.ts): a patient asks the author of a record to correct it (records.amend-request);
// the author accepts by writing the next version and naming it (records.amend-decide), or declines with a reason.
// Request text and reason are sealed here for the patient and the author; the ledger holds their hashes only.

/// <summary>A sealed note as the server stores it: SealedSecret JSON for the patient and for the author.</summary>
public sealed record SealedNote(byte[] ForPatient, byte[] ForAuthor)
{
    internal AmendmentNote Parse() => new(SealedSecret.FromJson(ForPatient), SealedSecret.FromJson(ForAuthor));
}

public sealed record AmendmentInfo(Guid RequestId, Guid RecordId, Guid PatientId, Guid AuthorId, int Version, string Status,
    SealedNote Request, string RequestTransactionId, DateTimeOffset FiledAt,
    int? ResolvedVersion, SealedNote? Reason, string? DecisionTransactionId, DateTimeOffset? DecidedAt);

/// <summary>An amendment request opened on this device, each part checked against its ledger receipt.</summary>
public sealed record Amendment(Guid RequestId, Guid RecordId, Guid PatientId, Guid AuthorId, int Version, string Status,
    string RequestText, DateTimeOffset FiledAt, int? ResolvedVersion, string? DeclineReason, DateTimeOffset? DecidedAt)
{
    public bool IsOpen => Status == AmendmentKeys.Open;
}

public sealed partial class MedLedgerClient
{
    /// <summary>
    /// Patient: ask the author of one of your records to correct it. The record's latest version and its author are
    /// checked against the version's records.write anchor before the text is sealed for you and that author.
    /// </summary>
    public async Task<Amendment> RequestAmendmentAsync(Guid recordId, string text, CancellationToken ct = default)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in first.");
        var record = await FetchSealedAsync(recordId, null, ct);
        if (record.RecordId != recordId)
        {
            throw new MedLedgerVerificationException($"Asked for record {recordId}, the server sent {record.RecordId}.");
        }
        await CheckAnchorAsync(record, ct);
        if (record.PatientId != UserId)
        {
            throw new InvalidOperationException("Only the record's patient files an amendment request on it.");
        }
        if (record.AuthorId == UserId)
        {
            throw new InvalidOperationException("You wrote this record: write its next version instead of requesting an amendment.");
        }
        var author = await GetVerifiedPublicKeysAsync(record.AuthorId, ct);
        var requestId = Guid.NewGuid().ToString();
        var note = AmendmentNote.Seal(ProtocolTags.AmendmentRequestText, requestId, text, keys.Encryption.PublicKey, author.EncryptionPublicKey);
        var tx = NewTransaction(AmendRequestContract.TypeName, new Dictionary<string, string>
        {
            ["requestId"] = requestId, ["recordId"] = recordId.ToString(), ["patientId"] = UserId.ToString(), ["authorId"] = record.AuthorId.ToString(),
            ["version"] = record.Version.ToString(CultureInfo.InvariantCulture), ["contentHash"] = note.Hash(ProtocolTags.AmendmentRequestText, requestId),
        });
        var info = await SendAsync<AmendmentInfo>(HttpMethod.Post, "/api/amendments", new { transaction = Sign(tx), request = ToWire(note) }, authorize: true, ct);
        return await OpenAmendmentAsync(info, ct);
    }

    /// <summary>A patient's own requests, or (doctor) the requests on records you wrote; opened and checked against the ledger.</summary>
    public async Task<IReadOnlyList<Amendment>> AmendmentsAsync(Guid? recordId = null, CancellationToken ct = default)
    {
        var infos = await SendAsync<IReadOnlyList<AmendmentInfo>>(HttpMethod.Get, "/api/amendments" + (recordId is { } id ? $"?recordId={id}" : ""), null, authorize: true, ct);
        var opened = new List<Amendment>(infos.Count);
        foreach (var info in infos)
        {
            opened.Add(await OpenAmendmentAsync(info, ct));
        }
        return opened;
    }

    /// <summary>Author: write the corrected version, then mark the request accepted naming it.</summary>
    public async Task<Amendment> AcceptAmendmentAsync(Guid requestId, byte[] correctedContent, string? contentType = null, CancellationToken ct = default)
    {
        var request = await MyOpenRequestAsync(requestId, ct);
        var written = await AddVersionAsync(request.RecordId, correctedContent, contentType, ct);
        return await MarkAmendmentAcceptedAsync(requestId, written.Version, ct);
    }

    /// <summary>Author: mark a request accepted by a version you already wrote after the one it concerns (the ledger checks that).</summary>
    public async Task<Amendment> MarkAmendmentAcceptedAsync(Guid requestId, int resolvedVersion, CancellationToken ct = default)
    {
        var request = await MyOpenRequestAsync(requestId, ct);
        var tx = NewTransaction(AmendDecideContract.TypeName, new Dictionary<string, string>
        {
            ["requestId"] = requestId.ToString(), ["recordId"] = request.RecordId.ToString(), ["patientId"] = request.PatientId.ToString(), ["decision"] = AmendDecideContract.Accepted,
            ["resolvedVersion"] = resolvedVersion.ToString(CultureInfo.InvariantCulture),
        });
        return await DecideAsync(requestId, new { transaction = Sign(tx) }, ct);
    }

    /// <summary>Author: decline with a reason, sealed here for the patient (key checked against the ledger) and you.</summary>
    public async Task<Amendment> DeclineAmendmentAsync(Guid requestId, string reason, CancellationToken ct = default)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in first.");
        var request = await MyOpenRequestAsync(requestId, ct);
        var patient = await GetVerifiedPublicKeysAsync(request.PatientId, ct);
        var note = AmendmentNote.Seal(ProtocolTags.AmendmentDeclineReason, requestId.ToString(), reason, patient.EncryptionPublicKey, keys.Encryption.PublicKey);
        var tx = NewTransaction(AmendDecideContract.TypeName, new Dictionary<string, string>
        {
            ["requestId"] = requestId.ToString(), ["recordId"] = request.RecordId.ToString(), ["patientId"] = request.PatientId.ToString(), ["decision"] = AmendDecideContract.Declined,
            ["reasonHash"] = note.Hash(ProtocolTags.AmendmentDeclineReason, requestId.ToString()),
        });
        return await DecideAsync(requestId, new { transaction = Sign(tx), reason = ToWire(note) }, ct);
    }

    private async Task<Amendment> DecideAsync(Guid requestId, object body, CancellationToken ct) =>
        await OpenAmendmentAsync(await SendAsync<AmendmentInfo>(HttpMethod.Post, $"/api/amendments/{requestId}/decide", body, authorize: true, ct), ct);

    private async Task<Amendment> MyOpenRequestAsync(Guid requestId, CancellationToken ct)
    {
        var request = (await AmendmentsAsync(null, ct)).FirstOrDefault(a => a.RequestId == requestId && a.AuthorId == UserId)
            ?? throw new InvalidOperationException($"No amendment request {requestId} on a record you wrote.");
        return request.IsOpen ? request : throw new InvalidOperationException($"Amendment request {requestId} was {request.Status} already.");
    }

    /// <summary>
    /// Checks the request (and decision) against their verified ledger receipts — who signed, which record and version,
    /// the note hashes — then opens the notes with our key. A server cannot swap a note, a status or a version.
    /// </summary>
    private async Task<Amendment> OpenAmendmentAsync(AmendmentInfo a, CancellationToken ct)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in first.");
        var id = a.RequestId.ToString();
        var requestTx = await VerifiedTransactionAsync(a.RequestTransactionId, AmendRequestContract.TypeName, ct);
        var requestNote = a.Request.Parse();
        if (requestTx.ActorId != a.PatientId.ToString() || requestTx.Get("requestId") != id || requestTx.Get("recordId") != a.RecordId.ToString()
            || requestTx.Get("patientId") != a.PatientId.ToString() || requestTx.Get("authorId") != a.AuthorId.ToString() || requestTx.Get("version") != a.Version.ToString(CultureInfo.InvariantCulture)
            || requestTx.Get("contentHash") != requestNote.Hash(ProtocolTags.AmendmentRequestText, id))
        {
            throw new MedLedgerVerificationException($"Amendment request {id} does not match its records.amend-request on the ledger.");
        }
        string? reason = null;
        int? resolved = null;
        var status = AmendmentKeys.Open;
        if (a.DecisionTransactionId is { } decisionId)
        {
            var decision = await VerifiedTransactionAsync(decisionId, AmendDecideContract.TypeName, ct);
            // The ledger's contract checked the signer is the record's author; here the author must be the one the server names.
            if (decision.ActorId != a.AuthorId.ToString() || decision.Get("requestId") != id || decision.Get("recordId") != a.RecordId.ToString()
                || decision.Get("patientId") != a.PatientId.ToString())
            {
                throw new MedLedgerVerificationException($"The decision on amendment request {id} does not match its records.amend-decide on the ledger.");
            }
            status = decision.Get("decision")!;
            if (status == AmendDecideContract.Declined)
            {
                var note = (a.Reason ?? throw new MedLedgerVerificationException($"The server sent the decline of {id} without its reason.")).Parse();
                if (decision.Get("reasonHash") != note.Hash(ProtocolTags.AmendmentDeclineReason, id))
                {
                    throw new MedLedgerVerificationException($"The reason the server sent for declining {id} is not the one the author anchored.");
                }
                reason = note.Open(keys.Encryption, ProtocolTags.AmendmentDeclineReason, id);
            }
            else
            {
                resolved = int.Parse(decision.Get("resolvedVersion")!, NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }
        if (status != a.Status || resolved != a.ResolvedVersion)
        {
            throw new MedLedgerVerificationException($"The server reports amendment request {id} as {a.Status}; the ledger says {status}.");
        }
        var text = requestNote.Open(keys.Encryption, ProtocolTags.AmendmentRequestText, id);
        return new Amendment(a.RequestId, a.RecordId, a.PatientId, a.AuthorId, a.Version, status, text, a.FiledAt, resolved, reason, a.DecidedAt);
    }

    private async Task<LedgerTransaction> VerifiedTransactionAsync(string transactionId, string type, CancellationToken ct)
    {
        var receipt = await ReceiptAsync(transactionId, ct);
        await VerifyReceiptAsync(receipt, ct);
        var tx = receipt.Transaction();
        return tx.Id == transactionId && tx.Type == type
            ? tx
            : throw new MedLedgerVerificationException($"The server's receipt for {transactionId} is not that {type}.");
    }

    private static SealedNote ToWire(AmendmentNote note) => new(note.ForPatient.ToJsonBytes(), note.ForAuthor.ToJsonBytes());
}
