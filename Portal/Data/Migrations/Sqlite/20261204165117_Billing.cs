using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Billing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "SpendAlerts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    OrgId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    Period = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ThresholdPercent = table.Column<int>(type: "INTEGER", nullable: false),
                    CreditsUsed = table.Column<long>(type: "INTEGER", nullable: false),
                    Limit = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    WebhookDeliveredAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    WebhookError = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SpendAlerts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SpendAlerts_Organizations_OrgId",
                        column: x => x.OrgId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SpendLimits",
                columns: table => new
                {
                    OrgId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    MonthlyCredits = table.Column<long>(type: "INTEGER", nullable: false),
                    HardStop = table.Column<bool>(type: "INTEGER", nullable: false),
                    AlertWebhookUrl = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SpendLimits", x => x.OrgId);
                    table.ForeignKey(
                        name: "FK_SpendLimits_Organizations_OrgId",
                        column: x => x.OrgId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SpendAlerts_OrgId_Period_ThresholdPercent",
                table: "SpendAlerts",
                columns: new[] { "OrgId", "Period", "ThresholdPercent" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SpendAlerts");

            migrationBuilder.DropTable(
                name: "SpendLimits");
        }
    }
}
