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
                name: "bed_bookings",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    HospitalId = table.Column<Guid>(type: "TEXT", nullable: false),
                    WardId = table.Column<Guid>(type: "TEXT", nullable: false),
                    BedType = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
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
                name: "login_challenges",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TicketHash = table.Column<byte[]>(type: "BLOB", nullable: false),
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
                name: "organizations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Address = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    Latitude = table.Column<double>(type: "REAL", nullable: false),
                    Longitude = table.Column<double>(type: "REAL", nullable: false),
                    ContactPhone = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    ContactEmail = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    Verification = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    VerificationReason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ConcurrencyStamp = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_organizations", x => x.Id);
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
                name: "users",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Verification = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    VerificationReason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    LicenseNumber = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
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
                name: "IX_bed_wards_OrganizationId_BedType",
                table: "bed_wards",
                columns: new[] { "OrganizationId", "BedType" });

            migrationBuilder.CreateIndex(
                name: "IX_bed_wards_OrganizationId_Name",
                table: "bed_wards",
                columns: new[] { "OrganizationId", "Name" },
                unique: true);

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
                name: "IX_login_challenges_TicketHash",
                table: "login_challenges",
                column: "TicketHash",
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
                name: "bed_bookings");

            migrationBuilder.DropTable(
                name: "bed_wards");

            migrationBuilder.DropTable(
                name: "blobs");

            migrationBuilder.DropTable(
                name: "hospital_offerings");

            migrationBuilder.DropTable(
                name: "hospital_profiles");

            migrationBuilder.DropTable(
                name: "hospital_reviews");

            migrationBuilder.DropTable(
                name: "key_bundles");

            migrationBuilder.DropTable(
                name: "login_challenges");

            migrationBuilder.DropTable(
                name: "organizations");

            migrationBuilder.DropTable(
                name: "security_events");

            migrationBuilder.DropTable(
                name: "sessions");

            migrationBuilder.DropTable(
                name: "users");
        }
    }
}
