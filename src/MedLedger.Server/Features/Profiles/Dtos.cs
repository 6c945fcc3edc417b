using MedLedger.Server.Features.Accounts;

namespace MedLedger.Server.Features.Profiles;

/// <summary>A profile key sealed for one reader (a SealedSecret: recipient key id, HPKE enc, ciphertext).</summary>
public sealed record ProfileWrapDto(Guid ReaderId, string RecipientKeyId, byte[] Enc, byte[] WrappedKey);

/// <summary>A new profile version: sealed and signed on the patient's device, with the key wrapped for every party (the patient included).</summary>
public sealed record ProfileWriteRequest(long Version, byte[] Nonce, byte[] Ciphertext, byte[] Signature, IReadOnlyList<ProfileWrapDto> Wraps);

/// <summary>Wraps of the current version for parties who lack one (a doctor assigned while the patient was offline).</summary>
public sealed record ProfileWrapsRequest(long Version, IReadOnlyList<ProfileWrapDto> Wraps);

/// <summary>A sealed profile and the caller's own wrap of its key.</summary>
public sealed record SharedProfileResponse(Guid PatientId, long Version, byte[] Nonce, byte[] Ciphertext, byte[] Signature, DateTimeOffset UpdatedAt, ProfileWrapDto Wrap);

/// <summary>How a party is related to the patient: themselves, a consent grantee, an assigned doctor, or staff of a hospital the patient registered or booked with.</summary>
public enum ProfileRelation { Self, Grantee, AssignedDoctor, HospitalStaff, BookedDoctor }

/// <summary>A party the server lets the patient wrap for, with their registered keys (the client checks them against the ledger).</summary>
public sealed record ProfilePartyResponse(Guid UserId, Role Role, ProfileRelation Relation, Guid? HospitalId, byte[] EncryptionPublicKey, byte[] SigningPublicKey, bool Wrapped);
