using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MedLedger.Server.Infrastructure.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PharmacyOrganizationKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "pharmacy_key_shares",
                columns: table => new
                {
                    PharmacyId = table.Column<Guid>(type: "uuid", nullable: false),
                    PharmacistId = table.Column<Guid>(type: "uuid", nullable: false),
                    Sealed = table.Column<byte[]>(type: "bytea", nullable: false),
                    SealedBy = table.Column<Guid>(type: "uuid", nullable: false),
                    KeyId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pharmacy_key_shares", x => new { x.PharmacyId, x.PharmacistId });
                });

            migrationBuilder.CreateTable(
                name: "pharmacy_organization_keys",
                columns: table => new
                {
                    PharmacyId = table.Column<Guid>(type: "uuid", nullable: false),
                    PublicKey = table.Column<byte[]>(type: "bytea", nullable: false),
                    UpdatedBy = table.Column<Guid>(type: "uuid", nullable: false),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pharmacy_organization_keys", x => x.PharmacyId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_pharmacy_key_shares_PharmacistId",
                table: "pharmacy_key_shares",
                column: "PharmacistId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "pharmacy_key_shares");

            migrationBuilder.DropTable(
                name: "pharmacy_organization_keys");
        }
    }
}
