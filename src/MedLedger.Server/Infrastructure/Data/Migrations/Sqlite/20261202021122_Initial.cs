using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MedLedger.Server.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "amendment_requests",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RecordId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AuthorId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RequestForPatient = table.Column<byte[]>(type: "BLOB", nullable: false),
                    RequestForAuthor = table.Column<byte[]>(type: "BLOB", nullable: false),
                    RequestTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    FiledAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ResolvedVersion = table.Column<int>(type: "INTEGER", nullable: true),
                    ReasonForPatient = table.Column<byte[]>(type: "BLOB", nullable: true),
                    ReasonForAuthor = table.Column<byte[]>(type: "BLOB", nullable: true),
                    DecisionTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    DecidedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_amendment_requests", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "appointment_schedules",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    DoctorId = table.Column<Guid>(type: "TEXT", nullable: false),
                    HospitalId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TimeZone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SlotMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    VisitKind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Definition = table.Column<string>(type: "TEXT", maxLength: 16000, nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedBy = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_appointment_schedules", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "appointments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ScheduleId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DoctorId = table.Column<Guid>(type: "TEXT", nullable: false),
                    HospitalId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    StartsAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EndsAt = table.Column<long>(type: "INTEGER", nullable: false),
                    VisitKind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ReasonForDoctor = table.Column<byte[]>(type: "BLOB", nullable: false),
                    ReasonForPatient = table.Column<byte[]>(type: "BLOB", nullable: false),
                    ReasonHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CancelledBy = table.Column<Guid>(type: "TEXT", nullable: true),
                    BookTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    LastTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    EncounterRecordId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CarePlanRecordId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CloseTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_appointments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "bed_bookings",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    HospitalId = table.Column<Guid>(type: "TEXT", nullable: false),
                    WardId = table.Column<Guid>(type: "TEXT", nullable: false),
                    BedType = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    BedTypeSalt = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ClosedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ClosedBy = table.Column<Guid>(type: "TEXT", nullable: true),
                    BookTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    CloseTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_bed_bookings", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "bed_wards",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    BedType = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Total = table.Column<int>(type: "INTEGER", nullable: false),
                    Occupied = table.Column<int>(type: "INTEGER", nullable: false),
                    Held = table.Column<int>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_bed_wards", x => x.Id);
                    table.CheckConstraint("ck_bed_wards_counts", "\"Occupied\" >= 0 AND \"Held\" >= 0 AND \"Occupied\" + \"Held\" <= \"Total\"");
                });

            migrationBuilder.CreateTable(
                name: "blobs",
                columns: table => new
                {
                    Hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Content = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_blobs", x => x.Hash);
                });

            migrationBuilder.CreateTable(
                name: "break_glass_events",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    DoctorId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    HospitalId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ReasonSalt = table.Column<byte[]>(type: "BLOB", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    TransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ReviewedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ReviewedBy = table.Column<Guid>(type: "TEXT", nullable: true),
                    ReviewOutcome = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_break_glass_events", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "care_assignments",
                columns: table => new
                {
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DoctorId = table.Column<Guid>(type: "TEXT", nullable: false),
                    HospitalId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AssignedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    AssignedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    TransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_care_assignments", x => new { x.PatientId, x.DoctorId });
                });

            migrationBuilder.CreateTable(
                name: "care_registrations",
                columns: table => new
                {
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    HospitalId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RegisteredAt = table.Column<long>(type: "INTEGER", nullable: false),
                    TransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_care_registrations", x => new { x.PatientId, x.HospitalId });
                });

            migrationBuilder.CreateTable(
                name: "claim_record_links",
                columns: table => new
                {
                    ClaimId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RecordId = table.Column<Guid>(type: "TEXT", nullable: false),
                    InsurerOrganizationId = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_claim_record_links", x => new { x.ClaimId, x.RecordId });
                });

            migrationBuilder.CreateTable(
                name: "consent_grants",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    GranteeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Scope = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ScopeItems = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    Purpose = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    PurposeSalt = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: true),
                    AppointmentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RevokedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    GrantTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RevokeTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ConcurrencyStamp = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_consent_grants", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "conversation_messages",
                columns: table => new
                {
                    ConversationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Seq = table.Column<long>(type: "INTEGER", nullable: false),
                    ClientMessageId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SenderId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SentAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Nonce = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Ciphertext = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Signature = table.Column<byte[]>(type: "BLOB", nullable: false),
                    AttachmentHashes = table.Column<string>(type: "TEXT", maxLength: 1040, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_conversation_messages", x => new { x.ConversationId, x.Seq });
                });

            migrationBuilder.CreateTable(
                name: "conversation_participants",
                columns: table => new
                {
                    ConversationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SubjectRecipientKeyId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SubjectEnc = table.Column<byte[]>(type: "BLOB", nullable: false),
                    SubjectWrappedKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    ReadUpTo = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_conversation_participants", x => new { x.ConversationId, x.UserId });
                });

            migrationBuilder.CreateTable(
                name: "conversations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    AppointmentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    SubjectNonce = table.Column<byte[]>(type: "BLOB", nullable: false),
                    SubjectCiphertext = table.Column<byte[]>(type: "BLOB", nullable: false),
                    SubjectSignature = table.Column<byte[]>(type: "BLOB", nullable: false),
                    LastSeq = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_conversations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "dispense_stock_holds",
                columns: table => new
                {
                    TransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    PharmacyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    StockOperationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_dispense_stock_holds", x => x.TransactionId);
                });

            migrationBuilder.CreateTable(
                name: "emergency_designations",
                columns: table => new
                {
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    HospitalId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RecordId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    ReaderKeyId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Enc = table.Column<byte[]>(type: "BLOB", nullable: false),
                    WrappedKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    TransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_emergency_designations", x => new { x.PatientId, x.HospitalId });
                });

            migrationBuilder.CreateTable(
                name: "emergency_key_shares",
                columns: table => new
                {
                    HospitalId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DoctorId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Sealed = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_emergency_key_shares", x => new { x.HospitalId, x.DoctorId });
                });

            migrationBuilder.CreateTable(
                name: "hospital_emergency_keys",
                columns: table => new
                {
                    HospitalId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PublicKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    UpdatedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_hospital_emergency_keys", x => x.HospitalId);
                });

            migrationBuilder.CreateTable(
                name: "hospital_offerings",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_hospital_offerings", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "hospital_profiles",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    VisitingRules = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ConcurrencyStamp = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_hospital_profiles", x => x.OrganizationId);
                });

            migrationBuilder.CreateTable(
                name: "hospital_reviews",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    HospitalId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Rating = table.Column<int>(type: "INTEGER", nullable: false),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_hospital_reviews", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "insurance_claims",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PolicyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    InsurerOrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ProviderOrganizationId = table.Column<Guid>(type: "TEXT", nullable: true),
                    FiledBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    PayeeKind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    PayeeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    DocumentsHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Dispense = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    CopayPayableId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CopayMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Decision = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    ClaimedMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    ReservedMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    ApprovedMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    PaidMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    Dispute = table.Column<string>(type: "TEXT", maxLength: 48, nullable: true),
                    ReverseReason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    IdempotencyKey = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    RequestHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    FileTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    DecideTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    PayoutTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    FiledAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_insurance_claims", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "insurance_plans",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    InsurerOrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    PremiumMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    PremiumPeriod = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    AnnualLimitMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    DependantsAllowed = table.Column<bool>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_insurance_plans", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "key_bundles",
                columns: table => new
                {
                    UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SigningPublicKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    EncryptionPublicKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    PasswordWrappedPrivateKeys = table.Column<byte[]>(type: "BLOB", nullable: false),
                    RecoveryWrappedPrivateKeys = table.Column<byte[]>(type: "BLOB", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ConcurrencyStamp = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_key_bundles", x => x.UserId);
                });

            migrationBuilder.CreateTable(
                name: "ledger_verify_runs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    FinishedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    HeadHeight = table.Column<long>(type: "INTEGER", nullable: false),
                    Ok = table.Column<bool>(type: "INTEGER", nullable: false),
                    Summary = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_verify_runs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "login_challenges",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TicketHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Purpose = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EmailCodeHash = table.Column<byte[]>(type: "BLOB", nullable: true),
                    EmailCodeExpiresAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    ConsumedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ConcurrencyStamp = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_login_challenges", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "message_attachments",
                columns: table => new
                {
                    ConversationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    BlobHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    UploadedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    UploadedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ClientMessageId = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_message_attachments", x => new { x.ConversationId, x.BlobHash });
                });

            migrationBuilder.CreateTable(
                name: "message_wraps",
                columns: table => new
                {
                    ConversationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ClientMessageId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReaderId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RecipientKeyId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Enc = table.Column<byte[]>(type: "BLOB", nullable: false),
                    WrappedKey = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_message_wraps", x => new { x.ConversationId, x.ClientMessageId, x.ReaderId });
                });

            migrationBuilder.CreateTable(
                name: "orders",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PharmacyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    SealedForPharmacy = table.Column<byte[]>(type: "BLOB", nullable: false),
                    SealedForPatient = table.Column<byte[]>(type: "BLOB", nullable: false),
                    ContentHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    IdempotencyKey = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    RequestHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    PlaceTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    PlacedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ReservationCommitment = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    AcceptNote = table.Column<byte[]>(type: "BLOB", nullable: true),
                    DeclineReason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_orders", x => x.Id);
                    table.CheckConstraint("ck_orders_amount", "\"Amount\" > 0");
                });

            migrationBuilder.CreateTable(
                name: "organizations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Address = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    RegistrationNumber = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Latitude = table.Column<double>(type: "REAL", nullable: false),
                    Longitude = table.Column<double>(type: "REAL", nullable: false),
                    ContactPhone = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    ContactEmail = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    Verification = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    VerificationReason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    CardChangedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Suspended = table.Column<bool>(type: "INTEGER", nullable: false),
                    StandingReason = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ConcurrencyStamp = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_organizations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "patient_profiles",
                columns: table => new
                {
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false),
                    Nonce = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Ciphertext = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Signature = table.Column<byte[]>(type: "BLOB", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_patient_profiles", x => x.PatientId);
                });

            migrationBuilder.CreateTable(
                name: "payment_accounts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    OwnerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    Balance = table.Column<long>(type: "INTEGER", nullable: false),
                    AllowNegative = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_payment_accounts", x => x.Id);
                    table.CheckConstraint("ck_payment_accounts_balance", "\"Balance\" >= 0 OR \"AllowNegative\"");
                });

            migrationBuilder.CreateTable(
                name: "payment_idempotency_keys",
                columns: table => new
                {
                    CallerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Operation = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RequestHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ResultId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_payment_idempotency_keys", x => new { x.CallerId, x.Key });
                });

            migrationBuilder.CreateTable(
                name: "payment_journal_entries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Reference = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_payment_journal_entries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "payment_journal_postings",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    EntryId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AccountId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_payment_journal_postings", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "payment_payables",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PayeeOrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReferenceKind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ReferenceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    CreatedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    PaymentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ClosedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ClosedReason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_payment_payables", x => x.Id);
                    table.CheckConstraint("ck_payment_payables_amount", "\"Amount\" > 0");
                });

            migrationBuilder.CreateTable(
                name: "payment_payments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PayableId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PayerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PayeeOrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    TransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    SettledAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_payment_payments", x => x.Id);
                    table.CheckConstraint("ck_payment_payments_amount", "\"Amount\" > 0");
                });

            migrationBuilder.CreateTable(
                name: "payment_refunds",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PaymentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PharmacistId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    TransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_payment_refunds", x => x.Id);
                    table.CheckConstraint("ck_payment_refunds_amount", "\"Amount\" > 0");
                });

            migrationBuilder.CreateTable(
                name: "payment_top_ups",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    ExternalReference = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_payment_top_ups", x => x.Id);
                    table.CheckConstraint("ck_payment_top_ups_amount", "\"Amount\" > 0");
                });

            migrationBuilder.CreateTable(
                name: "pending_ledger_writes",
                columns: table => new
                {
                    TransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Rows = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pending_ledger_writes", x => x.TransactionId);
                });

            migrationBuilder.CreateTable(
                name: "pending_registrations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TicketHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Request = table.Column<byte[]>(type: "BLOB", nullable: false),
                    AuthKeyHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    AuthKeySalt = table.Column<byte[]>(type: "BLOB", nullable: false),
                    AuthKeyIterations = table.Column<int>(type: "INTEGER", nullable: false),
                    CodeHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Decoy = table.Column<bool>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    ConsumedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pending_registrations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "pharmacy_key_shares",
                columns: table => new
                {
                    PharmacyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PharmacistId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Sealed = table.Column<byte[]>(type: "BLOB", nullable: false),
                    SealedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    KeyId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pharmacy_key_shares", x => new { x.PharmacyId, x.PharmacistId });
                });

            migrationBuilder.CreateTable(
                name: "pharmacy_medicines",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PharmacyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    NameKey = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    Strength = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Form = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    PackSize = table.Column<int>(type: "INTEGER", nullable: false),
                    PriceMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    PrescriptionOnly = table.Column<bool>(type: "INTEGER", nullable: false),
                    Schedule = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ReorderLevel = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    DiscontinuedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pharmacy_medicines", x => x.Id);
                    table.CheckConstraint("ck_pharmacy_medicines_numbers", "\"PackSize\" > 0 AND \"PriceMinor\" >= 0 AND \"ReorderLevel\" >= 0");
                });

            migrationBuilder.CreateTable(
                name: "pharmacy_organization_keys",
                columns: table => new
                {
                    PharmacyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PublicKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    UpdatedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pharmacy_organization_keys", x => x.PharmacyId);
                });

            migrationBuilder.CreateTable(
                name: "pharmacy_price_changes",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PharmacyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MedicineId = table.Column<Guid>(type: "TEXT", nullable: false),
                    OldPriceMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    NewPriceMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    ActorId = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pharmacy_price_changes", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "pharmacy_stock_lots",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PharmacyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MedicineId = table.Column<Guid>(type: "TEXT", nullable: false),
                    LotNumber = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    ExpiresOn = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Received = table.Column<int>(type: "INTEGER", nullable: false),
                    Sold = table.Column<int>(type: "INTEGER", nullable: false),
                    Dispensed = table.Column<int>(type: "INTEGER", nullable: false),
                    WrittenOff = table.Column<int>(type: "INTEGER", nullable: false),
                    Returned = table.Column<int>(type: "INTEGER", nullable: false),
                    Adjusted = table.Column<int>(type: "INTEGER", nullable: false),
                    OnHand = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pharmacy_stock_lots", x => x.Id);
                    table.CheckConstraint("ck_pharmacy_stock_lots_counters", "\"Received\" >= 0 AND \"Sold\" >= 0 AND \"Dispensed\" >= 0 AND \"WrittenOff\" >= 0 AND \"Returned\" >= 0 AND \"OnHand\" >= 0 AND \"Returned\" <= \"Sold\" + \"Dispensed\"");
                    table.CheckConstraint("ck_pharmacy_stock_lots_identity", "\"OnHand\" = \"Received\" - \"Sold\" - \"Dispensed\" - \"WrittenOff\" + \"Returned\" + \"Adjusted\"");
                });

            migrationBuilder.CreateTable(
                name: "pharmacy_stock_movements",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OperationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PharmacyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MedicineId = table.Column<Guid>(type: "TEXT", nullable: false),
                    LotId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Quantity = table.Column<int>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Reference = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    ActorId = table.Column<Guid>(type: "TEXT", nullable: true),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pharmacy_stock_movements", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "pharmacy_stock_reservation_lines",
                columns: table => new
                {
                    ReservationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MedicineId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Quantity = table.Column<int>(type: "INTEGER", nullable: false),
                    OperationId = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pharmacy_stock_reservation_lines", x => new { x.ReservationId, x.MedicineId });
                    table.CheckConstraint("ck_pharmacy_stock_reservation_lines_quantity", "\"Quantity\" > 0");
                });

            migrationBuilder.CreateTable(
                name: "pharmacy_stock_reservations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PharmacyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Units = table.Column<int>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    TransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ReservedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ClosedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pharmacy_stock_reservations", x => x.Id);
                    table.CheckConstraint("ck_pharmacy_stock_reservations_units", "\"Units\" > 0");
                });

            migrationBuilder.CreateTable(
                name: "prescription_fills",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PrescriptionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    FillNumber = table.Column<int>(type: "INTEGER", nullable: false),
                    Quantity = table.Column<int>(type: "INTEGER", nullable: false),
                    PharmacistId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PharmacyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    DispensedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_prescription_fills", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "prescriptions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RecordId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RecordVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PrescriberId = table.Column<Guid>(type: "TEXT", nullable: false),
                    HeaderHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TotalUnits = table.Column<int>(type: "INTEGER", nullable: false),
                    MaxFills = table.Column<int>(type: "INTEGER", nullable: false),
                    ValidUntil = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    IssueTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    IssuedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CancelTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    CancelledAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_prescriptions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "profile_wraps",
                columns: table => new
                {
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReaderId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false),
                    RecipientKeyId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Enc = table.Column<byte[]>(type: "BLOB", nullable: false),
                    WrappedKey = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_profile_wraps", x => new { x.PatientId, x.ReaderId });
                });

            migrationBuilder.CreateTable(
                name: "record_versions",
                columns: table => new
                {
                    RecordId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    AuthorId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ContentType = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    CreatedAtMs = table.Column<long>(type: "INTEGER", nullable: false),
                    Nonce = table.Column<byte[]>(type: "BLOB", nullable: false),
                    KeyCommitment = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Signature = table.Column<byte[]>(type: "BLOB", nullable: false),
                    CiphertextHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CiphertextLength = table.Column<long>(type: "INTEGER", nullable: false),
                    HeaderHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    LedgerTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    StoredAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_record_versions", x => new { x.RecordId, x.Version });
                });

            migrationBuilder.CreateTable(
                name: "record_wraps",
                columns: table => new
                {
                    RecordId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    ReaderId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReaderKeyId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Enc = table.Column<byte[]>(type: "BLOB", nullable: false),
                    WrappedKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    GrantId = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_record_wraps", x => new { x.RecordId, x.Version, x.ReaderId });
                });

            migrationBuilder.CreateTable(
                name: "records",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Category = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    LatestVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ConcurrencyStamp = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_records", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "security_events",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ActorId = table.Column<Guid>(type: "TEXT", nullable: true),
                    SubjectId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Detail = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    RemoteAddress = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_security_events", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "sessions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                    FamilyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AccessTokenHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    AccessExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RefreshTokenHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    RefreshExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RevokedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    RotatedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sessions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "unknown_email_attempts",
                columns: table => new
                {
                    EmailKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    FailedAttempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LockedUntil = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_unknown_email_attempts", x => x.EmailKey);
                });

            migrationBuilder.CreateTable(
                name: "users",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Verification = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    VerificationReason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    LicenseNumber = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Specialty = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Suspended = table.Column<bool>(type: "INTEGER", nullable: false),
                    AuthKeyHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    AuthKeySalt = table.Column<byte[]>(type: "BLOB", nullable: false),
                    AuthKeyIterations = table.Column<int>(type: "INTEGER", nullable: false),
                    KdfAlgorithm = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    KdfIterations = table.Column<int>(type: "INTEGER", nullable: false),
                    KdfSalt = table.Column<byte[]>(type: "BLOB", nullable: false),
                    TotpSecret = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    TotpEnabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    TotpLastStep = table.Column<long>(type: "INTEGER", nullable: false),
                    RecoveryWindowStartedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    RecoveryStartsInWindow = table.Column<int>(type: "INTEGER", nullable: false),
                    FailedAttempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LockedUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EncryptedProfile = table.Column<byte[]>(type: "BLOB", nullable: true),
                    ConcurrencyStamp = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_users", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "insurance_claim_lines",
                columns: table => new
                {
                    ClaimId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Line = table.Column<int>(type: "INTEGER", nullable: false),
                    Tag = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    AmountMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    ServiceDateMs = table.Column<long>(type: "INTEGER", nullable: false),
                    Token = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    PayableMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    Decision = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    ApprovedMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_insurance_claim_lines", x => new { x.ClaimId, x.Line });
                    table.ForeignKey(
                        name: "FK_insurance_claim_lines_insurance_claims_ClaimId",
                        column: x => x.ClaimId,
                        principalTable: "insurance_claims",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "insurance_applications",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PlanId = table.Column<Guid>(type: "TEXT", nullable: false),
                    InsurerOrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PeriodStart = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    IdempotencyKey = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    DeclineReason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    PolicyId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DecidedBy = table.Column<Guid>(type: "TEXT", nullable: true),
                    DecidedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_insurance_applications", x => x.Id);
                    table.ForeignKey(
                        name: "FK_insurance_applications_insurance_plans_PlanId",
                        column: x => x.PlanId,
                        principalTable: "insurance_plans",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "insurance_plan_benefits",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PlanId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Category = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    CoveragePercent = table.Column<int>(type: "INTEGER", nullable: true),
                    CopayMinor = table.Column<long>(type: "INTEGER", nullable: true),
                    AnnualLimitMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    WaitingPeriodDays = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_insurance_plan_benefits", x => x.Id);
                    table.ForeignKey(
                        name: "FK_insurance_plan_benefits_insurance_plans_PlanId",
                        column: x => x.PlanId,
                        principalTable: "insurance_plans",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "insurance_policies",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ApplicationId = table.Column<Guid>(type: "TEXT", nullable: true),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    InsurerOrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PlanId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PlanRevision = table.Column<int>(type: "INTEGER", nullable: false),
                    Terms = table.Column<byte[]>(type: "BLOB", nullable: false),
                    TermsHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    PeriodStart = table.Column<long>(type: "INTEGER", nullable: false),
                    PeriodEnd = table.Column<long>(type: "INTEGER", nullable: false),
                    CoverStart = table.Column<long>(type: "INTEGER", nullable: true),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    PremiumMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    AnnualLimitMinor = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    SealedCardForPatient = table.Column<byte[]>(type: "BLOB", nullable: false),
                    SealedCardForInsurer = table.Column<byte[]>(type: "BLOB", nullable: false),
                    IssueTransactionId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    PreviousPolicyId = table.Column<Guid>(type: "TEXT", nullable: true),
                    SuspendReason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    IssuedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    IssuedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_insurance_policies", x => x.Id);
                    table.CheckConstraint("ck_insurance_policies_premium", "\"PremiumMinor\" > 0");
                    table.ForeignKey(
                        name: "FK_insurance_policies_insurance_plans_PlanId",
                        column: x => x.PlanId,
                        principalTable: "insurance_plans",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "application_record_links",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ApplicationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RecordId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    InsurerOrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    KeptAfterDecision = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_application_record_links", x => x.Id);
                    table.ForeignKey(
                        name: "FK_application_record_links_insurance_applications_ApplicationId",
                        column: x => x.ApplicationId,
                        principalTable: "insurance_applications",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "insurance_policy_shares",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PolicyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    GranteeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SealedCard = table.Column<byte[]>(type: "BLOB", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_insurance_policy_shares", x => x.Id);
                    table.ForeignKey(
                        name: "FK_insurance_policy_shares_insurance_policies_PolicyId",
                        column: x => x.PolicyId,
                        principalTable: "insurance_policies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_amendment_requests_AuthorId",
                table: "amendment_requests",
                column: "AuthorId");

            migrationBuilder.CreateIndex(
                name: "IX_amendment_requests_PatientId",
                table: "amendment_requests",
                column: "PatientId");

            migrationBuilder.CreateIndex(
                name: "IX_amendment_requests_RecordId",
                table: "amendment_requests",
                column: "RecordId");

            migrationBuilder.CreateIndex(
                name: "IX_application_record_links_ApplicationId_RecordId",
                table: "application_record_links",
                columns: new[] { "ApplicationId", "RecordId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_application_record_links_InsurerOrganizationId_RecordId",
                table: "application_record_links",
                columns: new[] { "InsurerOrganizationId", "RecordId" });

            migrationBuilder.CreateIndex(
                name: "IX_appointment_schedules_DoctorId_HospitalId",
                table: "appointment_schedules",
                columns: new[] { "DoctorId", "HospitalId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_appointment_schedules_HospitalId",
                table: "appointment_schedules",
                column: "HospitalId");

            migrationBuilder.CreateIndex(
                name: "IX_appointments_DoctorId_StartsAt",
                table: "appointments",
                columns: new[] { "DoctorId", "StartsAt" });

            migrationBuilder.CreateIndex(
                name: "IX_appointments_HospitalId_StartsAt",
                table: "appointments",
                columns: new[] { "HospitalId", "StartsAt" });

            migrationBuilder.CreateIndex(
                name: "IX_appointments_PatientId_StartsAt",
                table: "appointments",
                columns: new[] { "PatientId", "StartsAt" });

            migrationBuilder.CreateIndex(
                name: "IX_bed_bookings_CreatedAt",
                table: "bed_bookings",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_bed_bookings_HospitalId_Status",
                table: "bed_bookings",
                columns: new[] { "HospitalId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_bed_bookings_PatientId_CreatedAt",
                table: "bed_bookings",
                columns: new[] { "PatientId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_bed_bookings_Status_ExpiresAt",
                table: "bed_bookings",
                columns: new[] { "Status", "ExpiresAt" });

            migrationBuilder.CreateIndex(
                name: "UX_bed_bookings_one_hold",
                table: "bed_bookings",
                columns: new[] { "PatientId", "HospitalId" },
                unique: true,
                filter: "\"Status\" = 'Held'");

            migrationBuilder.CreateIndex(
                name: "IX_bed_wards_OrganizationId_BedType",
                table: "bed_wards",
                columns: new[] { "OrganizationId", "BedType" });

            migrationBuilder.CreateIndex(
                name: "IX_bed_wards_OrganizationId_Name",
                table: "bed_wards",
                columns: new[] { "OrganizationId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_break_glass_events_PatientId",
                table: "break_glass_events",
                column: "PatientId");

            migrationBuilder.CreateIndex(
                name: "IX_break_glass_events_ReviewedAt",
                table: "break_glass_events",
                column: "ReviewedAt");

            migrationBuilder.CreateIndex(
                name: "IX_care_assignments_DoctorId",
                table: "care_assignments",
                column: "DoctorId");

            migrationBuilder.CreateIndex(
                name: "IX_care_assignments_HospitalId",
                table: "care_assignments",
                column: "HospitalId");

            migrationBuilder.CreateIndex(
                name: "IX_care_registrations_HospitalId",
                table: "care_registrations",
                column: "HospitalId");

            migrationBuilder.CreateIndex(
                name: "IX_claim_record_links_RecordId_InsurerOrganizationId",
                table: "claim_record_links",
                columns: new[] { "RecordId", "InsurerOrganizationId" });

            migrationBuilder.CreateIndex(
                name: "IX_consent_grants_GranteeId",
                table: "consent_grants",
                column: "GranteeId");

            migrationBuilder.CreateIndex(
                name: "IX_consent_grants_PatientId_GranteeId",
                table: "consent_grants",
                columns: new[] { "PatientId", "GranteeId" });

            migrationBuilder.CreateIndex(
                name: "IX_conversation_messages_ConversationId_ClientMessageId",
                table: "conversation_messages",
                columns: new[] { "ConversationId", "ClientMessageId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_conversation_participants_UserId",
                table: "conversation_participants",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_conversations_PatientId",
                table: "conversations",
                column: "PatientId");

            migrationBuilder.CreateIndex(
                name: "IX_emergency_key_shares_DoctorId",
                table: "emergency_key_shares",
                column: "DoctorId");

            migrationBuilder.CreateIndex(
                name: "IX_hospital_offerings_Key_OrganizationId",
                table: "hospital_offerings",
                columns: new[] { "Key", "OrganizationId" });

            migrationBuilder.CreateIndex(
                name: "IX_hospital_offerings_OrganizationId_Kind_Key",
                table: "hospital_offerings",
                columns: new[] { "OrganizationId", "Kind", "Key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_hospital_reviews_HospitalId_PatientId",
                table: "hospital_reviews",
                columns: new[] { "HospitalId", "PatientId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_hospital_reviews_HospitalId_UpdatedAt",
                table: "hospital_reviews",
                columns: new[] { "HospitalId", "UpdatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_insurance_applications_InsurerOrganizationId_Status",
                table: "insurance_applications",
                columns: new[] { "InsurerOrganizationId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_insurance_applications_PatientId_IdempotencyKey",
                table: "insurance_applications",
                columns: new[] { "PatientId", "IdempotencyKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_insurance_applications_PatientId_PlanId_PeriodStart",
                table: "insurance_applications",
                columns: new[] { "PatientId", "PlanId", "PeriodStart" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_insurance_applications_PlanId",
                table: "insurance_applications",
                column: "PlanId");

            migrationBuilder.CreateIndex(
                name: "IX_insurance_claims_FiledBy_IdempotencyKey",
                table: "insurance_claims",
                columns: new[] { "FiledBy", "IdempotencyKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_insurance_claims_InsurerOrganizationId_Status",
                table: "insurance_claims",
                columns: new[] { "InsurerOrganizationId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_insurance_claims_PatientId",
                table: "insurance_claims",
                column: "PatientId");

            migrationBuilder.CreateIndex(
                name: "IX_insurance_claims_ProviderOrganizationId",
                table: "insurance_claims",
                column: "ProviderOrganizationId");

            migrationBuilder.CreateIndex(
                name: "UX_insurance_claims_one_per_dispense",
                table: "insurance_claims",
                column: "Dispense",
                unique: true,
                filter: "\"Status\" <> 'reversed'");

            migrationBuilder.CreateIndex(
                name: "IX_insurance_plan_benefits_PlanId_Category",
                table: "insurance_plan_benefits",
                columns: new[] { "PlanId", "Category" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_insurance_plans_InsurerOrganizationId",
                table: "insurance_plans",
                column: "InsurerOrganizationId");

            migrationBuilder.CreateIndex(
                name: "IX_insurance_plans_InsurerOrganizationId_Name",
                table: "insurance_plans",
                columns: new[] { "InsurerOrganizationId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_insurance_policies_ApplicationId",
                table: "insurance_policies",
                column: "ApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_insurance_policies_InsurerOrganizationId_Status",
                table: "insurance_policies",
                columns: new[] { "InsurerOrganizationId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_insurance_policies_IssueTransactionId",
                table: "insurance_policies",
                column: "IssueTransactionId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_insurance_policies_PatientId_PlanId_PeriodStart",
                table: "insurance_policies",
                columns: new[] { "PatientId", "PlanId", "PeriodStart" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_insurance_policies_PlanId",
                table: "insurance_policies",
                column: "PlanId");

            migrationBuilder.CreateIndex(
                name: "IX_insurance_policy_shares_GranteeId",
                table: "insurance_policy_shares",
                column: "GranteeId");

            migrationBuilder.CreateIndex(
                name: "IX_insurance_policy_shares_PolicyId_GranteeId",
                table: "insurance_policy_shares",
                columns: new[] { "PolicyId", "GranteeId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ledger_verify_runs_FinishedAt",
                table: "ledger_verify_runs",
                column: "FinishedAt");

            migrationBuilder.CreateIndex(
                name: "IX_login_challenges_TicketHash",
                table: "login_challenges",
                column: "TicketHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_orders_PatientId_IdempotencyKey",
                table: "orders",
                columns: new[] { "PatientId", "IdempotencyKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_orders_PatientId_PlacedAt",
                table: "orders",
                columns: new[] { "PatientId", "PlacedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_orders_PharmacyId_Status",
                table: "orders",
                columns: new[] { "PharmacyId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_orders_PlaceTransactionId",
                table: "orders",
                column: "PlaceTransactionId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_organizations_Kind_Verification",
                table: "organizations",
                columns: new[] { "Kind", "Verification" });

            migrationBuilder.CreateIndex(
                name: "IX_organizations_Latitude_Longitude",
                table: "organizations",
                columns: new[] { "Latitude", "Longitude" });

            migrationBuilder.CreateIndex(
                name: "IX_payment_accounts_Kind_OwnerId_Currency",
                table: "payment_accounts",
                columns: new[] { "Kind", "OwnerId", "Currency" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_payment_journal_entries_Kind_Reference",
                table: "payment_journal_entries",
                columns: new[] { "Kind", "Reference" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_payment_journal_postings_AccountId",
                table: "payment_journal_postings",
                column: "AccountId");

            migrationBuilder.CreateIndex(
                name: "IX_payment_journal_postings_EntryId",
                table: "payment_journal_postings",
                column: "EntryId");

            migrationBuilder.CreateIndex(
                name: "IX_payment_payables_PatientId",
                table: "payment_payables",
                column: "PatientId");

            migrationBuilder.CreateIndex(
                name: "IX_payment_payables_PayeeOrganizationId",
                table: "payment_payables",
                column: "PayeeOrganizationId");

            migrationBuilder.CreateIndex(
                name: "IX_payment_payables_ReferenceKind_ReferenceId",
                table: "payment_payables",
                columns: new[] { "ReferenceKind", "ReferenceId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_payment_payments_PayableId",
                table: "payment_payments",
                column: "PayableId");

            migrationBuilder.CreateIndex(
                name: "IX_payment_payments_PayerId",
                table: "payment_payments",
                column: "PayerId");

            migrationBuilder.CreateIndex(
                name: "IX_payment_payments_Status",
                table: "payment_payments",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_payment_payments_TransactionId",
                table: "payment_payments",
                column: "TransactionId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_payment_refunds_PaymentId",
                table: "payment_refunds",
                column: "PaymentId");

            migrationBuilder.CreateIndex(
                name: "IX_payment_top_ups_PatientId",
                table: "payment_top_ups",
                column: "PatientId");

            migrationBuilder.CreateIndex(
                name: "IX_pending_registrations_ExpiresAt",
                table: "pending_registrations",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_pending_registrations_TicketHash",
                table: "pending_registrations",
                column: "TicketHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_pharmacy_key_shares_PharmacistId",
                table: "pharmacy_key_shares",
                column: "PharmacistId");

            migrationBuilder.CreateIndex(
                name: "IX_pharmacy_medicines_NameKey",
                table: "pharmacy_medicines",
                column: "NameKey");

            migrationBuilder.CreateIndex(
                name: "IX_pharmacy_medicines_PharmacyId_NameKey_Strength_Form_PackSize",
                table: "pharmacy_medicines",
                columns: new[] { "PharmacyId", "NameKey", "Strength", "Form", "PackSize" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_pharmacy_price_changes_MedicineId_At",
                table: "pharmacy_price_changes",
                columns: new[] { "MedicineId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_pharmacy_stock_lots_MedicineId_ExpiresOn",
                table: "pharmacy_stock_lots",
                columns: new[] { "MedicineId", "ExpiresOn" });

            migrationBuilder.CreateIndex(
                name: "IX_pharmacy_stock_lots_MedicineId_LotNumber",
                table: "pharmacy_stock_lots",
                columns: new[] { "MedicineId", "LotNumber" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_pharmacy_stock_lots_PharmacyId_ExpiresOn",
                table: "pharmacy_stock_lots",
                columns: new[] { "PharmacyId", "ExpiresOn" });

            migrationBuilder.CreateIndex(
                name: "IX_pharmacy_stock_movements_LotId_At",
                table: "pharmacy_stock_movements",
                columns: new[] { "LotId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_pharmacy_stock_movements_OperationId",
                table: "pharmacy_stock_movements",
                column: "OperationId");

            migrationBuilder.CreateIndex(
                name: "IX_pharmacy_stock_movements_PharmacyId_At",
                table: "pharmacy_stock_movements",
                columns: new[] { "PharmacyId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_pharmacy_stock_reservations_PharmacyId_Status_ExpiresAt",
                table: "pharmacy_stock_reservations",
                columns: new[] { "PharmacyId", "Status", "ExpiresAt" });

            migrationBuilder.CreateIndex(
                name: "IX_pharmacy_stock_reservations_TransactionId",
                table: "pharmacy_stock_reservations",
                column: "TransactionId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_prescription_fills_PatientId",
                table: "prescription_fills",
                column: "PatientId");

            migrationBuilder.CreateIndex(
                name: "IX_prescription_fills_PrescriptionId_FillNumber",
                table: "prescription_fills",
                columns: new[] { "PrescriptionId", "FillNumber" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_prescriptions_PatientId",
                table: "prescriptions",
                column: "PatientId");

            migrationBuilder.CreateIndex(
                name: "IX_prescriptions_PrescriberId",
                table: "prescriptions",
                column: "PrescriberId");

            migrationBuilder.CreateIndex(
                name: "IX_prescriptions_RecordId",
                table: "prescriptions",
                column: "RecordId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_profile_wraps_ReaderId",
                table: "profile_wraps",
                column: "ReaderId");

            migrationBuilder.CreateIndex(
                name: "IX_record_versions_AuthorId",
                table: "record_versions",
                column: "AuthorId");

            migrationBuilder.CreateIndex(
                name: "IX_record_wraps_GrantId",
                table: "record_wraps",
                column: "GrantId");

            migrationBuilder.CreateIndex(
                name: "IX_record_wraps_ReaderId",
                table: "record_wraps",
                column: "ReaderId");

            migrationBuilder.CreateIndex(
                name: "IX_records_PatientId_Category",
                table: "records",
                columns: new[] { "PatientId", "Category" });

            migrationBuilder.CreateIndex(
                name: "IX_security_events_At",
                table: "security_events",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_security_events_Kind",
                table: "security_events",
                column: "Kind");

            migrationBuilder.CreateIndex(
                name: "IX_security_events_SubjectId",
                table: "security_events",
                column: "SubjectId");

            migrationBuilder.CreateIndex(
                name: "IX_sessions_AccessTokenHash",
                table: "sessions",
                column: "AccessTokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_sessions_FamilyId",
                table: "sessions",
                column: "FamilyId");

            migrationBuilder.CreateIndex(
                name: "IX_sessions_RefreshTokenHash",
                table: "sessions",
                column: "RefreshTokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_sessions_UserId",
                table: "sessions",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_users_Email",
                table: "users",
                column: "Email",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_users_OrganizationId",
                table: "users",
                column: "OrganizationId");

            migrationBuilder.CreateIndex(
                name: "IX_users_Verification",
                table: "users",
                column: "Verification");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "amendment_requests");

            migrationBuilder.DropTable(
                name: "application_record_links");

            migrationBuilder.DropTable(
                name: "appointment_schedules");

            migrationBuilder.DropTable(
                name: "appointments");

            migrationBuilder.DropTable(
                name: "bed_bookings");

            migrationBuilder.DropTable(
                name: "bed_wards");

            migrationBuilder.DropTable(
                name: "blobs");

            migrationBuilder.DropTable(
                name: "break_glass_events");

            migrationBuilder.DropTable(
                name: "care_assignments");

            migrationBuilder.DropTable(
                name: "care_registrations");

            migrationBuilder.DropTable(
                name: "claim_record_links");

            migrationBuilder.DropTable(
                name: "consent_grants");

            migrationBuilder.DropTable(
                name: "conversation_messages");

            migrationBuilder.DropTable(
                name: "conversation_participants");

            migrationBuilder.DropTable(
                name: "conversations");

            migrationBuilder.DropTable(
                name: "dispense_stock_holds");

            migrationBuilder.DropTable(
                name: "emergency_designations");

            migrationBuilder.DropTable(
                name: "emergency_key_shares");

            migrationBuilder.DropTable(
                name: "hospital_emergency_keys");

            migrationBuilder.DropTable(
                name: "hospital_offerings");

            migrationBuilder.DropTable(
                name: "hospital_profiles");

            migrationBuilder.DropTable(
                name: "hospital_reviews");

            migrationBuilder.DropTable(
                name: "insurance_claim_lines");

            migrationBuilder.DropTable(
                name: "insurance_plan_benefits");

            migrationBuilder.DropTable(
                name: "insurance_policy_shares");

            migrationBuilder.DropTable(
                name: "key_bundles");

            migrationBuilder.DropTable(
                name: "ledger_verify_runs");

            migrationBuilder.DropTable(
                name: "login_challenges");

            migrationBuilder.DropTable(
                name: "message_attachments");

            migrationBuilder.DropTable(
                name: "message_wraps");

            migrationBuilder.DropTable(
                name: "orders");

            migrationBuilder.DropTable(
                name: "organizations");

            migrationBuilder.DropTable(
                name: "patient_profiles");

            migrationBuilder.DropTable(
                name: "payment_accounts");

            migrationBuilder.DropTable(
                name: "payment_idempotency_keys");

            migrationBuilder.DropTable(
                name: "payment_journal_entries");

            migrationBuilder.DropTable(
                name: "payment_journal_postings");

            migrationBuilder.DropTable(
                name: "payment_payables");

            migrationBuilder.DropTable(
                name: "payment_payments");

            migrationBuilder.DropTable(
                name: "payment_refunds");

            migrationBuilder.DropTable(
                name: "payment_top_ups");

            migrationBuilder.DropTable(
                name: "pending_ledger_writes");

            migrationBuilder.DropTable(
                name: "pending_registrations");

            migrationBuilder.DropTable(
                name: "pharmacy_key_shares");

            migrationBuilder.DropTable(
                name: "pharmacy_medicines");

            migrationBuilder.DropTable(
                name: "pharmacy_organization_keys");

            migrationBuilder.DropTable(
                name: "pharmacy_price_changes");

            migrationBuilder.DropTable(
                name: "pharmacy_stock_lots");

            migrationBuilder.DropTable(
                name: "pharmacy_stock_movements");

            migrationBuilder.DropTable(
                name: "pharmacy_stock_reservation_lines");

            migrationBuilder.DropTable(
                name: "pharmacy_stock_reservations");

            migrationBuilder.DropTable(
                name: "prescription_fills");

            migrationBuilder.DropTable(
                name: "prescriptions");

            migrationBuilder.DropTable(
                name: "profile_wraps");

            migrationBuilder.DropTable(
                name: "record_versions");

            migrationBuilder.DropTable(
                name: "record_wraps");

            migrationBuilder.DropTable(
                name: "records");

            migrationBuilder.DropTable(
                name: "security_events");

            migrationBuilder.DropTable(
                name: "sessions");

            migrationBuilder.DropTable(
                name: "unknown_email_attempts");

            migrationBuilder.DropTable(
                name: "users");

            migrationBuilder.DropTable(
                name: "insurance_applications");

            migrationBuilder.DropTable(
                name: "insurance_claims");

            migrationBuilder.DropTable(
                name: "insurance_policies");

            migrationBuilder.DropTable(
                name: "insurance_plans");
        }
    }
}
